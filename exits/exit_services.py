"""Every change in the household exit procedure (DOMAIN.md section 8): the township's proposal at
the start of the year, the year-end appraisal, home verification, the household's acknowledgement, village
publicity (on identification's notices and objections: exits/exit_publicity.py), township review,
county approval and announcement, filing with the city and then the province, and withdrawal.

Keyword-only functions taking the acting user; each checks role and scope (404 out of the view
scope, 403 without the step's action), refuses a frozen year, runs in one transaction, moves the
case by compare-and-set on (state, version), and records the step as an ExitEvent and an audit row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits import exit_publicity
from exits.exit_choices import ExitState
from exits.exit_workflow import NOTICE_STEPS, transition
from exits.frozen import is_frozen
from exits.models import ExitCase, ExitEvent
from households.choices import HouseholdStatus
from households.lines import poverty_line_for
from households.models import Household
from identification import services as identification_services
from identification.choices import CaseState, NoticeKind
from identification.models import Attachment, Case, Notice
from identification.services import Vote, check_vote

__all__ = [
    "CHECKLIST_ITEMS",
    "BulkResult",
    "Verdict",
    "advance_many",
    "announce",
    "approve",
    "assess",
    "blockers",
    "draft_publicity",
    "propose_exits",
    "record_acknowledgement",
    "record_city_filing",
    "record_home_verification",
    "record_province_filing",
    "record_township_review",
    "record_village_appraisal",
    "step_from_notice",
    "withdraw",
]

#: the checklist of DOMAIN.md 4.4 (两不愁三保障 + 饮水安全), item by item, as the form records it
CHECKLIST_ITEMS = ("food", "clothing", "education", "medical", "housing", "water")

#: statuses from which a household may be proposed to exit
_PROPOSABLE = (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED)


def _today() -> datetime.date:
    return timezone.localdate()


def _item_labels() -> dict[str, str]:
    return {
        "food": _("Food: staple food sufficient, meat at least monthly"),
        "clothing": _("Clothing for each season"),
        "education": _("No child aged 6-15 out of compulsory school"),
        "medical": _("Every member in basic medical insurance"),
        "housing": _("Safe housing (grade A or B, or a safe relocated home)"),
        "water": _("Safe drinking water"),
        "income": _("Per-capita net income above the year's poverty line"),
    }


# --- the bar a household must clear (DOMAIN.md 4.4 and the year's line) -------------------------


@dataclass
class Verdict:
    """What the register says about a household's exit in a year: each item of 4.4 held or not,
    the per-capita income against the line, and the failures in words."""

    items: dict[str, bool]
    income: Decimal
    line: Decimal | None
    failures: list[str] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not self.failures


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def assess(household: Household, year: int, *, income: Decimal | None = None) -> Verdict:
    """Judge the household against 4.4 and the line of its standard for ``year`` from the register
    (the income given overrides the register's, as the home verification found it)."""
    members = [m for m in household.members.all() if m.is_active]
    day = datetime.date(year, 12, 31)
    items = {
        "food": household.has_enough_food,
        "clothing": household.has_seasonal_clothing,
        # 非在校生 (01) aged 6-15: out of compulsory school
        "education": not any(
            m.birth_date and 6 <= _age_on(m.birth_date, day) <= 15 and m.school_status == "01" for m in members
        ),
        "medical": all(m.has_medical_insurance for m in members),
        "housing": household.housing_safety == "01" or household.is_relocated,
        "water": household.drinking_water_safe,
    }
    income = household.net_income_per_capita if income is None else income
    line = poverty_line_for(year, household.identification_standard, household.village_id)
    labels = _item_labels()
    failures = [labels[name] for name, held in items.items() if not held]
    if line is None:
        failures.append(_("No poverty line is entered for %(year)s.") % {"year": year})
    elif income <= line.amount:
        failures.append(
            _("Per-capita net income %(income)s yuan is not above the line of %(line)s yuan.")
            % {"income": income, "line": line.amount}
        )
    return Verdict(items=items, income=income, line=line.amount if line else None, failures=failures)


# --- finding and moving cases -------------------------------------------------------------------


def _household(actor, household_id: int, action: str) -> Household:
    household = Household.objects.visible_to(actor, Action.VIEW).filter(pk=household_id).first()
    if household is None:
        raise Http404
    if not may(actor, action, household.village_id):
        raise PermissionDenied
    return household


def _case(actor, case_id: int, action: str | None, *, lock: bool = False) -> ExitCase:
    cases = ExitCase.objects.visible_to(actor, Action.VIEW).select_related("household", "publicity_case")
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if action and not may(actor, action, case.area_code):
        raise PermissionDenied
    return case


def _refuse_frozen(area_code: str, year: int) -> None:
    if is_frozen(area_code, year):
        raise ServiceError(
            _("The county has frozen %(year)s; its data can no longer change.") % {"year": year}, code="frozen_year"
        )


def _advance(
    case: ExitCase,
    *,
    actor,
    name: str,
    record: dict[str, Any] | None = None,
    reason: str = "",
    version: int | None = None,
    attachment: Attachment | None = None,
    target: str | None = None,
    **values: Any,
) -> ExitCase:
    """Take step ``name`` by compare-and-set on (state, version): the second of two concurrent
    attempts changes nothing and is told so."""
    step = transition(name)
    _refuse_frozen(case.area_code, case.year)
    if case.state not in step.sources:
        raise ServiceError(
            _("This step is not possible now: the case is at %(state)s.") % {"state": case.get_state_display()},
            code="wrong_step",
        )
    if version is not None and version != case.version:
        raise Conflict(_("Someone else took a step on this case a moment ago; reload it."), code="stale")
    target = target or step.target
    now = timezone.now()
    won = ExitCase.objects.filter(pk=case.pk, state=case.state, version=case.version).update(
        state=target, version=case.version + 1, updated_at=now, **values
    )
    if not won:
        raise Conflict(_("Someone else took a step on this case a moment ago; reload it."), code="stale")
    ExitEvent.objects.create(
        case=case,
        transition=name,
        from_state=case.state,
        to_state=target,
        actor=actor,
        time=now,
        reason=reason,
        record=record or {},
        attachment=attachment,
    )
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.TRANSITION,
        area_code=case.area_code,
        before={"state": case.state},
        after={"state": target, **({"record": record} if record else {})},
        reason=reason,
    )
    case.refresh_from_db()
    return case


