"""Monitoring fixtures: lines, households in 孔兴村 in the states monitoring looks at, and a case
walked to any step."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from exits import monitoring_services as services
from exits.monitoring_choices import MonitoringChannel, MonitoringKind, MonitoringState
from households.models import Household, PovertyLine
from households.services import save_household
from identification import services as identification
from tests.households.conftest import KONGXING, family_of_four, household_input

TODAY = datetime.date(2026, 3, 2)
SHILI_TOWNSHIP = "530921201000"


@pytest.fixture
def poverty_line(db):
    """The national line of 2026: 4,000 yuan, so a monitoring line of 6,000 by default."""
    return PovertyLine.objects.create(year=2026, level="national", amount=Decimal("4000"))


def make_household(personas, offset: int = 0, *, status: str = "applicant", village: str = KONGXING, **fields):
    """A saved household of four (income per person 1,050 yuan unless ``fields`` say otherwise)."""
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(**fields),
        members=family_of_four(offset),
    ).household  # fmt: skip
    Household.objects.filter(pk=household.pk).update(status=status)
    household.refresh_from_db()
    return household


@pytest.fixture
def exited_household(personas):
    return make_household(personas, 1, status="exited")


def alert(personas, household, kind=MonitoringKind.UNSTABLE_EXITED):
    return services.start_alert(
        actor=personas["village_clerk"], household_id=household.pk, kind=kind,
        channel=MonitoringChannel.CADRE_SCREENING, note="务工收入中断", today=TODAY,
    )  # fmt: skip


def walk(personas, case, until: str):
    """Take the steps up to ``until`` (running the village publicity on an identification notice)."""
    clerk, reviewer, officer = personas["village_clerk"], personas["township_reviewer"], personas["county_officer"]
    steps = [
        ("alerted", "record_home_check", clerk, {}),
        ("home_checked", "record_commitment", clerk, {"on": TODAY}),
        ("committed", "record_data_comparison", reviewer, {}),
        ("data_compared", "record_village_appraisal", clerk, {"on": TODAY}),
        ("village_appraised", "publicity", reviewer, {}),
        ("village_appraised", "record_village_publicity", reviewer, {}),
        ("village_publicized", "record_township_review", reviewer, {}),
        ("township_reviewed", "record_county_decision", officer, {}),
        ("county_decided", "enter", officer, {}),
    ]
    for source, name, actor, extra in steps:
        case.refresh_from_db()
        if case.state == until:
            return case
        if case.state != source:
            continue
        if name == "publicity":
            if case.publicity_case.state == "home_checked":
                run_publicity(personas, case)
            continue
        services.advance(actor=actor, case_id=case.pk, step=name, note="已办理", today=TODAY, **extra)
    case.refresh_from_db()
    assert case.state == until == MonitoringState.MONITORED
    return case


def run_publicity(personas, case, *, conclude: bool = True):
    """Post the village notice of the county's monitoring campaign, and conclude it after its days."""
    case.refresh_from_db()
    reviewer = personas["township_reviewer"]
    notice = identification.create_notice(
        actor=reviewer, campaign_id=case.publicity_case.campaign_id, kind="first_publicity",
        area_code=case.area_code, issued_by="孔兴村委会", contact="乡纪委 0883-1234567",
    )  # fmt: skip
    identification.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=TODAY, posted_place="村委会公示栏")
    if conclude:
        identification.conclude_notice(actor=reviewer, notice_id=notice.pk, today=TODAY + datetime.timedelta(days=8))
    return notice
