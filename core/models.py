"""Shared records: the append-only audit trail (DESIGN.md decision 4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import ScopedQuerySet

__all__ = ["ChangeAction", "Job", "JobStatus", "ObjectChange"]


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    GRANT = "grant", _("Role granted")
    REVOKE = "revoke", _("Role revoked")
    REVEAL = "reveal", _("Personal data revealed")
    IMPORT = "import", _("Imported")
    EXPORT = "export", _("Exported")
    TRANSITION = "transition", _("Procedure step")


class ObjectChangeQuerySet(ScopedQuerySet):
    area_field = "area_code"


class ObjectChange(models.Model):
    """One change to one object: who, when, what, before and after, in which request and area.

    Rows are never updated or deleted: database triggers refuse it (migration 0002), and users
    and content types referenced here are protected from deletion.
    """

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    request_id = models.UUIDField(_("request id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_pk = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_pk", "-time"], name="core_change_object_idx")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each key in either snapshot, in a stable order."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(key, before.get(key), after.get(key)) for key in keys]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobQuerySet(ScopedQuerySet):
    area_field = "area_code"


class Job(models.Model):
    """A piece of background work (an import, an area-wide check, a report) and its progress.

    The browser polls the row; the task updates it. ``attempts`` counts how often a worker took
    the job up: a job whose worker died is taken up again, and one that keeps killing its worker
    stops after JOB_MAX_ATTEMPTS with status failed. ``file`` is set only once the file is whole.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    file = models.CharField(_("file"), max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_code} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