def _set_household_status(household: Household, *, actor, expected: str, status: str, **values: Any) -> None:
    """Change the household's status only if it still is ``expected`` (compare-and-set). The
    version moves on too, so a survey form opened before is refused as stale instead of writing
    the old status back (save_household saves the whole row)."""
    won = Household.objects.filter(pk=household.pk, status=expected).update(
        status=status, version=F("version") + 1, **values
    )
    if not won:
        raise Conflict(_("The household's status changed meanwhile; reload it."), code="stale_household")
    record_change(
        actor=actor,
        obj=household,
        action=ChangeAction.UPDATE,
        area_code=household.village_id,
        before={"status": expected, **{k: getattr(household, k) for k in values}},
        after={"status": status, **values},
    )


def _date(value: datetime.date, name: str) -> str:
    if value > _today():
        raise ServiceError(_("The date cannot be in the future."), field=name, code="future_date")
    return value.isoformat()


# --- start of the year: the township proposes ---------------------------------------------------


@dataclass
class BulkResult:
    succeeded: list[int]
    failed: dict[int, str]
    #: the error code of each failure (wrong_step, stale, forbidden, not_found, frozen_year…)
    codes: dict[int, str] = field(default_factory=dict)


def _propose_one(*, actor, household_id: int, year: int, plan_note: str) -> ExitCase:
    with transaction.atomic():
        household = _household(actor, household_id, Action.REVIEW)
        _refuse_frozen(household.village_id, year)
        if household.status not in _PROPOSABLE:
            raise ServiceError(
                _("Only a registered or returned household can be proposed to exit; this one is %(status)s.")
                % {"status": household.get_status_display()},
                code="wrong_status",
            )
        try:
            with transaction.atomic():
                case = ExitCase.objects.create(
                    household=household,
                    year=year,
                    area_code=household.village_id,
                    previous_status=household.status,
                    plan_note=plan_note.strip(),
                    proposed_by=actor,
                )
        except IntegrityError as exc:
            raise Conflict(_("The household is already proposed to exit in %(year)s.") % {"year": year}) from exc
        _set_household_status(household, actor=actor, expected=household.status, status=HouseholdStatus.PRE_EXIT)
        ExitEvent.objects.create(
            case=case, transition="propose", to_state=ExitState.PROPOSED, actor=actor, record={"plan": case.plan_note}
        )
        record_change(actor=actor, obj=case, action=ChangeAction.CREATE, area_code=case.area_code, after={"year": year})
        return case


