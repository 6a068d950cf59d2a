"""Frozen years (年度定案): a county closes a year; its households, members, plans and statuses of
that year are kept as an immutable snapshot (HouseholdYear, MemberYear, PlanYear; database
triggers refuse UPDATE and DELETE), and every later change dated in that year is refused, so
corrections go to the open year. Year-over-year differences per area read the snapshots.

What the year's reports need besides is copied with them: the measures of the plans up to the
year with the members they name (MeasureYear, MeasureMemberYear: the rolling plan's measures
sheet), and who helped whom on the year's last day (CoverageYear: pairings, work teams, units;
the coverage report). The latter is copied, not recomputed later from the dated history, because
a pairing or a work team can still be started on a past date after the freeze.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.models import ChangeAction

if TYPE_CHECKING:
    from exits.models import FrozenYear

__all__ = [
    "POOR_STATUSES",
    "AreaDifference",
    "Differences",
    "differences",
    "freeze_year",
    "is_frozen",
    "open_items",
]

#: statuses that count as "registered poor" (建档立卡未脱贫)
POOR_STATUSES = ("registered", "pre_exit", "returned")
#: rows written per INSERT while taking a snapshot
BATCH = 2000
#: open items named in a refusal to freeze (all are counted)
OPEN_LIST_MAX = 200


def is_frozen(area_code: str, year: int) -> bool:
    """Whether the county of ``area_code`` has frozen ``year``."""
    from exits.models import FrozenYear

    return FrozenYear.objects.filter(county_id=area_code[:6].ljust(12, "0"), year=year).exists()


def _county(actor, code: str, action: str) -> Area:
    county = Area.objects.visible_to(actor, Action.VIEW).filter(code=code, level=Level.COUNTY).first()
    if county is None:
        raise Http404
    if not may(actor, action, county.code):
        raise PermissionDenied
    return county


@dataclass
class OpenItem:
    kind: str
    label: str
    area_code: str
    state: str


def open_items(county_code: str, year: int) -> list[OpenItem]:
    """What still runs in the county for ``year``: identification cases not announced or rejected,
    publicity notices posted but not concluded, review results not applied or rejected, household
    exits not yet announced or withdrawn."""
    from exits.exit_workflow import OPEN_STATES as EXIT_OPEN_STATES
    from exits.models import ExitCase, ReviewResult, ReviewState
    from identification.choices import CampaignKind, CaseState, NoticeState
    from identification.models import Case, Notice

    prefix = county_code[:6]
    items: list[OpenItem] = []
    finished = (CaseState.ANNOUNCED, CaseState.SPOT_CHECKED, CaseState.REJECTED)
    cases = (
        Case.objects.filter(campaign__county_id=county_code, campaign__year=year)
        .exclude(state__in=finished)
        # a monitoring campaign's case only carries a monitored household's village publicity: once
        # that is concluded its part is done (the monitoring case goes on, into the next year if need be)
        .exclude(campaign__kind=CampaignKind.MONITORING, state=CaseState.FIRST_PUBLICIZED)
        # an exit's proxy case only carries its publicity: the exit case itself says whether it runs
        .exclude(campaign__kind=CampaignKind.EXIT)
        .select_related("household")
        .order_by("area_code", "id")
    )
    for case in cases:
        items.append(
            OpenItem(_("Identification case"), case.household.household_no, case.area_code, case.get_state_display())
        )
    for notice in Notice.objects.filter(
        campaign__county_id=county_code, campaign__year=year, state=NoticeState.POSTED
    ).order_by("id"):
        items.append(OpenItem(_("Publicity"), notice.title, notice.area_id, notice.get_state_display()))
    results = (
        ReviewResult.objects.filter(campaign__county_id=county_code, campaign__year=year, area_code__startswith=prefix)
        .exclude(state__in=(ReviewState.APPLIED, ReviewState.REJECTED))
        .select_related("household")
        .order_by("area_code", "id")
    )
    for result in results:
        items.append(
            OpenItem(_("Review result"), result.household.household_no, result.area_code, result.get_state_display())
        )
    # a household exit of the year still under way (announced or filed cases are done: the filing
    # with city and province is a record of what the county decided, not part of its year)
    exits = (
        ExitCase.objects.filter(year=year, area_code__startswith=prefix, state__in=EXIT_OPEN_STATES)
        .select_related("household")
        .order_by("area_code", "id")
    )
    for exit_case in exits:
        items.append(
            OpenItem(
                _("Exit case"), exit_case.household.household_no, exit_case.area_code, exit_case.get_state_display()
            )
        )
    return items


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def _batches(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _snapshot(county_code: str, year: int, now: datetime.datetime) -> dict[str, int]:
    """Copy the county's households, members and plans of ``year`` in batches of INSERTs (a fixed
    number of queries per BATCH rows, never one per row)."""
    from assistance.models import Measure, Plan
    from exits.models import MemberYear, PlanYear
    from households.models import Household, HouseholdYear, Member

    prefix = county_code[:6]
    counts = {"households": 0, "members": 0, "plans": 0}
    households = Household.objects.filter(village__code__startswith=prefix).order_by("pk").values()
    for batch in _batches(households.iterator(chunk_size=BATCH)):
        HouseholdYear.objects.bulk_create(
            HouseholdYear(
                household_id=row["id"],
                year=year,
                area_code=row["village_id"],
                status=row["status"],
                household_size=row["household_size"],
                net_income_per_capita=row["net_income_per_capita"],
                data={key: _json(value) for key, value in row.items()},
                frozen_at=now,
            )
            for row in batch
        )
        counts["households"] += len(batch)
    members = Member.objects.filter(area_code__startswith=prefix).order_by("pk").values()
    for batch in _batches(members.iterator(chunk_size=BATCH)):
        MemberYear.objects.bulk_create(
            MemberYear(
                member_id=row["id"],
                household_id=row["household_id"],
                year=year,
                area_code=row["area_code"],
                is_active=row["is_active"],
                name=row["name"],
                relation=row["relation"],
                change_reason=row["change_reason"],
                changed_on=row["changed_on"],
                data={key: _json(value) for key, value in row.items()},
            )
            for row in batch
        )
        counts["members"] += len(batch)
    plans = Plan.objects.filter(area_code__startswith=prefix, year=year).order_by("pk")
    for batch in _batches(plans.values().iterator(chunk_size=BATCH)):
        measures: dict[int, list] = defaultdict(list)
        for measure in Measure.objects.filter(plan_id__in=[row["id"] for row in batch]).values():
            measures[measure["plan_id"]].append({key: _json(value) for key, value in measure.items()})
        PlanYear.objects.bulk_create(
            PlanYear(
                plan_id=row["id"],
                household_id=row["household_id"],
                year=year,
                area_code=row["area_code"],
                planned_exit_year=row["planned_exit_year"],
                data={**{key: _json(value) for key, value in row.items()}, "measures": measures[row["id"]]},
            )
            for row in batch
        )
        counts["plans"] += len(batch)
    counts.update(_snapshot_measures(prefix, year))
    counts.update(_snapshot_coverage(prefix, year, min(datetime.date(year, 12, 31), timezone.localdate())))
    return counts


def _snapshot_measures(prefix: str, year: int) -> dict[str, int]:
    """The measures a year's rolling plan counts (of plans up to the year, for the year or later),
    with the members each names: what reporting's measures sheet reads for a frozen year."""
    from assistance.models import Measure
    from exits.models import MeasureMemberYear, MeasureYear

    measures = Measure.objects.filter(area_code__startswith=prefix, plan__year__lte=year, year__gte=year)
    fields = ("id", "plan_id", "household_id", "area_code", "code", "year", "cost")
    counts = {"measures": 0, "measure_members": 0}
    for batch in _batches(measures.order_by("pk").values_list(*fields).iterator(chunk_size=BATCH)):
        MeasureYear.objects.bulk_create(
            MeasureYear(
                year=year,
                measure_id=measure_id,
                plan_id=plan_id,
                household_id=household_id,
                area_code=area_code,
                code=code,
                measure_year=measure_year,
                cost=cost,
            )
            for measure_id, plan_id, household_id, area_code, code, measure_year, cost in batch
        )
        counts["measures"] += len(batch)
    named = (
        Measure.members.through.objects.filter(measure__in=measures.values("pk"))
        .order_by("pk")
        .values_list("measure_id", "member_id", "measure__area_code", "measure__code", "measure__year")
    )
    for batch in _batches(named.iterator(chunk_size=BATCH)):
        MeasureMemberYear.objects.bulk_create(
            MeasureMemberYear(
                year=year, measure_id=measure_id, member_id=member_id, area_code=area, code=code, measure_year=at
            )
            for measure_id, member_id, area, code, at in batch
        )
        counts["measure_members"] += len(batch)
    return counts


