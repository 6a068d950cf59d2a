"""The one scoping mechanism: every model that belongs to an area filters through ``visible_to``.

A user's role grants on areas become area-code prefixes (areas/scopes.py), and the prefixes one
OR of ``LIKE 'prefix%'`` conditions on the model's area-code column (DESIGN.md decisions 1-2).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models

__all__ = ["ScopedQuerySet", "prefix_condition"]


def prefix_condition(field: str, prefixes: list[str]) -> models.Q:
    """``field`` starts with any of ``prefixes`` (which must not be empty)."""
    return reduce(or_, (models.Q(**{f"{field}__startswith": prefix}) for prefix in prefixes))


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which column carries the area code of its rows."""

    #: the column holding the 12- or 15-digit code of the area a row belongs to
    area_field = "area_code"

    def visible_to(self, user, action: str = "view") -> ScopedQuerySet:
        """Rows under the areas where ``user`` holds a role allowing ``action``; none for anonymous users."""
        from areas.scopes import scope_of

        prefixes = scope_of(user, action)
        return self if prefixes is None else self.within(prefixes)

    def within(self, prefixes: list[str]) -> ScopedQuerySet:
        """Rows under any of the areas with these code prefixes (none for an empty list)."""
        if not prefixes:
            return self.none()
        return self.filter(prefix_condition(self.area_field, prefixes))

    def in_area(self, prefix: str) -> ScopedQuerySet:
        """Rows under one area, given by its prefix (2, 4, 6, 9, 12 or 15 digits)."""
        return self.filter(**{f"{self.area_field}__startswith": prefix})
