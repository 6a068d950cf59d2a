"""What waits for whom in identification (identification.queues.work_for)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from areas.scopes import grants_of
from identification import services
from identification.choices import CaseState
from identification.models import Case, Notice
from identification.queues import work_for
from tests.identification.conftest import KONGXING, submitted_household


def _cases(personas, campaign, states: list[str], *, start: int = 0) -> list[Case]:
    cases = []
    for offset, state in enumerate(states, start=start):
        household = submitted_household(personas, offset)
        case = services.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk,
            informed_on=campaign.opens_on,
        )  # fmt: skip
        Case.objects.filter(pk=case.pk).update(state=state)
        cases.append(case)
    return cases


def _counts(items: list[dict]) -> dict[str, int]:
    return {item["key"]: item["count"] for item in items}


def test_each_role_sees_the_work_waiting_in_its_areas(personas, campaign):
    # given cases at every step where someone must act, a publicity due and an open objection
    states = [
        CaseState.APPLIED, CaseState.APPLIED, CaseState.GROUP_DISCUSSED, CaseState.VILLAGE_APPRAISED,
        CaseState.HOME_CHECKED, CaseState.FIRST_PUBLICIZED, CaseState.TOWNSHIP_REVIEWED,
        CaseState.SECOND_PUBLICIZED, CaseState.COUNTY_CONFIRMED, CaseState.ANNOUNCED,
    ]  # fmt: skip
    cases = _cases(personas, campaign, states)
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING, issued_by="村委会",
        contact="0883-1234567",
    )  # fmt: skip
    services.post_notice(
        actor=reviewer,
        notice_id=notice.pk,
        starts_on=timezone.localdate() - datetime.timedelta(days=20),
        posted_place="公示栏",
    )
    services.record_objection(
        actor=personas["village_clerk"], notice_id=notice.pk, case_id=cases[4].pk, raised_by="村民",
        received_on=timezone.localdate(), channel="phone", content="收入偏高",
    )  # fmt: skip
    services.draw_spot_check(actor=personas["city_inspector"], campaign_id=campaign.pk, share=Decimal("1"), seed=1)

    # when each role asks what waits for them
    clerk = work_for(personas["village_clerk"])
    township = work_for(reviewer)
    county = work_for(personas["county_officer"])
    city = work_for(personas["city_inspector"])
    charlie = work_for(personas["charlie"])
    auditor = work_for(personas["auditor"])

    # then each sees its own steps, counted, with a link
    assert _counts(clerk) == {"applied": 2, "group_discussed": 1, "village_appraised": 1}
    assert _counts(township) == {
        "applied": 2,  # a township reviewer may also capture
        "group_discussed": 1,
        "village_appraised": 1,
        "first_publicized": 1,
        "township_reviewed": 1,
        "notices_due": 1,
        "open_objections": 1,
    }  # the home-checked case is on the posted notice now
    assert _counts(county) == {"second_publicized": 1, "county_confirmed": 1}
    assert _counts(city) == {"spot_check_items": 1}
    assert charlie == [] and auditor == []
    assert clerk[0]["url"] == reverse("identification:case_list", kwargs={"pk": campaign.pk}) + "?state=applied"
    assert clerk[0]["campaign"] == "2026 2026年建档立卡识别"
    announce = next(item for item in county if item["key"] == "county_confirmed")
    assert announce["url"].endswith("?kind=announcement")
    assert Notice.objects.count() == 1


def test_the_work_queue_costs_the_same_few_queries_whatever_the_data(personas, campaign):
    # given a township reviewer whose grants are read
    reviewer = personas["township_reviewer"]
    grants_of(reviewer)

    def queries() -> tuple[int, dict[str, int]]:
        with CaptureQueriesContext(connection) as captured:
            work = work_for(reviewer)
        return len(captured), _counts(work)

    _cases(personas, campaign, [CaseState.APPLIED, CaseState.FIRST_PUBLICIZED])
    few, few_counts = queries()

    # when there are many more cases at more steps
    _cases(personas, campaign, [CaseState.GROUP_DISCUSSED] * 5 + [CaseState.TOWNSHIP_REVIEWED] * 5, start=2)
    many, many_counts = queries()

    # then the work queue makes the same four queries (cases, publicities due, objections, villages)
    assert few == many == 4
    # and counts every case at each step
    assert few_counts == {"applied": 1, "first_publicized": 1}
    assert many_counts == {"applied": 1, "group_discussed": 5, "first_publicized": 1, "township_reviewed": 5}


def test_the_work_queue_is_shown_on_the_identification_page(personas, campaign, client_for):
    # given a case waiting for the group discussion
    _cases(personas, campaign, [CaseState.APPLIED])

    # when the clerk opens the identification page
    response = client_for(personas["village_clerk"]).get(reverse("identification:campaign_list"))

    # then the work queue is on it, with its link
    assert response.status_code == 200
    assert _counts(response.context["work"]) == {"applied": 1}
    assert "identification/_work_queue.html" in [template.name for template in response.templates]
    assert reverse("identification:case_list", kwargs={"pk": campaign.pk}) + "?state=applied" in (
        response.content.decode()
    )
