"""What waits for a user in monitoring: the cases resting at a step the user's role takes on (from
the transition table), and the households the system flagged in the areas where the user may
start alerts. Two aggregate queries whatever the data (after the user's grants)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from areas.scopes import prefixes_for
from core.querysets import prefix_condition
from exits.models import AttentionFlag, MonitoringCase
from exits.monitoring_choices import MonitoringState
from exits.monitoring_workflow import START_ACTION, TRANSITIONS

__all__ = ["work_for"]


def _scope(user, action: str) -> Q | None:
    if user.is_superuser:
        return Q()
    prefixes = prefixes_for(user, action)
    return prefix_condition("area_code", prefixes) if prefixes else None


def work_for(user) -> list[dict]:
    """Each thing waiting: ``label``, ``count``, ``url``, in the order of the steps."""
    if user is None or not user.is_authenticated:
        return []
    labels = dict(MonitoringState.choices)
    conditions = Q(pk__in=[])
    for step in TRANSITIONS:
        if step.name == "eliminate_risk":
            continue  # monitored households wait months, not on a person: not a queue
        scope = _scope(user, step.action)
        if scope is not None:
            conditions |= Q(state__in=step.sources) & scope
    items = []
    rows = dict(MonitoringCase.objects.filter(conditions).order_by().values_list("state").annotate(n=Count("id")))
    order = [s.value for s in MonitoringState]
    for state in sorted(rows, key=order.index):
        step = next(t for t in TRANSITIONS if state in t.sources)
        items.append(
            {
                "label": f"{labels[state]} → {step.label}",
                "count": rows[state],
                "url": reverse("monitoring:case_list") + f"?state={state}",
            }
        )
    scope = _scope(user, START_ACTION)
    if scope is not None:
        flagged = AttentionFlag.objects.filter(scope, cleared_at__isnull=True).count()
        if flagged:
            items.append({"label": None, "count": flagged, "url": reverse("monitoring:flag_list")})
    return items
