"""What the identification pages share: finding the campaign, case or area a URL names within the
user's scope (404 outside it, 403 without the action), showing a service's refusal on its form,
keeping uploads only when the step they belong to is taken, and reading a case's records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.choices import Action
from areas.models import Area
from areas.scopes import prefixes_for
from core.shortcuts import area_or_404, show_error
from households.models import CauseCode
from identification import services
from identification.attachments import store_attachment
from identification.choices import CaseState, NoticeKind
from identification.forms import HOME_CHECK_LABELS, SIGNATURE_ROLES
from identification.models import Attachment, Campaign, Case, CaseEvent
from identification.workflow import TRANSITIONS, transition

__all__ = [
    "PAGE_SIZE",
    "area_names",
    "area_or_404",
    "campaign_or_404",
    "campaigns_visible_to",
    "case_or_404",
    "cause_names",
    "describe_event",
    "holds_in_county",
    "next_transition",
    "notice_action",
    "scope_condition",
    "show_error",
    "with_attachments",
]

PAGE_SIZE = 100


def scope_condition(user, action: str, field: str) -> Q | None:
    """``field`` (an area code) under the user's areas for ``action``; None: everything
    (superusers); an impossible condition when the user holds the action nowhere."""
    if user.is_superuser:
        return None
    prefixes = prefixes_for(user, action)
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": prefix}) for prefix in prefixes))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """The campaigns the services let the user work in, with their county."""
    return services.campaigns_visible_to(user).select_related("county")


def campaign_or_404(user, pk: int) -> Campaign:
    campaign = campaigns_visible_to(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def holds_in_county(user, actions: str | Iterable[str], county_code: str) -> bool:
    """Whether the user holds one of ``actions`` somewhere in the county (or above it)."""
    if user.is_superuser:
        return True
    wanted = (actions,) if isinstance(actions, str) else tuple(actions)
    county = county_code[:6]
    return any(
        prefix.startswith(county) or county.startswith(prefix)
        for action in wanted
        for prefix in prefixes_for(user, action)
    )


def case_or_404(user, pk: int) -> Case:
    case = (
        Case.objects.visible_to(user, Action.VIEW)
        .select_related("campaign__county", "household__village", "household__village_group", "quota")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def next_transition(state: str):
    """The step that takes a case on from ``state`` (the transition table's), or None."""
    return next((step for step in TRANSITIONS if state in step.sources), None)


#: the transition a notice of each kind takes its cases along (identification/workflow.py)
_NOTICE_TRANSITION = {
    NoticeKind.FIRST_PUBLICITY: "post_first_publicity",
    NoticeKind.SECOND_PUBLICITY: "post_second_publicity",
    NoticeKind.ANNOUNCEMENT: "announce",
}


def notice_action(kind: str) -> str:
    """The action a notice of this kind needs (review for publicity, approve for announcements)."""
    return transition(_NOTICE_TRANSITION[kind]).action


def with_attachments(user, uploads: Iterable, area_code: str, call: Callable[[list[Attachment]], Any]) -> Any:
    """Store the uploaded files (checked by identification.attachments) and take the step in one
    transaction: if the step is refused, neither the rows nor the files stay."""
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                if upload:
                    stored.append(store_attachment(actor=user, upload=upload, area_code=area_code))
            return call(stored)
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


def area_names(codes: Iterable[str]) -> dict[str, str]:
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def cause_names(area_code: str) -> dict[str, str]:
    """Code → name of the causes of poverty that apply in the area's province (one query)."""
    province = area_code[:2].ljust(12, "0")
    rows = CauseCode.objects.filter(Q(province__isnull=True) | Q(province_id=province)).values_list("code", "name")
    return dict(rows)


# --- a case's records, readably ----------------------------------------------------------------

_OTHER_STEPS = {
    "apply": gettext_lazy("Application"),
    "reject": gettext_lazy("Rejected"),
    "return": gettext_lazy("Sent back"),
    "objection_upheld": gettext_lazy("Objection upheld: sent back"),
    "spot_check_problem": gettext_lazy("City spot-check found a problem: sent back"),
    "override_exclusion": gettext_lazy("County lets the case through despite an exclusion condition"),
}

_RECORD_LABELS = {
    "informed_on": gettext_lazy("Informed of the criteria and procedure on"),
    "self_assessment": gettext_lazy("Income self-assessment"),
    "meeting_date": gettext_lazy("Meeting date"),
    "attendance": gettext_lazy("Household representatives present"),
    "recommended": gettext_lazy("Recommended"),
    "representatives": gettext_lazy("Representatives of the assembly"),
    "present": gettext_lazy("Representatives present"),
    "votes_for": gettext_lazy("Votes for"),
    "votes_against": gettext_lazy("Votes against"),
    "score": gettext_lazy("Score"),
    "passed": gettext_lazy("Passed"),
    "visited_on": gettext_lazy("Visited on"),
    "findings": gettext_lazy("Findings"),
    "finding": gettext_lazy("Finding"),
    "checked_in_field": gettext_lazy("Checked in the field"),
    "household_size": gettext_lazy("Household size"),
    "note": gettext_lazy("Note"),
    "exclusions": gettext_lazy("Exclusion conditions met"),
}


def _step_label(name: str) -> str:
    known = {step.name: step.label for step in TRANSITIONS}
    return str(known.get(name) or _OTHER_STEPS.get(name) or name)


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value in (None, ""):
        return "—"
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or "—"
    return str(value)


def describe_event(event: CaseEvent) -> dict:
    """One entry of a case's timeline: the step, the move, and the record as (label, value) rows,
    the home check's items and signatures as lists."""
    record = dict(event.record or {})
    checklist = record.pop("checklist", None) or {}
    signatures = record.pop("signatures", None) or {}
    notice_id = record.pop("notice", None)
    rows = []
    for key, value in record.items():
        if key == "note" and not value:
            continue
        rows.append((str(_RECORD_LABELS.get(key, key)), _plain(value)))
    return {
        "event": event,
        "step": _step_label(event.transition),
        "from_label": CaseState(event.from_state).label if event.from_state in CaseState.values else "",
        "to_label": CaseState(event.to_state).label if event.to_state in CaseState.values else "",
        "rows": rows,
        "checklist": [(str(HOME_CHECK_LABELS.get(item, item)), bool(done)) for item, done in checklist.items()],
        "signatures": [
            (str(SIGNATURE_ROLES.get(role, role)), (signed or {}).get("name", ""), (signed or {}).get("date", ""))
            for role, signed in signatures.items()
        ],
        "notice_url": reverse("identification:notice_detail", kwargs={"pk": notice_id}) if notice_id else "",
        "attachments": list(event.attachments.all()),
    }
