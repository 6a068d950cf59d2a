"""A logging filter that keeps resident ID numbers, phones and bank accounts out of every log line."""

from __future__ import annotations

import logging
import re

__all__ = ["MaskPersonalDataFilter", "mask_personal_numbers"]

# 15 to 19 digits (ID numbers, bank accounts), optionally ending in X; 11-digit mobile numbers.
_LONG_NUMBER = re.compile(r"(?<![0-9])([0-9]{14,18}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """Replace anything shaped like an ID number, bank account or mobile number by asterisks."""
    text = _LONG_NUMBER.sub(lambda m: "*" * len(m.group(1)), text)
    return _MOBILE.sub("***********", text)


class MaskPersonalDataFilter(logging.Filter):
    """Masks the message and also the traceback: an exception's text (a failed lookup, a database
    error quoting the row) carries ID numbers as often as the message does."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is; never lose the log line
            return True
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        # Formatters reuse exc_text when it is set, so the masked traceback is what gets written.
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True
