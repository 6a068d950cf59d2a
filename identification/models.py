"""Identification (精准识别): campaigns, quotas, cases moving through the seven steps, the
records each step keeps, publicity notices with objections, the county's rules and score card,
and the city's spot-checks (DOMAIN.md sections 6, 7 and 12)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from areas.models import Area
from core.querysets import ScopedQuerySet
from households.models import Household
from identification.choices import (
    CampaignKind,
    CaseState,
    NoticeKind,
    NoticeState,
    ObjectionChannel,
    ObjectionState,
    RuleKind,
)

__all__ = [
    "Attachment",
    "Campaign",
    "Case",
    "CaseEvent",
    "IdentificationRule",
    "Notice",
    "NoticeEntry",
    "Objection",
    "PoorVillageCase",
    "PoorVillageState",
    "Quota",
    "ScoreCard",
    "SpotCheck",
    "SpotCheckItem",
]


class CampaignQuerySet(ScopedQuerySet):
    area_field = "county__code"


class Campaign(models.Model):
    """A county-wide round of identification (识别批次) with a kind, a year and step deadlines."""

    county = models.ForeignKey(Area, verbose_name="县", on_delete=models.PROTECT, related_name="campaigns")
    kind = models.CharField("类别", max_length=16, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    opens_on = models.DateField("开始日期")
    #: step → last day for it, e.g. {"village_appraised": "2026-03-31"}
    deadlines = models.JSONField("各步骤截止日期", default=dict, blank=True)
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=7, validators=[MinValueValidator(5)])
    is_closed = models.BooleanField("已结束", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "识别批次"
        verbose_name_plural = "识别批次"
        ordering = ["-year", "-opens_on", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @property
    def area_code(self) -> str:
        return self.county_id


class QuotaQuerySet(ScopedQuerySet):
    area_field = "area__code"


class Quota(models.Model):
    """How many households and people an area may confirm in a campaign (规模控制).

    Set by the level above; children never sum above their parent (checked when set, under a
    lock on the parent). ``used_*`` only grow by a conditional UPDATE at county confirmation,
    and CHECK constraints keep them within the limits, so no race can overshoot.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="quotas")
    area = models.ForeignKey(Area, verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    households = models.PositiveIntegerField("户数指标")
    people = models.PositiveIntegerField("人数指标")
    used_households = models.PositiveIntegerField("已确认户数", default=0)
    used_people = models.PositiveIntegerField("已确认人数", default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    objects = QuotaQuerySet.as_manager()

    class Meta:
        verbose_name = "规模指标"
        verbose_name_plural = "规模指标"
        ordering = ["area_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "area"], name="quota_one_per_area"),
            models.CheckConstraint(
                condition=models.Q(used_households__lte=models.F("households")), name="quota_households_within_limit"
            ),
            models.CheckConstraint(
                condition=models.Q(used_people__lte=models.F("people")), name="quota_people_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.used_households}/{self.households} 户, {self.used_people}/{self.people} 人"


class IdentificationRule(models.Model):
    """An exclusion, must-include or priority condition (DOMAIN.md 7.1, 7.2). Rows without a
    county are the defaults; a county's own row with the same key replaces the default there.
    ``household_field`` names the household flag that records the fact, when there is one."""

    kind = models.CharField("类别", max_length=16, choices=RuleKind.choices)
    county = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.CharField("代码", max_length=60)
    label = models.CharField("内容", max_length=200)
    household_field = models.CharField("对应的户信息", max_length=60, blank=True)
    is_active = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "识别条件"
        verbose_name_plural = "识别条件"
        ordering = ["kind", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "county", "key"], name="identification_rule_unique")]

    def __str__(self) -> str:
        return self.label


class ScoreCard(models.Model):
    """The county's weights for the score card of DOMAIN.md 7.3 (四看): housing, food and land,
    labour, pupils, illness. A county without a row uses the defaults in identification.scoring."""

    county = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="+")
    housing = models.DecimalField("看房", max_digits=5, decimal_places=2, default=Decimal("25"))
    food = models.DecimalField("看粮", max_digits=5, decimal_places=2, default=Decimal("20"))
    labour = models.DecimalField("看劳动力", max_digits=5, decimal_places=2, default=Decimal("25"))
    pupils = models.DecimalField("看读书郎", max_digits=5, decimal_places=2, default=Decimal("10"))
    illness = models.DecimalField("看病人", max_digits=5, decimal_places=2, default=Decimal("20"))

    class Meta:
        verbose_name = "评分权重"
        verbose_name_plural = "评分权重"

    def __str__(self) -> str:
        return f"{self.county_id}"


class CaseQuerySet(ScopedQuerySet):
    area_field = "area_code"


class Case(models.Model):
    """One household in one campaign, moving through the steps (identification/workflow.py).

    ``state`` and ``version`` change only through identification.services, by compare-and-set,
    so two people advancing the same case at once cannot both succeed.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="cases")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    area_code = models.CharField("村代码", max_length=12, db_index=True)
    group_code = models.CharField("组代码", max_length=15, blank=True)
    state = models.CharField("环节", max_length=20, choices=CaseState.choices, default=CaseState.APPLIED, db_index=True)
    version = models.PositiveIntegerField(default=1)
    score = models.DecimalField("评分", max_digits=6, decimal_places=2, default=Decimal("0"))
    household_size = models.PositiveSmallIntegerField("人口数", default=0)
    exclusion_override = models.TextField("排除条件县级认定理由", blank=True)
    quota = models.ForeignKey(Quota, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    closing_reason = models.TextField("未通过原因", blank=True)
    applied_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "识别对象"
        verbose_name_plural = "识别对象"
        ordering = ["area_code", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="case_one_per_household_campaign")
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="case_campaign_state_idx")]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.get_state_display()}"


class Attachment(models.Model):
    """A photo or scanned document (minutes, signatures, posted notice), with its checks done at upload."""

    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    area_code = models.CharField(max_length=15, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class CaseEvent(models.Model):
    """One step taken on a case: who, when, from and to which state, why, and what the step
    records (meeting date, attendance, votes, checklist, signatures), never changed afterwards."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField("操作", max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField(default=timezone.now)
    reason = models.TextField("理由", blank=True)
    record = models.JSONField("记录", default=dict, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="events")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case", "time", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition}"


class NoticeQuerySet(ScopedQuerySet):
    area_field = "area__code"


class Notice(models.Model):
    """A publicity notice or announcement for the cases of one area at one step (DOMAIN.md 12)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("类别", max_length=20, choices=NoticeKind.choices)
    area = models.ForeignKey(Area, verbose_name="公示区划", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=120)
    issued_by = models.CharField("发布单位", max_length=100)
    contact = models.TextField("监督电话", help_text="乡镇领导、纪检书记等监督举报电话")
    state = models.CharField("状态", max_length=10, choices=NoticeState.choices, default=NoticeState.DRAFT)
    starts_on = models.DateField("公示开始", null=True, blank=True)
    ends_on = models.DateField("公示截止", null=True, blank=True)
    posted_place = models.CharField("张贴地点", max_length=200, blank=True)
    photo = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    concluded_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "公示公告"
        verbose_name_plural = "公示公告"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def area_code(self) -> str:
        return self.area_id


class NoticeEntry(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notice_entries")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "case"], name="notice_entry_unique")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.case_id}"


class Objection(models.Model):
    """An objection raised during publicity: who, when, by which channel, what; resolved by
    upholding it (the case goes back) or rejecting it with a reason."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
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
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_state_display()}"


