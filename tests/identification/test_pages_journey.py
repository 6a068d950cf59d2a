"""Issue 4's acceptance journey, in the browser: a village clerk, a township reviewer and a county
officer take 20 households of 孔兴村 from application to announcement through the pages only
(forms and bulk actions), each logged in as themself: two publicities, one objection upheld, the
county's confirmation within the quota with one over-quota refusal shown; then every step is on
a case's timeline and the printed notices carry only what DOMAIN.md section 12 allows."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from households.models import Household, Member
from identification.choices import CaseState, NoticeState, ObjectionState
from identification.models import Case, Notice, Objection, Quota
from identification.services import HOME_CHECK_ITEMS
from identification.workflow import TRANSITIONS
from tests.identification.conftest import COUNTY, KONGXING, SHILI_TOWNSHIP, submitted_household

HOUSEHOLDS = 20
QUOTA_HOUSEHOLDS = HOUSEHOLDS - 1  # one over: the county's refusal is part of the journey


def _url(name: str, **kwargs) -> str:
    return reverse(f"identification:{name}", kwargs=kwargs)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def _home_check(case: Case) -> dict:
    data = {"visited_on": _day(25), "findings": "收入、住房与申请一致", "version": case.version}
    data.update({f"check_{item}": "on" for item in HOME_CHECK_ITEMS})
    for role, name in {"head": "杨大山", "surveyor": "李调查", "team_leader": "王队长"}.items():
        data.update({f"{role}_name": name, f"{role}_date": _day(25)})
    return data


def _ok(response, status: int = 302):
    assert response.status_code == status, response.content[:1500].decode(errors="replace")
    return response


def _draft_and_post(client, campaign, *, kind: str, area: str, issued_by: str, days_ago: int) -> Notice:
    _ok(
        client.post(
            _url("notice_create", pk=campaign.pk),
            {"kind": kind, "area": area, "issued_by": issued_by, "contact": "乡纪委书记 0883-1234567"},
        )
    )
    notice = Notice.objects.filter(kind=kind).latest("id")
    _ok(client.post(_url("notice_post", pk=notice.pk), {"starts_on": _day(days_ago), "posted_place": "公示栏"}))
    return notice


def test_twenty_households_go_from_application_to_announcement_in_the_browser(personas, campaign, client_for):
    # given 20 households of 孔兴村 whose survey forms are submitted, with phones and bank accounts
    households = [submitted_household(personas, offset) for offset in range(HOUSEHOLDS)]
    Household.objects.filter(pk__in=[h.pk for h in households]).update(
        phone="13987654321", bank_account="6228480012345678"
    )
    clerk = client_for(personas["village_clerk"])
    reviewer = client_for(personas["township_reviewer"])
    officer = client_for(personas["county_officer"])

    # the county sets 孔兴村's quota on the quota page: 19 households
    _ok(
        officer.post(
            _url("quota_list", pk=campaign.pk),
            {"area": KONGXING, "households": QUOTA_HOUSEHOLDS, "people": QUOTA_HOUSEHOLDS * 4},
        )
    )

    # 户申报: the clerk files the 20 applications at once
    _ok(
        clerk.post(
            _url("case_apply", pk=campaign.pk, code=KONGXING),
            {"households": [h.pk for h in households], "informed_on": _day(40), "self_assessment": "人均约千元"},
        )
    )
    cases = list(Case.objects.filter(campaign=campaign).order_by("id"))
    assert len(cases) == HOUSEHOLDS
    ids = [case.pk for case in cases]

    # 小组议: one group meeting recommends them all, from the case list
    listing = _ok(clerk.get(_url("case_list", pk=campaign.pk), {"state": "applied"}), 200)
    assert "record_group_discussion" in dict(listing.context["bulk_steps"])
    discussed = _ok(
        clerk.post(
            _url("case_bulk", pk=campaign.pk),
            {"step": "record_group_discussion", "cases": ids, "meeting_date": _day(35), "attendance": 26},
        ),
        200,
    )
    assert discussed.context["passed"] == HOUSEHOLDS, discussed.context["rows"]

    # 村评定: the assembly votes on all 20 on the appraisal screen
    votes = {"meeting_date": _day(30), "representatives": 30, "present": 24, "comparison_read": "on"}
    for case_id in ids:
        votes.update({f"for_{case_id}": 20, f"against_{case_id}": 3})
    appraised = _ok(clerk.post(_url("village_appraisal", pk=campaign.pk, code=KONGXING), votes), 200)
    assert [row["state"] for row in appraised.context["results"]] == [CaseState.VILLAGE_APPRAISED] * HOUSEHOLDS

    # 入户查: twenty home checks, each save leading to the next household waiting for one
    current = Case.objects.get(pk=ids[0])
    visited = []
    for _ in range(HOUSEHOLDS):
        response = _ok(clerk.post(_url("case_home_check", pk=current.pk), _home_check(current)))
        visited.append(current.pk)
        current = Case.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert visited == ids  # in order, none twice, none left
    assert current.state == CaseState.HOME_CHECKED

    # 第一次公示: the township posts it in the village; a villager objects to one household
    first = _draft_and_post(
        reviewer, campaign, kind="first_publicity", area=KONGXING, issued_by="孔兴村民委员会", days_ago=20
    )
    assert first.entries.count() == HOUSEHOLDS
    objected = cases[7]
    _ok(
        clerk.post(
            _url("objection_add", pk=first.pk),
            {
                "case": objected.pk,
                "raised_by": "村民李某",
                "received_on": _day(18),
                "channel": "in_person",
                "content": "该户在县城有门面",
            },
        )  # fmt: skip
    )
    objection = Objection.objects.get()
    refused = _ok(reviewer.post(_url("notice_conclude", pk=first.pk)), 200)
    assert refused.context["conclude_error"]

    # the township verifies and upholds it: the case goes back to the village appraisal
    prefix = f"o{objection.pk}"
    _ok(
        reviewer.post(
            _url("objection_resolve", pk=objection.pk),
            {
                f"{prefix}-decision": "uphold",
                f"{prefix}-return_to": "group_discussed",
                f"{prefix}-resolution": "门面系租用，需重新评议",
            },
        )  # fmt: skip
    )
    assert Objection.objects.get().state == ObjectionState.UPHELD
    assert Case.objects.get(pk=objected.pk).state == CaseState.GROUP_DISCUSSED
    _ok(reviewer.post(_url("notice_conclude", pk=first.pk)))

    # the assembly appraises it again, the clerk checks it again, and it is publicized on its own
    objected.refresh_from_db()
    _ok(
        clerk.post(
            _url("village_appraisal", pk=campaign.pk, code=KONGXING),
            {
                "meeting_date": _day(17),
                "representatives": 30,
                "present": 25,
                "comparison_read": "on",
                f"for_{objected.pk}": 21,
                f"against_{objected.pk}": 2,
                f"version_{objected.pk}": objected.version,
            },
        ),  # fmt: skip
        200,
    )
    objected.refresh_from_db()
    _ok(clerk.post(_url("case_home_check", pk=objected.pk), _home_check(objected)))
    again = _draft_and_post(
        reviewer, campaign, kind="first_publicity", area=KONGXING, issued_by="孔兴村民委员会", days_ago=16
    )
    assert list(again.entries.values_list("case_id", flat=True)) == [objected.pk]
    _ok(reviewer.post(_url("notice_conclude", pk=again.pk)))

    # 乡镇审核: the township reviews all 20 at once, four of them in the field (a fifth)
    reviewed = _ok(
        reviewer.post(
            _url("case_bulk", pk=campaign.pk),
            {"step": "record_township_review", "cases": ids, "field": ids[:4], "finding": "属实"},
        ),
        200,
    )
    assert reviewed.context["passed"] == HOUSEHOLDS, reviewed.context["rows"]

    # 第二次公示: in the township
    second = _draft_and_post(
        reviewer, campaign, kind="second_publicity", area=SHILI_TOWNSHIP, issued_by="诗礼乡人民政府", days_ago=8
    )
    _ok(reviewer.post(_url("notice_conclude", pk=second.pk)))

    # 县确认: the county confirms all 20; the quota takes 19 and the last is refused, by name
    confirmed = _ok(
        officer.post(_url("case_bulk", pk=campaign.pk), {"step": "confirm", "cases": ids, "field": ids[:2]}), 200
    )
    assert confirmed.context["passed"] == QUOTA_HOUSEHOLDS and confirmed.context["failed"] == 1
    refusal = next(row for row in confirmed.context["rows"] if not row["passed"])
    assert "孔兴村" in refusal["message"] and "规模指标已用完" in refusal["message"]
    assert refusal["message"] in confirmed.content.decode()

    # 公告: the county announces those confirmed
    announcement = _draft_and_post(
        officer, campaign, kind="announcement", area=COUNTY, issued_by="凤庆县扶贫开发领导小组办公室", days_ago=0
    )

    # then 19 are announced and registered, within the quota, and the one over waits for quota
    states = dict(Case.objects.values_list("pk", "state"))
    assert sorted(states.values()) == sorted([CaseState.ANNOUNCED] * QUOTA_HOUSEHOLDS + [CaseState.SECOND_PUBLICIZED])
    assert states[refusal["id"]] == CaseState.SECOND_PUBLICIZED
    quota = Quota.objects.get(campaign=campaign, area_id=KONGXING)
    assert (quota.used_households, quota.used_people) == (QUOTA_HOUSEHOLDS, QUOTA_HOUSEHOLDS * 4)
    assert Household.objects.filter(status="registered").count() == QUOTA_HOUSEHOLDS
    assert Notice.objects.get(pk=announcement.pk).state == NoticeState.CONCLUDED
    assert announcement.entries.count() == QUOTA_HOUSEHOLDS

    # and the objected case's timeline lists every step it took, in order, readably in Chinese
    timeline = _ok(clerk.get(_url("case_detail", pk=objected.pk)), 200)
    steps = [item["event"].transition for item in timeline.context["events"]]
    assert steps == [
        "apply",
        "record_group_discussion",
        "record_village_appraisal",
        "record_home_check",
        "post_first_publicity",
        "objection_upheld",
        "record_village_appraisal",
        "record_home_check",
        "post_first_publicity",
        "conclude_first_publicity",
        "record_township_review",
        "post_second_publicity",
        "conclude_second_publicity",
        "confirm",
        "announce",
    ]
    assert {step.name for step in TRANSITIONS} - set(steps) == {"record_spot_check"}
    page = timeline.content.decode()
    for step in TRANSITIONS[:-1]:
        assert step.label in page, step.label
    assert "门面系租用，需重新评议" in page and "王队长" in page

    # and the printed notices show only section 12's fields: no ID number, phone, bank account
    # or income; the heads of household, sizes, attributes and causes are there
    id_numbers = list(Member.objects.values_list("id_number", flat=True))
    for notice, reader in ((first, clerk), (second, reviewer), (announcement, officer)):
        printed = _ok(reader.get(_url("notice_print", pk=notice.pk)), 200).content.decode()
        assert "杨大山" in printed and "因病" in printed and "一般贫困户" in printed
        assert not [number for number in id_numbers if number in printed]
        assert not re.search(r"\d{6}\*+\d{3}[\dX]", printed)  # not even masked
        for secret in ("13987654321", "6228480012345678", "1050", "2400", "1500"):
            assert secret not in printed, (notice.kind, secret)
        assert "0883-1234567" in printed  # the phones for objections are the notice's own


def test_the_bulk_group_discussion_needs_the_meeting_and_the_clerks_action(personas, campaign, client_for):
    # given two applications
    households = [submitted_household(personas, offset) for offset in range(2)]
    clerk = client_for(personas["village_clerk"])
    _ok(
        clerk.post(
            _url("case_apply", pk=campaign.pk, code=KONGXING),
            {"households": [h.pk for h in households], "informed_on": _day(3)},
        )
    )
    ids = list(Case.objects.order_by("id").values_list("pk", flat=True))

    # when the clerk forgets the meeting date, and the county officer tries the step
    forgotten = clerk.post(
        _url("case_bulk", pk=campaign.pk), {"step": "record_group_discussion", "cases": ids, "attendance": 9},
        follow=True,
    )  # fmt: skip
    county = client_for(personas["county_officer"]).post(
        _url("case_bulk", pk=campaign.pk),
        {"step": "record_group_discussion", "cases": ids, "meeting_date": _day(1), "attendance": 9},
    )

    # then nothing moved: the clerk is told what is missing, the county is refused
    assert "小组议须填写此项。" in forgotten.content.decode()
    assert county.status_code == 403
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.APPLIED}
