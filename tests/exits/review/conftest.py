"""Households in every status the review handles, a county review campaign, and a walk of an
identification case to its announcement."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from exits import review
from households.models import Household
from identification import services as identification
from tests.identification.conftest import (
    CHECKLIST,
    COUNTY,
    GOOD_VOTE,
    KONGXING,
    SHILI_TOWNSHIP,
    SIGNATURES,
    submitted_household,
)

YEAR = timezone.localdate().year
SIGNED = {role: {"name": f"{role}签字", "date": "2026-10-01"} for role in review.SIGNATURE_ROLES}
AIHUA_VILLAGE = "530922100200"  # 云县: outside the county officer's county

__all__ = ["AIHUA_VILLAGE", "COUNTY", "KONGXING", "SHILI_TOWNSHIP", "SIGNED", "YEAR", "in_status", "walk_to_announced"]


def in_status(personas, offset: int, status: str, village: str = KONGXING, **extra) -> Household:
    """A submitted household of four put in ``status`` directly (a factory: the procedures that lead
    there are tested in their own apps)."""
    household = submitted_household(personas, offset, village)
    Household.objects.filter(pk=household.pk).update(status=status, **extra)
    household.refresh_from_db()
    return household


@pytest.fixture
def campaign(personas):
    today = timezone.localdate()
    return review.open_review(
        actor=personas["county_officer"],
        county_code=COUNTY,
        year=YEAR,
        title=f"{YEAR}年动态管理",
        opens_on=today - datetime.timedelta(days=30),
        deadline=today + datetime.timedelta(days=30),
    )


def walk_to_announced(personas, campaign, household):
    """Take a household through the seven steps of an identification campaign to the county's
    announcement (publicity dates in the past, so each can be concluded)."""
    clerk = personas["village_clerk"]
    case = identification.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=household.pk, informed_on=timezone.localdate()
    )
    return announce(personas, campaign, [case])[0]


def announce(personas, campaign, cases):
    """Walk applied cases of one village through every later step to the county's announcement."""
    clerk, reviewer, officer = personas["village_clerk"], personas["township_reviewer"], personas["county_officer"]
    village = cases[0].area_code
    today = timezone.localdate()
    for case in cases:
        identification.record_group_discussion(
            actor=clerk, case_id=case.pk, meeting_date=today, attendance=18, recommended=True
        )
        identification.record_village_appraisal(
            actor=clerk, case_id=case.pk, meeting_date=today, vote=GOOD_VOTE, comparison_read=True
        )
        identification.record_home_check(
            actor=clerk, case_id=case.pk, visited_on=today, checklist=CHECKLIST, findings="属实", signatures=SIGNATURES
        )
    start = today - datetime.timedelta(days=40)
    first = identification.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=village,
        issued_by="村委会", contact="乡纪委 0883-1234567",
    )  # fmt: skip
    identification.post_notice(actor=reviewer, notice_id=first.pk, starts_on=start, posted_place="村委会公示栏")
    identification.conclude_notice(actor=reviewer, notice_id=first.pk)
    for case in cases:
        identification.record_township_review(actor=reviewer, case_id=case.pk, checked_in_field=True)
    second = identification.create_notice(
        actor=reviewer, campaign_id=campaign.pk, kind="second_publicity", area_code=SHILI_TOWNSHIP,
        issued_by="诗礼乡人民政府", contact="0883-7654321",
    )  # fmt: skip
    identification.post_notice(
        actor=reviewer, notice_id=second.pk, starts_on=start + datetime.timedelta(days=10), posted_place="乡政府"
    )
    identification.conclude_notice(actor=reviewer, notice_id=second.pk)
    for case in cases:
        identification.confirm(actor=officer, case_id=case.pk, checked_in_field=True)
    announcement = identification.create_notice(
        actor=officer, campaign_id=campaign.pk, kind="announcement", area_code=COUNTY,
        issued_by="凤庆县扶贫开发领导小组办公室", contact="0883-4210000",
    )  # fmt: skip
    identification.post_notice(actor=officer, notice_id=announcement.pk, starts_on=today, posted_place="县政府网站")
    for case in cases:
        case.refresh_from_db()
    return cases


def id_campaign(personas, kind: str):
    """An identification campaign of ``kind`` this year with room in 孔兴村's quota."""
    officer = personas["county_officer"]
    campaign = identification.create_campaign(
        actor=officer, county_code=COUNTY, kind=kind, year=YEAR, title=f"{YEAR} {kind}",
        opens_on=timezone.localdate() - datetime.timedelta(days=60),
    )  # fmt: skip
    identification.set_quota(
        actor=personas["city_inspector"], campaign_id=campaign.pk, area_code=COUNTY, households=50, people=200
    )
    identification.set_quota(actor=officer, campaign_id=campaign.pk, area_code=SHILI_TOWNSHIP, households=20, people=80)
    identification.set_quota(actor=officer, campaign_id=campaign.pk, area_code=KONGXING, households=10, people=40)
    return campaign