def _snapshot_coverage(prefix: str, year: int, on: datetime.date) -> dict[str, int]:
    """The pairings, work teams and unit assignments current ``on`` (the year's last day, or the
    day of freezing for a year frozen before its end): what reporting's coverage reads for a
    frozen year. Copied, not recomputed later from the dated history, which a back-dated pairing
    or team can still change."""
    from django.db.models import Q

    from assistance.models import Pairing, UnitAssignment, WorkTeam
    from exits.models import CoverageKind, CoverageYear

    current = Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    villages = {"village__code__startswith": prefix}
    sources = (
        (CoverageKind.PAIRING, Pairing.objects.filter(current, area_code__startswith=prefix), "area_code", "cadre_id"),
        (CoverageKind.WORK_TEAM, WorkTeam.objects.filter(current, **villages), "village_id", "id"),
        (CoverageKind.UNIT, UnitAssignment.objects.filter(current, **villages), "village_id", "unit_id"),
    )
    counts = {}
    for kind, rows, area, ref in sources:
        counts[f"coverage_{kind}"] = 0
        household = kind == CoverageKind.PAIRING
        fields = ["id", area, ref] + (["household_id"] if household else [])
        for batch in _batches(rows.order_by("pk").values_list(*fields).iterator(chunk_size=BATCH)):
            CoverageYear.objects.bulk_create(
                CoverageYear(
                    year=year,
                    kind=kind,
                    source_id=row[0],
                    area_code=row[1],
                    ref_id=row[2],
                    household_id=row[3] if household else None,
                )
                for row in batch
            )
            counts[f"coverage_{kind}"] += len(batch)
    return counts


