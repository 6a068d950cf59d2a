"""Masked forms of personal numbers (DOMAIN.md section 13): resident ID numbers, disability
certificate numbers, bank accounts and phones. Pure functions, no database.

Core owns them because core writes the audit trail (core.audit), which masks every row with them,
and core must not import the apps above it; households re-exports ``mask_id_number``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "PERSONAL_KEYS",
    "mask_bank_account",
    "mask_id_number",
    "mask_personal_data",
    "mask_personal_text",
    "mask_phone",
]


def mask_id_number(number: str) -> str:
    """The first 6 and last 4 characters, asterisks between (DOMAIN.md section 13)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """A mobile keeps its first 3 and last 4 digits (139****5678), any other number its last 4."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    if len(number) >= 11:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    return "*" * (len(number) - 4) + number[-4:]


def mask_bank_account(number: str) -> str:
    """Only the last 4 characters: enough to tell two accounts apart, not to pay into one."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


#: keys whose values are personal numbers wherever they occur in a snapshot, and their masks.
#: A key ending in one of these (``head_id_number``, ``contact_phone``) is masked the same way.
PERSONAL_KEYS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "disability_cert_no": mask_id_number,  # the holder's ID number and 2 digits
    "bank_account": mask_bank_account,
    "phone": mask_phone,
}

# ID numbers (18 characters, X last), disability certificate numbers (20 digits) and bank accounts
# (17-19 digits) inside any text. Not 16 digits or fewer: household numbers (16), group codes (15)
# and area codes (12) are not personal data and must stay readable in the trail.
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9]{16,19}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_personal_text(text: str) -> str:
    """Free text (a reason typed by a person, an export's search filter) with every number shaped
    like an ID number, a bank account or a mobile masked in place."""
    text = _LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def _mask_for(key: str) -> Callable[[str], str] | None:
    for name, mask in PERSONAL_KEYS.items():
        if key == name or key.endswith("_" + name):
            return mask
    return None


def mask_personal_data(value: Any, key: str = "") -> Any:
    """A JSON-ready value (a snapshot, a diff, a list of members) with every personal number
    masked: by its key when the key names one, by its shape in any other string. Masking a masked
    value changes nothing, so the audit trail can be masked again safely."""
    if isinstance(value, dict):
        return {k: mask_personal_data(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_personal_data(item, key) for item in value]
    mask = _mask_for(key)
    if isinstance(value, str):
        return mask(value) if mask is not None else mask_personal_text(value)
    if mask is not None and isinstance(value, int) and not isinstance(value, bool):
        return mask(str(value))  # a number sent as a JSON number is no less personal
    return value