def propose_exits(*, actor, year: int, household_ids: list[int], plan_note: str = "") -> BulkResult:
    """The township proposes households to exit this year (预退出); each becomes pre_exit. Each
    household in its own transaction, so one refusal does not stop the others."""
    return _each(household_ids, lambda pk: _propose_one(actor=actor, household_id=pk, year=year, plan_note=plan_note))


def _each(ids: list[int], function) -> BulkResult:
    result = BulkResult(succeeded=[], failed={})
    for pk in dict.fromkeys(ids):
        try:
            function(pk)
        except ServiceError as exc:
            result.failed[pk], result.codes[pk] = exc.message, exc.code
        except (PermissionDenied, Http404) as exc:
            result.failed[pk] = _("Not allowed or not found.")
            result.codes[pk] = "forbidden" if isinstance(exc, PermissionDenied) else "not_found"
        else:
            result.succeeded.append(pk)
    return result


# --- year end -----------------------------------------------------------------------------------


@transaction.atomic
def record_village_appraisal(
    *, actor, case_id: int, meeting_date: datetime.date, vote: Vote, version: int | None = None
) -> ExitCase:
    """The villagers' representative assembly appraises the exit (same quorum and majority as in
    identification); a vote that does not pass withdraws the case for this year."""
    case = _case(actor, case_id, Action.CAPTURE, lock=True)
    check_vote(vote)
    record = {"meeting_date": _date(meeting_date, "meeting_date"), **vote.__dict__}
    if vote.votes_for * 2 > vote.present:
        return _advance(case, actor=actor, name="record_village_appraisal", record=record, version=version)
    reason = _("Not passed by the villagers' representative assembly.")
    case = _advance(
        case,
        actor=actor,
        name="record_village_appraisal",
        record=record,
        version=version,
        reason=reason,
        target=ExitState.WITHDRAWN,
        closing_reason=reason,
    )
    _set_household_status(case.household, actor=actor, expected=HouseholdStatus.PRE_EXIT, status=case.previous_status)
    return case


