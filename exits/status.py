"""The procedures that change a household's status outside identification and exit (DOMAIN.md
section 5): remove a wrongly included household (剔除), close a household that is gone (销户),
reopen a wrong exit (错退纠正), and record a return to poverty (返贫) when an exited household's
case in a "return" campaign is announced.

Each takes the acting user (keyword-only), checks role and scope (404 out of view scope, 403
without the county's approval), refuses a date in a frozen year, changes the status by
compare-and-set on the status it expects (two officers acting at once: one wins, the other is
told), writes a StatusChange row (actor, date, reason, documents) and the audit trail, all in
one transaction. The exit procedure and monitoring may call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action
from areas.scopes import may
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits.frozen import is_frozen
from exits.models import StatusChange, StatusProcedure
from households.choices import HouseholdStatus
from households.models import Household

__all__ = [
    "PROCEDURE_SOURCES",
    "check_open_year",
    "close_household",
    "history_of",
    "record_return",
    "remove_household",
    "reopen_wrong_exit",
]

S = HouseholdStatus

#: the statuses each procedure starts from, and the one it ends in (the table the docs and tests read)
PROCEDURE_SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    StatusProcedure.REMOVE: ((S.REGISTERED, S.PRE_EXIT, S.RETURNED, S.EXITED), S.REMOVED),
    StatusProcedure.CLOSE: ((S.REGISTERED, S.PRE_EXIT, S.RETURNED, S.EXITED, S.REMOVED), S.CLOSED),
    StatusProcedure.REOPEN: ((S.EXITED,), S.REGISTERED),
}


def check_open_year(area_code: str, year: int) -> None:
    """Refuse a change dated in a year the county has frozen (年度定案)."""
    if is_frozen(area_code, year):
        raise ServiceError(
            _("%(year)s is frozen for this county; record the change in the open year.") % {"year": year},
            code="frozen_year",
        )


def _household(actor, household_id: int, *, lock: bool = True) -> Household:
    households = Household.objects.visible_to(actor, Action.VIEW)
    if lock:
        households = households.select_for_update()
    household = households.filter(pk=household_id).first()
    if household is None:
        raise Http404
    if not may(actor, Action.APPROVE, household.village_id):
        raise PermissionDenied
    return household


def _change(
    household: Household,
    *,
    actor,
    procedure: str,
    to_status: str,
    reason: str,
    effective_on: datetime.date,
    documents: Sequence[str] = (),
    attachments: Sequence = (),
    review_result=None,
    case=None,
    from_status: str | None = None,
) -> StatusChange:
    """Move the household from its status (or ``from_status``) to ``to_status`` by compare-and-set,
    and keep the record of it."""
    before = from_status or household.status
    fields = {"status": to_status, "version": F("version") + 1, "updated_at": timezone.now(), "updated_by": actor}
    if before == S.EXITED and to_status in (S.REGISTERED, S.RETURNED):
        fields["exit_year"] = None  # the exit did not hold; the StatusChange row keeps its year
    won = Household.objects.filter(pk=household.pk, status=before).update(**fields)
    if not won:
        raise Conflict(
            _("Someone else changed this household's status a moment ago; reload it to see where it stands."),
            code="stale",
        )
    change = StatusChange.objects.create(
        household=household,
        area_code=household.village_id,
        procedure=procedure,
        from_status=before,
        to_status=to_status,
        year=effective_on.year,
        effective_on=effective_on,
        reason=reason,
        documents=[d.strip() for d in documents if d and d.strip()],
        review_result=review_result,
        case=case,
        actor=actor,
    )
    if attachments:
        change.attachments.set(attachments)
    record_change(
        actor=actor,
        obj=household,
        action=ChangeAction.TRANSITION,
        area_code=household.village_id,
        before={"status": before, "exit_year": household.exit_year},
        after={"status": to_status, "procedure": procedure, "effective_on": effective_on.isoformat()},
        reason=reason,
    )
    household.status = to_status
    return change


def _attachments(actor, household: Household, attachment_ids: Sequence[int]):
    from identification.models import Attachment

    if not attachment_ids:
        return []
    found = list(Attachment.objects.visible_to(actor, Action.VIEW).filter(pk__in=list(attachment_ids)))
    if len(found) != len(set(attachment_ids)) or any(
        not (household.village_id.startswith(a.area_code) or a.area_code.startswith(household.village_id))
        for a in found
    ):
        raise ServiceError(_("An attachment belongs to another area."), field="attachments", code="foreign_attachment")
    return found


def _procedure(
    procedure: str,
    *,
    actor,
    household_id: int,
    reason: str,
    effective_on: datetime.date | None,
    documents: Sequence[str],
    attachment_ids: Sequence[int],
    review_result=None,
) -> StatusChange:
    household = _household(actor, household_id)
    sources, target = PROCEDURE_SOURCES[procedure]
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    today = timezone.localdate()
    effective_on = effective_on or today
    if effective_on > today:
        raise ServiceError(_("The date cannot be in the future."), field="effective_on", code="future_date")
    check_open_year(household.village_id, effective_on.year)
    if household.status not in sources:
        raise ServiceError(
            _("This procedure (%(procedure)s) is not possible for a household that is %(status)s.")
            % {"procedure": StatusProcedure(procedure).label, "status": household.get_status_display()},
            code="wrong_status",
        )
    return _change(
        household,
        actor=actor,
        procedure=procedure,
        to_status=target,
        reason=reason,
        effective_on=effective_on,
        documents=documents,
        attachments=_attachments(actor, household, attachment_ids),
        review_result=review_result,
    )


@transaction.atomic
def remove_household(
    *,
    actor,
    household_id: int,
    reason: str,
    effective_on: datetime.date | None = None,
    documents: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
    review_result=None,
) -> StatusChange:
    """剔除: a wrongly included household leaves the register, with the reason (county officers)."""
    return _procedure(
        StatusProcedure.REMOVE,
        actor=actor,
        household_id=household_id,
        reason=reason,
        effective_on=effective_on,
        documents=documents,
        attachment_ids=attachment_ids,
        review_result=review_result,
    )


@transaction.atomic
def close_household(
    *,
    actor,
    household_id: int,
    reason: str,
    effective_on: datetime.date | None = None,
    documents: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
) -> StatusChange:
    """销户: the household is gone (all members died, moved away, merged into another)."""
    return _procedure(
        StatusProcedure.CLOSE,
        actor=actor,
        household_id=household_id,
        reason=reason,
        effective_on=effective_on,
        documents=documents,
        attachment_ids=attachment_ids,
    )


@transaction.atomic
def reopen_wrong_exit(
    *,
    actor,
    household_id: int,
    reason: str,
    effective_on: datetime.date | None = None,
    documents: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
    review_result=None,
) -> StatusChange:
    """错退纠正: a household that exited without meeting the criteria is registered again; its exit
    year is cleared (the StatusChange row keeps what it was)."""
    return _procedure(
        StatusProcedure.REOPEN,
        actor=actor,
        household_id=household_id,
        reason=reason,
        effective_on=effective_on,
        documents=documents,
        attachment_ids=attachment_ids,
        review_result=review_result,
    )


def record_return(*, actor, cases: Sequence, effective_on: datetime.date | None = None) -> list[StatusChange]:
    """返贫: called by identification when it announces cases of a "return" campaign, inside its
    transaction. Each exited household is marked returned, then registered again, so its status
    history shows both steps; the reason is the case's application and any review finding. The
    return is dated with the announcement (``effective_on``, never after today): a change belongs
    to the year it is made in, and the year's differences count returns by that date."""
    from exits.models import ReviewFinding, ReviewResult, ReviewState

    today = min(effective_on or timezone.localdate(), timezone.localdate())
    changes: list[StatusChange] = []
    for case in cases:
        household = Household.objects.select_for_update().get(pk=case.household_id)
        check_open_year(household.village_id, today.year)
        if household.status != S.EXITED:
            continue  # an applicant filed in a return campaign is registered by identification as usual
        result = (
            ReviewResult.objects.filter(case=case, finding=ReviewFinding.RETURNED).order_by("-id").first()
            if case.pk
            else None
        )
        reason = result.reason if result else _("Re-identified in %(campaign)s") % {"campaign": case.campaign.title}
        common = {"actor": actor, "reason": reason, "effective_on": today, "review_result": result, "case": case}
        changes.append(_change(household, procedure=StatusProcedure.RETURN, to_status=S.RETURNED, **common))
        changes.append(_change(household, procedure=StatusProcedure.RE_REGISTER, to_status=S.REGISTERED, **common))
        if result is not None:
            ReviewResult.objects.filter(pk=result.pk).update(state=ReviewState.APPLIED, version=F("version") + 1)
    return changes


def history_of(household: Household):
    """The household's status changes, oldest first, with who made them."""
    return (
        household.status_changes.select_related("actor", "case__campaign")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
