"""Assistance (帮扶, DOMAIN.md sections 3.4, 10, 11): responsible cadres and their pairings with
households, assistance units, village work teams, visits, household plans and measures, the
county project library and funds paid to households."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from areas.models import Area
from assistance.choices import MeasureCode, MeasureStatus, ProjectState
from core.querysets import ScopedQuerySet
from households.models import Household, Member

__all__ = [
    "AssistanceUnit",
    "Cadre",
    "FundPayment",
    "Measure",
    "Pairing",
    "Plan",
    "Project",
    "ProjectBeneficiary",
    "UnitAssignment",
    "Visit",
    "WorkTeam",
]

ZERO = Decimal("0")


class CountyScoped(ScopedQuerySet):
    area_field = "county__code"


class Cadre(models.Model):
    """A responsible cadre (帮扶责任人): who, from which unit, in which county, for which period."""

    county = models.ForeignKey(Area, verbose_name="县", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("工作单位", max_length=100)
    position = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    starts_on = models.DateField("帮扶开始")
    ends_on = models.DateField("帮扶结束", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="cadres"
    )

    objects = CountyScoped.as_manager()

    class Meta:
        verbose_name = "帮扶责任人"
        verbose_name_plural = "帮扶责任人"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class AreaScoped(ScopedQuerySet):
    area_field = "area_code"


class Pairing(models.Model):
    """A household's responsible cadre for a period; changed by ending one and starting another,
    never deleted (不脱贫不脱钩). Periods of one household never overlap."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="pairings")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="pairings")
    area_code = models.CharField(max_length=12, db_index=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("变更原因", max_length=200, blank=True)

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"
        ordering = ["household", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="pairing_period_order",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(ends_on__isnull=True), name="pairing_one_current_per_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}→{self.cadre_id}"


class AssistanceUnit(models.Model):
    """An assistance unit (帮扶单位): a government office, an enterprise, a school."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类别", max_length=50, blank=True)

    objects = CountyScoped.as_manager()

    class Meta:
        verbose_name = "帮扶单位"
        verbose_name_plural = "帮扶单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitAssignment(models.Model):
    unit = models.ForeignKey(AssistanceUnit, on_delete=models.PROTECT, related_name="assignments")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)

    objects = type("VillageScoped", (ScopedQuerySet,), {"area_field": "village__code"}).as_manager()

    class Meta:
        verbose_name = "单位包村"
        verbose_name_plural = "单位包村"

    def __str__(self) -> str:
        return f"{self.unit_id}→{self.village_id}"


class WorkTeam(models.Model):
    """A village work team (驻村工作队): leader, first secretary, members, dispatching unit, period."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    dispatching_unit = models.CharField("派出单位", max_length=100)
    leader = models.CharField("队长", max_length=50)
    first_secretary = models.CharField("第一书记", max_length=50)
    members = models.JSONField("队员", default=list, blank=True)
    starts_on = models.DateField("派驻开始")
    ends_on = models.DateField("派驻结束", null=True, blank=True)

    objects = type("WorkTeamScoped", (ScopedQuerySet,), {"area_field": "village__code"}).as_manager()

    class Meta:
        verbose_name = "驻村工作队"
        verbose_name_plural = "驻村工作队"

    def __str__(self) -> str:
        return f"{self.village_id} {self.leader}"


class Visit(models.Model):
    """A visit to the household (走访记录): the ledger of its assistance."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="visits")
    area_code = models.CharField(max_length=12, db_index=True)
    visited_on = models.DateField("走访日期")
    found = models.TextField("了解情况")
    done = models.TextField("帮扶内容", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["household", "-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class Plan(models.Model):
    """A household's assistance plan for a year (一个脱贫计划), with its planned exit year."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="plans")
    area_code = models.CharField(max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField("计划年度")
    planned_exit_year = models.PositiveSmallIntegerField("计划脱贫年度")
    note = models.TextField("说明", blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "帮扶计划"
        verbose_name_plural = "帮扶计划"
        ordering = ["household", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="plan_one_per_household_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class ProjectQuerySet(ScopedQuerySet):
    area_field = "location__code"


class Project(models.Model):
    """A project of the county library (项目库), from a village's proposal to completion."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Area, verbose_name="实施地点", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("项目名称", max_length=120)
    category = models.CharField("项目类别", max_length=60)
    construction_nature = models.CharField("建设性质", max_length=30, blank=True)
    responsible_unit = models.CharField("责任单位", max_length=100)
    tasks = models.TextField("建设任务")
    budget = models.DecimalField(
        "投资概算（元）", max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    funding_sources = models.JSONField("资金来源", default=dict, help_text="来源 → 金额")
    performance_targets = models.TextField("绩效目标")
    mechanism = models.TextField("带贫减贫机制", blank=True)
    # planned beneficiaries (受益对象), all of them; the registered poor ones are named in
    # ProjectBeneficiary. Kept apart from the measures linked to the project, which are what
    # actually reached households, so the two can be compared.
    planned_households = models.PositiveIntegerField("计划受益户数", default=0)
    planned_people = models.PositiveIntegerField("计划受益人数", default=0)
    state = models.CharField("状态", max_length=20, choices=ProjectState.choices, default=ProjectState.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    entry_publicity = models.JSONField("入库公示", default=dict, blank=True)
    completion_publicity = models.JSONField("竣工公示", default=dict, blank=True)
    history = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "扶贫项目"
        verbose_name_plural = "扶贫项目"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_people__gte=models.F("planned_households")),
                name="project_people_not_below_households",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectBeneficiary(models.Model):
    """A registered poor household a project plans to benefit (受益贫困户), named at entry into
    the library; the household lies in the project's area."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="planned_projects")
    area_code = models.CharField(max_length=12, db_index=True)

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "计划受益贫困户"
        verbose_name_plural = "计划受益贫困户"
        ordering = ["project", "household"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="project_beneficiary_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}→{self.household_id}"


class Measure(models.Model):
    """A measure of a household's plan (帮扶措施, DOMAIN.md 3.4): for the household, or for named
    members; with its year, content, cost, funding source, status and optional project."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="measures")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="measures")
    area_code = models.CharField(max_length=12, db_index=True)
    code = models.CharField("措施", max_length=3, choices=MeasureCode.choices)
    year = models.PositiveSmallIntegerField("年度")
    content = models.TextField("措施内容", blank=True)
    cost = models.DecimalField(
        "资金（元）", max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    funding_source = models.CharField("资金来源", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    members = models.ManyToManyField(Member, blank=True, related_name="measures", verbose_name="受益成员")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="measures")

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["household", "year", "code", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0), name="measure_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.code} {self.year}"


class FundPayment(models.Model):
    """Money paid to a household (资金到户), listed per household and published."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="payments")
    area_code = models.CharField(max_length=12, db_index=True)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        "金额（元）", max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    paid_on = models.DateField("发放日期")
    purpose = models.CharField("用途", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AreaScoped.as_manager()

    class Meta:
        verbose_name = "到户资金"
        verbose_name_plural = "到户资金"
        ordering = ["household", "-paid_on"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount}"
