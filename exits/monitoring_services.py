"""Every change in monitoring (防返贫监测, DOMAIN.md section 8): monitoring lines, alerts and the
steps of a monitored household's identification, risks and their assistance, risk elimination.

Keyword-only functions taking the acting user; each checks role and scope (404 out of scope, 403
without the action), runs in one transaction, moves state by compare-and-set on (state, version)
and writes the audit trail. A frozen year (exits.frozen.is_frozen) refuses every change to it.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from assistance.models import Measure
from core.audit import record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits.frozen import is_frozen
from exits.models import AttentionFlag, MonitoringCase, MonitoringEvent, MonitoringLine, RiskRecord
from exits.monitoring import checklist_gaps, monitoring_line_for
from exits.monitoring_choices import EliminationMode, MonitoringChannel, MonitoringKind, MonitoringState, RiskKind
from exits.monitoring_workflow import FINISHED_STATES, START_ACTION, next_action, return_targets, transition
from households.choices import HouseholdStatus
from households.models import Household
from identification.borrowed import borrowing_campaign, ready_proxy
from identification.choices import CampaignKind, CaseState

__all__ = [
    "CHECKLIST_LABELS",
    "REQUIRED_DATES",
    "add_risk",
    "advance",
    "close_case",
    "eliminate_risk",
    "elimination_date",
    "return_case",
    "set_monitoring_line",
    "start_alert",
]

#: the names of the 4.4 checklist items, for messages
CHECKLIST_LABELS = {
    "food": gettext_lazy("food and clothing"),
    "education": gettext_lazy("compulsory education"),
    "medical": gettext_lazy("basic medical insurance"),
    "housing": gettext_lazy("safe housing"),
    "water": gettext_lazy("safe drinking water"),
}

#: a household already registered as poor (or gone) is not a monitoring object
_NOT_MONITORABLE = (
    HouseholdStatus.REGISTERED,
    HouseholdStatus.PRE_EXIT,
    HouseholdStatus.RETURNED,
    HouseholdStatus.CLOSED,
)

_STALE = gettext_lazy("Someone else took a step on this case a moment ago; reload it to see where it stands.")


def _today() -> datetime.date:
    return timezone.localdate()


def _refuse_frozen(area_code: str, year: int) -> None:
    """A step is a record of the year it is taken in (a case may run over several years): once its
    county has frozen that year, nothing more is recorded in it."""
    if is_frozen(area_code, year):
        raise ServiceError(
            _("The year %(year)s is frozen (年度定案); its records can no longer change.") % {"year": year},
            code="frozen_year",
        )


# --- monitoring lines ---------------------------------------------------------------------------


@transaction.atomic
def set_monitoring_line(
    *, actor, province_code: str, year: int, amount: Decimal | str, note: str = ""
) -> MonitoringLine:
    """Enter or change a province's monitoring line for a year (province officers of that province)."""
    province = Area.objects.visible_to(actor, Action.VIEW).filter(code=province_code).first()
    if province is None:
        raise Http404
    if not may(actor, Action.SET_LINE, province.code):
        raise PermissionDenied
    if province.level != Level.PROVINCE:
        raise ServiceError(_("A monitoring line is set for a province."), field="province")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("Enter an amount in yuan."), field="amount", code="bad_amount") from None
    if value <= 0 or value >= Decimal("1000000"):
        raise ServiceError(_("Enter an amount in yuan."), field="amount", code="bad_amount")
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Enter a year between 2000 and 2100."), field="year")
    line = MonitoringLine.objects.select_for_update().filter(province=province, year=year).first()
    before = snapshot(line, ["amount", "note"]) if line else None
    if line is None:
        try:
            with transaction.atomic():
                line = MonitoringLine.objects.create(
                    province=province, year=year, amount=value, note=note.strip(), set_by=actor
                )
        except IntegrityError:
            raise Conflict(_("Someone else entered this line a moment ago; reload the page.")) from None
    else:
        line.amount, line.note, line.set_by, line.set_at = value, note.strip(), actor, timezone.now()
        line.save(update_fields=["amount", "note", "set_by", "set_at"])
    record_change(
        actor=actor,
        obj=line,
        action=ChangeAction.UPDATE if before else ChangeAction.CREATE,
        area_code=province.code,
        before=before,
        after=snapshot(line, ["amount", "note"]),
    )
    return line


# --- alerts and steps ---------------------------------------------------------------------------


def _household_for(actor, household_id: int) -> Household:
    household = Household.objects.visible_to(actor, Action.VIEW).filter(pk=household_id).first()
    if household is None:
        raise Http404
    if not may(actor, START_ACTION, household.village_id):
        raise PermissionDenied
    return household


