"""Exits and dynamic management: frozen years, monitoring (防返贫监测), status procedures, the yearly
review and the frozen snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from areas.models import Area
from core.querysets import ScopedQuerySet
from exits.exit_choices import CountyExitState, ExitState, VillageExitState

__all__ = [
    "CountyExitCase",
    "ExitCase",
    "ExitEvent",
    "VillageExitCase",
    "FORM_FINDINGS",
    "FrozenYear",
    "MemberYear",
    "PlanYear",
    "ReviewCampaign",
    "ReviewFinding",
    "ReviewForm",
    "ReviewResult",
    "ReviewState",
    "StatusChange",
    "StatusProcedure",
]


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


# --- status procedures, yearly review and frozen snapshots ---------------------------


class CountyScopedQuerySet(ScopedQuerySet):
    area_field = "county__code"


class StatusProcedure(models.TextChoices):
    """The procedures of DOMAIN.md section 5 that change a household's status outside
    identification and exit (exits/status.py)."""

    REMOVE = "remove", "剔除（错评）"
    CLOSE = "close", "销户"
    REOPEN = "reopen", "错退纠正"
    RETURN = "return", "返贫"
    RE_REGISTER = "re_register", "返贫后重新纳入"


class StatusChange(models.Model):
    """One change of a household's status made by a procedure: who, when, why, with what
    documents. Never changed afterwards; the household's status history reads these rows."""

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="status_changes")
    area_code = models.CharField("村代码", max_length=12, db_index=True)
    procedure = models.CharField("程序", max_length=16, choices=StatusProcedure.choices)
    from_status = models.CharField("原脱贫属性", max_length=12)
    to_status = models.CharField("新脱贫属性", max_length=12)
    year = models.PositiveSmallIntegerField("年度")
    effective_on = models.DateField("生效日期")
    reason = models.TextField("理由")
    documents = models.JSONField("证明材料", default=list, blank=True)
    attachments = models.ManyToManyField("identification.Attachment", blank=True, related_name="+")
    review_result = models.ForeignKey(
        "exits.ReviewResult", null=True, blank=True, on_delete=models.PROTECT, related_name="status_changes"
    )
    case = models.ForeignKey(
        "identification.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="status_changes"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "脱贫属性变更"
        verbose_name_plural = "脱贫属性变更"
        ordering = ["household", "created_at", "id"]
        indexes = [models.Index(fields=["area_code", "year"], name="status_change_area_year_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.from_status}→{self.to_status}"


class ReviewCampaign(models.Model):
    """A county's yearly review (动态管理) with its deadline. The registered households and people
    at the start are counted when it opens: they are the denominator of 错评率 (DOMAIN.md 9)."""

    county = models.ForeignKey(Area, verbose_name="县", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    opens_on = models.DateField("开始日期")
    deadline = models.DateField("截止日期")
    start_households = models.PositiveIntegerField("开始时贫困户数", default=0)
    start_people = models.PositiveIntegerField("开始时贫困人口数", default=0)
    is_closed = models.BooleanField("已结束", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CountyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "动态管理"
        verbose_name_plural = "动态管理"
        ordering = ["-year", "county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="review_campaign_once_a_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def area_code(self) -> str:
        return self.county_id


class ReviewForm(models.TextChoices):
    """The three forms of DOMAIN.md section 9."""

    WRONG_INCLUSION = "a", "（一）现有建档立卡贫困户中识别不精准户调查核定登记表"
    MISSED = "b", "（二）建档立卡贫困户调查登记表"
    EXITED = "c", "（三）脱贫退出户调查核实登记表"


class ReviewFinding(models.TextChoices):
    ACCURATE = "accurate", "识别准确"
    WRONGLY_INCLUDED = "wrongly_included", "错评（识别不精准）"
    MISSED = "missed", "漏评"
    NOT_POOR = "not_poor", "不符合条件"
    EXIT_CONFIRMED = "exit_confirmed", "退出准确"
    WRONGLY_EXITED = "wrongly_exited", "错退"
    RETURNED = "returned", "返贫"


#: which findings each form may record
FORM_FINDINGS = {
    ReviewForm.WRONG_INCLUSION: (ReviewFinding.ACCURATE, ReviewFinding.WRONGLY_INCLUDED),
    ReviewForm.MISSED: (ReviewFinding.MISSED, ReviewFinding.NOT_POOR),
    ReviewForm.EXITED: (ReviewFinding.EXIT_CONFIRMED, ReviewFinding.WRONGLY_EXITED, ReviewFinding.RETURNED),
}


class ReviewState(models.TextChoices):
    RECORDED = "recorded", "村级已登记"
    TOWNSHIP_CHECKED = "township_checked", "乡镇已复核"
    APPROVED = "approved", "县级已审定"
    REJECTED = "rejected", "县级未认定"
    APPLIED = "applied", "已办理"


class ReviewResult(models.Model):
    """One household's form in a yearly review: what the village found, signed by head,
    surveyor, team leader and deputy; re-checked by the township; reviewed by the county; then
    applied through the status procedures (or an identification case). ``people`` is the
    household size when the form was filled, the count the rates use."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.PROTECT, related_name="results")
    form = models.CharField("表式", max_length=1, choices=ReviewForm.choices)
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="review_results")
    area_code = models.CharField("村代码", max_length=12, db_index=True)
    finding = models.CharField("核查结论", max_length=20, choices=ReviewFinding.choices)
    people = models.PositiveSmallIntegerField("人数")
    reason = models.TextField("情况说明")
    answers = models.JSONField("调查内容", default=dict, blank=True)
    signatures = models.JSONField("签字", default=dict)
    state = models.CharField("状态", max_length=20, choices=ReviewState.choices, default=ReviewState.RECORDED)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    #: the dates of the acts (on the paper; entered later they keep their own date): the form
    #: filled, the township's re-check, the county's decision (exits.review.act_date)
    recorded_on = models.DateField("填表日期", null=True, blank=True)
    township_note = models.TextField("乡镇复核意见", blank=True)
    township_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    township_at = models.DateTimeField(null=True, blank=True)
    township_on = models.DateField("乡镇复核日期", null=True, blank=True)
    county_note = models.TextField("县级审定意见", blank=True)
    county_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county_at = models.DateTimeField(null=True, blank=True)
    county_on = models.DateField("县级审定日期", null=True, blank=True)
    case = models.ForeignKey(
        "identification.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="review_results"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "动态管理核查结果"
        verbose_name_plural = "动态管理核查结果"
        ordering = ["area_code", "form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="review_result_once_per_household")
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="review_result_state_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.household_id} {self.finding}"


class MemberYear(models.Model):
    """A member as they stood when the county froze a year. Never changed afterwards (a database
    trigger refuses UPDATE and DELETE on PostgreSQL)."""

    member_id = models.PositiveBigIntegerField(db_index=True)
    household_id = models.PositiveBigIntegerField(db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    area_code = models.CharField(max_length=12, db_index=True)
    is_active = models.BooleanField("在户")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=2)
    change_reason = models.CharField("人员变更原因", max_length=2, blank=True)
    changed_on = models.DateField(null=True, blank=True)
    data = models.JSONField("成员数据")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案成员"
        verbose_name_plural = "年度定案成员"
        constraints = [models.UniqueConstraint(fields=["member_id", "year"], name="member_year_unique")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}"


class PlanYear(models.Model):
    """An assistance plan with its measures as it stood when the county froze the year."""

    plan_id = models.PositiveBigIntegerField(db_index=True)
    household_id = models.PositiveBigIntegerField(db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    area_code = models.CharField(max_length=12, db_index=True)
    planned_exit_year = models.PositiveSmallIntegerField("计划脱贫年度")
    data = models.JSONField("计划及措施")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案帮扶计划"
        verbose_name_plural = "年度定案帮扶计划"
        constraints = [models.UniqueConstraint(fields=["plan_id", "year"], name="plan_year_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.year}"


class MeasureYear(models.Model):
    """A measure as it stood when the county froze a year: the measures of the plans up to that
    year whose own year is that year or later (what the year's rolling plan counts, by type and
    year). The members it names are in MeasureMemberYear."""

    year = models.PositiveSmallIntegerField("年度")
    measure_id = models.PositiveBigIntegerField(db_index=True)
    plan_id = models.PositiveBigIntegerField()
    household_id = models.PositiveBigIntegerField(db_index=True)
    area_code = models.CharField(max_length=12, db_index=True)
    code = models.CharField("措施", max_length=3)
    measure_year = models.PositiveSmallIntegerField("措施年度")
    cost = models.DecimalField("资金（元）", max_digits=12, decimal_places=2)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案帮扶措施"
        verbose_name_plural = "年度定案帮扶措施"
        constraints = [models.UniqueConstraint(fields=["measure_id", "year"], name="measure_year_unique")]
        indexes = [models.Index(fields=["year", "area_code"], name="measure_year_area_idx")]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.year}"


class MeasureMemberYear(models.Model):
    """A member named by a measure of MeasureYear, with the measure's type, year and area repeated
    so that the people a type of measure reaches are one grouped read of this table."""

    year = models.PositiveSmallIntegerField("年度")
    measure_id = models.PositiveBigIntegerField()
    member_id = models.PositiveBigIntegerField()
    area_code = models.CharField(max_length=12)
    code = models.CharField("措施", max_length=3)
    measure_year = models.PositiveSmallIntegerField("措施年度")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案受益成员"
        verbose_name_plural = "年度定案受益成员"
        constraints = [
            models.UniqueConstraint(fields=["measure_id", "member_id", "year"], name="measure_member_year_unique")
        ]
        indexes = [models.Index(fields=["year", "area_code"], name="measure_member_year_area_idx")]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.member_id} {self.year}"


class CoverageKind(models.TextChoices):
    PAIRING = "pairing", "结对帮扶"
    WORK_TEAM = "work_team", "驻村工作队"
    UNIT = "unit", "单位包村"


class CoverageYear(models.Model):
    """Who helped whom on the last day of a frozen year (or on the day it was frozen, for a year
    frozen before its end), copied when the county froze it: a household's pairing with its
    cadre, a village's work team, a unit assigned to a village. Copied rather than read from the
    dated history later, because the history can still be written back into a frozen year (a
    pairing or a team may start on any past date, ending the one before it)."""

    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=10, choices=CoverageKind.choices)
    #: the pairing's area code (the household's village), or the team's or assignment's village
    area_code = models.CharField(max_length=12)
    #: the paired household (pairings only)
    household_id = models.PositiveBigIntegerField(null=True, blank=True)
    #: the cadre (pairing), the work team, or the assistance unit
    ref_id = models.PositiveBigIntegerField()
    #: the pairing, team or assignment copied
    source_id = models.PositiveBigIntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案帮扶力量"
        verbose_name_plural = "年度定案帮扶力量"
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id", "year"], name="coverage_year_unique"),
        ]
        indexes = [
            models.Index(fields=["year", "kind", "area_code"], name="coverage_year_area_idx"),
            models.Index(fields=["household_id", "year"], name="coverage_year_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} {self.year}"


# --- Household exit, poor village exit, county 摘帽 (DOMAIN.md section 8) ---------------------------


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
    #: the identification case that carries this exit through the village publicity (its notice,
    #: period and objections are identification's: exits/exit_publicity.py), from the acknowledgement
    publicity_case = models.OneToOneField(
        "identification.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="exit_case"
    )
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
