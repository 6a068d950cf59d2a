"""Errors a service raises for its callers (pages and API) to show; messages are for people, in gettext."""

from __future__ import annotations

__all__ = ["Conflict", "ServiceError"]


class ServiceError(Exception):
    """A refusal with a message the user can act on. ``field`` names the input at fault, if one is."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class Conflict(ServiceError):
    """Someone else changed or took the object first (stale form, second approval, quota exhausted)."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", field: str | None = None, details=None):
        super().__init__(message, code=code, field=field, details=details)
