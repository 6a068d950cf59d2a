"""Fixtures of the exit tests: registered households of 孔兴村 whose figures clear (or miss) the
bar of the year, and a case walked up to a given step through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from households.choices import HouseholdStatus
from households.models import Household
from households.services import save_household
from identification.services import Vote
from tests.households.conftest import family_of_four, household_input

KONGXING = "530921201200"
SHILI = "530921201201"
XINHUA = "530921202200"
YEAR = 2026
DAY = datetime.date(2026, 1, 10)
CHECKLIST = {"food": True, "clothing": True, "education": True, "medical": True, "housing": True, "water": True}


def registered(actor, village: str = KONGXING, offset: int = 0, **fields) -> Household:
    """A registered household (per-capita income 5,450 yuan, above the 2020 line of 4,000 in force)."""
    values = household_input(wage_income=Decimal("20000"), **fields)
    household = save_household(
        actor=actor, village_code=village, fields=values, members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.REGISTERED)
    household.refresh_from_db()
    return household


@pytest.fixture
def household(personas):
    return registered(personas["superuser"])


def draft_notice(actor, case):
    """The village's exit publicity notice listing the case (an identification notice)."""
    from exits import exit_services as s

    return s.draft_publicity(
        actor=actor, village_code=case.area_code, year=case.year, issued_by="孔兴村民委员会",
        contact="诗礼乡纪委 0883-4311001", case_ids=[case.pk],
    )  # fmt: skip


def post_notice(actor, case, notice=None):
    """Draft (unless given) and post the case's exit notice from DAY; the case, now in publicity."""
    from exits.models import ExitCase
    from identification import services as identification

    notice = notice or draft_notice(actor, case)
    identification.post_notice(actor=actor, notice_id=notice.pk, starts_on=DAY, posted_place="村委会公示栏")
    return ExitCase.objects.get(pk=case.pk)


def case_notice(case):
    """The last notice listing the exit case."""
    from identification.models import Notice

    return Notice.objects.filter(entries__case_id=case.publicity_case_id).latest("pk")


def conclude_notice(actor, case):
    """Conclude the case's notice the day after its period (DAY + 7)."""
    from exits.models import ExitCase
    from identification import services as identification

    identification.conclude_notice(actor=actor, notice_id=case_notice(case).pk, today=DAY + datetime.timedelta(7))
    return ExitCase.objects.get(pk=case.pk)


def walk(case, actor, until: str):
    """Take the case's steps as ``actor`` (a superuser) until it reaches state ``until``."""
    from exits import exit_services as s

    steps = [
        ("village_appraised", lambda c: s.record_village_appraisal(
            actor=actor, case_id=c.pk, meeting_date=DAY, vote=Vote(30, 24, 20, 3))),
        ("home_verified", lambda c: s.record_home_verification(
            actor=actor, case_id=c.pk, visited_on=DAY, checklist=CHECKLIST,
            income_per_capita=c.household.net_income_per_capita, verifiers="村委会 张三；工作队 李四")),
        ("acknowledged", lambda c: s.record_acknowledgement(
            actor=actor, case_id=c.pk, signed_by="杨大山", signed_on=DAY)),
        ("in_publicity", lambda c: post_notice(actor, c)),
        ("publicized", lambda c: conclude_notice(actor, c)),
        ("township_reviewed", lambda c: s.record_township_review(
            actor=actor, case_id=c.pk, reviewed_on=DAY, opinion="同意退出", checked_in_field=True)),
        ("county_approved", lambda c: s.approve(actor=actor, case_id=c.pk, opinion="同意")),
        ("announced", lambda c: s.announce(actor=actor, case_id=c.pk, announced_on=DAY)),
        ("city_filed", lambda c: s.record_city_filing(actor=actor, case_id=c.pk, filed_on=DAY)),
        ("filed", lambda c: s.record_province_filing(actor=actor, case_id=c.pk, filed_on=DAY)),
    ]  # fmt: skip
    for _reached, step in steps:
        if case.state == until:
            break
        case = step(case)
    assert case.state == until
    return case


@pytest.fixture
def proposed(personas, household):
    from exits import exit_services as s
    from exits.models import ExitCase

    result = s.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[household.pk])
    assert result.failed == {}
    return ExitCase.objects.get(household=household, year=YEAR)
