"""Resident ID numbers (GB 11643-1999), DOMAIN.md section 4.1. Pure functions, no database.

An 18-character number: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for
men, even for women) and a check character. Old 15-digit numbers are converted to 18 digits by
inserting "19" and computing the check; the clerk confirms the result before it is stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from core.masking import mask_id_number  # the one mask, owned by core for the audit trail

__all__ = ["IdCheck", "age_on", "build_id_number", "check_id_number", "convert_15_to_18", "mask_id_number"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


@dataclass
class IdCheck:
    """The result of checking one number: the normalised number when valid, and why not when not."""

    raw: str
    number: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    birth_date: datetime.date | None = None
    gender: str | None = None  # "1" male, "2" female
    converted_from_15: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.errors


def check_character(first_17: str) -> str:
    return _CHECK_CHARACTERS[sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True)) % 11]


def convert_15_to_18(number: str) -> str:
    """The 18-digit form of an old 15-digit number: "19" before the 2-digit year, then the check."""
    first_17 = number[:6] + "19" + number[6:]
    return first_17 + check_character(first_17)


def _birth_date(digits: str) -> datetime.date | None:
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def check_id_number(raw: str, *, today: datetime.date | None = None, known_address_codes=None) -> IdCheck:
    """Check a resident ID number and say exactly what is wrong.

    ``known_address_codes`` (a container of 6-digit codes) turns an unknown address code into a
    warning; it is never an error, because the code was fixed at issue and may since be retired.
    """
    today = today or timezone.localdate()  # the office's day (TIME_ZONE), not the server's
    result = IdCheck(raw=raw)
    number = (raw or "").strip().replace(" ", "").upper()
    if not number:
        result.errors.append(_("Enter the ID number."))
        return result
    if len(number) == 15:
        if not number.isdigit():
            result.errors.append(_("A 15-digit ID number has digits only."))
            return result
        number = convert_15_to_18(number)
        result.converted_from_15 = True
    if len(number) != 18:
        result.errors.append(_("An ID number has 18 characters; this one has %(count)s.") % {"count": len(number)})
        return result
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        result.errors.append(_("Only digits are allowed, and X as the last character."))
        return result
    birth = _birth_date(number[6:14])
    if birth is None:
        result.errors.append(_("The birth date %(date)s in the ID number is not a real date.") % {"date": number[6:14]})
        return result
    if birth > today:
        result.errors.append(
            _("The birth date %(date)s in the ID number is in the future.") % {"date": birth.isoformat()}
        )
        return result
    if birth.year < 1880:
        result.errors.append(
            _("The birth date %(date)s in the ID number is not plausible.") % {"date": birth.isoformat()}
        )
        return result
    expected = check_character(number[:17])
    if number[17] != expected:
        result.errors.append(
            _("The check character is wrong: the last character should be %(expected)s. Check each digit again.")
            % {"expected": expected}
        )
        return result
    if known_address_codes is not None and number[:6] not in known_address_codes:
        result.warnings.append(
            _("The address code %(code)s is not a current division code; it may have been retired. Check the card.")
            % {"code": number[:6]}
        )
    result.number = number
    result.birth_date = birth
    result.gender = "1" if int(number[16]) % 2 else "2"
    return result


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def build_id_number(address_code: str, birth_date: datetime.date, sequence: int) -> str:
    """A well-formed 18-character number (demo data and tests): odd ``sequence`` for a man."""
    first_17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first_17 + check_character(first_17)
