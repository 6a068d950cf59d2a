"""Attention flags the system raises itself (DOMAIN.md section 8, "data analysis"): income per
person under the monitoring line, a sharp fall in income on the year, a member newly seriously
ill or disabled, a dangerous house. Computed for a whole area in set-based queries: a fixed number
of statements per kind whatever the number of households, never a loop over the county.

A refresh raises the flags that now hold and clears those that no longer do (the rows are kept,
with the time they were cleared). Households registered as poor, gone, or already in an open
monitoring case are not candidates: the flags are for households not yet looked after.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import ServiceError
from core.models import ChangeAction
from exits.models import OPEN_MONITORING_STATES, AttentionFlag, MonitoringCase
from exits.monitoring import monitoring_line_for
from exits.monitoring_choices import FlagKind, MonitoringChannel, MonitoringKind
from households.choices import Health, HouseholdStatus, HousingSafety
from households.models import Household, HouseholdYear, Member

__all__ = ["RefreshResult", "candidates", "default_kind", "flag_note", "refresh_flags", "start_from_flag"]

_ILL = (Health.SERIOUS, Health.DISABLED)
_NOT_CANDIDATES = (
    HouseholdStatus.REGISTERED,
    HouseholdStatus.PRE_EXIT,
    HouseholdStatus.RETURNED,
    HouseholdStatus.CLOSED,
)


@dataclass(frozen=True)
class RefreshResult:
    area_code: str
    year: int
    raised: dict[str, int]
    cleared: dict[str, int]


def candidates(prefix: str):
    """Households under ``prefix`` the flags look at (one queryset, used as a subquery)."""
    in_case = MonitoringCase.objects.filter(state__in=OPEN_MONITORING_STATES).values("household_id")
    return (
        Household.objects.filter(village__code__startswith=prefix)
        .exclude(status__in=_NOT_CANDIDATES)
        .exclude(pk__in=in_case)
    )


def _low_income(prefix: str, year: int) -> list[tuple[int, None, str, dict]]:
    """Income per person under the monitoring line of the household's province (one line and one
    query per province under the area: at most a few dozen, whatever the number of households)."""
    provinces = (
        [prefix[:2].ljust(12, "0")]
        if len(prefix) >= 2
        else list(Area.objects.filter(level=Level.PROVINCE).values_list("code", flat=True))
    )
    rows: list[tuple[int, None, str, dict]] = []
    for province in provinces:
        line = monitoring_line_for(year, province)
        if line is None:
            continue
        found = (
            candidates(prefix)
            .filter(village__code__startswith=province[:2], net_income_per_capita__lt=line.amount)
            .values_list("pk", "village_id", "net_income_per_capita")
        )
        rows += [
            (pk, None, village, {"income": str(income), "line": str(line.amount)}) for pk, village, income in found
        ]
    return rows


def _income_fall(prefix: str, year: int) -> list[tuple[int, None, str, dict]]:
    """Income per person down by MONITORING_INCOME_FALL_SHARE or more against the household's
    frozen figure of the year before (年度定案 data)."""
    keep = Decimal("1") - Decimal(settings.MONITORING_INCOME_FALL_SHARE)
    previous = HouseholdYear.objects.filter(household_id=OuterRef("pk"), year=year - 1).values("net_income_per_capita")[
        :1
    ]
    found = (
        candidates(prefix)
        .annotate(previous_income=Subquery(previous))
        .filter(previous_income__gt=0, net_income_per_capita__lte=F("previous_income") * keep)
        .values_list("pk", "village_id", "net_income_per_capita", "previous_income")
    )
    return [
        (pk, None, village, {"income": str(income), "previous": str(Decimal(str(before)).quantize(Decimal("0.01")))})
        for pk, village, income, before in found
    ]


def _previous_health(snapshot: dict) -> dict[str, str]:
    """Member id (and ID number) → health in a frozen household snapshot."""
    health: dict[str, str] = {}
    for member in snapshot.get("members", []) if isinstance(snapshot, dict) else []:
        if not isinstance(member, dict) or member.get("is_active") is False:
            continue
        for key in ("id", "id_number"):
            if member.get(key) not in (None, ""):
                health[str(member[key])] = str(member.get("health", ""))
    return health


def _new_illness(prefix: str, year: int) -> list[tuple[int, int, str, dict]]:
    """Members seriously ill or disabled now who were not in the household's frozen data of the
    year before (or the household has no such data yet). Two queries: the ill members, then the
    snapshots of their households; the comparison runs over those members only."""
    ill = list(
        Member.objects.filter(
            area_code__startswith=prefix, is_active=True, health__in=_ILL, household__in=candidates(prefix)
        ).values_list("pk", "household_id", "area_code", "id_number", "health")
    )
    if not ill:
        return []
    snapshots = dict(
        HouseholdYear.objects.filter(
            year=year - 1,
            household__in=Member.objects.filter(area_code__startswith=prefix, is_active=True, health__in=_ILL).values(
                "household_id"
            ),
        ).values_list("household_id", "data")
    )
    rows = []
    for pk, household_id, village, id_number, health in ill:
        before = _previous_health(snapshots.get(household_id, {}))
        was = before.get(str(pk)) or before.get(id_number)
        if was not in _ILL:
            rows.append((household_id, pk, village, {"health": health}))
    return rows


def _dangerous_house(prefix: str, year: int) -> list[tuple[int, None, str, dict]]:
    found = (
        candidates(prefix)
        .filter(housing_safety__in=(HousingSafety.DANGEROUS_C, HousingSafety.DANGEROUS_D), is_relocated=False)
        .values_list("pk", "village_id", "housing_safety")
    )
    return [(pk, None, village, {"housing_safety": safety}) for pk, village, safety in found]


_FINDERS = {
    FlagKind.LOW_INCOME: _low_income,
    FlagKind.INCOME_FALL: _income_fall,
    FlagKind.NEW_ILLNESS: _new_illness,
    FlagKind.DANGEROUS_HOUSE: _dangerous_house,
}


@transaction.atomic
def refresh_flags(*, actor, area_code: str, year: int | None = None) -> RefreshResult:
    """Raise and clear the flags of an area (township reviewers and county officers of it; the
    management command runs it for any area as the system). A fixed number of queries per kind."""
    area = Area.objects.visible_to(actor, Action.VIEW).filter(code=area_code).first() if actor else None
    if actor is not None:
        if area is None:
            raise Http404
        if not (may(actor, Action.REVIEW, area.code) or may(actor, Action.APPROVE, area.code)):
            raise PermissionDenied
    else:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise ServiceError(_("Unknown area."), field="area")
    if area.level == Level.GROUP:
        raise ServiceError(_("Flags are computed for a village or a larger area."), field="area")
    year = year or timezone.localdate().year
    prefix, now = area.prefix, timezone.now()
    raised: dict[str, int] = {}
    cleared: dict[str, int] = {}
    for kind, finder in _FINDERS.items():
        found = finder(prefix, year)
        keys = {(household, member) for household, member, _village, _detail in found}
        open_flags = AttentionFlag.objects.filter(area_code__startswith=prefix, kind=kind, cleared_at__isnull=True)
        existing = {(h, m): pk for pk, h, m in open_flags.values_list("pk", "household_id", "member_id")}
        gone = [pk for key, pk in existing.items() if key not in keys]
        cleared[kind] = AttentionFlag.objects.filter(pk__in=gone).update(cleared_at=now) if gone else 0
        new = [
            AttentionFlag(household_id=h, member_id=m, area_code=village, kind=kind, year=year, detail=detail)
            for h, m, village, detail in found
            if (h, m) not in existing
        ]
        AttentionFlag.objects.bulk_create(new, batch_size=2000)
        raised[kind] = len(new)
    if actor is not None:
        record_change(
            actor=actor,
            obj=area,
            action=ChangeAction.TRANSITION,
            area_code=area.code,
            after={"attention_flags": {"year": year, "raised": raised, "cleared": cleared}},
            reason="refresh_attention_flags",
        )
    return RefreshResult(area.code, year, raised, cleared)


def default_kind(flag: AttentionFlag) -> str:
    """The kind of monitored household a flag suggests."""
    if flag.household.status == HouseholdStatus.EXITED:
        return MonitoringKind.UNSTABLE_EXITED
    if flag.kind == FlagKind.NEW_ILLNESS:
        return MonitoringKind.SUDDEN_HARDSHIP
    return MonitoringKind.MARGINAL


def flag_note(flag: AttentionFlag) -> str:
    """The alert text a flag gives its case (no personal details beyond the figures)."""
    detail = flag.detail or {}
    if flag.kind == FlagKind.LOW_INCOME:
        return f"系统提示：人均纯收入{detail.get('income')}元，低于监测线{detail.get('line')}元。"
    if flag.kind == FlagKind.INCOME_FALL:
        return f"系统提示：人均纯收入由{detail.get('previous')}元降至{detail.get('income')}元。"
    if flag.kind == FlagKind.NEW_ILLNESS:
        return "系统提示：有成员新患大病或新增残疾。"
    return "系统提示：住房为危房（C/D级）。"


def start_from_flag(*, actor, flag_id: int, kind: str | None = None, today: datetime.date | None = None):
    """From a flag, in one step: an alert for the household by data analysis, with the flag's figures."""
    from exits.monitoring_services import start_alert

    flag = (
        AttentionFlag.objects.visible_to(actor, Action.VIEW)
        .select_related("household")
        .filter(pk=flag_id, cleared_at__isnull=True)
        .first()
    )
    if flag is None:
        raise Http404
    return start_alert(
        actor=actor,
        household_id=flag.household_id,
        kind=kind or default_kind(flag),
        channel=MonitoringChannel.DATA_ANALYSIS,
        note=flag_note(flag),
        flag_id=flag.pk,
        today=today,
    )
