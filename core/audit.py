"""Writing the audit trail: one call per change, inside the service's transaction.

Every row is built by ``audit_row``, which masks personal numbers (ID numbers, disability
certificates, bank accounts, phones) in before, after, reason and the object's name: auditors read
the trail without a reveal right, so it never holds a full number (DOMAIN.md section 13). The full
number is read only through the logged reveal. No code elsewhere builds an ObjectChange itself
(tests/core/test_audit.py checks the sources).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.masking import mask_personal_data, mask_personal_text
from core.middleware import current_request_id
from core.models import ChangeAction, ObjectChange

__all__ = ["audit_row", "diff", "record_change", "snapshot"]


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


def audit_row(
    *,
    actor,
    content_type: ContentType,
    object_pk: str,
    object_repr: str,
    action: str,
    area_code: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    request_id: uuid.UUID | None = None,
) -> ObjectChange:
    """One unsaved audit row, personal numbers masked; ``record_change`` saves it, a bulk writer
    (households.bulk) collects many for one ``bulk_create``. ``before`` and ``after`` are masked
    after the caller's diff, so a changed number still shows as a changed key."""
    return ObjectChange(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "system",
        request_id=request_id if request_id is not None else current_request_id(),
        action=action,
        content_type=content_type,
        object_pk=object_pk,
        object_repr=mask_personal_text(object_repr)[:200],
        area_code=area_code,
        before=mask_personal_data(before),
        after=mask_personal_data(after),
        reason=mask_personal_text(reason or ""),
    )


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
    row = audit_row(
        actor=actor,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_pk=str(obj.pk),
        object_repr=str(obj),
        action=action,
        area_code=area_code,
        before=before,
        after=after,
        reason=reason,
    )
    row.save(force_insert=True)
    return row
