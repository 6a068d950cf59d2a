"""Poor villages (贫困村): the village figures, the township appraisal by all village cadres of
the township, one publicity and one county announcement (一公示、一公告, DOMAIN.md section 6)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area, VillageFigures
from areas.scopes import may
from core.audit import record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from identification.models import Campaign, PoorVillageCase, PoorVillageState
from identification.services import Vote, check_vote

__all__ = [
    "FIGURE_FIELDS",
    "announce_poor_villages",
    "conclude_village_publicity",
    "post_village_publicity",
    "propose_poor_village",
    "record_cadre_vote",
    "record_village_figures",
]

FIGURE_FIELDS = [
    field.name for field in VillageFigures._meta.concrete_fields if field.name not in ("id", "village", "year")
]


def _village(actor, code: str, actions: tuple[str, ...]) -> Area:
    village = Area.objects.visible_to(actor, Action.VIEW).filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    if not any(may(actor, action, village.code) for action in actions):
        raise PermissionDenied
    return village


@transaction.atomic
def record_village_figures(*, actor, village_code: str, year: int, values: dict[str, Any]) -> VillageFigures:
    """Enter or correct a village's figures for a year (village clerks and township reviewers)."""
    village = _village(actor, village_code, (Action.CAPTURE, Action.REVIEW))
    unknown = set(values) - set(FIGURE_FIELDS)
    if unknown:
        raise ServiceError(_("Unknown figures: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name, value in values.items():
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0:
            raise ServiceError(_("The figure cannot be negative."), field=name)
    population = values.get("rural_registered_population")
    poor = values.get("poor_people")
    if population is not None and poor is not None and poor > population:
        raise ServiceError(
            _("There cannot be more poor people than rural registered population."),
            field="poor_people",
            code="above_population",
        )
    figures, created = VillageFigures.objects.select_for_update().get_or_create(village=village, year=year)
    before = None if created else snapshot(figures, FIGURE_FIELDS)
    for name, value in values.items():
        setattr(figures, name, value)
    if figures.poor_people > figures.rural_registered_population:
        raise ServiceError(
            _("There cannot be more poor people than rural registered population."),
            field="poor_people",
            code="above_population",
        )
    figures.save()
    record_change(
        actor=actor,
        obj=figures,
        action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
        area_code=village.code,
        before=before,
        after=snapshot(figures, FIGURE_FIELDS),
    )
    return figures


@transaction.atomic
def propose_poor_village(*, actor, campaign_id: int, village_code: str) -> PoorVillageCase:
    """Put a village forward for the township's appraisal, with its figures for the year."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or not village_code.startswith(campaign.county_id[:6]):
        raise Http404
    village = _village(actor, village_code, (Action.REVIEW, Action.APPROVE))
    figures = VillageFigures.objects.filter(village=village, year=campaign.year).first()
    if figures is None:
        raise ServiceError(
            _("Enter the village's figures for %(year)s first.") % {"year": campaign.year}, code="no_figures"
        )
    data = snapshot(figures, FIGURE_FIELDS)
    data["incidence"] = str(figures.incidence) if figures.incidence is not None else None
    try:
        with transaction.atomic():
            case = PoorVillageCase.objects.create(campaign=campaign, village=village, figures=data, proposed_by=actor)
    except IntegrityError as exc:
        raise ServiceError(_("The village is already proposed in this campaign."), code="duplicate") from exc
    record_change(
        actor=actor, obj=case, action=ChangeAction.CREATE, area_code=village.code, after={"state": case.state}
    )
    return case


def _case(actor, case_id: int, action: str) -> PoorVillageCase:
    case = (
        PoorVillageCase.objects.visible_to(actor, Action.VIEW)
        .select_related("campaign", "village")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    if not may(actor, action, case.village_id):
        raise PermissionDenied
    return case


def _move(case: PoorVillageCase, *, actor, expected: str, target: str, **values) -> PoorVillageCase:
    if case.state != expected:
        raise ServiceError(
            _("This step is not possible now: the village is at %(state)s.") % {"state": case.get_state_display()},
            code="wrong_step",
        )
    won = PoorVillageCase.objects.filter(pk=case.pk, state=expected, version=case.version).update(
        state=target, version=case.version + 1, **values
    )
    if not won:
        raise Conflict(_("Someone else took a step on this village a moment ago; reload it."), code="stale")
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.TRANSITION,
        area_code=case.village_id,
        before={"state": expected},
        after={"state": target},
    )
    case.refresh_from_db()
    return case


@transaction.atomic
def record_cadre_vote(*, actor, case_id: int, meeting_date: datetime.date, vote: Vote) -> PoorVillageCase:
    """The township's meeting of all village cadres votes; two thirds present, passed with more
    than half of those present."""
    case = _case(actor, case_id, Action.REVIEW)
    check_vote(vote)
    if meeting_date > timezone.localdate():
        raise ServiceError(_("The meeting date cannot be in the future."), field="meeting_date")
    record = {"meeting_date": meeting_date.isoformat(), **vote.__dict__}
    passed = vote.votes_for * 2 > vote.present
    target = PoorVillageState.APPRAISED if passed else PoorVillageState.REJECTED
    values = {"vote": record}
    if not passed:
        values["closing_reason"] = _("Not passed by the village cadres' meeting.")
    return _move(case, actor=actor, expected=PoorVillageState.PROPOSED, target=target, **values)


@transaction.atomic
def post_village_publicity(*, actor, case_id: int, starts_on: datetime.date, posted_place: str) -> PoorVillageCase:
    """The one publicity of a poor village, for the campaign's publicity days."""
    case = _case(actor, case_id, Action.REVIEW)
    if not posted_place.strip():
        raise ServiceError(_("Say where the notice is posted."), field="posted_place")
    ends_on = starts_on + datetime.timedelta(days=case.campaign.publicity_days - 1)
    return _move(
        case,
        actor=actor,
        expected=PoorVillageState.APPRAISED,
        target=PoorVillageState.IN_PUBLICITY,
        publicity_starts_on=starts_on,
        publicity_ends_on=ends_on,
        posted_place=posted_place.strip(),
    )


@transaction.atomic
def conclude_village_publicity(*, actor, case_id: int, today: datetime.date | None = None) -> PoorVillageCase:
    case = _case(actor, case_id, Action.REVIEW)
    today = today or timezone.localdate()
    if case.state == PoorVillageState.IN_PUBLICITY and today <= case.publicity_ends_on:
        raise ServiceError(
            _("The publicity runs until %(date)s; it can be concluded from the next day.")
            % {"date": case.publicity_ends_on.isoformat()},
            code="too_early",
        )
    return _move(case, actor=actor, expected=PoorVillageState.IN_PUBLICITY, target=PoorVillageState.PUBLICIZED)


@transaction.atomic
def announce_poor_villages(*, actor, campaign_id: int, case_ids: list[int]) -> list[PoorVillageCase]:
    """The county's announcement of the villages whose publicity ended (county officers)."""
    announced = []
    for case_id in case_ids:
        case = _case(actor, case_id, Action.APPROVE)
        if case.campaign_id != campaign_id:
            raise ServiceError(_("The village belongs to another campaign."), field="case_ids")
        announced.append(
            _move(
                case,
                actor=actor,
                expected=PoorVillageState.PUBLICIZED,
                target=PoorVillageState.ANNOUNCED,
                announced_at=timezone.now(),
            )
        )
    return announced
