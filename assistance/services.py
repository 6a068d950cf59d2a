"""Every change in assistance: cadres and pairings, visits, plans and measures, the project
library and funds paid to households. Keyword-only functions taking the acting user; each
checks role and scope (404 out of scope, 403 without the action), runs in one transaction and
writes the audit trail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from assistance.cadre_scope import is_paired_with
from assistance.choices import MEASURES, MeasureKind, MeasureStatus, ProjectState
from assistance.models import (
    Cadre,
    FundPayment,
    Measure,
    Pairing,
    Plan,
    Project,
    ProjectBeneficiary,
    Visit,
    WorkTeam,
)
from assistance.units import cadres_visible_to
from core.audit import record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from households.models import Household

__all__ = [
    "BENEFICIARY_STATUSES",
    "PROJECT_STEPS",
    "BulkResult",
    "add_measure",
    "advance_project",
    "assign_cadre",
    "assign_cadre_many",
    "copy_plan",
    "copy_plans_many",
    "create_cadre",
    "end_cadre",
    "may_set_beneficiaries",
    "propose_project",
    "record_payment",
    "record_visit",
    "save_plan",
    "set_cadre_login",
    "set_measure_status",
    "set_project_beneficiaries",
    "set_work_team",
]

_WORKERS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)


def _household(actor, household_id: int, actions: tuple[str, ...] = _WORKERS, *, lock: bool = False) -> Household:
    households = Household.objects.visible_to(actor, Action.VIEW)
    if lock:
        households = households.select_for_update()
    household = households.filter(pk=household_id).first()
    if household is None:
        raise Http404
    if not any(may(actor, action, household.village_id) for action in actions):
        raise PermissionDenied
    return household


def _check_open_year(household: Household, year: int) -> None:
    """A frozen year (年度定案) is read-only; corrections go to the open year."""
    from exits.frozen import is_frozen

    if is_frozen(household.village_id, year):
        raise ServiceError(
            _("%(year)s is frozen for this county; record the change in the open year.") % {"year": year},
            code="frozen_year",
        )


def _amount(value: Decimal, name: str) -> Decimal:
    if value is None or value < 0:
        raise ServiceError(_("The amount cannot be negative."), field=name, code="bad_amount")
    if value > Decimal(str(settings.ASSISTANCE_AMOUNT_MAX)):
        raise ServiceError(
            _("%(amount)s yuan is more than any one measure or payment can be; check the figure.") % {"amount": value},
            field=name,
            code="absurd_amount",
        )
    return value


# --- cadres and pairings ------------------------------------------------------------------------


def _login(county_code: str, username: str, *, except_cadre: int | None = None):
    """The active user of that login name for a cadre of the county, or None for "" (no login).
    A login is one cadre's in a county: the pairing is that cadre's scope."""
    username = username.strip()
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ServiceError(_("There is no active login of that name."), field="username", code="unknown_user")
    taken = Cadre.objects.filter(county_id=county_code, user=user).exclude(pk=except_cadre)
    if taken.exists():
        raise ServiceError(
            _("This login already belongs to another cadre of the county."), field="username", code="login_taken"
        )
    return user


@transaction.atomic
def create_cadre(
    *,
    actor,
    county_code: str,
    name: str,
    unit: str,
    starts_on: datetime.date,
    position: str = "",
    phone: str = "",
    user=None,
    username: str = "",
) -> Cadre:
    """Register a responsible cadre of the county (county officers), with the login they use to
    see their households (``username``, optional: assistance.cadre_scope)."""
    county = Area.objects.visible_to(actor, Action.VIEW).filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise Http404
    if not may(actor, Action.APPROVE, county.code):
        raise PermissionDenied
    if not name.strip() or not unit.strip():
        raise ServiceError(_("Give the cadre's name and unit."), field="name")
    if user is None:
        user = _login(county.code, username)
    cadre = Cadre.objects.create(
        county=county,
        name=name.strip(),
        unit=unit.strip(),
        position=position.strip(),
        phone=phone.strip(),
        starts_on=starts_on,
        user=user,
    )
    record_change(
        actor=actor,
        obj=cadre,
        action=ChangeAction.CREATE,
        area_code=county.code,
        after={**snapshot(cadre, ["name", "unit", "position"]), "user": cadre.user_id},
    )
    return cadre


@transaction.atomic
def set_cadre_login(*, actor, cadre_id: int, username: str) -> Cadre:
    """Link the login a cadre uses to see the households paired with them, or unlink it with ""
    (county officers). The login needs no role: the pairings are its scope."""
    cadre = cadres_visible_to(actor).select_for_update().filter(pk=cadre_id).first()
    if cadre is None:
        raise Http404
    if not may(actor, Action.APPROVE, cadre.county_id):
        raise PermissionDenied
    user = _login(cadre.county_id, username, except_cadre=cadre.pk)
    before = {"user": cadre.user_id}
    cadre.user = user
    cadre.save(update_fields=["user"])
    record_change(
        actor=actor,
        obj=cadre,
        action=ChangeAction.UPDATE,
        area_code=cadre.county_id,
        before=before,
        after={"user": cadre.user_id},
    )
    return cadre


@transaction.atomic
def assign_cadre(*, actor, household_id: int, cadre_id: int, starts_on: datetime.date, reason: str = "") -> Pairing:
    """Make ``cadre`` the household's responsible cadre from ``starts_on``: the current pairing
    ends the day before. Periods never overlap, and nothing is deleted."""
    household = _household(actor, household_id, (Action.REVIEW, Action.APPROVE), lock=True)
    cadre = Cadre.objects.filter(pk=cadre_id, county_id=household.village_id[:6].ljust(12, "0")).first()
    if cadre is None:
        raise ServiceError(_("The cadre is not one of this county's."), field="cadre", code="bad_cadre")
    if cadre.ends_on and cadre.ends_on < starts_on:
        raise ServiceError(_("The cadre's assignment ended before this date."), field="starts_on", code="ended")
    later = Pairing.objects.filter(household=household).filter(Q(starts_on__gte=starts_on) | Q(ends_on__gte=starts_on))
    current = Pairing.objects.filter(household=household, ends_on__isnull=True).first()
    overlapping = later.exclude(pk=current.pk) if current else later
    if overlapping.exists() or (current and current.starts_on >= starts_on):
        raise ServiceError(
            _("The household already has a responsible cadre on or after %(date)s; periods cannot overlap.")
            % {"date": starts_on.isoformat()},
            field="starts_on",
            code="overlap",
        )
    if current is not None:
        if current.cadre_id == cadre.pk:
            raise ServiceError(_("This cadre is already responsible for the household."), code="same_cadre")
        current.ends_on = starts_on - datetime.timedelta(days=1)
        current.reason = reason
        current.save(update_fields=["ends_on", "reason"])
    pairing = Pairing.objects.create(
        household=household, cadre=cadre, area_code=household.village_id, starts_on=starts_on, reason=reason
    )
    record_change(
        actor=actor,
        obj=household,
        action=ChangeAction.UPDATE,
        area_code=household.village_id,
        before={"cadre": current.cadre_id if current else None},
        after={"cadre": cadre.pk, "from": starts_on.isoformat()},
        reason=reason,
    )
    return pairing


@transaction.atomic
def end_cadre(*, actor, cadre_id: int, ends_on: datetime.date) -> Cadre:
    """End a cadre's assignment on ``ends_on`` (county officers). Refused while households are
    still paired with the cadre after that date: hand them to another cadre first (不脱贫不脱钩)."""
    cadre = cadres_visible_to(actor).select_for_update().filter(pk=cadre_id).first()
    if cadre is None:
        raise Http404
    if not may(actor, Action.APPROVE, cadre.county_id):
        raise PermissionDenied
    if cadre.ends_on is not None:
        raise ServiceError(_("This cadre's assignment has already ended."), code="ended")
    if ends_on < cadre.starts_on:
        raise ServiceError(_("The end date cannot be before the start date."), field="ends_on", code="bad_period")
    still_paired = (
        Pairing.objects.filter(cadre=cadre)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=ends_on))
        .values("household_id")
        .distinct()
        .count()
    )
    if still_paired:
        raise ServiceError(
            _("%(count)s households are paired with this cadre after that date; give them another cadre first.")
            % {"count": still_paired},
            field="ends_on",
            code="has_households",
        )
    cadre.ends_on = ends_on
    cadre.save(update_fields=["ends_on"])
    record_change(
        actor=actor,
        obj=cadre,
        action=ChangeAction.UPDATE,
        area_code=cadre.county_id,
        before={"ends_on": None},
        after={"ends_on": ends_on.isoformat()},
    )
    return cadre


@dataclass
class BulkResult:
    succeeded: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def assign_cadre_many(
    *, actor, household_ids: list[int], cadre_id: int, starts_on: datetime.date, reason: str = ""
) -> BulkResult:
    """Assign one cadre to many households, each in its own transaction, with a result per household."""
    result = BulkResult()
    for household_id in household_ids:
        try:
            assign_cadre(actor=actor, household_id=household_id, cadre_id=cadre_id, starts_on=starts_on, reason=reason)
        except (ServiceError, PermissionDenied, Http404) as exc:
            result.failed[household_id] = getattr(exc, "message", None) or _("Not allowed or not found.")
        else:
            result.succeeded.append(household_id)
    return result


@transaction.atomic
def set_work_team(
    *,
    actor,
    village_code: str,
    dispatching_unit: str,
    leader: str,
    first_secretary: str,
    members: list[str],
    starts_on: datetime.date,
) -> WorkTeam:
    """Station a work team in a village (county officers); the team before it ends the day before."""
    village = Area.objects.visible_to(actor, Action.VIEW).filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    if not may(actor, Action.APPROVE, village.code):
        raise PermissionDenied
    if not (dispatching_unit.strip() and leader.strip() and first_secretary.strip()):
        raise ServiceError(_("Give the dispatching unit, the team leader and the first secretary."), field="leader")
    WorkTeam.objects.filter(village=village, ends_on__isnull=True, starts_on__lt=starts_on).update(
        ends_on=starts_on - datetime.timedelta(days=1)
    )
    team = WorkTeam.objects.create(
        village=village,
        dispatching_unit=dispatching_unit.strip(),
        leader=leader.strip(),
        first_secretary=first_secretary.strip(),
        members=[m.strip() for m in members if m.strip()],
        starts_on=starts_on,
    )
    record_change(
        actor=actor,
        obj=team,
        action=ChangeAction.CREATE,
        area_code=village.code,
        after=snapshot(team, ["leader", "first_secretary", "dispatching_unit"]),
    )
    return team


@transaction.atomic
def record_visit(
    *, actor, household_id: int, cadre_id: int, visited_on: datetime.date, found: str, done: str = ""
) -> Visit:
    """Record a visit in the household's ledger: clerks, reviewers and county officers in scope,
    for any cadre ever paired with the household; or the cadre paired with it today (no role
    needed), for themselves only. Another household answers 404."""
    household = Household.objects.visible_to(actor, Action.VIEW).filter(pk=household_id).first()
    paired = is_paired_with(actor, household_id)
    if household is None and not paired:
        raise Http404
    worker = household is not None and any(may(actor, action, household.village_id) for action in _WORKERS)
    if not worker and not paired:
        raise PermissionDenied
    if household is None:
        household = Household.objects.get(pk=household_id)
    cadres = Cadre.objects.filter(pk=cadre_id, pairings__household=household)
    if not worker:
        cadres = cadres.filter(user=actor)  # a cadre records their own visits, not a colleague's
    cadre = cadres.first()
    if cadre is None:
        raise ServiceError(_("The cadre is not paired with this household."), field="cadre", code="bad_cadre")
    if visited_on > timezone.localdate():
        raise ServiceError(_("The visit date cannot be in the future."), field="visited_on")
    if not found.strip():
        raise ServiceError(_("Record what was found on the visit."), field="found", code="required")
    visit = Visit.objects.create(
        household=household,
        cadre=cadre,
        area_code=household.village_id,
        visited_on=visited_on,
        found=found.strip(),
        done=done.strip(),
        recorded_by=actor,
    )
    record_change(
        actor=actor,
        obj=visit,
        action=ChangeAction.CREATE,
        area_code=household.village_id,
        after={"visited_on": visited_on.isoformat()},
    )
    return visit


# --- plans and measures -------------------------------------------------------------------------


@transaction.atomic
def save_plan(
    *, actor, household_id: int, year: int, planned_exit_year: int, note: str = "", version: int | None = None
) -> Plan:
    """Create or change a household's plan for a year (clerks, reviewers, county officers)."""
    household = _household(actor, household_id, lock=True)
    _check_open_year(household, year)
    if not year - 1 <= planned_exit_year <= year + 10:
        raise ServiceError(_("The planned exit year must be close to the plan's year."), field="planned_exit_year")
    plan = Plan.objects.filter(household=household, year=year).first()
    if plan is None:
        plan = Plan.objects.create(
            household=household,
            area_code=household.village_id,
            year=year,
            planned_exit_year=planned_exit_year,
            note=note,
            updated_by=actor,
        )
        record_change(
            actor=actor,
            obj=plan,
            action=ChangeAction.CREATE,
            area_code=household.village_id,
            after=snapshot(plan, ["year", "planned_exit_year"]),
        )
        return plan
    if version is not None and version != plan.version:
        raise Conflict(_("Someone else changed this plan first; reload it."), code="stale")
    before = snapshot(plan, ["planned_exit_year", "note"])
    won = Plan.objects.filter(pk=plan.pk, version=plan.version).update(
        planned_exit_year=planned_exit_year,
        note=note,
        version=plan.version + 1,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    if not won:
        raise Conflict(_("Someone else changed this plan first; reload it."), code="stale")
    plan.refresh_from_db()
    record_change(
        actor=actor,
        obj=plan,
        action=ChangeAction.UPDATE,
        area_code=household.village_id,
        before=before,
        after=snapshot(plan, ["planned_exit_year", "note"]),
    )
    return plan


def _check_measure(household: Household, code: str, member_ids: list[int], project: Project | None) -> list:
    info = MEASURES.get(code)
    if info is None:
        raise ServiceError(_("Unknown measure code."), field="code")
    members = list(household.members.filter(pk__in=member_ids, is_active=True)) if member_ids else []
    if len(members) != len(set(member_ids)):
        raise ServiceError(
            _("A named member is not an active member of this household."), field="members", code="foreign_member"
        )
    if info.applies_to == MeasureKind.PERSON and not members:
        raise ServiceError(
            _("This measure is for persons: name the members it is for."), field="members", code="members_required"
        )
    if info.applies_to == MeasureKind.HOUSEHOLD and members:
        raise ServiceError(
            _("This measure is for the whole household: it names no members."),
            field="members",
            code="members_not_allowed",
        )
    if project is not None and project.state not in (ProjectState.APPROVED, ProjectState.UNDER_WAY, ProjectState.DONE):
        raise ServiceError(_("Only an approved project of the library can carry measures."), field="project")
    return members


@transaction.atomic
def add_measure(
    *,
    actor,
    plan_id: int,
    code: str,
    year: int,
    content: str = "",
    cost: Decimal = Decimal("0"),
    funding_source: str = "",
    status: str = MeasureStatus.PLANNED,
    member_ids: list[int] | None = None,
    project_id: int | None = None,
) -> Measure:
    """Add a measure to a household's plan, for the household or for named members of it."""
    plan = Plan.objects.visible_to(actor, Action.VIEW).select_related("household").filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    household = _household(actor, plan.household_id)
    _check_open_year(household, year)
    if status not in MeasureStatus.values:
        raise ServiceError(_("Unknown status."), field="status")
    project = None
    if project_id is not None:
        project = Project.objects.filter(pk=project_id, county_id=household.village_id[:6].ljust(12, "0")).first()
        if project is None:
            raise ServiceError(_("The project is not in this county's library."), field="project")
    members = _check_measure(household, code, member_ids or [], project)
    measure = Measure.objects.create(
        plan=plan,
        household=household,
        area_code=household.village_id,
        code=code,
        year=year,
        content=content.strip(),
        cost=_amount(cost, "cost"),
        funding_source=funding_source.strip(),
        status=status,
        project=project,
    )
    if members:
        measure.members.set(members)
    record_change(
        actor=actor,
        obj=household,
        action=ChangeAction.UPDATE,
        area_code=household.village_id,
        after={"measure": code, "year": year, "cost": str(measure.cost)},
    )
    return measure


@transaction.atomic
def set_measure_status(
    *, actor, measure_id: int, status: str, cost: Decimal | None = None, content: str | None = None
) -> Measure:
    measure = Measure.objects.visible_to(actor, Action.VIEW).select_related("household").filter(pk=measure_id).first()
    if measure is None:
        raise Http404
    _household(actor, measure.household_id)
    _check_open_year(measure.household, measure.year)
    if status not in MeasureStatus.values:
        raise ServiceError(_("Unknown status."), field="status")
    before = snapshot(measure, ["status", "cost", "content"])
    measure.status = status
    if cost is not None:
        measure.cost = _amount(cost, "cost")
    if content is not None:
        measure.content = content.strip()
    measure.save(update_fields=["status", "cost", "content"])
    record_change(
        actor=actor,
        obj=measure,
        action=ChangeAction.UPDATE,
        area_code=measure.area_code,
        before=before,
        after=snapshot(measure, ["status", "cost", "content"]),
    )
    return measure


@transaction.atomic
def copy_plan(*, actor, household_id: int, from_year: int, to_year: int) -> Plan:
    """Start this year's plan as a draft copy of last year's: its measures, all planned, for the
    members still in the household."""
    household = _household(actor, household_id, lock=True)
    _check_open_year(household, to_year)
    source = Plan.objects.filter(household=household, year=from_year).prefetch_related("measures__members").first()
    if source is None:
        raise ServiceError(_("There is no plan for %(year)s to copy.") % {"year": from_year}, code="no_plan")
    if Plan.objects.filter(household=household, year=to_year).exists():
        raise ServiceError(_("The household already has a plan for %(year)s.") % {"year": to_year}, code="exists")
    plan = Plan.objects.create(
        household=household,
        area_code=household.village_id,
        year=to_year,
        planned_exit_year=max(source.planned_exit_year, to_year),
        note=source.note,
        updated_by=actor,
    )
    for old in source.measures.all():
        members = [m for m in old.members.all() if m.is_active]
        if MEASURES[old.code].applies_to == MeasureKind.PERSON and not members:
            continue  # its members have all left: nothing to carry over
        measure = Measure.objects.create(
            plan=plan,
            household=household,
            area_code=household.village_id,
            code=old.code,
            year=to_year,
            content=old.content,
            cost=old.cost,
            funding_source=old.funding_source,
            project=old.project,
        )
        if members:
            measure.members.set(members)
    record_change(
        actor=actor,
        obj=plan,
        action=ChangeAction.CREATE,
        area_code=household.village_id,
        after={"copied_from": from_year},
    )
    return plan


def copy_plans_many(*, actor, household_ids: list[int], from_year: int, to_year: int) -> BulkResult:
    """Start this year's plan of many households as drafts of last year's, each in its own
    transaction (copy_plan), with a result per household: one without a plan to copy, or with
    this year's plan already, is listed with the reason and the others go ahead."""
    result = BulkResult()
    for household_id in household_ids:
        try:
            copy_plan(actor=actor, household_id=household_id, from_year=from_year, to_year=to_year)
        except (ServiceError, PermissionDenied, Http404) as exc:
            result.failed[household_id] = getattr(exc, "message", None) or _("Not allowed or not found.")
        else:
            result.succeeded.append(household_id)
    return result


# --- the county project library -----------------------------------------------------------------

#: the project library's steps: state → (the state it moves to, the action that step needs)
PROJECT_STEPS: dict[str, tuple[str, str]] = {
    ProjectState.PROPOSED: (ProjectState.TOWNSHIP_REVIEWED, Action.REVIEW),
    ProjectState.TOWNSHIP_REVIEWED: (ProjectState.COUNTY_APPRAISED, Action.APPROVE),
    ProjectState.COUNTY_APPRAISED: (ProjectState.APPROVED, Action.APPROVE),
    ProjectState.APPROVED: (ProjectState.UNDER_WAY, Action.APPROVE),
    ProjectState.UNDER_WAY: (ProjectState.DONE, Action.APPROVE),
}


#: households a project may name as its poor beneficiaries: registered ones, and those exited
#: while the policies continue (脱贫不脱政策)
BENEFICIARY_STATUSES = ("registered", "pre_exit", "returned", "exited")
#: the steps in which those who propose and review a project may still change its beneficiaries;
#: after approval only the county may
_BEFORE_APPROVAL = (ProjectState.PROPOSED, ProjectState.TOWNSHIP_REVIEWED, ProjectState.COUNTY_APPRAISED)


def may_set_beneficiaries(user, project: Project) -> bool:
    """Whether ``user`` may change the project's planned beneficiaries in its present step."""
    if project.state == ProjectState.DONE:
        return False
    before_approval = project.state in _BEFORE_APPROVAL
    actions = (Action.CAPTURE, Action.REVIEW, Action.APPROVE) if before_approval else (Action.APPROVE,)
    return any(may(user, action, project.location_id) for action in actions)


def _check_beneficiaries(
    location: Area, planned_households: int, planned_people: int, household_ids: list[int]
) -> list[Household]:
    """The named households, checked: each a registered household of the project's area; the
    planned counts whole, not absurd, at least the named households and their people."""
    for name, value in (("planned_households", planned_households), ("planned_people", planned_people)):
        if value is None or value < 0:
            raise ServiceError(_("Give a number of 0 or more."), field=name, code="bad_count")
    if planned_people > settings.ASSISTANCE_PROJECT_PEOPLE_MAX:
        raise ServiceError(
            _("%(count)s people is more than one project can benefit; check the figure.") % {"count": planned_people},
            field="planned_people",
            code="absurd_count",
        )
    if planned_people < planned_households:
        raise ServiceError(
            _("The planned people cannot be fewer than the planned households."),
            field="planned_people",
            code="people_below_households",
        )
    wanted = list(dict.fromkeys(household_ids))
    households = list(Household.objects.in_area(location.prefix).filter(pk__in=wanted).order_by("household_no"))
    if len(households) != len(wanted):
        # one message for unknown and for elsewhere: a household outside the area is not told apart
        raise ServiceError(
            _("A named household is not a household of the project's area."), field="households", code="outside_area"
        )
    not_poor = [h.household_no for h in households if h.status not in BENEFICIARY_STATUSES]
    if not_poor:
        raise ServiceError(
            _("Only registered poor households can be named as beneficiaries: %(numbers)s.")
            % {"numbers": "、".join(not_poor[:5])},
            field="households",
            code="not_registered",
        )
    if len(households) > planned_households:
        raise ServiceError(
            _("%(count)s households are named, more than the planned households.") % {"count": len(households)},
            field="planned_households",
            code="households_below_named",
        )
    people = sum(h.household_size for h in households)
    if people > planned_people:
        raise ServiceError(
            _("The named households have %(count)s people, more than the planned people.") % {"count": people},
            field="planned_people",
            code="people_below_named",
        )
    return households


def _set_beneficiaries(project: Project, households: list[Household]) -> None:
    """Make the named households exactly ``households`` (rows of others removed, new ones added)."""
    keep = {h.pk for h in households}
    ProjectBeneficiary.objects.filter(project=project).exclude(household_id__in=keep).delete()
    present = set(ProjectBeneficiary.objects.filter(project=project).values_list("household_id", flat=True))
    added = [h for h in households if h.pk not in present]
    ProjectBeneficiary.objects.bulk_create(
        ProjectBeneficiary(project=project, household=h, area_code=h.village_id) for h in added
    )


@transaction.atomic
def propose_project(
    *,
    actor,
    location_code: str,
    values: dict[str, Any],
    meeting: dict[str, str],
    beneficiary_ids: list[int] | None = None,
) -> Project:
    """A village proposes a project (after its meeting and publicity): performance targets are
    required (no target, no entry); the planned beneficiaries (``planned_households``,
    ``planned_people`` in ``values``, and the poor households named) are checked as in
    ``set_project_beneficiaries``."""
    location = (
        Area.objects.visible_to(actor, Action.VIEW)
        .filter(code=location_code, level__in=[Level.VILLAGE, Level.TOWNSHIP])
        .first()
    )
    if location is None:
        raise Http404
    if not (may(actor, Action.CAPTURE, location.code) or may(actor, Action.APPROVE, location.code)):
        raise PermissionDenied
    for name in ("name", "category", "responsible_unit", "tasks"):
        if not str(values.get(name, "")).strip():
            raise ServiceError(_("This field is required."), field=name, code="required")
    if not str(values.get("performance_targets", "")).strip():
        raise ServiceError(
            _("A project enters the library only with performance targets."),
            field="performance_targets",
            code="no_targets",
        )
    budget = _amount(Decimal(str(values.get("budget", "0"))), "budget")
    sources = {
        str(k): str(_amount(Decimal(str(v)), "funding_sources"))
        for k, v in (values.get("funding_sources") or {}).items()
    }
    if sum((Decimal(v) for v in sources.values()), Decimal("0")) != budget:
        raise ServiceError(
            _("The funding sources must add up to the budget."), field="funding_sources", code="sources_mismatch"
        )
    if not meeting.get("date"):
        raise ServiceError(_("Give the date of the village meeting that proposed it."), field="meeting")
    planned_households = int(values.get("planned_households") or 0)
    planned_people = int(values.get("planned_people") or 0)
    households = _check_beneficiaries(location, planned_households, planned_people, beneficiary_ids or [])
    project = Project.objects.create(
        county_id=location.code[:6].ljust(12, "0"),
        location=location,
        name=values["name"].strip(),
        category=values["category"].strip(),
        construction_nature=str(values.get("construction_nature", "")).strip(),
        responsible_unit=values["responsible_unit"].strip(),
        tasks=values["tasks"].strip(),
        budget=budget,
        funding_sources=sources,
        performance_targets=values["performance_targets"].strip(),
        mechanism=str(values.get("mechanism", "")).strip(),
        planned_households=planned_households,
        planned_people=planned_people,
        created_by=actor,
        history=[
            {"state": ProjectState.PROPOSED, "by": actor.username, "at": timezone.now().isoformat(), "meeting": meeting}
        ],
    )
    record_change(
        actor=actor,
        obj=project,
        action=ChangeAction.CREATE,
        area_code=location.code,
        after={
            "name": project.name,
            "budget": str(budget),
            "planned_households": planned_households,
            "planned_people": planned_people,
            "households": [h.pk for h in households],
        },
    )
    _set_beneficiaries(project, households)
    return project


@transaction.atomic
def set_project_beneficiaries(
    *,
    actor,
    project_id: int,
    planned_households: int,
    planned_people: int,
    household_ids: list[int],
    version: int | None = None,
) -> Project:
    """Change a project's planned beneficiaries: how many households and people it is to
    benefit, and which registered poor households of its area are named. Before approval those
    who propose or review it may (capture, review or approve there); after, the county only; a
    finished project no longer. Compare-and-set on the project's version (409 when stale)."""
    project = Project.objects.visible_to(actor, Action.VIEW).select_related("location").filter(pk=project_id).first()
    if project is None:
        raise Http404
    if project.state == ProjectState.DONE:
        raise ServiceError(_("The project is finished."), code="finished")
    if not may_set_beneficiaries(actor, project):
        raise PermissionDenied
    households = _check_beneficiaries(project.location, planned_households, planned_people, household_ids)
    current = project.version if version is None else version
    before = {
        "planned_households": project.planned_households,
        "planned_people": project.planned_people,
        "households": sorted(project.beneficiaries.values_list("household_id", flat=True)),
    }
    won = Project.objects.filter(pk=project.pk, state=project.state, version=current).update(
        planned_households=planned_households, planned_people=planned_people, version=current + 1
    )
    if not won:
        raise Conflict(_("Someone else changed this project first; reload it."), code="stale")
    _set_beneficiaries(project, households)
    record_change(
        actor=actor,
        obj=project,
        action=ChangeAction.UPDATE,
        area_code=project.location_id,
        before=before,
        after={
            "planned_households": planned_households,
            "planned_people": planned_people,
            "households": sorted(h.pk for h in households),
        },
    )
    project.refresh_from_db()
    return project


@transaction.atomic
def advance_project(
    *, actor, project_id: int, note: str = "", publicity: dict[str, str] | None = None, version: int | None = None
) -> Project:
    """Move a project one step along village proposal → township review → county appraisal →
    approved → under way → done. Entering the library (approved) and completion need their
    publicity (dates and place)."""
    project = Project.objects.visible_to(actor, Action.VIEW).filter(pk=project_id).first()
    if project is None:
        raise Http404
    if project.state not in PROJECT_STEPS:
        raise ServiceError(_("The project is finished."), code="finished")
    target, action = PROJECT_STEPS[project.state]
    if not may(actor, action, project.location_id):
        raise PermissionDenied
    values: dict[str, Any] = {}
    if target in (ProjectState.APPROVED, ProjectState.DONE):
        if not publicity or not publicity.get("starts_on") or not publicity.get("place"):
            raise ServiceError(
                _("Record the publicity (start date and place) for this step."),
                field="publicity",
                code="publicity_required",
            )
        values["entry_publicity" if target == ProjectState.APPROVED else "completion_publicity"] = publicity
    current = project.version if version is None else version
    history = [
        *project.history,
        {"state": target, "by": actor.username, "at": timezone.now().isoformat(), "note": note},
    ]
    won = Project.objects.filter(pk=project.pk, state=project.state, version=current).update(
        state=target, version=current + 1, history=history, **values
    )
    if not won:
        raise Conflict(_("Someone else moved this project first; reload it."), code="stale")
    record_change(
        actor=actor,
        obj=project,
        action=ChangeAction.TRANSITION,
        area_code=project.location_id,
        before={"state": project.state},
        after={"state": target},
        reason=note,
    )
    project.refresh_from_db()
    return project


@transaction.atomic
def record_payment(
    *,
    actor,
    household_id: int,
    amount: Decimal,
    paid_on: datetime.date,
    purpose: str,
    measure_id: int | None = None,
    project_id: int | None = None,
) -> FundPayment:
    """Record money paid to a household (资金到户): county officers and township reviewers."""
    household = _household(actor, household_id, (Action.REVIEW, Action.APPROVE))
    if amount is None or amount <= 0:
        raise ServiceError(_("The amount paid must be above 0."), field="amount", code="bad_amount")
    _amount(amount, "amount")
    if paid_on > timezone.localdate():
        raise ServiceError(_("The payment date cannot be in the future."), field="paid_on")
    if not purpose.strip():
        raise ServiceError(_("Say what the money is for."), field="purpose")
    if (
        project_id is not None
        and not Project.objects.filter(pk=project_id, county_id=household.village_id[:6].ljust(12, "0")).exists()
    ):
        raise ServiceError(_("The project is not in this county's library."), field="project", code="bad_project")
    measure = None
    if measure_id is not None:
        measure = Measure.objects.filter(pk=measure_id, household=household).first()
        if measure is None:
            raise ServiceError(
                _("The measure is not one of this household's."), field="measure", code="foreign_measure"
            )
    try:
        payment = FundPayment.objects.create(
            household=household,
            area_code=household.village_id,
            measure=measure,
            project_id=project_id,
            amount=amount,
            paid_on=paid_on,
            purpose=purpose.strip(),
            recorded_by=actor,
        )
    except IntegrityError as exc:
        raise ServiceError(_("The payment could not be recorded."), code="invalid") from exc
    record_change(
        actor=actor,
        obj=payment,
        action=ChangeAction.CREATE,
        area_code=household.village_id,
        after={"amount": str(amount), "paid_on": paid_on.isoformat()},
    )
    return payment