def _check_kind(household: Household, kind: str) -> None:
    if kind not in MonitoringKind.values:
        raise ServiceError(_("Choose the kind of monitored household."), field="kind")
    if household.status in _NOT_MONITORABLE:
        raise ServiceError(
            _("A household that is %(status)s is not a monitoring object.")
            % {"status": household.get_status_display()},
            field="household",
            code="not_monitorable",
        )
    if kind == MonitoringKind.UNSTABLE_EXITED and household.status != HouseholdStatus.EXITED:
        raise ServiceError(_("脱贫不稳定户 are households that have exited poverty."), field="kind", code="wrong_kind")
    if kind == MonitoringKind.MARGINAL and household.status == HouseholdStatus.EXITED:
        raise ServiceError(_("边缘易致贫户 are households never registered as poor."), field="kind", code="wrong_kind")


@transaction.atomic
def start_alert(
    *,
    actor,
    household_id: int,
    kind: str,
    channel: str,
    note: str,
    flag_id: int | None = None,
    today: datetime.date | None = None,
) -> MonitoringCase:
    """预警: a household comes to notice (village clerks and township reviewers), by one of the five
    channels or from an attention flag the system raised; one open case per household."""
    household = _household_for(actor, household_id)
    today = today or _today()
    _refuse_frozen(household.village_id, today.year)
    _check_kind(household, kind)
    flag = None
    if flag_id is not None:
        flag = AttentionFlag.objects.filter(pk=flag_id, household=household).first()
        if flag is None:
            raise ServiceError(_("This flag is not the household's."), field="flag")
        channel = channel or MonitoringChannel.DATA_ANALYSIS
    if channel not in MonitoringChannel.values:
        raise ServiceError(_("Choose how the household was found."), field="channel")
    if not note.strip():
        raise ServiceError(_("Say what was noticed."), field="note")
    try:
        with transaction.atomic():
            case = MonitoringCase.objects.create(
                household=household,
                area_code=household.village_id,
                year=today.year,
                kind=kind,
                channel=channel,
                alert_note=note.strip(),
                flag=flag,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            _("This household already has an open monitoring case."), code="already_monitored", field="household"
        ) from None
    MonitoringEvent.objects.create(
        case=case,
        transition="alert",
        to_state=MonitoringState.ALERTED,
        actor=actor,
        reason=note.strip(),
        record={"flag": flag.pk} if flag else {},
    )
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.CREATE,
        area_code=case.area_code,
        after=snapshot(case, ["household", "kind", "channel", "state", "year"]),
    )
    return case


def _case_for(actor, case_id: int, action: str | None, *, lock: bool = False) -> MonitoringCase:
    cases = MonitoringCase.objects.visible_to(actor, Action.VIEW).select_related("household", "publicity_case")
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if action is not None and not may(actor, action, case.area_code):
        raise PermissionDenied
    return case


def _move(
    case: MonitoringCase,
    *,
    actor,
    name: str,
    to_state: str,
    reason: str = "",
    record: dict | None = None,
    expected_version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> MonitoringCase:
    """Compare-and-set the case from its current (state, version) to ``to_state``, with the event
    and the audit row; a second person acting at the same time is told to reload."""
    version = case.version if expected_version is None else expected_version
    if version != case.version:
        raise Conflict(str(_STALE), code="stale")
    won = MonitoringCase.objects.filter(pk=case.pk, state=case.state, version=version).update(
        state=to_state, version=version + 1, updated_at=timezone.now(), **(extra or {})
    )
    if not won:
        raise Conflict(str(_STALE), code="stale")
    MonitoringEvent.objects.create(
        case=case,
        transition=name,
        from_state=case.state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        record=record or {},
    )
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.TRANSITION,
        area_code=case.area_code,
        before={"state": case.state},
        after={"state": to_state, **{k: str(v) for k, v in (extra or {}).items()}},
        reason=reason,
    )
    case.state, case.version = to_state, version + 1
    for key, value in (extra or {}).items():
        setattr(case, key, value)
    return case


def _ready_for_publicity(case: MonitoringCase, actor, today: datetime.date) -> None:
    """After the village appraisal the case waits for the village publicity: its identification
    case stands at "home checked", the state a first-publicity notice picks up (created now, in the
    county's monitoring campaign of the year, or brought back after an upheld objection or a return)."""
    if case.publicity_case is not None and case.publicity_case.state == CaseState.FIRST_PUBLICITY:
        raise ServiceError(_("The village publicity of this household is still posted."), code="publicity_running")
    ready_proxy(
        case,
        campaign=lambda: borrowing_campaign(
            kind=CampaignKind.MONITORING,
            area_code=case.area_code,
            year=case.year,
            title="防返贫监测对象识别",
            opens_on=today,
            publicity_days=settings.PUBLICITY_DAYS,
            actor=actor,
        ),
        transition="monitoring_appraised",
        actor=actor,
    )


