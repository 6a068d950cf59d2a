"""What waits for a user in the yearly review, by role and area: township reviewers the forms to
re-check, county officers the forms to review, village clerks the confirmed missed or returned
households to file in identification. At most three aggregate queries, whatever the data."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from areas.choices import Action
from areas.scopes import prefixes_for
from core.querysets import prefix_condition
from exits.models import ReviewResult, ReviewState

__all__ = ["work_for"]

#: (action, state the form waits in, what the user reads)
QUEUES = [
    (Action.CAPTURE, ReviewState.APPROVED, _("Missed or returned households to file in identification")),
    (Action.REVIEW, ReviewState.RECORDED, _("Review forms to re-check")),
    (Action.APPROVE, ReviewState.TOWNSHIP_CHECKED, _("Review forms to decide")),
]


def work_for(user) -> list[dict]:
    """Rows of (campaign, label, count, url) for the user's home page."""
    if not user.is_authenticated:
        return []
    rows = []
    for action, state, label in QUEUES:
        results = ReviewResult.objects.filter(state=state, campaign__is_closed=False)
        if not user.is_superuser:
            prefixes = prefixes_for(user, action)
            if not prefixes:
                continue
            results = results.filter(prefix_condition("area_code", prefixes))
        for entry in results.values("campaign_id", "campaign__title").annotate(n=Count("id")).order_by("campaign_id"):
            rows.append(
                {
                    "campaign": entry["campaign__title"],
                    "label": label,
                    "count": entry["n"],
                    "url": reverse("exits_review:campaign_detail", kwargs={"pk": entry["campaign_id"]})
                    + f"?state={state}",
                }
            )
    return rows
