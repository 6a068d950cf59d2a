"""Frozen years (年度定案): whether a county has closed a year. The freezing itself belongs to the
exits issue; until a year is frozen, every year is open."""

from __future__ import annotations

__all__ = ["is_frozen"]


def is_frozen(area_code: str, year: int) -> bool:
    """Whether the county of ``area_code`` has frozen ``year``."""
    from exits.models import FrozenYear

    return FrozenYear.objects.filter(county_id=area_code[:6].ljust(12, "0"), year=year).exists()
