"""Administrative areas and the role grants that scope every user to some of them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from areas.choices import Level, Role
from areas.codes import LEVEL_DIGITS
from core.querysets import ScopedQuerySet

__all__ = ["Area", "AreaGroupObjectPermission", "AreaUserObjectPermission", "WESTERN_PROVINCES"]

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
