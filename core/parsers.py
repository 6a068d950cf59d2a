"""The API's JSON parser: DRF's, refusing a NUL character anywhere in the body.

No field takes one, PostgreSQL refuses it in text and in JSON, and a view reading
``request.data`` directly (the token endpoint's username) would pass it on: one check here
answers 400 ("invalid_parameter") for every endpoint. Form bodies and query strings are checked
by core.middleware.BadRequestMiddleware.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser as DrfJSONParser

__all__ = ["JSONParser"]


class JSONParser(DrfJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        field = _nul_in(data)
        if field is not None:
            from core.params import InvalidParameter

            raise InvalidParameter(field, _("The request contains a NUL character, which no field accepts."))
        return data


def _nul_in(data, name: str = "") -> str | None:
    """The top-level key under which ``data`` holds a NUL character ("body" at the top), or None."""
    if isinstance(data, str):
        return (name or "body") if "\x00" in data else None
    if isinstance(data, dict):
        pairs = [(str(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        pairs = [("", value) for value in data]
    else:
        return None
    for key, value in pairs:
        field = (name or key or "body").replace("\x00", "")
        if "\x00" in key or _nul_in(value, field):
            return field
    return None
