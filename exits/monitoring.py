"""Reads of monitoring (防返贫监测): the monitoring line that applies, and the 两不愁三保障 + 饮水安全
checklist of DOMAIN.md 4.4 that a household must meet before its risk is eliminated."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from households.choices import HousingSafety, IdentificationStandard, SchoolStatus
from households.lines import poverty_line_for

__all__ = ["AppliedMonitoringLine", "checklist_gaps", "monitoring_line_for"]


@dataclass(frozen=True)
class AppliedMonitoringLine:
    amount: Decimal
    year: int
    #: "entered": the province's row for the year; "derived": factor × the poverty line
    source: str


def monitoring_line_for(year: int, village_code: str) -> AppliedMonitoringLine | None:
    """The province's monitoring line for ``year`` (the latest entered up to that year), else
    MONITORING_LINE_FACTOR × the province's poverty line for the year. None when neither exists."""
    from exits.models import MonitoringLine

    province = village_code[:2].ljust(12, "0")
    row = MonitoringLine.objects.filter(province_id=province, year=year).first()
    if row is not None:
        return AppliedMonitoringLine(row.amount, row.year, "entered")
    line = poverty_line_for(year, IdentificationStandard.PROVINCIAL, province)
    if line is None:
        return None
    amount = (line.amount * Decimal(settings.MONITORING_LINE_FACTOR)).quantize(Decimal("0.01"))
    return AppliedMonitoringLine(amount, year, "derived")


def _age(birth: datetime.date | None, on: datetime.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def checklist_gaps(household, members, *, on: datetime.date) -> list[str]:
    """The items of DOMAIN.md 4.4 the household does not meet (empty: it meets the bar)."""
    gaps: list[str] = []
    if not (household.has_enough_food and household.has_seasonal_clothing):
        gaps.append("food")
    # compulsory education: a child aged 6-15 who is not in school
    for member in members:
        age = _age(member.birth_date, on)
        if age is not None and 6 <= age <= 15 and member.school_status == SchoolStatus.NOT_IN_SCHOOL:
            gaps.append("education")
            break
    if any(not member.has_medical_insurance for member in members):
        gaps.append("medical")
    if household.housing_safety != HousingSafety.SAFE and not household.is_relocated:
        gaps.append("housing")
    if not household.drinking_water_safe:
        gaps.append("water")
    return gaps
