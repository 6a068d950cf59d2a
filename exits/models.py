"""Exits and dynamic management. Here so far: the record of a county's frozen years."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from areas.models import Area
from core.querysets import ScopedQuerySet

__all__ = [
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


# --- status procedures, yearly review and frozen snapshots (wt-review) ---------------------------


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
    township_note = models.TextField("乡镇复核意见", blank=True)
    township_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    township_at = models.DateTimeField(null=True, blank=True)
    county_note = models.TextField("县级审定意见", blank=True)
    county_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county_at = models.DateTimeField(null=True, blank=True)
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