@transaction.atomic
def freeze_year(*, actor, county_code: str, year: int) -> FrozenYear:
    """年度定案: the county officer closes ``year``. Refused while anything of that year is still
    open (with the list), for a year not yet begun, and when the year is already frozen; two
    officers freezing at once: the unique (county, year) row lets one win, the other is told."""
    from exits.models import FrozenYear

    county = _county(actor, county_code, Action.APPROVE)
    today = timezone.localdate()
    if year > today.year:
        raise ServiceError(_("A year can be frozen only once it has begun."), field="year", code="future_year")
    # the lock serialises two officers of one county on PostgreSQL; the unique row decides on SQLite
    Area.objects.select_for_update().filter(code=county.code).first()
    earlier = FrozenYear.objects.filter(county=county, year=year).select_related("frozen_by").first()
    if earlier is not None:
        raise Conflict(
            _("%(year)s was already frozen by %(user)s.") % {"year": year, "user": earlier.frozen_by.username},
            code="already_frozen",
        )
    items = open_items(county.code, year)
    if items:
        raise ServiceError(
            _("%(count)s items of %(year)s are still open; finish them before freezing the year.")
            % {"count": len(items), "year": year},
            code="open_items",
            details={
                "count": len(items),
                # the first OPEN_LIST_MAX are listed; the count says how many there are
                "open": [
                    {"kind": str(i.kind), "label": i.label, "area_code": i.area_code, "state": str(i.state)}
                    for i in items[:OPEN_LIST_MAX]
                ],
            },
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            frozen = FrozenYear.objects.create(county=county, year=year, frozen_by=actor, frozen_at=now)
    except IntegrityError as exc:
        raise Conflict(
            _("%(year)s was frozen a moment ago by someone else.") % {"year": year}, code="already_frozen"
        ) from exc
    counts = _snapshot(county.code, year, now)
    from exits.models import ReviewCampaign

    # the year's review is over with it
    ReviewCampaign.objects.filter(county=county, year=year).update(is_closed=True)
    record_change(
        actor=actor,
        obj=frozen,
        action=ChangeAction.CREATE,
        area_code=county.code,
        after={"year": year, **counts},
    )
    frozen.counts = counts
    return frozen


# --- year-over-year differences ------------------------------------------------------------------

DIFFERENCE_KEYS = ("new", "exited", "returned", "removed", "closed", "members_in", "members_out")


@dataclass
class AreaDifference:
    code: str
    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIFFERENCE_KEYS, 0))


