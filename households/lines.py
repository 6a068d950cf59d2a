"""Which poverty line applies to a household in a year (DOMAIN.md section 4.3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Q, When

from households.choices import IdentificationStandard
from households.models import PovertyLine

__all__ = ["AppliedLine", "poverty_line_for"]


@dataclass(frozen=True)
class AppliedLine:
    amount: Decimal
    year: int  # the year of the line found: a line stays in force until a newer one is entered
    level: str


def poverty_line_for(year: int, standard: str, village_code: str) -> AppliedLine | None:
    """The line of the household's identification standard for ``year``: the province's (or city's)
    own line for a provincial (municipal) standard, the national one otherwise; the latest line
    of that kind up to ``year``. None when no line has been entered at all."""
    province, city = village_code[:2].ljust(12, "0"), village_code[:4].ljust(12, "0")
    national = Q(level=IdentificationStandard.NATIONAL, area__isnull=True)
    if standard == IdentificationStandard.PROVINCIAL:
        own = Q(level=standard, area_id=province)
    elif standard == IdentificationStandard.MUNICIPAL:
        own = Q(level=standard, area_id=city)
    else:
        own = national
    # the own line if there is one, else the national line: one query, the own kind ordered first
    # (reports and every household save ask for it)
    line = (
        PovertyLine.objects.filter(own | national, year__lte=year)
        .order_by(Case(When(own, then=0), default=1), "-year")
        .first()
    )
    return AppliedLine(line.amount, line.year, line.level) if line else None
