"""Reading the parameters of a request that no form or serializer reads: area codes, object ids,
years, amounts and search text from the query string or a form body.

Each reader takes the raw value (None or "" when the parameter is absent) and the parameter's
name, and returns the parsed value or raises ``InvalidParameter`` (a ServiceError, code
"invalid_parameter", naming the parameter): the API answers it with its one error shape, pages
with the 400 page (core.middleware.BadRequestMiddleware). So a crafted value is a 400, never a
server error: ``str.isdigit()`` accepts "²" and "١٢", which ``int()`` refuses or reads as 12;
``Decimal`` and ``float`` accept "nan" and "1e999"; PostgreSQL refuses a NUL byte in text; and
``int()`` refuses more than 4,300 digits.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.errors import ServiceError

__all__ = [
    "InvalidParameter",
    "MAX_ID",
    "ascii_digits",
    "bounded_int",
    "clean_text",
    "finite_decimal",
    "has_nul",
    "object_id",
    "positive_int",
    "year",
]

_DIGITS = re.compile(r"[0-9]+")
#: the largest primary key (PostgreSQL bigint); a larger id names nothing
MAX_ID = 2**63 - 1
#: the years a request may name (the registry's work began in 2014)
YEAR_MIN, YEAR_MAX = 2000, 2100
#: text parameters (a search, a name, a reason in a query string) are at most this long
TEXT_MAX = 200


class InvalidParameter(ServiceError):
    """A request parameter that is not what it must be: 400, with the parameter named."""

    def __init__(self, field: str, message: str | None = None):
        super().__init__(
            message or _("The value of “%(field)s” is not valid.") % {"field": field},
            code="invalid_parameter",
            field=field,
        )


def has_nul(value: str) -> bool:
    return "\x00" in value


def _text(value, field: str, message: str | None = None) -> str:
    text = "" if value is None else str(value)
    if has_nul(text):
        raise InvalidParameter(field, message)
    return text.strip()


def ascii_digits(value, field: str, *, max_length: int = 15, message: str | None = None) -> str:
    """The value's ASCII digits ("" when absent): an area code, a household number or a prefix of
    one. Anything else, or more than ``max_length`` digits, is refused (with ``message``, if
    given, in place of the general one)."""
    text = _text(value, field, message)
    if text and (len(text) > max_length or not _DIGITS.fullmatch(text)):
        raise InvalidParameter(field, message)
    return text


def bounded_int(
    value, field: str, *, minimum: int, maximum: int, default: int | None = None, message: str | None = None
) -> int | None:
    """A whole number within [minimum, maximum] (``default`` when absent); ASCII digits, with a
    leading minus only when ``minimum`` is negative."""
    text = _text(value, field, message)
    if not text:
        return default
    digits = text[1:] if text.startswith("-") and minimum < 0 else text
    if not _DIGITS.fullmatch(digits) or len(digits) > len(str(max(abs(minimum), abs(maximum)))):
        raise InvalidParameter(field, message)
    number = int(text)
    if not minimum <= number <= maximum:
        raise InvalidParameter(field, message)
    return number


def positive_int(
    value, field: str, *, default: int | None = None, maximum: int = MAX_ID, message: str | None = None
) -> int | None:
    """An id or a count: a whole number from 1 to ``maximum`` (``default`` when absent)."""
    return bounded_int(value, field, minimum=1, maximum=maximum, default=default, message=message)


def year(value, field: str = "year", *, default: int | None = None, message: str | None = None) -> int | None:
    """A calendar year of the work (2000 to 2100), or ``default`` when absent."""
    return bounded_int(value, field, minimum=YEAR_MIN, maximum=YEAR_MAX, default=default, message=message)


def object_id(value, field: str, *, message: str | None = None) -> int | None:
    """An object's id, or None when absent: 0 to MAX_ID (0 and the largest name nothing)."""
    return bounded_int(value, field, minimum=0, maximum=MAX_ID, message=message)


def finite_decimal(
    value, field: str, *, default: Decimal | None = None, maximum: Decimal = Decimal("1e12")
) -> Decimal | None:
    """An amount: a finite decimal number, ASCII only, of magnitude below ``maximum`` (no nan,
    no infinity, no "1e999"); ``default`` when absent."""
    text = _text(value, field)
    if not text:
        return default
    if len(text) > 40 or not text.isascii():
        raise InvalidParameter(field)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidParameter(field) from exc
    if not number.is_finite() or abs(number) >= maximum:
        raise InvalidParameter(field)
    return number


def clean_text(value, field: str, *, max_length: int = TEXT_MAX) -> str:
    """Free text from a query string (a search): stripped, without NUL, at most ``max_length``."""
    text = _text(value, field)
    if len(text) > max_length:
        raise InvalidParameter(field, _("“%(field)s” is too long.") % {"field": field})
    return text
