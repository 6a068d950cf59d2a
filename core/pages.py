"""Pages of the audit trail (auditors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from areas.choices import Action
from areas.scopes import prefixes_for
from core.models import ChangeAction, ObjectChange
from core.params import ascii_digits, clean_text

__all__ = ["change_list"]


@login_required
def change_list(request):
    """Every change in the auditor's areas, newest first, filterable by area, user and action."""
    if not request.user.is_superuser and not prefixes_for(request.user, Action.AUDIT):
        raise PermissionDenied
    changes = ObjectChange.objects.visible_to(request.user, Action.AUDIT).select_related("content_type")
    area = ascii_digits(request.GET.get("area"), "area")
    if area:
        changes = changes.filter(area_code__startswith=area)
    actor = clean_text(request.GET.get("actor"), "actor", max_length=150)
    if actor:
        changes = changes.filter(actor_username=actor)
    action = request.GET.get("action", "")
    if action in ChangeAction.values:
        changes = changes.filter(action=action)
    page = Paginator(changes.order_by("-time", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/change_list.html",
        {"page": page, "actions": ChangeAction.choices, "filters": {"area": area, "actor": actor, "action": action}},
    )
