"""Households and their members (the national collection form 贫困户信息采集表), the poverty
lines, the cause-of-poverty code list, yearly frozen copies and data-quality findings.

Field keys and Chinese labels come from DOMAIN.md section 3. Derived values (household size,
income sums, per-capita net income) are computed in households/income.py and stored by the
services, so lists can filter and sort on them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from areas.models import Area
from core.querysets import ScopedQuerySet
from households.choices import (
    AccessRoad,
    ChangeReason,
    Education,
    EntryState,
    Ethnicity,
    Fuel,
    Gender,
    Health,
    HouseholdStatus,
    HousingSafety,
    IdentificationStandard,
    IdType,
    LaborSkill,
    PoliticalStatus,
    PovertyAttribute,
    Relation,
    RelocationMode,
    ResettlementPlace,
    ResettlementType,
    SchoolStatus,
    WorkStatus,
)

__all__ = [
    "CauseCode",
    "code_range",
    "EXCLUSION_FIELDS",
    "Household",
    "HouseholdCounter",
    "HouseholdYear",
    "INCOME_FIELDS",
    "Member",
    "PovertyLine",
    "QualityFinding",
]

ZERO = Decimal("0.00")


def _yuan(label: str) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )


def _mu(label: str) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=10, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )


class CauseCode(models.Model):
    """A cause of poverty (致贫原因). The national list is seeded; a province may add its own."""

    code = models.CharField("代码", max_length=4)
    name = models.CharField("致贫原因", max_length=20)
    province = models.ForeignKey(
        Area,
        verbose_name="省份",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空表示全国通用",
    )

    class Meta:
        verbose_name = "致贫原因代码"
        verbose_name_plural = "致贫原因代码"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code", "province"], name="cause_code_unique_per_province")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PovertyLine(models.Model):
    """The poverty line in yuan per person per year, by year and level (DOMAIN.md section 4.3).

    ``area`` is empty for the national line, a province for a provincial line, a city for a
    municipal one.
    """

    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("标准", max_length=12, choices=IdentificationStandard.choices)
    area = models.ForeignKey(
        Area, verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(
        "贫困线（元/人·年）", max_digits=8, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "贫困线"
        verbose_name_plural = "贫困线"
        ordering = ["-year", "level"]
        constraints = [models.UniqueConstraint(fields=["year", "level", "area"], name="poverty_line_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_level_display()} {self.amount}"


class HouseholdCounter(models.Model):
    """The last household sequence number used in a village: numbers are never reused."""

    village = models.OneToOneField(Area, primary_key=True, on_delete=models.PROTECT, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.village_id}: {self.last_number}"


def code_range(field: str, prefix: str) -> models.Q:
    """``field`` from ``prefix`` up to the next prefix of the same length: for digit codes the
    same rows as ``field LIKE 'prefix%'``, said in a way a plain B-tree index on ``field`` serves
    as a range *in order*. Under a non-C collation PostgreSQL can use only the
    varchar_pattern_ops index for LIKE, which cannot give the list's order, so with an ORDER BY
    and a LIMIT it walked the whole ordered index filtering (400 ms for a county of 13,600
    households among 600,000; 2 ms with the range: docs/performance.md)."""
    if not (prefix.isascii() and prefix.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return models.Q()
    condition = models.Q(**{f"{field}__gte": prefix})
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) == len(prefix):  # "99…" has no next prefix of its length
        condition &= models.Q(**{f"{field}__lt": upper})
    return condition


class RangeScopedQuerySet(ScopedQuerySet):
    """A scoped queryset that adds the scope as a code range too when it is one area."""

    #: the plain (not LIKE) code column the range is said on
    range_field = "area_code"

    def within(self, prefixes: list[str]) -> RangeScopedQuerySet:
        """The prefix condition every model has, plus the same area as a code range when it is
        one (most users' scope, a report's area): the prefix condition stays the rule, the range
        lets a B-tree index on the code read only the area's rows (in order, for the household
        list's ORDER BY … LIMIT)."""
        scoped = super().within(prefixes)
        if len(prefixes) == 1:
            scoped = scoped.filter(code_range(self.range_field, prefixes[0]))
        return scoped


