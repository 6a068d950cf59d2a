"""Poor village exit and county 摘帽 (DOMAIN.md section 8). A village that meets the bar is
proposed by its township, publicized by the township and announced by the county; a county that
meets it proposes itself, the city checks, the province verifies and announces. Each proposal
keeps the assessment it was made on; steps move by compare-and-set like every procedure here."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db import models as db_models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits.exit_incidence import assess_county, assess_villages
from exits.exit_workflow import transition
from exits.frozen import is_frozen
from exits.models import CountyExitCase, VillageExitCase

__all__ = [
    "announce_county",
    "announce_village",
    "conclude_village_publicity",
    "post_village_publicity",
    "propose_county",
    "propose_village",
    "record_city_check",
]


def _area(actor, code: str, level: str, action: str) -> Area:
    area = Area.objects.visible_to(actor, Action.VIEW).filter(code=code, level=level).first()
    if area is None:
        raise Http404
    if not may(actor, action, area.code):
        raise PermissionDenied
    return area


def _refuse(area_code: str, year: int, blockers: list[str]) -> None:
    if is_frozen(area_code, year):
        raise ServiceError(
            _("The county has frozen %(year)s; its data can no longer change.") % {"year": year}, code="frozen_year"
        )
    if blockers:
        raise ServiceError(
            _("The exit bar is not met: %(reasons)s") % {"reasons": " ".join(blockers)},
            code="bar_not_met",
            details=blockers,
        )


def _move(case: db_models.Model, *, actor, name: str, area_code: str, **values: Any):
    step = transition(name)
    if is_frozen(area_code, case.year):
        raise ServiceError(
            _("The county has frozen %(year)s; its data can no longer change.") % {"year": case.year},
            code="frozen_year",
        )
    if case.state not in step.sources:
        raise ServiceError(
            _("This step is not possible now: the case is at %(state)s.") % {"state": case.get_state_display()},
            code="wrong_step",
        )
    model = type(case)
    won = model.objects.filter(pk=case.pk, state=case.state, version=case.version).update(
        state=step.target, version=case.version + 1, **values
    )
    if not won:
        raise Conflict(_("Someone else took a step on this case a moment ago; reload it."), code="stale")
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.TRANSITION,
        area_code=area_code,
        before={"state": case.state},
        after={"state": step.target, "step": name},
    )
    case.refresh_from_db()
    return case


# --- villages -----------------------------------------------------------------------------------


@transaction.atomic
def propose_village(*, actor, village_code: str, year: int) -> VillageExitCase:
    """The township proposes a village that meets the bar (incidence and conditions) to exit."""
    village = _area(actor, village_code, Level.VILLAGE, Action.REVIEW)
    assessment = assess_villages(village.code, year)[0]
    _refuse(village.code, year, assessment.blockers)
    try:
        with transaction.atomic():
            case = VillageExitCase.objects.create(
                village=village, year=year, figures=assessment.as_dict(), proposed_by=actor
            )
    except IntegrityError as exc:
        raise Conflict(_("The village is already proposed to exit in %(year)s.") % {"year": year}) from exc
    record_change(actor=actor, obj=case, action=ChangeAction.CREATE, area_code=village.code, after=case.figures)
    return case


def _village_case(actor, case_id: int, action: str) -> VillageExitCase:
    case = VillageExitCase.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise Http404
    if not may(actor, action, case.village_id):
        raise PermissionDenied
    return case


@transaction.atomic
def post_village_publicity(*, actor, case_id: int, starts_on: datetime.date, posted_place: str) -> VillageExitCase:
    """The township publicizes the village's exit for the publicity days."""
    case = _village_case(actor, case_id, Action.REVIEW)
    if not posted_place.strip():
        raise ServiceError(_("Say where the notice is posted."), field="posted_place")
    ends_on = starts_on + datetime.timedelta(days=settings.PUBLICITY_DAYS - 1)
    return _move(
        case,
        actor=actor,
        name="post_village_publicity",
        area_code=case.village_id,
        publicity_starts_on=starts_on,
        publicity_ends_on=ends_on,
        posted_place=posted_place.strip(),
    )


@transaction.atomic
def conclude_village_publicity(*, actor, case_id: int, today: datetime.date | None = None) -> VillageExitCase:
    """End the village's publicity, not before its last day has passed."""
    case = _village_case(actor, case_id, Action.REVIEW)
    today = today or timezone.localdate()
    if case.publicity_ends_on and today <= case.publicity_ends_on:
        raise ServiceError(
            _("The publicity runs until %(date)s; it can be concluded from the next day.")
            % {"date": case.publicity_ends_on.isoformat()},
            code="too_early",
        )
    return _move(case, actor=actor, name="conclude_village_publicity", area_code=case.village_id)


@transaction.atomic
def announce_village(*, actor, case_id: int) -> VillageExitCase:
    """The county announces the village's exit."""
    case = _village_case(actor, case_id, Action.APPROVE)
    return _move(case, actor=actor, name="announce_village", area_code=case.village_id, announced_at=timezone.now())


# --- counties -----------------------------------------------------------------------------------


@transaction.atomic
def propose_county(*, actor, county_code: str, year: int) -> CountyExitCase:
    """The county applies for 摘帽 when its incidence is under the threshold."""
    county = _area(actor, county_code, Level.COUNTY, Action.APPROVE)
    villages = assess_villages(county.prefix, year)
    assessment = assess_county(county, year, villages)
    _refuse(county.code, year, assessment.blockers)
    figures = assessment.as_dict()
    figures["villages_meeting_bar"] = sum(1 for v in villages if v.meets_bar)
    figures["villages"] = len(villages)
    try:
        with transaction.atomic():
            case = CountyExitCase.objects.create(county=county, year=year, figures=figures, proposed_by=actor)
    except IntegrityError as exc:
        raise Conflict(_("The county has already applied to exit in %(year)s.") % {"year": year}) from exc
    record_change(actor=actor, obj=case, action=ChangeAction.CREATE, area_code=county.code, after=figures)
    return case


def _county_case(actor, case_id: int, action: str) -> CountyExitCase:
    case = CountyExitCase.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise Http404
    if not may(actor, action, case.county_id):
        raise PermissionDenied
    return case


def _level_record(actor, checked_on: datetime.date, opinion: str) -> dict[str, str]:
    if checked_on > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="checked_on")
    if not opinion.strip():
        raise ServiceError(_("Record the opinion."), field="opinion")
    return {"on": checked_on.isoformat(), "by": actor.get_username(), "opinion": opinion.strip()}


@transaction.atomic
def record_city_check(*, actor, case_id: int, checked_on: datetime.date, opinion: str) -> CountyExitCase:
    """The city checks the county's application."""
    case = _county_case(actor, case_id, Action.INSPECT)
    records = {**case.records, "city": _level_record(actor, checked_on, opinion)}
    return _move(case, actor=actor, name="record_city_check", area_code=case.county_id, records=records)


@transaction.atomic
def announce_county(*, actor, case_id: int, checked_on: datetime.date, opinion: str) -> CountyExitCase:
    """The province verifies the county's exit and announces it."""
    case = _county_case(actor, case_id, Action.VERIFY_EXIT)
    records = {**case.records, "province": _level_record(actor, checked_on, opinion)}
    return _move(
        case,
        actor=actor,
        name="announce_county",
        area_code=case.county_id,
        records=records,
        announced_at=timezone.now(),
    )
