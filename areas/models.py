"""Administrative areas and the role grants that scope every user to some of them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from areas.choices import Level, Role
from areas.codes import LEVEL_DIGITS
from core.querysets import ScopedQuerySet

__all__ = ["Area", "AreaGroupObjectPermission", "AreaUserObjectPermission", "VillageFigures", "WESTERN_PROVINCES"]

#: the twelve provinces of the western development programme (exit threshold 3 %, DOMAIN.md section 8)
WESTERN_PROVINCES = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})


class AreaQuerySet(ScopedQuerySet):
    area_field = "code"

    def active(self) -> AreaQuerySet:
        return self.filter(is_revoked=False)


class Area(models.Model):
    """An administrative unit by its statistical division code, from province down to village group.

    Codes are never reused or deleted: a retired code is marked revoked and names its successor.
    Province to township codes ship with the project (load_divisions); villages and groups are
    added by county officers (areas.services).
    """

    code = models.CharField(_("division code"), max_length=15, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_western = models.BooleanField(_("western province"), default=False)
    is_revoked = models.BooleanField(_("revoked"), default=False)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        permissions = [(f"role_{role.value}", f"Role {role.value}") for role in Role]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=Level.GROUP, code__regex=r"^[0-9]{15}$")
                | (~models.Q(level=Level.GROUP) & models.Q(code__regex=r"^[0-9]{12}$")),
                name="area_code_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The code digits every area below this one starts with."""
        return self.code[: LEVEL_DIGITS[self.level]]

    @property
    def county_code(self) -> str:
        return self.code[:6]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class AreaUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: a user's role on an area (DESIGN.md decision 2)."""

    content_object = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("role grant to a user")


class AreaGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK guardian table: a per-role group's role on an area."""

    content_object = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("role grant to a group")


class VillageFiguresQuerySet(ScopedQuerySet):
    area_field = "village__code"


class VillageFigures(models.Model):
    """A village's yearly figures from the village form (贫困村信息采集表, DOMAIN.md section 2).

    The rural registered population is the denominator of the poverty incidence.
    """

    village = models.ForeignKey(Area, verbose_name="村", on_delete=models.PROTECT, related_name="figures")
    year = models.PositiveSmallIntegerField("年度")
    total_households = models.PositiveIntegerField("总户数", default=0)
    total_population = models.PositiveIntegerField("总人口", default=0)
    rural_registered_population = models.PositiveIntegerField("农业户籍人口", default=0)
    poor_households = models.PositiveIntegerField("贫困户数", default=0)
    poor_people = models.PositiveIntegerField("贫困人口数", default=0)
    dibao_households = models.PositiveIntegerField("低保户数", default=0)
    dibao_people = models.PositiveIntegerField("低保人口数", default=0)
    tekun_households = models.PositiveIntegerField("特困供养户数", default=0)
    tekun_people = models.PositiveIntegerField("特困供养人口数", default=0)
    labour_force = models.PositiveIntegerField("劳动力人数", default=0)
    migrant_workers = models.PositiveIntegerField("外出务工人数", default=0)
    cultivated_land_mu = models.DecimalField("耕地面积（亩）", max_digits=12, decimal_places=2, default=0)
    asphalt_road_to_township = models.BooleanField("通乡镇沥青（水泥）路", default=False)
    has_bus = models.BooleanField("通客运班车", default=False)
    safe_water_households = models.PositiveIntegerField("饮水安全户数", default=0)
    has_power = models.BooleanField("通生产生活用电", default=True)
    dangerous_houses = models.PositiveIntegerField("危房户数", default=0)
    has_clinic = models.BooleanField("有标准化卫生室", default=False)
    has_broadband = models.BooleanField("通宽带", default=False)
    collective_income = models.DecimalField("村集体经济收入（元）", max_digits=12, decimal_places=2, default=0)
    cooperatives = models.PositiveIntegerField("农民专业合作社个数", default=0)
    work_team = models.CharField("驻村工作队", max_length=200, blank=True)

    objects = VillageFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = "村年度情况"
        verbose_name_plural = "村年度情况"
        ordering = ["village_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="village_figures_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(poor_people__lte=models.F("rural_registered_population")),
                name="village_poor_within_rural_population",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"

    @property
    def incidence(self):
        """Poverty incidence: remaining poor people ÷ rural registered population (None without population)."""
        from decimal import Decimal

        if not self.rural_registered_population:
            return None
        return (Decimal(self.poor_people) / Decimal(self.rural_registered_population)).quantize(Decimal("0.0001"))