class HouseholdQuerySet(RangeScopedQuerySet):
    area_field = "village__code"  # the foreign key holds the code: no join
    range_field = "village_id"


#: income fields, in the order of the form (DOMAIN.md section 3.1)
INCOME_FIELDS = [
    "wage_income",
    "business_income",
    "asset_dividend_income",
    "other_property_income",
    "family_planning_subsidy",
    "dibao_allowance",
    "tekun_allowance",
    "pension_income",
    "ecological_compensation",
    "other_transfer_income",
    "business_expense",
]

#: exclusion facts of DOMAIN.md section 7.2, one flag each
EXCLUSION_FIELDS = [
    "excl_public_salary",
    "excl_village_cadre",
    "excl_town_property",
    "excl_private_car",
    "excl_large_machinery",
    "excl_runs_business",
    "excl_split_to_qualify",
    "excl_not_resident",
    "excl_study_abroad_or_commercial_insurance",
    "excl_unexplained_complaint",
]


class Household(models.Model):
    """One household (户), its current state. Frozen yearly copies are HouseholdYear rows."""

    household_no = models.CharField("户编号", max_length=16, unique=True, editable=False)
    village = models.ForeignKey(Area, verbose_name="所在村", on_delete=models.PROTECT, related_name="households")
    village_group = models.ForeignKey(
        Area, verbose_name="所在组", null=True, blank=True, on_delete=models.PROTECT, related_name="group_households"
    )
    survey_year = models.PositiveSmallIntegerField("采集年度")
    status = models.CharField(
        "脱贫属性", max_length=12, choices=HouseholdStatus.choices, default=HouseholdStatus.APPLICANT
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    entry_state = models.CharField("填报状态", max_length=10, choices=EntryState.choices, default=EntryState.DRAFT)

    # basic facts (基本情况)
    head_name = models.CharField("户主姓名", max_length=50, blank=True, editable=False)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True)
    identification_standard = models.CharField(
        "识别标准", max_length=12, choices=IdentificationStandard.choices, default=IdentificationStandard.NATIONAL
    )
    poverty_attribute = models.CharField(
        "贫困户属性", max_length=8, choices=PovertyAttribute.choices, default=PovertyAttribute.GENERAL
    )
    is_military_martyr_family = models.BooleanField("是否军烈属", default=False)
    is_single_child_family = models.BooleanField("是否独生子女户", default=False)
    is_two_daughter_family = models.BooleanField("是否双女户", default=False)
    main_cause = models.CharField("主要致贫原因", max_length=4, blank=True)
    other_causes = models.JSONField("其他致贫原因", default=list, blank=True)
    cause_note = models.TextField("致贫原因说明", blank=True)

    # income (收入), yuan per year
    wage_income = _yuan("工资性收入")
    business_income = _yuan("生产经营性收入")
    asset_dividend_income = _yuan("资产收益扶贫分红收入")
    other_property_income = _yuan("其他财产性收入")
    family_planning_subsidy = _yuan("计划生育金")
    dibao_allowance = _yuan("低保金")
    tekun_allowance = _yuan("特困供养金")
    pension_income = _yuan("养老保险金")
    ecological_compensation = _yuan("生态补偿金")
    other_transfer_income = _yuan("其他转移性收入")
    business_expense = _yuan("生产经营性支出")
    household_size = models.PositiveSmallIntegerField("家庭人口数", default=0, editable=False)
    net_income = models.DecimalField("家庭纯收入", max_digits=12, decimal_places=2, default=ZERO, editable=False)
    net_income_per_capita = models.DecimalField(
        "人均纯收入", max_digits=12, decimal_places=2, default=ZERO, editable=False
    )

    # production conditions (生产条件)
    cultivated_land_mu = _mu("耕地面积（亩）")
    irrigated_land_mu = _mu("有效灌溉面积（亩）")
    forest_land_mu = _mu("林地面积（亩）")
    grain_to_green_mu = _mu("退耕还林面积（亩）")
    orchard_mu = _mu("林果面积（亩）")
    pasture_mu = _mu("牧草地面积（亩）")
    water_surface_mu = _mu("水面面积（亩）")
    has_production_power = models.BooleanField("是否通生产用电", default=True)
    joined_cooperative = models.BooleanField("是否加入农民专业合作社", default=False)
    led_by_enterprise = models.BooleanField("是否有龙头企业带动", default=False)
    led_by_entrepreneur = models.BooleanField("是否有致富带头人带动", default=False)

    # living conditions (生活条件)
    has_household_power = models.BooleanField("是否通生活用电", default=True)
    has_radio_tv = models.BooleanField("是否通广播电视", default=True)
    distance_to_main_road_km = models.DecimalField(
        "与村主干路距离（公里）",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    access_road_type = models.CharField("入户路类型", max_length=2, choices=AccessRoad.choices, blank=True)
    housing_area_m2 = models.DecimalField(
        "住房面积（平方米）", max_digits=8, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    housing_safety = models.CharField(
        "住房安全", max_length=2, choices=HousingSafety.choices, default=HousingSafety.SAFE
    )
    drinking_water_difficult = models.BooleanField("饮水是否困难", default=False)
    drinking_water_safe = models.BooleanField("饮水是否安全", default=True)
    main_fuel = models.CharField("主要燃料类型", max_length=2, choices=Fuel.choices, blank=True)
    has_sanitary_toilet = models.BooleanField("有无卫生厕所", default=False)
    has_enough_food = models.BooleanField("吃穿不愁：主粮充足、每月能吃上肉", default=True)
    has_seasonal_clothing = models.BooleanField("吃穿不愁：四季有换季衣服", default=True)

    # relocation (易地搬迁)
    is_relocated = models.BooleanField("是否易地扶贫搬迁户", default=False)
    relocation_mode = models.CharField("搬迁方式", max_length=2, choices=RelocationMode.choices, blank=True)
    resettlement_type = models.CharField("安置方式", max_length=2, choices=ResettlementType.choices, blank=True)
    resettlement_place = models.CharField("安置地", max_length=2, choices=ResettlementPlace.choices, blank=True)

    # exclusion facts (DOMAIN.md 7.2), from the survey or a data comparison
    excl_public_salary = models.BooleanField("有成员由财政供养或在大型国企稳定就业", default=False)
    excl_village_cadre = models.BooleanField("有成员为现任村委会干部", default=False)
    excl_town_property = models.BooleanField("在城镇拥有商品房或门面", default=False)
    excl_private_car = models.BooleanField("拥有私家车（购买价3万元以上）", default=False)
    excl_large_machinery = models.BooleanField("拥有大型农机或工程机械", default=False)
    excl_runs_business = models.BooleanField("有成员经营登记注册的公司或合作社、或雇工", default=False)
    excl_split_to_qualify = models.BooleanField("为享受政策分户或合户", default=False)
    excl_not_resident = models.BooleanField("户在人不在（空挂户）", default=False)
    excl_study_abroad_or_commercial_insurance = models.BooleanField("自费出国留学或购买商业养老保险", default=False)
    excl_unexplained_complaint = models.BooleanField("被举报且不能说明情况", default=False)

    # bookkeeping
    quality_errors = models.PositiveSmallIntegerField("质量错误数", default=0, editable=False)
    quality_warnings = models.PositiveSmallIntegerField("质量提示数", default=0, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "贫困户"
        verbose_name_plural = "贫困户"
        ordering = ["household_no"]
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status_idx"),
            # the list "still poor, by income" reads the first page in order instead of sorting
            # every household of the status (48,000 over a province: docs/performance.md)
            models.Index(
                fields=["status", "net_income_per_capita", "household_no"], name="household_status_income_idx"
            ),
            # prefix search by name (LIKE '杨%') uses these on PostgreSQL
            models.Index(fields=["head_name"], name="household_head_name_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(irrigated_land_mu__lte=models.F("cultivated_land_mu")),
                name="household_irrigated_le_cultivated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_no} {self.head_name}"

    @property
    def area_code(self) -> str:
        return self.village_id


class MemberQuerySet(RangeScopedQuerySet):
    area_field = "area_code"

    def active(self):
        return self.filter(is_active=True)


class Member(models.Model):
    """A member of a household (家庭成员). Members who leave are kept, inactive, with the reason."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    area_code = models.CharField("所在村代码", max_length=12, db_index=True, editable=False)
    position = models.PositiveSmallIntegerField("序号", default=0)
    is_active = models.BooleanField("在户", default=True)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    id_type = models.CharField("证件类型", max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField("证件号码", max_length=20)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    relation = models.CharField("与户主关系", max_length=2, choices=Relation.choices)
    ethnicity = models.CharField("民族", max_length=2, choices=Ethnicity.choices, default="01")
    political_status = models.CharField("政治面貌", max_length=2, choices=PoliticalStatus.choices, default="13")
    education = models.CharField("文化程度", max_length=2, choices=Education.choices, blank=True)
    school_status = models.CharField("在校生状况", max_length=2, choices=SchoolStatus.choices, default="01")
    health = models.CharField("健康状况", max_length=2, choices=Health.choices, default="01")
    disability_cert_no = models.CharField("残疾证号", max_length=22, blank=True)
    labor_skill = models.CharField("劳动技能", max_length=2, choices=LaborSkill.choices, blank=True)
    work_status = models.CharField("务工状况", max_length=2, choices=WorkStatus.choices, blank=True)
    work_months = models.PositiveSmallIntegerField("务工时间（月）", default=0, validators=[MaxValueValidator(12)])
    is_active_soldier = models.BooleanField("是否现役军人", default=False)
    has_medical_insurance = models.BooleanField("是否参加城乡居民基本医疗保险", default=True)
    has_critical_illness_insurance = models.BooleanField("是否参加大病保险", default=False)
    has_resident_pension = models.BooleanField("是否参加城乡居民基本养老保险", default=False)
    has_employee_pension = models.BooleanField("是否参加城镇职工基本养老保险", default=False)
    receives_dibao = models.BooleanField("是否享受低保", default=False)
    receives_tekun = models.BooleanField("是否特困供养", default=False)
    change_reason = models.CharField("人员变更原因", max_length=2, choices=ChangeReason.choices, blank=True)
    changed_on = models.DateField("变更日期", null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household", "position", "id"]
        constraints = [
            # a person is an active member of one household in the whole system
            models.UniqueConstraint(
                fields=["id_number"], condition=models.Q(is_active=True), name="member_id_number_active_unique"
            ),
            models.CheckConstraint(condition=models.Q(work_months__lte=12), name="member_work_months_max_12"),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="member_id_number_idx"),
            models.Index(fields=["name"], name="member_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdYear(models.Model):
    """A household as it stood when its county froze a year (年度定案): never changed afterwards."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField("年度")
    area_code = models.CharField(max_length=12, db_index=True)
    status = models.CharField("脱贫属性", max_length=12, choices=HouseholdStatus.choices)
    household_size = models.PositiveSmallIntegerField("家庭人口数")
    net_income_per_capita = models.DecimalField("人均纯收入", max_digits=12, decimal_places=2)
    data = models.JSONField("户及成员数据")
    frozen_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度定案数据"
        verbose_name_plural = "年度定案数据"
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="household_year_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class FindingQuerySet(ScopedQuerySet):
    area_field = "area_code"

    def open(self):
        return self.filter(resolved_at__isnull=True)


class QualityFinding(models.Model):
    """One breach of a data-quality rule (households/quality.py) by one household, tracked until
    the data is corrected (resolved) or, for a warning, confirmed with a note."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="findings")
    area_code = models.CharField(max_length=12, db_index=True)
    rule = models.CharField("规则", max_length=40, db_index=True)
    severity = models.CharField("级别", max_length=8)
    field = models.CharField("字段", max_length=60, blank=True)
    member_position = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField("问题", max_length=300)
    note = models.TextField("确认说明", blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "数据质量问题"
        verbose_name_plural = "数据质量问题"
        ordering = ["household", "rule"]
        indexes = [models.Index(fields=["area_code", "rule"], name="finding_area_rule_idx")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"
