"""Identification in the browser: three households of 孔兴村 from application to announcement,
through both publicities and an upheld objection, within the village's quota."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from households.models import Household
from identification.choices import CaseState, NoticeState, ObjectionState
from identification.models import Case, CaseEvent, Notice, Objection, Quota
from identification.services import HOME_CHECK_ITEMS
from tests.identification.conftest import KONGXING, SHILI_TOWNSHIP, submitted_household

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = timezone.localdate
COUNTY = "530921000000"


def _day(days_ago: int) -> str:
    return (TODAY() - datetime.timedelta(days=days_ago)).isoformat()


def _png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _url(name: str, **kwargs) -> str:
    return reverse(f"identification:{name}", kwargs=kwargs)


def _home_check(case: Case, **extra) -> dict:
    data = {"visited_on": _day(1), "findings": "收入、住房与申请一致", "version": case.version}
    data.update({f"check_{item}": "on" for item in HOME_CHECK_ITEMS})
    names = {"head": "杨大山", "surveyor": "李调查", "team_leader": "王队长"}
    for role, name in names.items():
        data.update({f"{role}_name": name, f"{role}_date": _day(1)})
    data.update(extra)
    return data


def _case(household) -> Case:
    return Case.objects.get(household=household)


def _post_and_conclude(client, notice: Notice, *, days_ago: int):
    posted = client.post(
        _url("notice_post", pk=notice.pk),
        {"starts_on": _day(days_ago), "posted_place": "村委会公示栏", "photo": _png("公示照片.png")},
    )
    assert posted.status_code == 302, posted.content[:500]
    concluded = client.post(_url("notice_conclude", pk=notice.pk))
    assert concluded.status_code == 302, concluded.content[:500]


def test_three_households_go_from_application_to_announcement_through_the_pages(personas, campaign, client_for):
    # given three households of 孔兴村 whose survey forms are submitted
    households = [submitted_household(personas, offset) for offset in range(3)]
    clerk = client_for(personas["village_clerk"])
    reviewer = client_for(personas["township_reviewer"])
    officer = client_for(personas["county_officer"])

    # when the clerk files their applications
    page = clerk.get(_url("case_apply", pk=campaign.pk, code=KONGXING))
    assert [choice[0] for choice in page.context["form"].fields["households"].choices] == [h.pk for h in households]
    filed = clerk.post(
        _url("case_apply", pk=campaign.pk, code=KONGXING),
        {"households": [h.pk for h in households], "informed_on": _day(3), "self_assessment": "人均收入约3000元"},
    )
    assert filed.status_code == 302
    first, second, third = cases = [_case(h) for h in households]

    # and records each group discussion, the minutes of the first one attached
    for case in cases:
        data = {"meeting_date": _day(2), "attendance": 18, "recommended": "on", "version": case.version}
        if case == first:
            data["minutes"] = _png("小组会议记录.png")
        response = clerk.post(_url("case_group_discussion", pk=case.pk), data)
        assert response.status_code == 302, response.content[:500]

    # and the assembly's votes for all three on the village appraisal screen
    screen = clerk.get(_url("village_appraisal", pk=campaign.pk, code=KONGXING))
    assert [c.pk for c in screen.context["cases"]] == [
        c.pk for c in sorted(cases, key=lambda c: (-c.score, c.pk))
    ]  # ranked by score
    votes = {"meeting_date": _day(2), "representatives": 30, "present": 24, "comparison_read": "on"}
    for case in cases:
        votes.update({f"for_{case.pk}": 20, f"against_{case.pk}": 3})
    appraised = clerk.post(_url("village_appraisal", pk=campaign.pk, code=KONGXING), votes)
    assert appraised.status_code == 200
    assert [row["state"] for row in appraised.context["results"]] == [CaseState.VILLAGE_APPRAISED] * 3

    # and the home checks, with a photo of the signed form for the first
    for case in cases:
        case.refresh_from_db()
        extra = {"photo": _png("入户核查表.png")} if case == first else {}
        response = clerk.post(_url("case_home_check", pk=case.pk), _home_check(case, **extra))
        assert response.status_code == 302, response.content[:500]

    # then the township drafts and posts the first publicity in the village
    drafted = reviewer.post(
        _url("notice_create", pk=campaign.pk),
        {"kind": "first_publicity", "area": KONGXING, "issued_by": "孔兴村民委员会", "contact": "乡纪委 0883-1234567"},
    )
    assert drafted.status_code == 302
    notice = Notice.objects.get(kind="first_publicity")
    posted = reviewer.post(_url("notice_post", pk=notice.pk), {"starts_on": _day(20), "posted_place": "村委会公示栏"})
    assert posted.status_code == 302

    # and a villager objects to the third household; the clerk records it
    objected = clerk.post(
        _url("objection_add", pk=notice.pk),
        {
            "case": third.pk,
            "raised_by": "村民李某",
            "received_on": _day(15),
            "channel": "in_person",
            "content": "该户在县城有门面",
        },
    )
    assert objected.status_code == 302
    objection = Objection.objects.get()

    # the period cannot be concluded while the objection is open
    refused = reviewer.post(_url("notice_conclude", pk=notice.pk))
    assert refused.status_code == 200
    assert refused.context["conclude_error"]
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.POSTED

    # the township upholds it: the third case goes back to the village appraisal
    upheld = reviewer.post(
        _url("objection_resolve", pk=objection.pk),
        {
            f"o{objection.pk}-decision": "uphold",
            f"o{objection.pk}-return_to": "group_discussed",
            f"o{objection.pk}-resolution": "门面系租用，需重新评议",
        },
    )
    assert upheld.status_code == 302
    assert Objection.objects.get().state == ObjectionState.UPHELD
    third.refresh_from_db()
    assert third.state == CaseState.GROUP_DISCUSSED
    concluded = reviewer.post(_url("notice_conclude", pk=notice.pk))
    assert concluded.status_code == 302

    # the third household is appraised and checked again, and publicized on its own
    response = clerk.post(
        _url("case_village_appraisal", pk=third.pk),
        {
            "meeting_date": _day(1),
            "representatives": 30,
            "present": 25,
            "votes_for": 21,
            "votes_against": 2,
            "comparison_read": "on",
            "version": third.version,
        },
    )
    assert response.status_code == 302
    third.refresh_from_db()
    assert clerk.post(_url("case_home_check", pk=third.pk), _home_check(third)).status_code == 302
    reviewer.post(
        _url("notice_create", pk=campaign.pk),
        {"kind": "first_publicity", "area": KONGXING, "issued_by": "孔兴村民委员会", "contact": "0883-1234567"},
    )
    _post_and_conclude(reviewer, Notice.objects.filter(kind="first_publicity").latest("id"), days_ago=20)

    # the township reviews all three at once, the first in the field (at least a fifth)
    reviewed = reviewer.post(
        _url("case_bulk", pk=campaign.pk),
        {"step": "record_township_review", "cases": [c.pk for c in cases], "field": [first.pk], "finding": "属实"},
    )
    assert reviewed.status_code == 200
    assert [row["passed"] for row in reviewed.context["rows"]] == [True, True, True]

    # and runs the second publicity in the township
    second_notice = reviewer.post(
        _url("notice_create", pk=campaign.pk),
        {"kind": "second_publicity", "area": SHILI_TOWNSHIP, "issued_by": "诗礼乡人民政府", "contact": "0883-7654321"},
    )
    assert second_notice.status_code == 302
    _post_and_conclude(reviewer, Notice.objects.get(kind="second_publicity"), days_ago=10)

    # the county confirms the three within the quota, one checked in the field, and announces them
    confirmed = officer.post(
        _url("case_bulk", pk=campaign.pk), {"step": "confirm", "cases": [c.pk for c in cases], "field": [second.pk]}
    )
    assert confirmed.status_code == 200
    assert confirmed.context["passed"] == 3
    announced = officer.post(
        _url("notice_create", pk=campaign.pk),
        {
            "kind": "announcement",
            "area": COUNTY,
            "issued_by": "凤庆县扶贫开发领导小组办公室",
            "contact": "0883-1111111",
        },
    )
    assert announced.status_code == 302
    announcement = Notice.objects.get(kind="announcement")
    response = officer.post(
        _url("notice_post", pk=announcement.pk), {"starts_on": _day(0), "posted_place": "县政府公告栏"}
    )
    assert response.status_code == 302

    # then the three are announced and registered, within 孔兴村's quota
    assert sorted(Case.objects.values_list("state", flat=True)) == [CaseState.ANNOUNCED] * 3
    assert set(Household.objects.values_list("status", flat=True)) == {"registered"}
    quota = Quota.objects.get(campaign=campaign, area_id=KONGXING)
    assert (quota.used_households, quota.used_people) == (3, 12)
    assert Notice.objects.filter(kind="first_publicity").count() == 2
    # and the third case's timeline tells its whole story, readably
    timeline = clerk.get(_url("case_detail", pk=third.pk))
    steps = [item["event"].transition for item in timeline.context["events"]]
    assert steps[:8] == [
        "apply",
        "record_group_discussion",
        "record_village_appraisal",
        "record_home_check",
        "post_first_publicity",
        "objection_upheld",
        "record_village_appraisal",
        "record_home_check",
    ]
    page = timeline.content.decode()
    assert "门面系租用，需重新评议" in page  # the reason it went back
    assert "王队长" in page and "李调查" in page  # the signatures
    first_page = clerk.get(_url("case_detail", pk=first.pk)).content.decode()
    assert "小组会议记录.png" in first_page and "入户核查表.png" in first_page
    attachment = CaseEvent.objects.get(case=first, transition="record_home_check").attachments.get()
    assert _url("attachment_download", pk=attachment.pk) in first_page


# --- bulk steps, query counts, attachments, refusals ---------------------------------------------


def _cases_at(personas, campaign, state: str, count: int, *, start: int = 0) -> list[Case]:
    """``count`` cases of 孔兴村 at ``state`` (applied through the service, then moved there)."""
    from identification import services

    cases = []
    for offset in range(start, start + count):
        household = submitted_household(personas, offset)
        case = services.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk,
            informed_on=TODAY() - datetime.timedelta(days=1),
        )  # fmt: skip
        cases.append(case)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state=state)
    return cases


def test_bulk_confirmation_gives_a_result_per_case_and_one_fails_on_the_quota(personas, campaign, client_for):
    # given three cases waiting for the county and a village quota of two households
    from django.utils.translation import gettext

    from identification import services

    cases = _cases_at(personas, campaign, CaseState.SECOND_PUBLICIZED, 3)
    services.set_quota(
        actor=personas["county_officer"], campaign_id=campaign.pk, area_code=KONGXING, households=2, people=8
    )

    # when the county officer confirms all three at once
    response = client_for(personas["county_officer"]).post(
        _url("case_bulk", pk=campaign.pk), {"step": "confirm", "cases": [c.pk for c in cases], "field": [cases[0].pk]}
    )

    # then two pass and the third is refused for the quota, with the reason on its row
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["passed"] for row in rows] == [True, True, False]
    assert rows[2]["message"] == gettext(
        "The quota of %(village)s is used up (%(households)s households, %(people)s people)."
    ) % {"village": f"孔兴村（{KONGXING}）", "households": 2, "people": 8}
    assert response.context["passed"] == 2 and response.context["failed"] == 1
    states = dict(Case.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in cases] == ["county_confirmed", "county_confirmed", "second_publicized"]
    assert Quota.objects.get(campaign=campaign, area_id=KONGXING).used_households == 2
    assert CaseEvent.objects.get(case=cases[0], transition="confirm").record["checked_in_field"] is True
    assert CaseEvent.objects.get(case=cases[1], transition="confirm").record["checked_in_field"] is False
    assert rows[2]["message"] in response.content.decode()


def test_bulk_steps_need_the_action_in_the_county(personas, campaign, client_for):
    # given a case waiting for the county
    cases = _cases_at(personas, campaign, CaseState.SECOND_PUBLICIZED, 1)

    # when the township reviewer tries to confirm it
    response = client_for(personas["township_reviewer"]).post(
        _url("case_bulk", pk=campaign.pk), {"step": "confirm", "cases": [cases[0].pk]}
    )

    # then it is refused and nothing moved
    assert response.status_code == 403
    assert Case.objects.get().state == CaseState.SECOND_PUBLICIZED


def _page_queries(client, url: str, params: dict | None = None) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import count_page_queries

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return count_page_queries(captured), response


def test_the_case_list_and_campaign_page_make_the_same_few_queries_for_3_or_30_cases(personas, campaign, client_for):
    # given three cases, then thirty, at several steps
    client = client_for(personas["county_officer"])
    few_cases = _cases_at(personas, campaign, CaseState.GROUP_DISCUSSED, 3)
    Case.objects.filter(pk=few_cases[0].pk).update(state=CaseState.SECOND_PUBLICIZED)
    few = {
        "list": _page_queries(client, _url("case_list", pk=campaign.pk))[0],
        "filtered": _page_queries(client, _url("case_list", pk=campaign.pk), {"order": "-score", "village": KONGXING})[
            0
        ],
        "campaign": _page_queries(client, _url("campaign_detail", pk=campaign.pk))[0],
    }

    # when there are thirty
    more = _cases_at(personas, campaign, CaseState.APPLIED, 27, start=3)
    Case.objects.filter(pk__in=[c.pk for c in more[:10]]).update(state=CaseState.HOME_CHECKED)
    many_list, listing = _page_queries(client, _url("case_list", pk=campaign.pk))
    many = {
        "list": many_list,
        "filtered": _page_queries(client, _url("case_list", pk=campaign.pk), {"order": "-score", "village": KONGXING})[
            0
        ],
        "campaign": _page_queries(client, _url("campaign_detail", pk=campaign.pk))[0],
    }

    # then the numbers of queries do not change, and stay within twelve
    assert few == many
    assert max(many.values()) <= 12, many
    assert len(listing.context["page"]) == 30


def test_an_attachment_too_large_or_of_the_wrong_type_is_refused_with_the_message(
    personas, campaign, client_for, settings
):
    # given a case waiting for its home check and an attachment limit of 1 kB
    from django.utils.translation import gettext

    from identification.models import Attachment

    settings.ATTACHMENT_MAX_BYTES = 1024
    case = _cases_at(personas, campaign, CaseState.VILLAGE_APPRAISED, 1)[0]
    case.refresh_from_db()
    client = client_for(personas["village_clerk"])
    large = SimpleUploadedFile("大照片.png", PNG + b"\x00" * 2048, content_type="image/png")
    script = SimpleUploadedFile("照片.png", b"<script>alert(1)</script>", content_type="image/png")

    # when the clerk attaches each
    too_large = client.post(_url("case_home_check", pk=case.pk), _home_check(case, photo=large))
    wrong_type = client.post(_url("case_home_check", pk=case.pk), _home_check(case, photo=script))

    # then the page shows why next to the photo field, and neither the step nor a file is kept
    assert too_large.status_code == 200
    assert too_large.context["forms"]["step"].errors["photo"] == [
        gettext("The file is %(size)s MB; attachments may be at most %(limit)s MB.") % {"size": 0.0, "limit": 0}
    ]
    assert wrong_type.context["forms"]["step"].errors["photo"] == [
        gettext("Attach a photo (JPEG or PNG) or a PDF scan.")
    ]
    assert gettext("Attach a photo (JPEG or PNG) or a PDF scan.") in wrong_type.content.decode()
    # in Chinese, the pages' language (the catalogue is compiled by `make setup` / `make test`)
    assert "附件最大允许" in too_large.content.decode()
    assert "请上传照片（JPEG 或 PNG）或 PDF 扫描件。" in wrong_type.content.decode()
    assert Attachment.objects.count() == 0
    assert Case.objects.get().state == CaseState.VILLAGE_APPRAISED


def test_a_step_form_answers_404_out_of_scope_and_403_to_the_wrong_role(personas, campaign, client_for):
    # given a case of 孔兴村 waiting for its group discussion
    case = _cases_at(personas, campaign, CaseState.APPLIED, 1)[0]
    data = {"meeting_date": _day(1), "attendance": 18, "recommended": "on", "version": case.version}
    url = _url("case_group_discussion", pk=case.pk)

    # when Charlie (another township) and the county officer (no capture) post the step
    charlie = client_for(personas["charlie"]).post(url, data)
    officer = client_for(personas["county_officer"]).post(url, data)
    charlie_page = client_for(personas["charlie"]).get(_url("case_detail", pk=case.pk))

    # then Charlie is told it does not exist, the officer that it is not theirs, and nothing moved
    assert charlie.status_code == 404
    assert charlie_page.status_code == 404
    assert officer.status_code == 403
    assert Case.objects.get().state == CaseState.APPLIED
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_the_case_page_offers_only_the_forms_of_the_users_role(personas, campaign, client_for):
    # given a case waiting for its group discussion
    case = _cases_at(personas, campaign, CaseState.APPLIED, 1)[0]

    # when the clerk and the county officer open it
    clerk = client_for(personas["village_clerk"]).get(_url("case_detail", pk=case.pk))
    officer = client_for(personas["county_officer"]).get(_url("case_detail", pk=case.pk))

    # then the clerk gets the group discussion and the rejection, the officer no form
    assert set(clerk.context["forms"]) == {"step", "reject"}
    assert clerk.context["step"].name == "record_group_discussion"
    assert officer.context["forms"] == {}


def test_a_vote_with_more_votes_than_present_shows_the_error_for_that_case(personas, campaign, client_for):
    # given two cases waiting for the village appraisal
    cases = _cases_at(personas, campaign, CaseState.GROUP_DISCUSSED, 2)
    good, bad = cases
    data = {"meeting_date": _day(1), "representatives": 30, "present": 24, "comparison_read": "on"}
    data.update({f"for_{good.pk}": 20, f"against_{good.pk}": 3, f"for_{bad.pk}": 20, f"against_{bad.pk}": 10})

    # when the clerk records the meeting
    response = client_for(personas["village_clerk"]).post(
        _url("village_appraisal", pk=campaign.pk, code=KONGXING), data
    )

    # then the good vote passes, the impossible one is refused with the reason next to its case
    assert response.status_code == 200
    results = {row["case"].pk: row for row in response.context["results"]}
    assert results[good.pk]["state"] == CaseState.VILLAGE_APPRAISED
    assert results[bad.pk]["message"]
    assert response.context["form"].errors[f"for_{bad.pk}"] == [results[bad.pk]["message"]]
    assert [c.pk for c in response.context["cases"]] == [bad.pk]  # still waiting
    assert Case.objects.get(pk=bad.pk).state == CaseState.GROUP_DISCUSSED


def test_a_case_with_an_exclusion_is_shown_with_it_and_confirmed_after_the_override(personas, campaign, client_for):
    # given a case waiting for the county whose household owns a private car
    case = _cases_at(personas, campaign, CaseState.SECOND_PUBLICIZED, 1)[0]
    Household.objects.filter(pk=case.household_id).update(excl_private_car=True)
    officer = client_for(personas["county_officer"])

    # when the officer confirms it, then records why it goes through, then confirms again
    page = officer.get(_url("case_detail", pk=case.pk))
    refused = officer.post(_url("case_confirm", pk=case.pk), {"version": case.version})
    overridden = officer.post(_url("case_override", pk=case.pk), {"reason": "车辆已于申请前出售，有过户证明"})
    confirmed = officer.post(_url("case_confirm", pk=case.pk), {"version": case.version})

    # then
    assert page.context["exclusions"] == ["拥有私家车（购买价3万元以上）"]
    assert "override" in page.context["forms"]
    assert refused.status_code == 200 and refused.context["forms"]["step"].non_field_errors()
    assert overridden.status_code == 302 and confirmed.status_code == 302
    assert Case.objects.get().state == CaseState.COUNTY_CONFIRMED


def test_a_case_is_sent_back_and_rejected_with_reasons(personas, campaign, client_for):
    # given two cases checked at home, waiting for the township
    sent, rejected = _cases_at(personas, campaign, CaseState.HOME_CHECKED, 2)
    reviewer = client_for(personas["township_reviewer"])

    # when the reviewer sends one back without and then with a reason, and rejects the other
    no_reason = reviewer.post(_url("case_return", pk=sent.pk), {"to_state": "village_appraised", "reason": ""})
    back = reviewer.post(_url("case_return", pk=sent.pk), {"to_state": "village_appraised", "reason": "收入需核实"})
    closed = reviewer.post(_url("case_reject", pk=rejected.pk), {"reason": "子女在县城有商品房"})

    # then
    assert no_reason.status_code == 200 and no_reason.context["forms"]["return"].errors["reason"]
    assert back.status_code == 302 and closed.status_code == 302
    assert Case.objects.get(pk=sent.pk).state == CaseState.VILLAGE_APPRAISED
    assert Case.objects.get(pk=rejected.pk).closing_reason == "子女在县城有商品房"
    page = reviewer.get(_url("case_detail", pk=sent.pk)).content.decode()
    assert "收入需核实" in page


def test_an_attachment_is_served_only_within_its_scope(personas, campaign, client_for):
    # given a group discussion recorded with its minutes
    case = _cases_at(personas, campaign, CaseState.APPLIED, 1)[0]
    client_for(personas["village_clerk"]).post(
        _url("case_group_discussion", pk=case.pk),
        {"meeting_date": _day(1), "attendance": 18, "recommended": "on", "minutes": _png("记录.png")},
    )
    attachment = CaseEvent.objects.get(transition="record_group_discussion").attachments.get()
    url = _url("attachment_download", pk=attachment.pk)

    # when the reviewer of the township and Charlie ask for it
    seen = client_for(personas["township_reviewer"]).get(url)
    hidden = client_for(personas["charlie"]).get(url)

    # then
    assert seen.status_code == 200
    assert seen["Content-Type"] == "image/png"
    assert b"".join(seen.streaming_content) == PNG
    assert hidden.status_code == 404
    assert not attachment.file.url.startswith(url)


def test_the_quota_page_shows_the_tree_and_refuses_a_split_above_the_parent(personas, campaign, client_for):
    # given 诗礼乡's quota of 40 households and 160 people, 10 of them given to 孔兴村
    from django.utils.translation import gettext

    client = client_for(personas["county_officer"])

    # when the county gives 诗礼村 35 households, then 30
    over = client.post(_url("quota_list", pk=campaign.pk), {"area": "530921201201", "households": 35, "people": 140})
    done = client.post(_url("quota_list", pk=campaign.pk), {"area": "530921201201", "households": 30, "people": 120})
    page = client.get(_url("quota_list", pk=campaign.pk))

    # then the first is refused with the reason at the top of the form, the second is set
    assert over.status_code == 200
    assert over.context["form"].non_field_errors() == [
        gettext(
            "The quotas of the areas under %(parent)s would add up to more than its own "
            "(%(households)s households, %(people)s people)."
        )
        % {"parent": "诗礼乡", "households": 40, "people": 160}
    ]
    assert done.status_code == 302
    rows = [(row["area"].code, row["quota"].households if row["quota"] else None) for row in page.context["rows"]]
    assert rows[:4] == [("530921000000", 100), ("530921201000", 40), ("530921201200", 10), ("530921201201", 30)]


def test_a_clerk_sees_the_quotas_above_the_village_but_not_the_other_villages(personas, campaign, client_for):
    # when the clerk of 孔兴村 opens the quota page
    page = client_for(personas["village_clerk"]).get(_url("quota_list", pk=campaign.pk))

    # then the county, the township and the village show, without a form
    assert [row["area"].code for row in page.context["rows"]] == ["530921000000", "530921201000", "530921201200"]
    assert page.context["form"] is None