@transaction.atomic
def record_home_verification(
    *,
    actor,
    case_id: int,
    visited_on: datetime.date,
    checklist: dict[str, bool],
    income_per_capita: Decimal,
    verifiers: str,
    findings: str = "",
    version: int | None = None,
) -> ExitCase:
    """The village committee and work team verify at home: each item of 4.4 as seen, and the
    per-capita income against the year's line. The register is judged too, so a gap the form
    misses is still found. Failures are kept on the case; they stop publicity and approval."""
    case = _case(actor, case_id, Action.CAPTURE, lock=True)
    missing = [item for item in CHECKLIST_ITEMS if item not in checklist]
    if missing:
        raise ServiceError(_("Record every item of the checklist."), field=f"check_{missing[0]}")
    if not verifiers.strip():
        raise ServiceError(_("Name who verified (village committee, work team)."), field="verifiers")
    try:
        income = Decimal(str(income_per_capita)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(_("Enter the income as an amount in yuan."), field="income_per_capita") from exc
    if income < 0:
        raise ServiceError(_("The income cannot be negative."), field="income_per_capita")
    verdict = assess(case.household, case.year, income=income)
    labels = _item_labels()
    failures = [
        labels[item] for item in CHECKLIST_ITEMS if not checklist[item] and labels[item] not in verdict.failures
    ]
    failures = verdict.failures + failures
    record = {
        "visited_on": _date(visited_on, "visited_on"),
        "checklist": {item: bool(checklist[item]) for item in CHECKLIST_ITEMS},
        "register": verdict.items,
        "income_per_capita": str(income),
        "line": str(verdict.line) if verdict.line is not None else None,
        "verifiers": verifiers.strip(),
        "findings": findings.strip(),
        "failures": failures,
    }
    return _advance(
        case, actor=actor, name="record_home_verification", record=record, version=version, failures=failures
    )


@transaction.atomic
def record_acknowledgement(
    *,
    actor,
    case_id: int,
    signed_by: str,
    signed_on: datetime.date,
    attachment: Attachment | None = None,
    version: int | None = None,
) -> ExitCase:
    """The household acknowledges the exit in writing: who signed, when, and the scanned page."""
    case = _case(actor, case_id, Action.CAPTURE, lock=True)
    if not signed_by.strip():
        raise ServiceError(_("Name who signed for the household."), field="signed_by")
    record = {"signed_by": signed_by.strip(), "signed_on": _date(signed_on, "signed_on")}
    if attachment is not None:
        record["attachment"] = attachment.pk
    case = _advance(
        case, actor=actor, name="record_acknowledgement", record=record, version=version, attachment=attachment
    )
    exit_publicity.ready_for_publicity(case, actor)
    return case


def blockers(case: ExitCase) -> list[str]:
    """Why the case cannot go on: the verification's failures, and what the register says now
    (a household re-surveyed since the visit is judged on its new figures)."""
    failures = list(case.failures)
    failures += [f for f in assess(case.household, case.year).failures if f not in failures]
    return failures


def _refuse_failing(case: ExitCase) -> None:
    failures = blockers(case)
    if failures:
        raise ServiceError(
            _("The household does not meet the exit criteria: %(reasons)s") % {"reasons": "; ".join(failures)},
            code="criteria_not_met",
            details=failures,
        )


@transaction.atomic
def draft_publicity(
    *, actor, village_code: str, year: int, issued_by: str, contact: str, case_ids: list[int] | None = None
) -> Notice:
    """Draft the village's exit publicity (拟退出户公示) for its acknowledged cases (all, or those
    given): an identification notice of the county's exit campaign, posted, objected to, printed
    and concluded like any village publicity (exits/exit_publicity.py). Township reviewers."""
    village = Area.objects.visible_to(actor, Action.VIEW).filter(code=village_code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    if not may(actor, Action.REVIEW, village.code):
        raise PermissionDenied
    _refuse_frozen(village.code, year)
    cases = ExitCase.objects.filter(area_code=village.code, year=year, state=ExitState.ACKNOWLEDGED).exclude(
        publicity_case=None
    )
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    proxies = list(
        Case.objects.filter(pk__in=cases.values("publicity_case"), state=CaseState.HOME_CHECKED).select_related(
            "campaign"
        )
    )
    if not proxies:
        raise ServiceError(_("No case of this village is waiting for publicity."), code="nothing_to_publish")
    campaign = proxies[0].campaign
    return identification_services.create_notice(
        actor=actor,
        campaign_id=campaign.pk,
        kind=NoticeKind.FIRST_PUBLICITY,
        area_code=village.code,
        issued_by=issued_by,
        contact=contact,
        case_ids=[proxy.pk for proxy in proxies],
    )


def step_from_notice(case: ExitCase, *, actor, name: str, record: dict[str, Any], reason: str = "") -> ExitCase:
    """Take a step the village publicity's notice takes for the case (posted, concluded, objection
    upheld); only exits.exit_publicity calls it, inside the notice service's transaction."""
    if name not in NOTICE_STEPS:
        raise ValueError(name)
    return _advance(case, actor=actor, name=name, record=record, reason=reason)


@transaction.atomic
def record_township_review(
    *,
    actor,
    case_id: int,
    reviewed_on: datetime.date,
    opinion: str,
    checked_in_field: bool = False,
    version: int | None = None,
) -> ExitCase:
    """The township reviews the exit after the publicity."""
    case = _case(actor, case_id, Action.REVIEW, lock=True)
    if not opinion.strip():
        raise ServiceError(_("Record the township's opinion."), field="opinion")
    if case.state == ExitState.PUBLICIZED:
        exit_publicity.refuse_unpublicized(case)
    record = {
        "reviewed_on": _date(reviewed_on, "reviewed_on"),
        "opinion": opinion.strip(),
        "checked_in_field": bool(checked_in_field),
    }
    return _advance(case, actor=actor, name="record_township_review", record=record, version=version)


@transaction.atomic
def approve(*, actor, case_id: int, opinion: str = "", version: int | None = None) -> ExitCase:
    """The county approves the exit. Refused, with the reasons, when the household fails a
    criterion: the verification's failures, and the register as it stands now (income under the
    year's line, a gap in 4.4)."""
    case = _case(actor, case_id, Action.APPROVE, lock=True)
    _refuse_frozen(case.area_code, case.year)
    if case.state == ExitState.TOWNSHIP_REVIEWED:
        _refuse_failing(case)
    return _advance(case, actor=actor, name="approve", record={"opinion": opinion.strip()}, version=version)


@transaction.atomic
def announce(*, actor, case_id: int, announced_on: datetime.date | None = None, version: int | None = None) -> ExitCase:
    """The county announces the exit: the household is marked exited with the year. Its pairing
    and plans continue (the transition period keeps the policies), so nothing else ends here."""
    case = _case(actor, case_id, Action.APPROVE, lock=True)
    day = announced_on or _today()
    case = _advance(
        case, actor=actor, name="announce", record={"announced_on": _date(day, "announced_on")}, version=version
    )
    _set_household_status(
        case.household,
        actor=actor,
        expected=HouseholdStatus.PRE_EXIT,
        status=HouseholdStatus.EXITED,
        exit_year=case.year,
    )
    return case


@transaction.atomic
def record_city_filing(*, actor, case_id: int, filed_on: datetime.date, version: int | None = None) -> ExitCase:
    """The city records the announced exit in its files (市级备案): city inspectors of the case's city."""
    case = _case(actor, case_id, Action.INSPECT, lock=True)
    record = {"city_filed_on": _date(filed_on, "filed_on")}
    return _advance(case, actor=actor, name="record_city_filing", record=record, version=version)


@transaction.atomic
def record_province_filing(*, actor, case_id: int, filed_on: datetime.date, version: int | None = None) -> ExitCase:
    """The province records the exit after the city (省级备案): province officers of its province."""
    case = _case(actor, case_id, Action.VERIFY_EXIT, lock=True)
    record = {"province_filed_on": _date(filed_on, "filed_on")}
    return _advance(case, actor=actor, name="record_province_filing", record=record, version=version)


@transaction.atomic
def withdraw(*, actor, case_id: int, reason: str, version: int | None = None) -> ExitCase:
    """The household does not exit this year (township or county, with the reason): its status
    goes back to what it was before the proposal."""
    case = _case(actor, case_id, None, lock=True)
    if not (may(actor, Action.REVIEW, case.area_code) or may(actor, Action.APPROVE, case.area_code)):
        raise PermissionDenied
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    case = _advance(
        case, actor=actor, name="withdraw", reason=reason.strip(), version=version, closing_reason=reason.strip()
    )
    exit_publicity.withdraw_from_publicity(case, actor)
    _set_household_status(case.household, actor=actor, expected=HouseholdStatus.PRE_EXIT, status=case.previous_status)
    return case


#: steps that may be taken on many cases at once, with the values they need
BULK_STEPS = {
    "record_township_review": record_township_review,
    "approve": approve,
    "announce": announce,
    "record_city_filing": record_city_filing,
    "record_province_filing": record_province_filing,
}


def advance_many(*, actor, case_ids: list[int], step: str, **values: Any) -> BulkResult:
    """Take the same step on many cases, each in its own transaction, with the result per case."""
    if step not in BULK_STEPS:
        raise ServiceError(_("This step cannot be taken for many cases at once."), field="step")
    function = BULK_STEPS[step]
    return _each(case_ids, lambda pk: function(actor=actor, case_id=pk, **values))
