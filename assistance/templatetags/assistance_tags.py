"""Template tags of assistance for pages of other apps: the cadre's households on the home page."""

from __future__ import annotations

from django import template

from assistance.cadre_scope import my_households
from assistance.views_mine import cause_name

__all__ = ["HOME_ROWS", "my_households_for"]

register = template.Library()

#: households listed on the home page; the rest are on "my households"
HOME_ROWS = 20


@register.simple_tag
def my_households_for(user) -> dict:
    """``households`` paired with the user today (the first HOME_ROWS, one query) and whether
    there are ``more``; empty for a user who is nobody's cadre."""
    if user is None or not user.is_authenticated:
        return {"households": [], "more": False}
    rows = list(my_households(user)[: HOME_ROWS + 1])
    for household in rows:
        household.cause_name = cause_name(household.main_cause)
    return {"households": rows[:HOME_ROWS], "more": len(rows) > HOME_ROWS}
