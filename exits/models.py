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


# === Household exit, poor village exit, county 摘帽 (wt-exits; DOMAIN.md section 8) ===========

from core.querysets import ScopedQuerySet  # noqa: E402
from exits.exit_choices import CountyExitState, ExitState, VillageExitState  # noqa: E402
from identification.choices import ObjectionChannel, ObjectionState  # noqa: E402

__all__ += ["CountyExitCase", "ExitCase", "ExitEvent", "ExitObjection", "VillageExitCase"]


class ExitCaseQuerySet(ScopedQuerySet):
    area_field = "area_code"


class ExitCase(models.Model):
    """One household's exit in one year (预退出 → 已脱贫), moving through exits/exit_workflow.py.

    ``state`` and ``version`` change only through exits.exit_services, by compare-and-set, so two
    people taking the same step at once cannot both succeed. The household's own status follows
    the case: pre_exit from the proposal, exited (with the year) from the county's announcement.
    """

    household = models.ForeignKey(
        "households.Household", verbose_name="贫困户", on_delete=models.PROTECT, related_name="exit_cases"
    )
    year = models.PositiveSmallIntegerField("退出年度")
    area_code = models.CharField("村代码", max_length=12, db_index=True)
    state = models.CharField("环节", max_length=20, choices=ExitState.choices, default=ExitState.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    #: the household's status before the proposal, restored when the case is withdrawn
    previous_status = models.CharField(max_length=12)
    plan_note = models.TextField("帮扶措施安排", blank=True)
    #: the home verification's verdict: empty when every criterion holds, else the failures
    failures = models.JSONField("未达标项", default=list, blank=True)
    publicity_starts_on = models.DateField("公示开始", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止", null=True, blank=True)
    posted_place = models.CharField("张贴地点", max_length=200, blank=True)
    closing_reason = models.TextField("撤回原因", blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ExitCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "脱贫退出"
        verbose_name_plural = "脱贫退出"
        ordering = ["area_code", "household_id"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="exit_case_one_per_year")]
        indexes = [models.Index(fields=["year", "state"], name="exit_case_year_state_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.get_state_display()}"


class ExitEvent(models.Model):
    """One step taken on an exit case: who, when, from and to which state, why, and what the step
    records (votes, checklist item by item, income against the line, acknowledgement); never changed."""

    case = models.ForeignKey(ExitCase, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField("操作", max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField(default=timezone.now)
    reason = models.TextField("理由", blank=True)
    record = models.JSONField("记录", default=dict, blank=True)
    #: a scanned document (the household's signed acknowledgement), stored by identification.attachments
    attachment = models.ForeignKey(
        "identification.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "退出办理记录"
        verbose_name_plural = "退出办理记录"
        ordering = ["case", "time", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition}"


class ExitObjection(models.Model):
    """An objection raised during an exit publicity (same channels and states as identification's);
    upheld → the case goes back to the home verification; rejected → the reason is kept."""

    case = models.ForeignKey(ExitCase, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.CharField("反映人", max_length=50)
    received_on = models.DateField("反映日期")
    channel = models.CharField("方式", max_length=12, choices=ObjectionChannel.choices)
    content = models.TextField("反映内容")
    state = models.CharField("状态", max_length=10, choices=ObjectionState.choices, default=ObjectionState.OPEN)
    resolution = models.TextField("核实结论", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "退出公示异议"
        verbose_name_plural = "退出公示异议"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()}"


class VillageExitCaseQuerySet(ScopedQuerySet):
    area_field = "village__code"


class VillageExitCase(models.Model):
    """A poor village's exit in a year: proposed by the township when it meets the bar, township
    publicity, county announcement. ``figures`` keeps the assessment the proposal was made on."""

    village = models.ForeignKey(Area, verbose_name="村", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("退出年度")
    state = models.CharField("环节", max_length=16, choices=VillageExitState.choices, default=VillageExitState.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    figures = models.JSONField("评估数据", default=dict)
    publicity_starts_on = models.DateField(null=True, blank=True)
    publicity_ends_on = models.DateField(null=True, blank=True)
    posted_place = models.CharField(max_length=200, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)

    objects = VillageExitCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "贫困村退出"
        verbose_name_plural = "贫困村退出"
        ordering = ["village_id"]
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="village_exit_one_per_year")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.get_state_display()}"

    @property
    def area_code(self) -> str:
        return self.village_id


class CountyExitCaseQuerySet(ScopedQuerySet):
    area_field = "county__code"


class CountyExitCase(models.Model):
    """A county's exit (摘帽) in a year: the county proposes, the city checks, the province verifies
    and announces. ``records`` keeps each level's record (dates, who, opinion)."""

    county = models.ForeignKey(Area, verbose_name="县", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("退出年度")
    state = models.CharField("环节", max_length=16, choices=CountyExitState.choices, default=CountyExitState.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    figures = models.JSONField("评估数据", default=dict)
    records = models.JSONField("各级意见", default=dict, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)

    objects = CountyExitCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "贫困县摘帽"
        verbose_name_plural = "贫困县摘帽"
        ordering = ["county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="county_exit_one_per_year")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.get_state_display()}"

    @property
    def area_code(self) -> str:
        return self.county_id
