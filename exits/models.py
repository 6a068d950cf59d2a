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
