"""Assistance units per village (帮扶单位, DOMAIN.md section 10), and the cadres a user works
with. Same shape as assistance/services.py: keyword-only functions taking the acting user; each
checks role and scope (404 out of scope, 403 without the action), runs in one transaction
and writes the audit trail. ``cadres_visible_to`` is the cadres a user works with: those of the
counties they work in.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from assistance.models import AssistanceUnit, Cadre, UnitAssignment
from core.audit import record_change
from core.errors import ServiceError
from core.models import ChangeAction
from core.querysets import prefix_condition

__all__ = ["assign_unit", "cadres_visible_to", "end_unit_assignment", "works_in_county"]


def works_in_county(user, county_code: str) -> bool:
    """Whether the user views the county, or anything in it: a township reviewer or a village
    clerk works with the cadres of their county (assign_cadre takes any cadre of the county)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    county = county_code[:6]
    return any(county.startswith(prefix) or prefix.startswith(county) for prefix in prefixes_for(user, Action.VIEW))


def cadres_visible_to(user):
    """Cadres of the counties the user works in or above (see ``works_in_county``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Cadre.objects.none()
    if user.is_superuser:
        return Cadre.objects.all()
    counties = {prefix[:6] for prefix in prefixes_for(user, Action.VIEW)}
    if not counties:
        return Cadre.objects.none()
    return Cadre.objects.filter(prefix_condition("county__code", sorted(counties)))


def _village_to_manage(actor, village_code: str, *, lock: bool = False) -> Area:
    """The village if the actor sees it (404 otherwise) and approves there (403 otherwise)."""
    villages = Area.objects.visible_to(actor, Action.VIEW).filter(code=village_code, level=Level.VILLAGE)
    if lock:
        villages = villages.select_for_update()  # one assignment at a time per village
    village = villages.first()
    if village is None:
        raise Http404
    if not may(actor, Action.APPROVE, village.code):
        raise PermissionDenied
    return village


@transaction.atomic
def assign_unit(
    *, actor, village_code: str, unit_name: str, starts_on: datetime.date, kind: str = ""
) -> UnitAssignment:
    """Make a unit of the county one of the village's assistance units from ``starts_on`` (county
    officers). The unit is found by name in the county, or registered. A unit already assisting
    the village on or after that date is refused: periods of one unit in one village never overlap."""
    village = _village_to_manage(actor, village_code, lock=True)
    name = unit_name.strip()
    if not name:
        raise ServiceError(_("Give the name of the assistance unit."), field="unit_name", code="required")
    county_code = village.code[:6].ljust(12, "0")
    unit = AssistanceUnit.objects.filter(county_id=county_code, name=name).first()
    if unit is None:
        unit = AssistanceUnit.objects.create(county_id=county_code, name=name, kind=kind.strip())
    overlapping = UnitAssignment.objects.filter(unit=unit, village=village).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    )
    if overlapping.exists():
        raise ServiceError(
            _("%(unit)s already assists this village on or after %(date)s.")
            % {"unit": unit.name, "date": starts_on.isoformat()},
            field="starts_on",
            code="overlap",
        )
    assignment = UnitAssignment.objects.create(unit=unit, village=village, starts_on=starts_on)
    record_change(
        actor=actor,
        obj=assignment,
        action=ChangeAction.CREATE,
        area_code=village.code,
        after={"unit": unit.name, "from": starts_on.isoformat()},
    )
    return assignment


@transaction.atomic
def end_unit_assignment(*, actor, assignment_id: int, ends_on: datetime.date) -> UnitAssignment:
    """End a unit's assistance of a village on ``ends_on`` (county officers)."""
    assignment = (
        UnitAssignment.objects.visible_to(actor, Action.VIEW)
        .select_for_update()
        .select_related("unit")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404
    if not may(actor, Action.APPROVE, assignment.village_id):
        raise PermissionDenied
    if assignment.ends_on is not None:
        raise ServiceError(_("This assignment has already ended."), code="ended")
    if ends_on < assignment.starts_on:
        raise ServiceError(_("The end date cannot be before the start date."), field="ends_on", code="bad_period")
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    record_change(
        actor=actor,
        obj=assignment,
        action=ChangeAction.UPDATE,
        area_code=assignment.village_id,
        before={"ends_on": None},
        after={"ends_on": ends_on.isoformat()},
    )
    return assignment
