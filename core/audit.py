"""Writing the audit trail: one call per change, inside the service's transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.middleware import current_request_id
from core.models import ChangeAction, ObjectChange

__all__ = ["diff", "record_change", "snapshot"]


def json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values as JSON-ready data (foreign keys by their key)."""
    names = list(fields) if fields is not None else [f.name for f in obj._meta.concrete_fields]
    data: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname) if isinstance(field, models.ForeignKey) else getattr(obj, name)
        data[name] = json_value(value)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record_change(
    *,
    actor,
    obj: models.Model,
    action: str,
    area_code: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> ObjectChange:
    """Append one audit row. Call inside the transaction of the change it records."""
    if action == ChangeAction.UPDATE and before is not None and after is not None:
        before, after = diff(before, after)
    return ObjectChange.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "system",
        request_id=current_request_id(),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_pk=str(obj.pk),
        object_repr=str(obj)[:200],
        area_code=area_code,
        before=before,
        after=after,
        reason=reason,
    )
