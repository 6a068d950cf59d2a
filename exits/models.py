"""Exits and dynamic management. Here so far: the record of a county's frozen years."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from areas.models import Area

__all__ = ["FrozenYear"]


class FrozenYear(models.Model):
    """A county closed a year (年度定案): its data of that year is read-only from then on."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "年度定案"
        verbose_name_plural = "年度定案"
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="frozen_year_once")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"


# --- Monitoring (防返贫监测) and the system's attention flags ------------------------------------
# Owned by exits/monitoring*.py; DOMAIN.md section 8.

from core.querysets import ScopedQuerySet  # noqa: E402
from exits.monitoring_choices import (  # noqa: E402
    EliminationMode,
    FlagKind,
    MonitoringChannel,
    MonitoringKind,
    MonitoringState,
    RiskKind,
)
from households.models import Household, Member  # noqa: E402

__all__ += ["AttentionFlag", "MonitoringCase", "MonitoringEvent", "MonitoringLine", "RiskRecord"]


class MonitoringLineQuerySet(ScopedQuerySet):
    area_field = "province__code"  # the foreign key holds the code: no join


class MonitoringLine(models.Model):
    """The monitoring line (监测线) of a province for a year, in yuan per person per year. Where no
    row is entered the line is MONITORING_LINE_FACTOR × that year's poverty line (exits/monitoring.py)."""

    year = models.PositiveSmallIntegerField("年度")
    province = models.ForeignKey(Area, verbose_name="省", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("监测线（元/人·年）", max_digits=8, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    objects = MonitoringLineQuerySet.as_manager()

    class Meta:
        verbose_name = "监测线"
        verbose_name_plural = "监测线"
        ordering = ["-year", "province"]
        constraints = [
            models.UniqueConstraint(fields=["year", "province"], name="monitoring_line_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="monitoring_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id} {self.amount}"


#: states of a case still going through identification or under monitoring (not finished)
OPEN_MONITORING_STATES = [s for s in MonitoringState.values if s not in ("eliminated", "rejected")]


class MonitoringCase(models.Model):
    """A household found at risk (监测对象), from the alert through its identification steps
    (exits/monitoring_workflow.py) to monitoring and the elimination of its risk. ``state`` and
    ``version`` change only through exits.monitoring_services, by compare-and-set."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="monitoring_cases")
    area_code = models.CharField("村代码", max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("监测对象类别", max_length=20, choices=MonitoringKind.choices)
    channel = models.CharField("发现途径", max_length=20, choices=MonitoringChannel.choices)
    state = models.CharField(
        "环节", max_length=20, choices=MonitoringState.choices, default=MonitoringState.ALERTED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    alert_note = models.TextField("预警情况")
    #: the identification case that carries this case through the village publicity (the notice and
    #: objection machinery of identification is reused, not copied)
    publicity_case = models.OneToOneField(
        "identification.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="monitoring_case"
    )
    flag = models.ForeignKey("exits.AttentionFlag", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_on = models.DateField("纳入监测日期", null=True, blank=True)
    eliminated_on = models.DateField("风险消除日期", null=True, blank=True)
    elimination_mode = models.CharField("消除方式", max_length=12, choices=EliminationMode.choices, blank=True)
    closing_reason = models.TextField("未纳入原因", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监测对象"
        verbose_name_plural = "监测对象"
        ordering = ["area_code", "-created_at", "-id"]
        constraints = [
            # a household is in at most one open monitoring case at a time
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(state__in=OPEN_MONITORING_STATES),
                name="monitoring_one_open_case",
            ),
        ]
        indexes = [models.Index(fields=["area_code", "state"], name="monitoring_area_state_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_kind_display()} {self.get_state_display()}"


class MonitoringEvent(models.Model):
    """One step taken on a monitoring case: who, when, from and to, why, and what was recorded."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField("操作", max_length=40)
    from_state = models.CharField(max_length=20, blank=True, choices=MonitoringState.choices)
    to_state = models.CharField("环节", max_length=20, choices=MonitoringState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField(default=timezone.now)
    reason = models.TextField("说明", blank=True)
    record = models.JSONField("记录", default=dict, blank=True)

    class Meta:
        verbose_name = "监测对象办理记录"
        verbose_name_plural = "监测对象办理记录"
        ordering = ["case", "time", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition}"


class RiskRecord(models.Model):
    """A risk found in a monitored household (风险), with the assistance measures that answer it."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="risks")
    area_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField("风险类型", max_length=20, choices=RiskKind.choices)
    found_on = models.DateField("发现日期")
    description = models.TextField("风险情况")
    measures = models.ManyToManyField(
        "assistance.Measure", blank=True, related_name="monitoring_risks", verbose_name="帮扶措施"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "风险记录"
        verbose_name_plural = "风险记录"
        ordering = ["case", "found_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class AttentionFlag(models.Model):
    """Something the system itself noticed about a household (exits/monitoring_flags.py): raised by a
    set-based refresh, cleared when the condition no longer holds, kept with the case it led to."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="attention_flags")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField("提示类别", max_length=20, choices=FlagKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    #: the figures behind the flag (income, line, previous income…), for the list page
    detail = models.JSONField("依据", default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "系统预警提示"
        verbose_name_plural = "系统预警提示"
        ordering = ["area_code", "household", "kind"]
        constraints = [
            # one open flag of a kind per household (per member for a member's illness); two
            # constraints because NULL members are distinct in a unique index
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=models.Q(cleared_at__isnull=True, member__isnull=True),
                name="attention_flag_open_once",
            ),
            models.UniqueConstraint(
                fields=["household", "kind", "member"],
                condition=models.Q(cleared_at__isnull=True, member__isnull=False),
                name="attention_flag_member_open_once",
            ),
        ]
        indexes = [models.Index(fields=["area_code", "kind"], name="attention_flag_area_kind_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_kind_display()}"
