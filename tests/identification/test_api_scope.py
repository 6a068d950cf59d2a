"""Who may do what through the identification API: out of scope 404 (Charlie, the reviewer of the
sibling township, sees nothing of 诗礼乡), the wrong role 403, anonymous 401; the bulk endpoint's
per-case results; and what a notice shows when printed."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from households.services import save_household
from identification import services
from identification.models import Case, CaseEvent
from tests.households.conftest import family_of_four, household_input
from tests.identification.conftest import (
    COUNTY,
    KONGXING,
    SHILI_TOWNSHIP,
    YESTERDAY,
    submitted_household,
    walk_to_home_checked,
)


def _applied(personas, campaign, offset: int = 0) -> Case:
    return services.apply(
        actor=personas["village_clerk"],
        campaign_id=campaign.pk,
        household_id=submitted_household(personas, offset).pk,
        informed_on=YESTERDAY(),
    )


def _meeting() -> dict:
    return {"meeting_date": YESTERDAY().isoformat(), "attendance": 18, "recommended": True}


def _first_publicity(personas, campaign, case_ids: list[int]):
    return services.create_notice(
        actor=personas["township_reviewer"], campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING,
        issued_by="孔兴村委会", contact="乡纪委 0883-1234567", case_ids=case_ids,
    )  # fmt: skip


def test_charlie_of_the_sibling_township_gets_404_for_everything_of_shili(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)
    notice = _first_publicity(
        personas, campaign, [walk_to_home_checked(personas, campaign, submitted_household(personas, 1)).pk]
    )
    charlie = api_for(personas["charlie"])

    # when
    answers = {
        "case": charlie.get(reverse("api:case-detail", kwargs={"pk": case.pk})),
        "events": charlie.get(reverse("api:case-events", kwargs={"pk": case.pk})),
        "step": charlie.post(reverse("api:case-group-discussion", kwargs={"pk": case.pk}), _meeting(), format="json"),
        "reject": charlie.post(reverse("api:case-reject", kwargs={"pk": case.pk}), {"reason": "x"}, format="json"),
        "notice": charlie.get(reverse("api:notice-detail", kwargs={"pk": notice.pk})),
        "print": charlie.get(reverse("api:notice-print", kwargs={"pk": notice.pk})),
        "post": charlie.post(
            reverse("api:notice-post", kwargs={"pk": notice.pk}),
            {"starts_on": YESTERDAY().isoformat(), "posted_place": "公示栏"},
            format="json",
        ),
        "village filter": charlie.get(reverse("api:case-list"), {"village": KONGXING}),
    }
    listed = charlie.get(reverse("api:case-list"), {"campaign": campaign.pk})

    # then
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 404)
    assert all(response.json()["error"]["code"] == "not_found" for response in answers.values())
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert Case.objects.get(pk=case.pk).state == "applied"


def test_charlie_sees_the_campaign_of_his_county_but_not_its_quotas_in_shili(personas, api_for, campaign):
    # given
    charlie = api_for(personas["charlie"])

    # when
    shown = charlie.get(reverse("api:campaign-detail", kwargs={"pk": campaign.pk}))
    quotas = charlie.get(reverse("api:quota-list"), {"campaign": campaign.pk})

    # then
    assert shown.status_code == 200
    assert shown.json()["county"] == COUNTY
    assert [quota["area"] for quota in quotas.json()["results"]] == []


def test_the_wrong_role_gets_403_and_nothing_changes(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)
    notice = _first_publicity(
        personas, campaign, [walk_to_home_checked(personas, campaign, submitted_household(personas, 1)).pk]
    )

    # when
    answers = {
        "inspector discusses": api_for(personas["city_inspector"]).post(
            reverse("api:case-group-discussion", kwargs={"pk": case.pk}), _meeting(), format="json"
        ),
        "reviewer confirms": api_for(personas["township_reviewer"]).post(
            reverse("api:case-confirm", kwargs={"pk": case.pk}), {}, format="json"
        ),
        "clerk posts a notice": api_for(personas["village_clerk"]).post(
            reverse("api:notice-post", kwargs={"pk": notice.pk}),
            {"starts_on": YESTERDAY().isoformat(), "posted_place": "公示栏"},
            format="json",
        ),
        "auditor opens a campaign": api_for(personas["auditor"]).post(
            reverse("api:campaign-list"),
            {"county": COUNTY, "kind": "initial", "year": 2027, "opens_on": "2027-01-05"},
            format="json",
        ),
        "reviewer sets a village quota": api_for(personas["township_reviewer"]).post(
            reverse("api:quota-list"),
            {"campaign": campaign.pk, "area": KONGXING, "households": 2, "people": 8},
            format="json",
        ),
    }

    # then
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 403)
    assert all(response.json()["error"]["code"] == "permission_denied" for response in answers.values())
    assert Case.objects.get(pk=case.pk).version == 1


def test_anonymous_gets_401_and_a_user_without_role_403_on_lists(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)

    # when
    anonymous = [
        api_for(None).get(reverse("api:case-list")),
        api_for(None).get(reverse("api:case-detail", kwargs={"pk": case.pk})),
        api_for(None).post(reverse("api:case-group-discussion", kwargs={"pk": case.pk}), _meeting(), format="json"),
    ]
    nobody = api_for(personas["nobody"])
    lists = [nobody.get(reverse(f"api:{name}-list")) for name in ("campaign", "quota", "case", "notice", "objection")]
    single = nobody.get(reverse("api:case-detail", kwargs={"pk": case.pk}))

    # then
    assert [response.status_code for response in anonymous] == [401, 401, 401]
    assert [response.status_code for response in lists] == [403] * 5
    assert single.status_code == 404


def test_the_bulk_endpoint_answers_per_case(personas, api_for, campaign):
    # given: a village quota of one household, two cases waiting for confirmation, an unknown id
    officer = personas["county_officer"]
    services.set_quota(actor=officer, campaign_id=campaign.pk, area_code=KONGXING, households=1, people=40)
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(2)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="second_publicized")
    client = api_for(officer)

    # when
    response = client.post(
        reverse("api:case-bulk"),
        {"step": "confirm", "case_ids": [cases[0].pk, cases[1].pk, 999999], "checked_in_field": True},
        format="json",
    )

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["step"], body["succeeded"], body["failed"]) == ("confirm", 1, 2)
    first, second, unknown = body["results"]
    assert first == {"case": cases[0].pk, "ok": True, "state": "county_confirmed", "version": 5}
    assert (second["case"], second["ok"]) == (cases[1].pk, False)
    assert second["code"] == "quota_exhausted"
    assert (unknown["case"], unknown["ok"], unknown["code"]) == (999999, False, "not_found")
    assert Case.objects.get(pk=cases[1].pk).state == "second_publicized"


def test_the_bulk_endpoint_takes_the_group_discussion_of_many_cases(personas, api_for, campaign):
    # given
    cases = [_applied(personas, campaign, n) for n in range(3)]
    client = api_for(personas["village_clerk"])

    # when
    response = client.post(
        reverse("api:case-bulk"),
        {"step": "record_group_discussion", "case_ids": [c.pk for c in cases], **_meeting()},
        format="json",
    )

    # then
    assert response.json()["succeeded"] == 3
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True)) == {"group_discussed"}
    assert CaseEvent.objects.filter(transition="record_group_discussion").count() == 3


def test_the_bulk_endpoint_refuses_a_role_without_the_step_and_an_incomplete_request(personas, api_for, campaign):
    # given
    case = _applied(personas, campaign)

    # when
    clerk_confirms = api_for(personas["village_clerk"]).post(
        reverse("api:case-bulk"), {"step": "confirm", "case_ids": [case.pk]}, format="json"
    )
    unknown_step = api_for(personas["county_officer"]).post(
        reverse("api:case-bulk"), {"step": "announce", "case_ids": [case.pk]}, format="json"
    )
    missing_inputs = api_for(personas["village_clerk"]).post(
        reverse("api:case-bulk"), {"step": "record_group_discussion", "case_ids": [case.pk]}, format="json"
    )

    # then
    assert clerk_confirms.status_code == 403
    assert unknown_step.status_code == 400
    assert list(unknown_step.json()["error"]["fields"]) == ["step"]
    assert missing_inputs.status_code == 400
    assert set(missing_inputs.json()["error"]["fields"]) == {"meeting_date", "attendance", "recommended"}
    assert Case.objects.get(pk=case.pk).version == 1


def test_a_printed_notice_shows_only_what_publicity_allows_per_village_group(personas, api_for, campaign):
    # given: one household in 一组 of 孔兴村 and one without a group
    grouped = save_household(
        actor=personas["village_clerk"], village_code=KONGXING, group_code=KONGXING + "001",
        fields=household_input(main_cause="02"), members=family_of_four(7), submit=True,
    ).household  # fmt: skip
    plain = submitted_household(personas, 0)
    cases = [walk_to_home_checked(personas, campaign, household) for household in (grouped, plain)]
    notice = _first_publicity(personas, campaign, [c.pk for c in cases])
    services.post_notice(
        actor=personas["township_reviewer"],
        notice_id=notice.pk,
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        posted_place="村委会公示栏",
    )
    client = api_for(personas["auditor"])
    numbers = [n for h in (grouped, plain) for n in h.members.values_list("id_number", flat=True)]

    # when
    response = client.get(reverse("api:notice-print", kwargs={"pk": notice.pk}))
    detail = client.get(reverse("api:notice-detail", kwargs={"pk": notice.pk}))

    # then
    assert response.status_code == 200
    printed = response.json()
    assert set(printed) == {"title", "issued_by", "level", "area", "starts_on", "ends_on", "contact", "sheets"}
    assert printed["contact"] == "乡纪委 0883-1234567"
    assert [sheet["village_group"] for sheet in printed["sheets"]] == ["孔兴村", "孔兴村一组"]
    rows = [row for sheet in printed["sheets"] for row in sheet["rows"]]
    assert all(
        set(row) == {"number", "village_group", "head_name", "household_size", "attribute", "main_cause", "year"}
        for row in rows
    )
    assert rows[1] == {
        "number": 1, "village_group": "孔兴村一组", "head_name": "杨大山", "household_size": 4,
        "attribute": "一般贫困户", "main_cause": "因残", "year": 2026,
    }  # fmt: skip
    assert [entry["case"] for entry in detail.json()["entries"]] == [cases[1].pk, cases[0].pk]
    for body in (response.content.decode(), detail.content.decode()):
        assert not any(number in body for number in numbers)
        assert "phone" not in body and "bank" not in body and "health" not in body


def test_the_city_draws_a_sample_and_records_a_finding_that_sends_a_case_back(personas, api_for, campaign):
    # given
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(4)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="announced")
    inspector = api_for(personas["city_inspector"])

    # when
    drawn = inspector.post(
        reverse("api:spot-check-list"), {"campaign": campaign.pk, "share": "0.5", "seed": 7}, format="json"
    )
    items = drawn.json()["items"]
    url = reverse("api:spot-check-findings", kwargs={"pk": drawn.json()["id"]})
    problem = inspector.post(
        url, {"item": items[0]["id"], "finding": "家中有人在县城工作", "has_problem": True}, format="json"
    )
    fine = inspector.post(url, {"item": items[1]["id"], "finding": "属实", "has_problem": False}, format="json")
    twice = inspector.post(url, {"item": items[1]["id"], "finding": "属实", "has_problem": False}, format="json")
    by_county = api_for(personas["county_officer"]).post(
        reverse("api:spot-check-list"), {"campaign": campaign.pk, "share": "0.5"}, format="json"
    )

    # then
    assert drawn.status_code == 201
    assert (len(items), problem.status_code, fine.status_code) == (2, 200, 200)
    assert Case.objects.get(pk=items[0]["case"]).state == "home_checked"
    assert Case.objects.get(pk=items[1]["case"]).state == "spot_checked"
    assert twice.status_code == 409
    assert by_county.status_code == 403
    assert Decimal(drawn.json()["share"]) == Decimal("0.5")


def test_a_case_can_be_sent_back_and_the_county_can_override_an_exclusion(personas, api_for, campaign):
    # given
    from households.models import Household

    household = submitted_household(personas, 0)
    Household.objects.filter(pk=household.pk).update(excl_private_car=True)
    case = walk_to_home_checked(personas, campaign, household)
    Case.objects.filter(pk=case.pk).update(state="second_publicized")
    officer = api_for(personas["county_officer"])

    # when
    shown = officer.get(reverse("api:case-detail", kwargs={"pk": case.pk})).json()
    blocked = officer.post(reverse("api:case-confirm", kwargs={"pk": case.pk}), {}, format="json")
    overridden = officer.post(
        reverse("api:case-override-exclusion", kwargs={"pk": case.pk}),
        {"reason": "车辆为农用三轮车，经县扶贫办核实不属排除情形"},
        format="json",
    )
    confirmed = officer.post(reverse("api:case-confirm", kwargs={"pk": case.pk}), {}, format="json")
    returned = officer.post(
        reverse("api:case-return", kwargs={"pk": case.pk}),
        {"to_state": "home_checked", "reason": "收入信息需重新核实", "version": confirmed.json()["version"]},
        format="json",
    )

    # then
    assert shown["next_action"] == "approve"
    assert any("私家车" in label for label in shown["exclusions"])
    assert blocked.json()["error"]["code"] == "excluded"
    assert overridden.json()["exclusion_override"].startswith("车辆为农用三轮车")
    assert confirmed.json()["state"] == "county_confirmed"
    assert returned.status_code == 200
    assert returned.json()["state"] == "home_checked"
    assert "village_appraised" in returned.json()["return_targets"]


def test_quotas_and_notices_list_for_the_area_asked(personas, api_for, campaign):
    # given
    notice = _first_publicity(
        personas, campaign, [walk_to_home_checked(personas, campaign, submitted_household(personas, 0)).pk]
    )
    client = api_for(personas["county_officer"])

    # when
    quotas = client.get(reverse("api:quota-list"), {"campaign": campaign.pk, "area": SHILI_TOWNSHIP[:9]})
    notices = client.get(reverse("api:notice-list"), {"campaign": campaign.pk, "state": "draft", "area": KONGXING})
    elsewhere = client.get(reverse("api:quota-list"), {"area": "530922"})

    # then
    assert [q["area"] for q in quotas.json()["results"]] == [SHILI_TOWNSHIP, KONGXING]
    assert [n["id"] for n in notices.json()["results"]] == [notice.pk]
    assert elsewhere.status_code == 404