class SpotCheck(models.Model):
    """The city's random sample of announced cases (市抽查)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="spot_checks")
    city = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField("抽查比例", max_digits=4, decimal_places=3)
    seed = models.PositiveIntegerField()
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "市级抽查"
        verbose_name_plural = "市级抽查"

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.share}"


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="spot_check_items")
    finding = models.TextField("抽查发现", blank=True)
    has_problem = models.BooleanField("存在问题", default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["spot_check", "case"], name="spot_check_item_unique")]

    def __str__(self) -> str:
        return f"{self.spot_check_id}:{self.case_id}"


class PoorVillageState(models.TextChoices):
    PROPOSED = "proposed", "拟识别"
    APPRAISED = "appraised", "乡镇村干部大会评议通过"
    IN_PUBLICITY = "in_publicity", "公示中"
    PUBLICIZED = "publicized", "公示期满"
    ANNOUNCED = "announced", "已公告（贫困村）"
    REJECTED = "rejected", "未通过"


class PoorVillageCaseQuerySet(ScopedQuerySet):
    area_field = "village__code"


class PoorVillageCase(models.Model):
    """A village's identification as a poor village: township appraisal by all village cadres of
    the township (a vote), one publicity, one county announcement (一公示、一公告)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="village_cases")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    state = models.CharField("环节", max_length=16, choices=PoorVillageState.choices, default=PoorVillageState.PROPOSED)
    version = models.PositiveIntegerField(default=1)
    figures = models.JSONField("村情数据", default=dict)
    vote = models.JSONField("评议表决", default=dict, blank=True)
    publicity_starts_on = models.DateField(null=True, blank=True)
    publicity_ends_on = models.DateField(null=True, blank=True)
    posted_place = models.CharField(max_length=200, blank=True)
    closing_reason = models.TextField(blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)

    objects = PoorVillageCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "贫困村识别"
        verbose_name_plural = "贫困村识别"
        ordering = ["village_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "village"], name="poor_village_one_per_campaign")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.get_state_display()}"