@dataclass
class Differences:
    year: int
    base_year: int
    #: whether ``year`` is read from its frozen snapshot (else from the live register)
    frozen: bool
    base_frozen: bool
    areas: list[AreaDifference]
    totals: dict[str, int]


def differences(*, actor, area_code: str, year: int, area: Area | None = None) -> Differences:
    """What changed between the end of ``year - 1`` (its snapshot) and ``year`` (its snapshot if
    frozen, else the register as it stands), per village under ``area_code`` (a county or a
    township): households new, exited, returned, removed and closed; members in and out."""
    from exits.models import FrozenYear, MemberYear, StatusChange, StatusProcedure
    from households.models import Household, HouseholdYear, Member

    if area is None or area.code != area_code:  # a caller that has looked the area up passes it
        area = Area.objects.visible_to(actor, Action.VIEW).filter(code=area_code).first()
    if area is None or area.level not in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
        raise Http404
    prefix = area.prefix
    county = area.code[:6].ljust(12, "0")
    base_year = year - 1
    frozen_years = set(
        FrozenYear.objects.filter(county_id=county, year__in=(base_year, year)).values_list("year", flat=True)
    )
    base_frozen, now_frozen = base_year in frozen_years, year in frozen_years
    base = dict(
        HouseholdYear.objects.filter(year=base_year, area_code__startswith=prefix).values_list("household_id", "status")
    )
    if now_frozen:
        current = HouseholdYear.objects.filter(year=year, area_code__startswith=prefix).values_list(
            "household_id", "status", "area_code"
        )
        members_now = set(
            MemberYear.objects.filter(year=year, area_code__startswith=prefix, is_active=True).values_list(
                "member_id", "area_code"
            )
        )
    else:
        current = Household.objects.filter(village__code__startswith=prefix).values_list("id", "status", "village_id")
        members_now = set(
            Member.objects.filter(area_code__startswith=prefix, is_active=True).values_list("id", "area_code")
        )
    members_before = set(
        MemberYear.objects.filter(year=base_year, area_code__startswith=prefix, is_active=True).values_list(
            "member_id", "area_code"
        )
    )
    returned = set(
        StatusChange.objects.filter(
            area_code__startswith=prefix, year=year, procedure=StatusProcedure.RETURN
        ).values_list("household_id", flat=True)
    )
    villages = {
        v.code: v.name for v in Area.objects.filter(code__startswith=prefix, level=Level.VILLAGE).only("code", "name")
    }
    rows: dict[str, AreaDifference] = {}

    def row(code: str) -> AreaDifference:
        if code not in rows:
            rows[code] = AreaDifference(code=code, name=villages.get(code, code))
        return rows[code]

    for household_id, status, village in current:
        before = base.get(household_id)
        counts = row(village).counts
        if status in POOR_STATUSES and before in (None, "applicant") and household_id not in returned:
            counts["new"] += 1
        if status == "exited" and before != "exited":
            counts["exited"] += 1
        if household_id in returned:
            counts["returned"] += 1
        if status == "removed" and before != "removed":
            counts["removed"] += 1
        if status == "closed" and before != "closed":
            counts["closed"] += 1
    before_ids = {member_id for member_id, _code in members_before}
    now_ids = {member_id for member_id, _code in members_now}
    for member_id, code in members_now:
        if member_id not in before_ids:
            row(code).counts["members_in"] += 1
    for member_id, code in members_before:
        if member_id not in now_ids:
            row(code).counts["members_out"] += 1
    areas = sorted(rows.values(), key=lambda r: r.code)
    totals = {key: sum(r.counts[key] for r in areas) for key in DIFFERENCE_KEYS}
    return Differences(
        year=year, base_year=base_year, frozen=now_frozen, base_frozen=base_frozen, areas=areas, totals=totals
    )
