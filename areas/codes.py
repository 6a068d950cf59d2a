"""Statistical division codes: 2 province + 2 city + 2 county + 3 township + 3 village (+ 3 group).

Pure functions, no database: the rules every code obeys (DOMAIN.md section 2).
"""

from __future__ import annotations

from areas.choices import Level

__all__ = [
    "LEVEL_DIGITS",
    "PARENT_LEVEL",
    "code_length",
    "full_code",
    "level_below",
    "level_rank",
    "prefix_of",
]

#: significant digits of a code at each level: the prefix every descendant's code starts with
LEVEL_DIGITS: dict[str, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}

PARENT_LEVEL: dict[str, str | None] = {
    Level.PROVINCE: None,
    Level.CITY: Level.PROVINCE,
    Level.COUNTY: Level.CITY,
    Level.TOWNSHIP: Level.COUNTY,
    Level.VILLAGE: Level.TOWNSHIP,
    Level.GROUP: Level.VILLAGE,
}

_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GROUP]


def code_length(level: str) -> int:
    """Stored length of a code: 12 digits for every national level, 15 for a village group."""
    return 15 if level == Level.GROUP else 12


def full_code(prefix: str) -> str:
    """Pad a short national code (2, 4, 6 or 9 digits) with zeros to the uniform 12 digits."""
    return prefix.ljust(12, "0") if len(prefix) <= 12 else prefix


def prefix_of(code: str, level: str) -> str:
    return code[: LEVEL_DIGITS[level]]


def level_below(level: str) -> str | None:
    index = _ORDER.index(level)
    return _ORDER[index + 1] if index + 1 < len(_ORDER) else None


def level_rank(level: str) -> int:
    """0 for a province, 5 for a village group: a smaller rank is a higher level."""
    return _ORDER.index(level)
