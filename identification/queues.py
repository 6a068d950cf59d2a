"""What waits for a user in identification, by their roles and areas: village clerks the meetings
and home checks, township reviewers publicity, objections and reviews, county officers
confirmations and announcements, city inspectors their sampled cases.

A fixed number of aggregate queries whatever the data (at most five, after the user's grants):
one for the cases of every queue, one each for publicities due, open objections, poor villages
waiting and unchecked spot-check items. Which step waits on whom comes from the transition table (workflow.py).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.choices import Action
from areas.scopes import prefixes_for
from core.querysets import prefix_condition
from identification.choices import BORROWING_KINDS, CaseState, NoticeKind, NoticeState, ObjectionState
from identification.models import Case, Notice, Objection, PoorVillageCase, PoorVillageState, SpotCheckItem
from identification.workflow import RESTING_STATES, TRANSITIONS

__all__ = ["QUEUE_LABELS", "VILLAGE_QUEUES", "work_for"]

#: what a case resting in a state waits for, as the user reads it
QUEUE_LABELS = {
    CaseState.APPLIED: _("Cases to take to the group discussion"),
    CaseState.GROUP_DISCUSSED: _("Cases for the village appraisal"),
    CaseState.VILLAGE_APPRAISED: _("Cases to check at home"),
    CaseState.HOME_CHECKED: _("Cases to publicize in the village (first publicity)"),
    CaseState.FIRST_PUBLICIZED: _("Cases to review"),
    CaseState.TOWNSHIP_REVIEWED: _("Cases to publicize in the township (second publicity)"),
    CaseState.SECOND_PUBLICIZED: _("Cases to confirm"),
    CaseState.COUNTY_CONFIRMED: _("Confirmations to announce"),
}

#: the notice that takes cases on from a state, for the link of its queue
_NOTICE_FOR = {
    CaseState.HOME_CHECKED: NoticeKind.FIRST_PUBLICITY,
    CaseState.TOWNSHIP_REVIEWED: NoticeKind.SECOND_PUBLICITY,
    CaseState.COUNTY_CONFIRMED: NoticeKind.ANNOUNCEMENT,
}

_ORDER = [state.value for state in CaseState]

#: what a poor village's case waits for in each state, and the action of whoever takes it on
VILLAGE_QUEUES = {
    PoorVillageState.PROPOSED: (_("Poor villages waiting for the township cadres' vote"), Action.REVIEW),
    PoorVillageState.APPRAISED: (_("Poor villages to publicize"), Action.REVIEW),
    PoorVillageState.IN_PUBLICITY: (_("Poor-village publicities whose period is over, to conclude"), Action.REVIEW),
    PoorVillageState.PUBLICIZED: (_("Poor villages to announce"), Action.APPROVE),
}
_VILLAGE_ORDER = [state.value for state in PoorVillageState]


def _waiting_states() -> dict[str, str]:
    """State → the action of whoever takes the case on from it (capture, review, approve)."""
    result = {}
    for state in RESTING_STATES:
        leaving = next((step for step in TRANSITIONS if state in step.sources), None)
        if leaving is not None and state in QUEUE_LABELS:
            result[state] = leaving.action
    return result


def _case_url(campaign_id: int, state: str) -> str:
    if state in _NOTICE_FOR:
        return reverse("identification:notice_create", kwargs={"pk": campaign_id}) + f"?kind={_NOTICE_FOR[state]}"
    return reverse("identification:case_list", kwargs={"pk": campaign_id}) + f"?state={state}"


def _scope(user, action: str, field: str) -> tuple[bool, Q]:
    """Whether the user holds ``action`` anywhere, and the condition on ``field`` for where."""
    if user.is_superuser:
        return True, Q()
    prefixes = prefixes_for(user, action)
    if not prefixes:
        return False, Q()
    return True, prefix_condition(field, prefixes)


def _campaign_label(year, title) -> str:
    return f"{year} {title}"


def work_for(user) -> list[dict]:
    """Each thing waiting for the user: ``key``, ``label``, ``count``, ``url``, ``campaign`` (its
    name) and ``action`` (the role's action it needs), by campaign, in the order of the steps."""
    if user is None or not user.is_authenticated:
        return []
    items: list[dict] = []

    conditions = []
    by_action: dict[str, list[str]] = {}
    for state, action in _waiting_states().items():
        by_action.setdefault(action, []).append(state)
    for action, states in by_action.items():
        holds, scope = _scope(user, action, "area_code")
        if holds:
            conditions.append(Q(state__in=states) & scope)
    if conditions:
        condition = conditions[0]
        for more in conditions[1:]:
            condition |= more
        rows = (
            Case.objects.filter(campaign__is_closed=False)
            .filter(condition)
            # an exit's or a monitored household's proxy case waits here only for its village notice;
            # its other steps are the exit or monitoring case's (exits/exit_queues.py, monitoring_queues.py)
            .exclude(Q(campaign__kind__in=BORROWING_KINDS) & ~Q(state=CaseState.HOME_CHECKED))
            .values("campaign_id", "campaign__year", "campaign__title", "state")
            .annotate(count=Count("id"))
            .order_by("-campaign__year", "campaign_id")
        )
        waiting = _waiting_states()
        for row in sorted(rows, key=lambda r: (-r["campaign__year"], r["campaign_id"], _ORDER.index(r["state"]))):
            state = row["state"]
            items.append(
                {
                    "key": state,
                    "label": QUEUE_LABELS[state],
                    "count": row["count"],
                    "url": _case_url(row["campaign_id"], state),
                    "campaign": _campaign_label(row["campaign__year"], row["campaign__title"]),
                    "action": waiting[state],
                }
            )

    reviews, review = _scope(user, Action.REVIEW, "area__code")
    if reviews:
        due = (
            Notice.objects.filter(state=NoticeState.POSTED, ends_on__lt=timezone.localdate())
            .exclude(kind=NoticeKind.ANNOUNCEMENT)
            .filter(review)
            .values("campaign_id", "campaign__year", "campaign__title")
            .annotate(count=Count("id"))
            .order_by("campaign_id")
        )
        for row in due:
            items.append(
                {
                    "key": "notices_due",
                    "label": _("Publicities whose period is over, to conclude"),
                    "count": row["count"],
                    "url": reverse("identification:notice_list", kwargs={"pk": row["campaign_id"]}) + "?due=1",
                    "campaign": _campaign_label(row["campaign__year"], row["campaign__title"]),
                    "action": Action.REVIEW,
                }
            )
        objections = (
            Objection.objects.filter(state=ObjectionState.OPEN)
            .filter(_scope(user, Action.REVIEW, "case__area_code")[1])
            .values("notice__campaign_id", "notice__campaign__year", "notice__campaign__title")
            .annotate(count=Count("id"))
            .order_by("notice__campaign_id")
        )
        for row in objections:
            campaign_id = row["notice__campaign_id"]
            items.append(
                {
                    "key": "open_objections",
                    "label": _("Objections to verify"),
                    "count": row["count"],
                    "url": reverse("identification:notice_list", kwargs={"pk": campaign_id}) + "?objections=open",
                    "campaign": _campaign_label(row["notice__campaign__year"], row["notice__campaign__title"]),
                    "action": Action.REVIEW,
                }
            )

    items.extend(_village_work(user))

    inspects, inspect = _scope(user, Action.INSPECT, "case__area_code")
    if inspects:
        sampled = (
            SpotCheckItem.objects.filter(checked_at__isnull=True)
            .filter(inspect)
            .values("spot_check_id", "spot_check__campaign__year", "spot_check__campaign__title")
            .annotate(count=Count("id"))
            .order_by("spot_check_id")
        )
        for row in sampled:
            items.append(
                {
                    "key": "spot_check_items",
                    "label": _("Sampled cases to spot-check"),
                    "count": row["count"],
                    "url": reverse("identification:spot_check_detail", kwargs={"pk": row["spot_check_id"]}),
                    "campaign": _campaign_label(row["spot_check__campaign__year"], row["spot_check__campaign__title"]),
                    "action": Action.INSPECT,
                }
            )
    return items


def _village_work(user) -> list[dict]:
    """The poor-village cases waiting for the user's step (one aggregate query); a publicity
    counts only once its period is over."""
    conditions = []
    for state, (_label, action) in VILLAGE_QUEUES.items():
        holds, scope = _scope(user, action, "village__code")
        if not holds:
            continue
        condition = Q(state=state) & scope
        if state == PoorVillageState.IN_PUBLICITY:
            condition &= Q(publicity_ends_on__lt=timezone.localdate())
        conditions.append(condition)
    if not conditions:
        return []
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    rows = (
        PoorVillageCase.objects.filter(campaign__is_closed=False)
        .filter(condition)
        .values("campaign_id", "campaign__year", "campaign__title", "state")
        .annotate(count=Count("id"))
        .order_by("campaign_id", "state")
    )
    rows = sorted(rows, key=lambda r: (-r["campaign__year"], r["campaign_id"], _VILLAGE_ORDER.index(r["state"])))
    return [
        {
            "key": f"village_{row['state']}",
            "label": VILLAGE_QUEUES[row["state"]][0],
            "count": row["count"],
            "url": reverse("identification:village_list", kwargs={"pk": row["campaign_id"]}),
            "campaign": _campaign_label(row["campaign__year"], row["campaign__title"]),
            "action": VILLAGE_QUEUES[row["state"]][1],
        }
        for row in rows
    ]