def _check_publicity(case: MonitoringCase) -> None:
    proxy = case.publicity_case
    if proxy is None or proxy.state in (CaseState.HOME_CHECKED, CaseState.FIRST_PUBLICITY):
        raise ServiceError(
            _("The village publicity has not ended: post it and conclude it first (publicity notices)."),
            code="publicity_not_concluded",
        )
    if proxy.state != CaseState.FIRST_PUBLICIZED:
        raise ServiceError(
            _("An objection to this household was upheld during the publicity; send the case back to the village."),
            code="objection_upheld",
        )


#: what each step must record, beyond the note
REQUIRED_DATES = {"record_commitment": "signed_on", "record_village_appraisal": "held_on"}


@transaction.atomic
def advance(
    *,
    actor,
    case_id: int,
    step: str,
    note: str = "",
    on: datetime.date | None = None,
    version: int | None = None,
    today: datetime.date | None = None,
) -> MonitoringCase:
    """Take one step of the table in exits/monitoring_workflow.py (all but risk elimination, which
    has its own conditions). ``on`` is the date the step requires: the household's signature for
    the commitment and authorisation, the meeting for the village appraisal."""
    try:
        step_row = transition(step)
    except StopIteration:
        raise ServiceError(_("Unknown step."), field="step") from None
    if step == "eliminate_risk":
        raise ServiceError(_("Use risk elimination for this step."), field="step")
    case = _case_for(actor, case_id, step_row.action, lock=True)
    _refuse_frozen(case.area_code, (today or _today()).year)
    if case.state not in step_row.sources:
        raise ServiceError(
            _("This step (%(step)s) is not possible now: the case is at %(state)s.")
            % {"step": step_row.label, "state": case.get_state_display()},
            code="wrong_step",
        )
    if not note.strip():
        raise ServiceError(_("Record what was found or decided."), field="note")
    record: dict[str, Any] = {}
    if step in REQUIRED_DATES:
        if on is None:
            raise ServiceError(_("Give the date."), field="on", code="required")
        if on > (today or _today()):
            raise ServiceError(_("The date cannot be in the future."), field="on")
        record[REQUIRED_DATES[step]] = on.isoformat()
    extra: dict[str, Any] = {}
    if step == "record_village_appraisal":
        _ready_for_publicity(case, actor, today or _today())
    elif step == "record_village_publicity":
        _check_publicity(case)
        record["notice_case"] = case.publicity_case_id
    elif step == "enter":
        extra["entered_on"] = today or _today()
    return _move(
        case, actor=actor, name=step, to_state=step_row.target, reason=note.strip(), record=record,
        expected_version=version, extra=extra,
    )  # fmt: skip


@transaction.atomic
def return_case(*, actor, case_id: int, to_state: str, reason: str, version: int | None = None) -> MonitoringCase:
    """Send a case back to an earlier step with the reason; whoever owns its next step may."""
    case = _case_for(actor, case_id, None, lock=True)
    owner = next_action(case.state)
    if owner is None:
        raise ServiceError(_("This case is finished."), code="finished")
    if not may(actor, owner, case.area_code):
        raise PermissionDenied
    _refuse_frozen(case.area_code, _today().year)
    if to_state not in return_targets(case.state):
        raise ServiceError(_("A case can only be sent back to an earlier step."), field="to_state", code="not_earlier")
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    return _move(case, actor=actor, name="return", to_state=to_state, reason=reason.strip(), expected_version=version)


@transaction.atomic
def close_case(*, actor, case_id: int, reason: str, version: int | None = None) -> MonitoringCase:
    """Decide not to monitor the household (未纳入), with the reason, before it is entered;
    whoever owns the case's next step may."""
    case = _case_for(actor, case_id, None, lock=True)
    owner = next_action(case.state)
    if owner is None or case.state == MonitoringState.MONITORED:
        raise ServiceError(_("A monitored household leaves monitoring by risk elimination."), code="finished")
    if not may(actor, owner, case.area_code):
        raise PermissionDenied
    _refuse_frozen(case.area_code, _today().year)
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    return _move(
        case, actor=actor, name="close", to_state=MonitoringState.REJECTED, reason=reason.strip(),
        expected_version=version, extra={"closing_reason": reason.strip()},
    )  # fmt: skip


