"""The page of a responsible cadre (帮扶责任人): "my households", those paired with them today.

A cadre who logs in needs no role for it (assistance.cadre_scope): each row leads to the
household's assistance page (its ledger, with masked ID numbers, and the visit form) and its
handbook. Any other user sees an empty list that says why. A fixed number of queries.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from assistance.cadre_scope import cadres_of, my_households
from households.choices import CAUSES

__all__ = ["PAGE_SIZE", "cause_name", "my_household_list"]

PAGE_SIZE = 100
_CAUSE_NAMES = dict(CAUSES)


def cause_name(code: str) -> str:
    return _CAUSE_NAMES.get(code, code)


@login_required
def my_household_list(request):
    """The households paired with the user as their responsible cadre today."""
    page = Paginator(my_households(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for household in page.object_list:
        household.cause_name = cause_name(household.main_cause)
    cadres = list(cadres_of(request.user).select_related("county").order_by("county_id", "id"))
    return render(request, "assistance/my_households.html", {"page": page, "cadres": cadres, "query": ""})
