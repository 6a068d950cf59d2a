"""Attachments (photos, scanned minutes): JPEG, PNG or PDF by their first bytes, not by their
name, and no larger than ATTACHMENT_MAX_BYTES."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from areas.choices import Action
from areas.scopes import may
from core.errors import ServiceError
from identification.models import Attachment

__all__ = ["store_attachment"]

_SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf")]


def store_attachment(*, actor, upload, area_code: str) -> Attachment:
    """Keep an uploaded photo or scan for an area the actor may work in; refuse anything else."""
    if not may(actor, Action.VIEW, area_code):
        raise Http404
    if not any(
        may(actor, action, area_code) for action in (Action.CAPTURE, Action.REVIEW, Action.APPROVE, Action.INSPECT)
    ):
        raise PermissionDenied
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ServiceError(
            _("The file is %(size)s MB; attachments may be at most %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": settings.ATTACHMENT_MAX_BYTES // 1048576},
            field="file",
            code="too_large",
        )
    head = upload.read(16)
    upload.seek(0)
    content_type = next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)
    if content_type is None:
        raise ServiceError(_("Attach a photo (JPEG or PNG) or a PDF scan."), field="file", code="bad_type")
    return Attachment.objects.create(
        file=upload, original_name=(upload.name or "file")[:200], content_type=content_type, size=upload.size,
        area_code=area_code, uploaded_by=actor,
    )  # fmt: skip