# --- risks and their elimination ----------------------------------------------------------------


@transaction.atomic
def add_risk(
    *,
    actor,
    case_id: int,
    kind: str,
    found_on: datetime.date,
    description: str,
    measure_ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> RiskRecord:
    """Record a risk of the household and the assistance measures of its plan that answer it
    (village clerks and township reviewers), while the case is open."""
    case = _case_for(actor, case_id, Action.CAPTURE, lock=True)
    _refuse_frozen(case.area_code, (today or _today()).year)
    if case.state in FINISHED_STATES:
        raise ServiceError(_("This case is finished."), code="finished")
    if kind not in RiskKind.values:
        raise ServiceError(_("Choose the kind of risk."), field="kind")
    if found_on > (today or _today()):
        raise ServiceError(_("The date cannot be in the future."), field="found_on")
    if not description.strip():
        raise ServiceError(_("Describe the risk."), field="description")
    ids = sorted(set(measure_ids or []))
    measures = list(Measure.objects.filter(household_id=case.household_id, pk__in=ids))
    if len(measures) != len(ids):
        raise ServiceError(
            _("Link only measures of this household's assistance plan."), field="measures", code="foreign_measure"
        )
    risk = RiskRecord.objects.create(
        case=case, area_code=case.area_code, kind=kind, found_on=found_on, description=description.strip(),
        recorded_by=actor,
    )  # fmt: skip
    risk.measures.set(measures)
    record_change(
        actor=actor,
        obj=risk,
        action=ChangeAction.CREATE,
        area_code=case.area_code,
        after={**snapshot(risk, ["case", "kind", "found_on", "description"]), "measures": ids},
    )
    return risk


def elimination_date(entered_on: datetime.date) -> datetime.date:
    """The first day a risk may be eliminated: MONITORING_ELIMINATION_WAIT_MONTHS after entry."""
    months = entered_on.month - 1 + settings.MONITORING_ELIMINATION_WAIT_MONTHS
    year, month = entered_on.year + months // 12, months % 12 + 1
    return datetime.date(year, month, min(entered_on.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def eliminate_risk(
    *, actor, case_id: int, mode: str, note: str, version: int | None = None, today: datetime.date | None = None
) -> MonitoringCase:
    """风险消除 (county officers): only after the waiting time, with income per person above the
    monitoring line and the 4.4 checklist met; by assistance only when measures answered the
    risks. The household stays visible with its whole history."""
    case = _case_for(actor, case_id, Action.APPROVE, lock=True)
    today = today or _today()
    _refuse_frozen(case.area_code, today.year)
    if case.state != MonitoringState.MONITORED:
        raise ServiceError(_("Only a monitored household's risk can be eliminated."), code="wrong_step")
    if mode not in EliminationMode.values:
        raise ServiceError(_("Choose how the risk was eliminated."), field="mode")
    if not note.strip():
        raise ServiceError(_("Record what was found or decided."), field="note")
    earliest = elimination_date(case.entered_on)
    if today < earliest:
        raise ServiceError(
            _("The household has been monitored since %(entered)s; its risk can be eliminated from %(date)s.")
            % {"entered": case.entered_on.isoformat(), "date": earliest.isoformat()},
            code="too_early",
        )
    household = case.household
    line = monitoring_line_for(today.year, case.area_code)
    if line is None:
        raise ServiceError(_("No monitoring line or poverty line has been entered for this year."), code="no_line")
    if household.net_income_per_capita <= line.amount:
        raise ServiceError(
            _("Income per person (%(income)s yuan) is not above the monitoring line (%(line)s yuan).")
            % {"income": household.net_income_per_capita, "line": line.amount},
            code="under_line",
        )
    gaps = checklist_gaps(household, list(household.members.filter(is_active=True)), on=today)
    if gaps:
        raise ServiceError(
            _("The household does not yet meet: %(items)s.")
            % {"items": "、".join(str(CHECKLIST_LABELS[g]) for g in gaps)},
            code="checklist_gap",
            details={"gaps": gaps},
        )
    if mode == EliminationMode.ASSISTANCE and not RiskRecord.objects.filter(case=case, measures__isnull=False).exists():
        raise ServiceError(
            _("No assistance measure is linked to the household's risks; record them, or eliminate naturally."),
            field="mode",
            code="no_measures",
        )
    return _move(
        case, actor=actor, name="eliminate_risk", to_state=MonitoringState.ELIMINATED, reason=note.strip(),
        record={"income_per_capita": str(household.net_income_per_capita), "line": str(line.amount)},
        expected_version=version, extra={"eliminated_on": today, "elimination_mode": mode},
    )  # fmt: skip
