"""The village publicity of household exits (拟退出户公示, DOMAIN.md sections 8 and 12), carried by
identification's notices and objections rather than a copy of them.

Once a household acknowledges its exit, its exit case gets an identification ``Case`` (the proxy)
in the county's exit campaign of the year (``CampaignKind.EXIT``, opened on first use, with a
publicity of at least ``EXIT_PUBLICITY_DAYS``), standing at "home checked", which is exactly what
a village's first-publicity notice picks up. The township drafts, posts, prints and concludes that
notice, and records and verifies its objections, on the identification pages and API.

The exit case's own states follow the notice, in the same transaction (identification.services
calls the hooks below): posting it takes the exit cases on it to "in publicity", concluding it to
"publicized", an upheld objection sends the case back to the home verification. The township
review then checks again that the household's last notice was concluded without an upheld
objection. Nothing here checks roles: the notice services did, for the notice's village.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from exits.models import ExitCase
from identification.borrowed import borrowing_campaign, ready_proxy
from identification.choices import CampaignKind, CaseState, NoticeKind, NoticeState, ObjectionState
from identification.models import Case, CaseEvent, Notice, NoticeEntry, Objection

__all__ = [
    "notice_concluded",
    "notice_posted",
    "objection_upheld",
    "publicity_days",
    "ready_for_publicity",
    "refuse_unpublicized",
    "refuse_unready",
    "withdraw_from_publicity",
]

_STALE = gettext_lazy("Someone else took a step on this case a moment ago; reload it.")


def publicity_days() -> int:
    """An exit publicity lasts at least a week (DOMAIN.md section 12), and never less than the
    identification publicity of the same county."""
    return max(settings.EXIT_PUBLICITY_DAYS, settings.PUBLICITY_DAYS)


def ready_for_publicity(case: ExitCase, actor) -> Case:
    """After the household's acknowledgement the case waits for the village publicity: its proxy
    stands at "home checked" (created now, in the county's exit campaign of the year, or brought
    back there after an upheld objection)."""
    return ready_proxy(
        case,
        campaign=lambda: borrowing_campaign(
            kind=CampaignKind.EXIT,
            area_code=case.area_code,
            year=case.year,
            title="贫困户脱贫退出",
            opens_on=timezone.localdate(),
            publicity_days=publicity_days(),
            actor=actor,
        ),
        transition="exit_acknowledged",
        actor=actor,
    )


def _exit_cases(cases: list[Case], *, lock: bool = False) -> list[ExitCase]:
    rows = ExitCase.objects.filter(publicity_case__in=[c.pk for c in cases]).select_related("household")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return list(rows.order_by("pk"))


def refuse_unready(cases: list[Case]) -> None:
    """A notice lists only households that still clear the bar (the home verification's failures
    and the register as it stands now); the refusal names the household and the reasons."""
    from exits.exit_services import blockers

    for exit_case in _exit_cases(cases):
        failures = blockers(exit_case)
        if failures:
            raise ServiceError(
                _("%(head)s does not meet the exit criteria: %(reasons)s")
                % {"head": exit_case.household.head_name, "reasons": "; ".join(failures)},
                code="criteria_not_met",
                details=failures,
            )


def notice_posted(*, actor, notice: Notice, cases: list[Case]) -> None:
    """The notice is posted: each exit case on it enters its publicity (acknowledged → in publicity)."""
    from exits.exit_services import step_from_notice

    refuse_unready(cases)
    record = {
        "notice": notice.pk,
        "starts_on": notice.starts_on.isoformat(),
        "ends_on": notice.ends_on.isoformat(),
        "place": notice.posted_place,
    }
    for exit_case in _exit_cases(cases, lock=True):
        step_from_notice(exit_case, actor=actor, name="post_publicity", record=record)


def notice_concluded(*, actor, notice: Notice, cases: list[Case], today: datetime.date) -> None:
    """The notice's period ended with every objection resolved: the exit cases still on it (not
    sent back by an upheld objection) are publicized."""
    from exits.exit_services import step_from_notice

    record = {"notice": notice.pk, "concluded_on": today.isoformat()}
    for exit_case in _exit_cases(cases, lock=True):
        step_from_notice(exit_case, actor=actor, name="conclude_publicity", record=record)


def objection_upheld(*, actor, objection: Objection, reason: str) -> None:
    """An upheld objection sends the exit case back to the home verification (a new visit settles
    what the objection raised, then a new acknowledgement readies a new publicity)."""
    from exits.exit_services import step_from_notice

    for exit_case in _exit_cases([objection.case], lock=True):
        step_from_notice(
            exit_case,
            actor=actor,
            name="objection_upheld",
            record={"notice": objection.notice_id, "objection": objection.pk},
            reason=reason,
        )


def refuse_unpublicized(case: ExitCase) -> None:
    """The township reviews only an exit whose last village publicity was concluded without an
    upheld objection to the household."""
    proxy = case.publicity_case
    concluded = (
        proxy is not None
        and proxy.state == CaseState.FIRST_PUBLICIZED
        and NoticeEntry.objects.filter(
            case=proxy, notice__kind=NoticeKind.FIRST_PUBLICITY, notice__state=NoticeState.CONCLUDED
        )
        .exclude(notice__objections__case=proxy, notice__objections__state=ObjectionState.UPHELD)
        .exists()
    )
    if not concluded:
        raise ServiceError(
            _("The village publicity of this household has not been concluded without an upheld objection."),
            code="publicity_not_concluded",
        )


def withdraw_from_publicity(case: ExitCase, actor) -> None:
    """A withdrawn exit leaves the publicity: its proxy is closed and taken off any notice still
    in draft (a posted notice keeps what it showed; only acknowledged or publicized cases, never
    one in publicity, can be withdrawn)."""
    proxy = case.publicity_case
    if proxy is None or proxy.state == CaseState.REJECTED:
        return
    for entry in NoticeEntry.objects.filter(case=proxy, notice__state=NoticeState.DRAFT).select_related("notice"):
        notice = entry.notice
        entry.delete()
        if not notice.entries.exists():
            record_change(actor=actor, obj=notice, action=ChangeAction.DELETE, area_code=notice.area_id)
            notice.delete()
    won = Case.objects.filter(pk=proxy.pk, state=proxy.state, version=proxy.version).update(
        state=CaseState.REJECTED,
        version=proxy.version + 1,
        closing_reason=case.closing_reason,
        updated_at=timezone.now(),
    )
    if not won:
        raise Conflict(str(_STALE), code="stale")
    CaseEvent.objects.create(
        case=proxy,
        transition="exit_withdrawn",
        from_state=proxy.state,
        to_state=CaseState.REJECTED,
        actor=actor,
        reason=case.closing_reason,
    )
