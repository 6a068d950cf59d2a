"""A campaign in 凤庆县 with quotas, and households whose forms are submitted, ready to apply."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from households.services import save_household
from identification import services
from identification.services import Vote
from tests.households.conftest import family_of_four, household_input

KONGXING = "530921201200"
SHILI_TOWNSHIP = "530921201000"
COUNTY = "530921000000"


def submitted_household(personas, offset: int, village: str = KONGXING):
    """A household of four whose survey form is submitted (income under the line, no findings)."""
    actor = personas["village_clerk"] if village == KONGXING else personas["superuser"]
    result = save_household(
        actor=actor, village_code=village, fields=household_input(), members=family_of_four(offset), submit=True
    )
    return result.household


@pytest.fixture
def campaign(personas):
    campaign = services.create_campaign(
        actor=personas["county_officer"], county_code=COUNTY, kind="initial", year=2026, title="2026年建档立卡识别",
        opens_on=datetime.date(2026, 1, 5),
    )  # fmt: skip
    services.set_quota(
        actor=personas["city_inspector"], campaign_id=campaign.pk, area_code=COUNTY, households=100, people=400
    )
    services.set_quota(
        actor=personas["county_officer"], campaign_id=campaign.pk, area_code=SHILI_TOWNSHIP, households=40, people=160
    )
    services.set_quota(
        actor=personas["county_officer"], campaign_id=campaign.pk, area_code=KONGXING, households=10, people=40
    )
    return campaign


YESTERDAY = lambda: timezone.localdate() - datetime.timedelta(days=1)  # noqa: E731
GOOD_VOTE = Vote(representatives=30, present=24, votes_for=20, votes_against=3)
SIGNATURES = {role: {"name": "签字人", "date": "2026-03-01"} for role in ("head", "surveyor", "team_leader")}
CHECKLIST = dict.fromkeys(services.HOME_CHECK_ITEMS, True)


def walk_to_home_checked(personas, campaign, household):
    clerk = personas["village_clerk"]
    case = services.apply(actor=clerk, campaign_id=campaign.pk, household_id=household.pk, informed_on=YESTERDAY())
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=18, recommended=True
    )
    services.record_village_appraisal(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), vote=GOOD_VOTE, comparison_read=True
    )
    services.record_home_check(
        actor=clerk,
        case_id=case.pk,
        visited_on=YESTERDAY(),
        checklist=CHECKLIST,
        findings="属实",
        signatures=SIGNATURES,
    )
    case.refresh_from_db()
    return case


__all__ = ["Decimal"]
