"""Gaps found in review: the appraisal screen reads the exclusion rules once, objections cannot
come from the future, campaign deadlines follow the steps, quota refusals name the village."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, ServiceError
from households.models import Household
from identification import services
from identification.choices import CaseState
from identification.models import Campaign, Case, Objection
from tests.conftest import count_page_queries
from tests.identification.conftest import COUNTY, KONGXING, submitted_household, walk_to_home_checked


def _discussed_cases(personas, campaign, count: int, start: int = 0) -> list[Case]:
    cases = []
    for offset in range(start, start + count):
        household = submitted_household(personas, offset)
        cases.append(
            services.apply(
                actor=personas["village_clerk"],
                campaign_id=campaign.pk,
                household_id=household.pk,
                informed_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        )
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(state=CaseState.GROUP_DISCUSSED)
    return cases


def _appraisal_queries(client, campaign) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("identification:village_appraisal", kwargs={"pk": campaign.pk, "code": KONGXING}))
    assert response.status_code == 200
    return count_page_queries(captured), response


def test_the_appraisal_screen_reads_the_exclusion_rules_once_for_2_or_22_cases(personas, campaign, client_for):
    # given two cases waiting for the assembly, one with a private car
    client = client_for(personas["village_clerk"])
    few = _discussed_cases(personas, campaign, 2)
    Household.objects.filter(pk=few[0].household_id).update(excl_private_car=True)
    few_queries, _ = _appraisal_queries(client, campaign)

    # when twenty more wait
    _discussed_cases(personas, campaign, 20, start=2)
    many_queries, response = _appraisal_queries(client, campaign)

    # then the page makes the same number of queries and still shows the exclusion
    assert many_queries == few_queries
    assert many_queries <= 15, many_queries
    shown = {case.pk: case.exclusions for case in response.context["cases"]}
    assert len(shown) == 22
    assert shown[few[0].pk] == ["拥有私家车（购买价3万元以上）"]
    assert sum(1 for labels in shown.values() if labels) == 1


def _posted_first_publicity(personas, campaign):
    household = submitted_household(personas, 0)
    case = walk_to_home_checked(personas, campaign, household)
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=KONGXING,
        issued_by="孔兴村委会", contact="0883-1234567",
    )  # fmt: skip
    services.post_notice(
        actor=reviewer, notice_id=notice.pk, starts_on=timezone.localdate(), posted_place="村委会公示栏"
    )
    return notice, case


def test_an_objection_received_in_the_future_is_refused(personas, campaign):
    # given a posted first publicity
    notice, case = _posted_first_publicity(personas, campaign)

    # when the clerk records an objection dated tomorrow, then one dated today
    with pytest.raises(ServiceError) as refused:
        services.record_objection(
            actor=personas["village_clerk"], notice_id=notice.pk, case_id=case.pk, raised_by="村民李某",
            received_on=timezone.localdate() + datetime.timedelta(days=1), channel="in_person", content="有门面",
        )  # fmt: skip
    services.record_objection(
        actor=personas["village_clerk"], notice_id=notice.pk, case_id=case.pk, raised_by="村民李某",
        received_on=timezone.localdate(), channel="in_person", content="有门面",
    )  # fmt: skip

    # then only today's is kept
    assert (refused.value.code, refused.value.field) == ("future_date", "received_on")
    assert Objection.objects.count() == 1


def _open(personas, **extra) -> Campaign:
    return services.create_campaign(
        actor=personas["county_officer"], county_code=COUNTY, kind="initial", year=2026, title="识别",
        opens_on=datetime.date(2026, 3, 1), **extra,
    )  # fmt: skip


def test_a_campaign_publicizes_for_at_least_the_minimum_days(personas, settings):
    # the minimum is a setting (5 days by default); the period's own end is tested with the notices
    assert settings.PUBLICITY_MIN_DAYS == 5
    with pytest.raises(ServiceError) as refused:
        _open(personas, publicity_days=4)
    campaign = _open(personas, publicity_days=5)

    assert (refused.value.code, refused.value.field) == ("too_short", "publicity_days")
    assert list(Campaign.objects.values_list("pk", "publicity_days")) == [(campaign.pk, 5)]


@pytest.mark.parametrize(
    ("deadlines", "code", "message_part"),
    [
        pytest.param(
            {"group_discussed": "2026-02-20"}, "before_opening", "before the campaign opens", id="before_opening_case"
        ),
        pytest.param(
            {"group_discussed": "2026-03-20", "village_appraised": "2026-03-10"},
            "out_of_order",
            "falls before that of",
            id="out_of_order_case",
        ),
        pytest.param({"nonsense": "2026-03-20"}, "unknown_step", "Unknown steps", id="unknown_step_case"),
    ],
)
def test_campaign_deadlines_before_the_opening_or_out_of_order_are_refused(
    personas, english, deadlines, code, message_part
):
    with pytest.raises(ServiceError) as refused:
        _open(personas, deadlines=deadlines)
    assert (refused.value.code, refused.value.field) == (code, "deadlines")
    assert message_part in refused.value.message
    assert not Campaign.objects.exists()


def test_campaign_deadlines_in_the_order_of_the_steps_are_kept(personas):
    deadlines = {"group_discussed": "2026-03-01", "village_appraised": "2026-03-01", "announced": "2026-06-30"}
    campaign = _open(personas, deadlines=deadlines)
    assert Campaign.objects.get(pk=campaign.pk).deadlines == deadlines


def test_a_quota_refusal_names_the_village(personas, campaign):
    # given a village quota of one household and two cases waiting for the county
    services.set_quota(
        actor=personas["county_officer"], campaign_id=campaign.pk, area_code=KONGXING, households=1, people=4
    )
    cases = _discussed_cases(personas, campaign, 2)
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(state=CaseState.SECOND_PUBLICIZED)
    officer = personas["county_officer"]
    services.confirm(actor=officer, case_id=cases[0].pk)

    # when the second is confirmed
    with pytest.raises(Conflict) as refused:
        services.confirm(actor=officer, case_id=cases[1].pk)

    # then the refusal names 孔兴村 by name
    assert refused.value.code == "quota_exhausted"
    assert "孔兴村" in refused.value.message
    assert Case.objects.get(pk=cases[1].pk).state == CaseState.SECOND_PUBLICIZED


def test_the_campaign_page_shows_a_deadline_out_of_order_next_to_its_step(personas, client_for):
    # when the county officer gives the appraisal a deadline before the group discussion's
    response = client_for(personas["county_officer"]).post(
        reverse("identification:campaign_add", kwargs={"code": COUNTY}),
        {
            "kind": "initial", "year": 2026, "title": "识别", "opens_on": "2026-03-01",
            "deadline_group_discussed": "2026-03-20", "deadline_village_appraised": "2026-03-10",
        },
    )  # fmt: skip

    # then the form comes back with the refusal on the appraisal's date, in Chinese
    assert response.status_code == 200
    assert response.context["form"].errors["deadline_village_appraised"] == [
        "“村评定”的截止日期早于“小组议”的截止日期。"
    ]
    assert not Campaign.objects.exists()
