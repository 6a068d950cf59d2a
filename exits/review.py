"""The yearly review (动态管理, DOMAIN.md section 9): a county campaign with a deadline and progress
per village; the three forms (a) wrong inclusion, (b) missed households, (c) exited households,
each signed by head, surveyor, team leader and deputy; township re-check; county review; each
confirmed result applied through the status procedures (exits/status.py) or, for a missed or
returned household, an identification case; and the campaign report with its rates.

Rates, exactly as section 9 defines them (people, not households):
- 错评率 = wrongly included people ÷ registered people at the start (counted when the campaign opens);
- 错退率 = wrongly exited people ÷ exited people re-checked (every form (c) recorded);
- 漏评率 = missed people ÷ registered people after the review, where "after" is the start figure
  minus those removed, plus those found missed, wrongly exited and returned.
A finding counts once the county has confirmed it (approved or applied).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from core.audit import record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits import status
from exits.frozen import POOR_STATUSES
from exits.models import (
    FORM_FINDINGS,
    ReviewCampaign,
    ReviewFinding,
    ReviewForm,
    ReviewResult,
    ReviewState,
    StatusChange,
    StatusProcedure,
)
from households.choices import ChangeReason, HouseholdStatus
from households.models import Household, Member

if TYPE_CHECKING:
    from households.services import SaveResult

__all__ = [
    "NATURAL_CHANGES",
    "SIGNATURE_ROLES",
    "Report",
    "act_date",
    "VillageProgress",
    "campaign_for",
    "county_review",
    "file_identification",
    "open_review",
    "progress",
    "record_natural_change",
    "record_result",
    "report",
    "results_of",
    "review_campaigns_visible_to",
    "township_check",
]

#: who signs each form (户主, 调查人, 工作队长, 第一书记/副职)
SIGNATURE_ROLES = ("head", "surveyor", "team_leader", "deputy")

#: the household statuses each form is filled for
FORM_STATUSES = {
    ReviewForm.WRONG_INCLUSION: POOR_STATUSES,
    ReviewForm.MISSED: (HouseholdStatus.APPLICANT,),
    ReviewForm.EXITED: (HouseholdStatus.EXITED,),
}
#: the identification campaign kinds in which a missed or returned household is identified
CASE_KINDS = {ReviewFinding.MISSED: ("initial", "new_poverty"), ReviewFinding.RETURNED: ("return",)}
CONFIRMED = (ReviewState.APPROVED, ReviewState.APPLIED)


def review_campaigns_visible_to(user):
    """Review campaigns of the counties a user works in or above (a clerk's village lies in one)."""
    if user is None or not user.is_authenticated:
        return ReviewCampaign.objects.none()
    if user.is_superuser:
        return ReviewCampaign.objects.all()
    prefixes = prefixes_for(user, Action.VIEW)
    if not prefixes:
        return ReviewCampaign.objects.none()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(county__code__startswith=prefix[:6])
    return ReviewCampaign.objects.filter(condition)


def campaign_for(actor, campaign_id: int) -> ReviewCampaign:
    campaign = review_campaigns_visible_to(actor).select_related("county").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def _registered_figures(county_code: str) -> tuple[int, int]:
    figures = Household.objects.filter(village__code__startswith=county_code[:6], status__in=POOR_STATUSES).aggregate(
        households=Count("id"), people=Sum("household_size")
    )
    return figures["households"] or 0, figures["people"] or 0


@transaction.atomic
def open_review(
    *, actor, county_code: str, year: int, title: str, opens_on: datetime.date, deadline: datetime.date
) -> ReviewCampaign:
    """Open the county's review of ``year`` (county officers), once a year; the registered
    households and people at that moment are kept as the start figures."""
    county = Area.objects.visible_to(actor, Action.VIEW).filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise Http404
    if not may(actor, Action.APPROVE, county.code):
        raise PermissionDenied
    status.check_open_year(county.code, year)
    if deadline < opens_on:
        raise ServiceError(_("The deadline cannot be before the opening date."), field="deadline", code="bad_deadline")
    households, people = _registered_figures(county.code)
    try:
        with transaction.atomic():
            campaign = ReviewCampaign.objects.create(
                county=county,
                year=year,
                title=(title or "").strip() or _("%(year)s yearly review") % {"year": year},
                opens_on=opens_on,
                deadline=deadline,
                start_households=households,
                start_people=people,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("The county already has a review for %(year)s.") % {"year": year}, code="duplicate", field="year"
        ) from exc
    record_change(
        actor=actor, obj=campaign, action=ChangeAction.CREATE, area_code=county.code, after=snapshot(campaign)
    )
    return campaign


def _check_signatures(signatures: dict[str, Any]) -> dict[str, dict[str, str]]:
    clean: dict[str, dict[str, str]] = {}
    missing = []
    for role in SIGNATURE_ROLES:
        entry = signatures.get(role) or {}
        name = str((entry.get("name") if isinstance(entry, dict) else entry) or "").strip()
        if not name:
            missing.append(role)
            continue
        clean[role] = {"name": name, "date": str(entry.get("date", "")) if isinstance(entry, dict) else ""}
    if missing:
        raise ServiceError(
            _("The form must be signed by the head, the surveyor, the team leader and the deputy."),
            code="unsigned",
            field="signatures",
            details={"missing": missing},
        )
    return clean


def act_date(campaign: ReviewCampaign, on: datetime.date | None, *, field: str = "on") -> datetime.date:
    """The date of an act of the review (a form filled, re-checked, decided): today unless given. A
    given date (the date on the paper, entered later) is not in the future and lies inside the
    campaign: from its opening, in its year, so the year it counts in is the review's (and the
    frozen-year check on the review's year covers it)."""
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise ServiceError(_("The date cannot be in the future."), field=field, code="future_date")
    if on < campaign.opens_on or on.year != campaign.year:
        raise ServiceError(
            _("The date must lie inside the review: from %(opens)s, in %(year)s.")
            % {"opens": campaign.opens_on.isoformat(), "year": campaign.year},
            field=field,
            code="outside_campaign",
        )
    return on


def _check_open(campaign: ReviewCampaign, today: datetime.date) -> None:
    """A form is filled while the review is open, its year not frozen, by the deadline (``today``:
    the date of the form)."""
    if campaign.is_closed:
        raise ServiceError(_("The review is closed."), code="closed")
    status.check_open_year(campaign.county_id, campaign.year)
    if today > campaign.deadline:
        raise ServiceError(
            _("The review's deadline (%(date)s) has passed.") % {"date": campaign.deadline.isoformat()},
            code="past_deadline",
        )


@transaction.atomic
def record_result(
    *,
    actor,
    campaign_id: int,
    household_id: int,
    form: str,
    finding: str,
    reason: str,
    signatures: dict[str, Any],
    answers: dict[str, Any] | None = None,
    recorded_on: datetime.date | None = None,
) -> ReviewResult:
    """A village clerk records one household's form: (a) for a registered household, (b) for a
    non-registered one (entered with its survey form first), (c) for an exited one. A form the
    township sent back is filled again in place (its version moves on). ``recorded_on``: the date
    the form was filled (``act_date``), by the deadline; today if not given."""
    campaign = campaign_for(actor, campaign_id)
    household = (
        Household.objects.visible_to(actor, Action.VIEW)
        .filter(pk=household_id, village__code__startswith=campaign.county_id[:6])
        .first()
    )
    if household is None:
        raise Http404
    if not may(actor, Action.CAPTURE, household.village_id):
        raise PermissionDenied
    _check_open(campaign, act_date(campaign, recorded_on, field="recorded_on"))
    recorded_on = recorded_on or timezone.localdate()
    if form not in ReviewForm.values:
        raise ServiceError(_("Unknown form."), field="form", code="bad_form")
    if finding not in FORM_FINDINGS[ReviewForm(form)]:
        raise ServiceError(_("This finding does not belong to this form."), field="finding", code="bad_finding")
    if household.status not in FORM_STATUSES[ReviewForm(form)]:
        raise ServiceError(
            _("Form %(form)s is not for a household that is %(status)s.")
            % {"form": ReviewForm(form).label, "status": household.get_status_display()},
            field="form",
            code="wrong_status",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    clean = _check_signatures(signatures or {})
    sent_back = (
        ReviewResult.objects.select_for_update()
        .filter(campaign=campaign, household=household, state=ReviewState.RECORDED)
        .exclude(township_note="")
        .first()
    )
    if sent_back is not None:  # the township sent the form back: the village fills it again
        before = {"form": sent_back.form, "finding": sent_back.finding, "reason": sent_back.reason}
        _move(
            sent_back, expected=ReviewState.RECORDED, version=None, form=form, finding=finding, reason=reason,
            people=household.household_size, answers=answers or {}, signatures=clean, recorded_by=actor,
            recorded_at=timezone.now(), recorded_on=recorded_on, township_note="",
        )  # fmt: skip
        record_change(
            actor=actor,
            obj=sent_back,
            action=ChangeAction.UPDATE,
            area_code=sent_back.area_code,
            before=before,
            after={"form": form, "finding": finding, "reason": reason},
            reason=reason,
        )
        return sent_back
    try:
        with transaction.atomic():
            result = ReviewResult.objects.create(
                campaign=campaign,
                form=form,
                household=household,
                area_code=household.village_id,
                finding=finding,
                people=household.household_size,
                reason=reason,
                answers=answers or {},
                signatures=clean,
                recorded_by=actor,
                recorded_on=recorded_on,
            )
    except IntegrityError as exc:
        raise Conflict(_("This household already has a form in this review."), code="duplicate") from exc
    record_change(
        actor=actor,
        obj=result,
        action=ChangeAction.CREATE,
        area_code=result.area_code,
        after={"form": form, "finding": finding, "household": household.household_no},
        reason=reason,
    )
    return result


def _result(actor, result_id: int, action: str) -> ReviewResult:
    result = (
        ReviewResult.objects.visible_to(actor, Action.VIEW)
        .select_for_update(of=("self",))
        .select_related("campaign", "household")
        .filter(pk=result_id)
        .first()
    )
    if result is None:
        raise Http404
    if not may(actor, action, result.area_code):
        raise PermissionDenied
    return result


def _move(result: ReviewResult, *, expected: str, version: int | None, **fields) -> None:
    """Compare-and-set on (state, version): of two people acting on one form at once, one wins."""
    current = result.version if version is None else version
    if result.state != expected:
        raise ServiceError(
            _("This step is not possible now: the form is at %(state)s.") % {"state": result.get_state_display()},
            code="wrong_step",
        )
    won = ReviewResult.objects.filter(pk=result.pk, state=expected, version=current).update(
        version=current + 1, **fields
    )
    if not won:
        raise Conflict(_("Someone else acted on this form a moment ago; reload it."), code="stale")
    for name, value in fields.items():
        setattr(result, name, value)
    result.version = current + 1


@transaction.atomic
def township_check(
    *, actor, result_id: int, agree: bool, note: str = "", version: int | None = None, on: datetime.date | None = None
) -> ReviewResult:
    """乡镇复核: the township confirms the village's finding, or sends the form back with its note;
    ``on`` is the date of the re-check (``act_date``), today if not given."""
    result = _result(actor, result_id, Action.REVIEW)
    status.check_open_year(result.area_code, result.campaign.year)
    on = act_date(result.campaign, on)
    note = (note or "").strip()
    if not agree and not note:
        raise ServiceError(_("Give the reason."), field="note", code="reason_required")
    before = result.state
    if agree:
        _move(
            result,
            expected=ReviewState.RECORDED,
            version=version,
            state=ReviewState.TOWNSHIP_CHECKED,
            township_note=note,
            township_by=actor,
            township_at=timezone.now(),
            township_on=on,
        )
    else:
        _move(
            result, expected=ReviewState.RECORDED, version=version, township_note=note, township_by=actor,
            township_on=on,
        )  # fmt: skip
    record_change(
        actor=actor,
        obj=result,
        action=ChangeAction.TRANSITION,
        area_code=result.area_code,
        before={"state": before},
        after={"state": result.state, "township_agrees": agree},
        reason=note,
    )
    return result


@transaction.atomic
def county_review(
    *, actor, result_id: int, approve: bool, note: str = "", version: int | None = None, on: datetime.date | None = None
) -> ReviewResult:
    """县级审定: the county confirms or rejects a re-checked finding. A confirmed finding is applied
    at once through the status procedures (removal, reopening a wrong exit), dated ``on`` (the
    county's decision, ``act_date``; today if not given); a missed or returned household then
    waits for its identification case (file_identification)."""
    result = _result(actor, result_id, Action.APPROVE)
    status.check_open_year(result.area_code, result.campaign.year)
    on = act_date(result.campaign, on)
    note = (note or "").strip()
    if not approve and not note:
        raise ServiceError(_("Give the reason."), field="note", code="reason_required")
    before = result.state
    fields = {"county_note": note, "county_by": actor, "county_at": timezone.now(), "county_on": on}
    if not approve:
        _move(result, expected=ReviewState.TOWNSHIP_CHECKED, version=version, state=ReviewState.REJECTED, **fields)
    else:
        waits = result.finding in CASE_KINDS
        target = ReviewState.APPROVED if waits else ReviewState.APPLIED
        _move(result, expected=ReviewState.TOWNSHIP_CHECKED, version=version, state=target, **fields)
        reason = f"{result.reason}（{note}）" if note else result.reason
        common = {"actor": actor, "household_id": result.household_id, "reason": reason, "review_result": result}
        if result.finding == ReviewFinding.WRONGLY_INCLUDED:
            status.remove_household(effective_on=on, **common)
        elif result.finding == ReviewFinding.WRONGLY_EXITED:
            status.reopen_wrong_exit(effective_on=on, **common)
    record_change(
        actor=actor,
        obj=result,
        action=ChangeAction.TRANSITION,
        area_code=result.area_code,
        before={"state": before},
        after={"state": result.state},
        reason=note,
    )
    return result


@transaction.atomic
def file_identification(
    *, actor, result_id: int, campaign_id: int, informed_on: datetime.date, self_assessment: str = ""
) -> ReviewResult:
    """A missed (漏评) or returned (返贫) household confirmed by the county applies in an
    identification campaign of the right kind (village clerks): the seven steps decide, and a
    return campaign's announcement marks it returned, then registered (exits.status.record_return)."""
    from identification import services as identification
    from identification.models import Campaign

    result = _result(actor, result_id, Action.CAPTURE)
    if result.finding not in CASE_KINDS:
        raise ServiceError(_("Only a missed or returned household is identified."), code="wrong_finding")
    kind = (
        Campaign.objects.filter(pk=campaign_id, county_id=result.campaign.county_id)
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:
        raise ServiceError(_("Choose a campaign of the county."), field="campaign", code="bad_campaign")
    if kind not in CASE_KINDS[result.finding]:
        raise ServiceError(
            _("This household is identified in a campaign of another kind."), field="campaign", code="wrong_kind"
        )
    if result.state != ReviewState.APPROVED:
        raise ServiceError(
            _("This step is not possible now: the form is at %(state)s.") % {"state": result.get_state_display()},
            code="wrong_step",
        )
    case = identification.apply(
        actor=actor,
        campaign_id=campaign_id,
        household_id=result.household_id,
        informed_on=informed_on,
        self_assessment=self_assessment or result.reason,
    )
    _move(result, expected=ReviewState.APPROVED, version=None, state=ReviewState.APPLIED, case=case)
    record_change(
        actor=actor,
        obj=result,
        action=ChangeAction.TRANSITION,
        area_code=result.area_code,
        before={"state": ReviewState.APPROVED},
        after={"state": ReviewState.APPLIED, "case": case.pk},
    )
    return result


# --- progress and report ----------------------------------------------------------------------------


@dataclass
class VillageProgress:
    code: str
    name: str
    to_check: int
    recorded: int
    township_checked: int
    decided: int

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.to_check) if self.to_check else 100


def progress(campaign: ReviewCampaign, area_prefix: str | None = None) -> list[VillageProgress]:
    """Per village: households to re-check (registered and exited, forms a and c, and those found by
    form b), forms recorded,
    re-checked by the township, decided by the county; three queries whatever the size."""
    prefix = area_prefix or campaign.county_id[:6]
    villages = Area.objects.filter(code__startswith=prefix, level=Level.VILLAGE, is_revoked=False).order_by("code")
    to_check = dict(
        Household.objects.filter(village__code__startswith=prefix, status__in=(*POOR_STATUSES, HouseholdStatus.EXITED))
        # a household found by form (b) and registered since is counted once, with its form
        .exclude(pk__in=ReviewResult.objects.filter(campaign=campaign, form=ReviewForm.MISSED).values("household_id"))
        .values_list("village_id")
        .annotate(n=Count("id"))
    )
    done = {
        row["area_code"]: row
        for row in ReviewResult.objects.filter(campaign=campaign, area_code__startswith=prefix)
        .values("area_code")
        .annotate(
            recorded=Count("id"),
            township=Count("id", filter=~Q(state=ReviewState.RECORDED)),
            decided=Count("id", filter=Q(state__in=(*CONFIRMED, ReviewState.REJECTED))),
            # removed by this review: no longer registered, still part of what was to check
            removed=Count("id", filter=Q(finding=ReviewFinding.WRONGLY_INCLUDED, state__in=CONFIRMED)),
            missed=Count("id", filter=Q(form=ReviewForm.MISSED)),
        )
    }
    rows = []
    for village in villages:
        row = done.get(village.code, {})
        rows.append(
            VillageProgress(
                code=village.code,
                name=village.name,
                to_check=to_check.get(village.code, 0) + row.get("removed", 0) + row.get("missed", 0),
                recorded=row.get("recorded", 0),
                township_checked=row.get("township", 0),
                decided=row.get("decided", 0),
            )
        )
    return rows


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Report:
    campaign: ReviewCampaign
    #: finding → {"households", "people"}, county-confirmed findings only
    findings: dict[str, dict[str, int]]
    exited_rechecked: dict[str, int]
    after_people: int
    wrong_inclusion_rate: Decimal | None
    wrong_exit_rate: Decimal | None
    missed_rate: Decimal | None
    #: natural changes of the year: births, deaths, marriages in and out, other in and out (people),
    #: households closed
    natural: dict[str, int]


def report(campaign: ReviewCampaign) -> Report:
    """The campaign's counts in households and people and its three rates (see the module text)."""
    prefix = campaign.county_id[:6]
    findings = {f: {"households": 0, "people": 0} for f in ReviewFinding.values}
    for row in (
        ReviewResult.objects.filter(campaign=campaign, state__in=CONFIRMED)
        .values("finding")
        .annotate(households=Count("id"), people=Sum("people"))
    ):
        findings[row["finding"]] = {"households": row["households"], "people": row["people"] or 0}
    rechecked = ReviewResult.objects.filter(campaign=campaign, form=ReviewForm.EXITED).aggregate(
        households=Count("id"), people=Sum("people")
    )
    exited_rechecked = {"households": rechecked["households"] or 0, "people": rechecked["people"] or 0}
    people = {key: value["people"] for key, value in findings.items()}
    after = (
        campaign.start_people
        - people[ReviewFinding.WRONGLY_INCLUDED]
        + people[ReviewFinding.MISSED]
        + people[ReviewFinding.WRONGLY_EXITED]
        + people[ReviewFinding.RETURNED]
    )
    year_members = Member.objects.filter(area_code__startswith=prefix, changed_on__year=campaign.year)
    by_reason = dict(year_members.values_list("change_reason").annotate(n=Count("id")))
    natural = {
        "births": by_reason.get(ChangeReason.NEWBORN, 0),
        "deaths": by_reason.get(ChangeReason.DEATH, 0),
        "married_in": by_reason.get(ChangeReason.MARRIED_IN, 0),
        "married_out": by_reason.get(ChangeReason.MARRIED_OUT, 0),
        "other_in": by_reason.get(ChangeReason.OTHER_IN, 0),
        "other_out": by_reason.get(ChangeReason.OTHER_OUT, 0)
        + by_reason.get(ChangeReason.EMIGRATED, 0)
        + by_reason.get(ChangeReason.IMPRISONED, 0),
        "households_closed": StatusChange.objects.filter(
            area_code__startswith=prefix, year=campaign.year, procedure=StatusProcedure.CLOSE
        ).count(),
    }
    return Report(
        campaign=campaign,
        findings=findings,
        exited_rechecked=exited_rechecked,
        after_people=after,
        wrong_inclusion_rate=_rate(people[ReviewFinding.WRONGLY_INCLUDED], campaign.start_people),
        wrong_exit_rate=_rate(people[ReviewFinding.WRONGLY_EXITED], exited_rechecked["people"]),
        missed_rate=_rate(people[ReviewFinding.MISSED], after),
        natural=natural,
    )


def results_of(actor, campaign: ReviewCampaign):
    """The forms of a campaign the user sees, with their households (one query)."""
    return (
        ReviewResult.objects.visible_to(actor, Action.VIEW)
        .filter(campaign=campaign)
        .select_related("household", "campaign")
        .order_by("area_code", "form", "id")
    )


# --- natural changes ----------------------------------------------------------------------------

#: kind of natural change → (member change reason, whether a person joins)
NATURAL_CHANGES = {
    "birth": (ChangeReason.NEWBORN, True),
    "married_in": (ChangeReason.MARRIED_IN, True),
    "other_in": (ChangeReason.OTHER_IN, True),
    "death": (ChangeReason.DEATH, False),
    "married_out": (ChangeReason.MARRIED_OUT, False),
    "emigrated": (ChangeReason.EMIGRATED, False),
    "imprisoned": (ChangeReason.IMPRISONED, False),
    "other_out": (ChangeReason.OTHER_OUT, False),
}


def record_natural_change(
    *,
    actor,
    household_id: int,
    version: int,
    kind: str,
    member_id: int | None = None,
    person: dict[str, Any] | None = None,
    changed_on: datetime.date | None = None,
) -> SaveResult:
    """A birth, death, marriage or move, recorded on the household's members through the
    household service (its checks, version, audit trail and frozen-year refusal): a person joins
    with the reason, or a member leaves with it. Village clerks (whoever may edit the form)."""
    from households.services import save_household

    if kind not in NATURAL_CHANGES:
        raise ServiceError(_("Unknown kind of change."), field="kind", code="bad_kind")
    reason, joins = NATURAL_CHANGES[kind]
    if changed_on is not None and changed_on > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="changed_on", code="future_date")
    if joins:
        if not person:
            raise ServiceError(_("Enter the person who joins."), field="person", code="person_required")
        row = {**person, "change_reason": reason}
    else:
        if not member_id:
            raise ServiceError(_("Choose the member who leaves."), field="member", code="member_required")
        row = {"id": member_id, "remove": True, "change_reason": reason, "changed_on": changed_on}
    return save_household(actor=actor, household_id=household_id, expected_version=version, fields={}, members=[row])
