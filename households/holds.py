"""Procedures that hold a household: while one has the household under consideration, who belongs
to the household cannot change on its form.

From the home check on (入户查 of identification, 入户核实 of the exit and of monitoring), a case
stands on the household as it was verified at home and signed by its head, then publicized by the
head's name and household size and decided on (DOMAIN.md sections 6, 8 and 12). Changing who is
in the household under it would leave those signatures, the notice and the decision about another
household. Such a change is refused until the case is sent back before its home check (DOMAIN.md
section 6: every step can be returned), withdrawn or finished. Other corrections (incomes,
conditions) stay possible: they send the form back to draft like any change to a submitted form,
and the procedures re-check the register as it stands before their decisions.

Households does not import the procedures' apps: they register a finder here in their
``AppConfig.ready`` (as assistance adds data-quality rules to households.quality).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from households.models import Member

__all__ = ["FINDERS", "IDENTITY_FIELDS", "held_message", "hold_finder", "holds_of", "identity_changed"]

#: a finder takes household ids and returns, for those a procedure holds, the procedure and step
#: in words ("精准识别 · 入户查")
Finder = Callable[[list[int]], dict[int, str]]
FINDERS: list[Finder] = []

#: what says who a member is; with the set of active members, what a held household keeps
IDENTITY_FIELDS = ("name", "id_type", "id_number", "relation")


def hold_finder(function: Finder) -> Finder:
    """Register a finder (from an app's ``ready``); registering the same one twice keeps one."""
    if function not in FINDERS:
        FINDERS.append(function)
    return function


def holds_of(household_ids: Iterable[int]) -> dict[int, str]:
    """The households among these that a procedure holds, with the first procedure found: one
    query per registered finder, whatever the number of households."""
    ids = [pk for pk in household_ids if pk is not None]
    held: dict[int, str] = {}
    if not ids:
        return held
    for finder in FINDERS:
        for pk, label in finder(ids).items():
            held.setdefault(pk, label)
    return held


def identity_changed(before_members: list[dict[str, Any]], members: Iterable[Member]) -> bool:
    """Whether the active members differ in who they are from a stored snapshot of them (the
    audit snapshot's member dicts): a member added or leaving, or a name, ID number or relation
    changed. Incomes, health, schooling and the like are not who a member is."""
    old = {
        m.get("id"): tuple(m.get(name) for name in IDENTITY_FIELDS) for m in before_members if m.get("is_active", True)
    }
    active = [m for m in members if m.is_active]
    if any(m.pk is None for m in active):
        return True
    new = {m.pk: tuple(getattr(m, name) for name in IDENTITY_FIELDS) for m in active}
    return old != new


def held_message(procedure: str) -> str:
    """Why a change to who belongs to a held household is refused, and what to do instead."""
    return _(
        "This household is held by a procedure (%(procedure)s): its members, their names, ID numbers and "
        "relations cannot change until the case is sent back before its home check, withdrawn or finished. "
        "Other corrections can be saved."
    ) % {"procedure": procedure}
