"""The household list's filters, shared by the list page, its exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from areas.choices import Action
from areas.scopes import prefixes_within, scope_of
from core.params import ascii_digits, clean_text
from households.choices import CAUSES, EntryState, HouseholdStatus, PovertyAttribute
from households.models import Household, Member, code_range

__all__ = ["HouseholdFilter", "SORTS"]

#: sort keys offered on the list, and the columns they order by
#: the household number begins with its village's code, so village then number is the number's
#: order; said with the village first, an index on the village serves it under a scope's range
SORTS = {
    "household_no": ("village_id", "household_no"),
    "-household_no": ("-village_id", "-household_no"),
    "head_name": ("head_name", "household_no"),
    "size": ("household_size", "household_no"),
    "-size": ("-household_size", "household_no"),
    "income": ("net_income_per_capita", "household_no"),
    "-income": ("-net_income_per_capita", "household_no"),
    "-updated": ("-updated_at", "-id"),
}


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查询")
    village = django_filters.CharFilter(method="in_area", label="所在村")
    group = django_filters.CharFilter(field_name="village_group_id", label="所在组")
    attribute = django_filters.ChoiceFilter(
        field_name="poverty_attribute", choices=PovertyAttribute.choices, label="贫困户属性"
    )
    cause = django_filters.ChoiceFilter(field_name="main_cause", choices=CAUSES, label="主要致贫原因")
    status = django_filters.ChoiceFilter(field_name="status", choices=HouseholdStatus.choices, label="脱贫属性")
    entry_state = django_filters.ChoiceFilter(field_name="entry_state", choices=EntryState.choices, label="填报状态")
    has_errors = django_filters.BooleanFilter(method="with_errors", label="有质量错误")
    sort = django_filters.ChoiceFilter(method="sort_by", choices=[(key, key) for key in SORTS], label="排序")

    class Meta:
        model = Household
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Household number (a prefix), the last 4 characters of a member's ID number, or the
        beginning of a member's name (a surname or a whole name)."""
        value = clean_text(value, "q", max_length=100)
        if not value:
            return queryset
        if len(value) == 4 and value.isascii() and (value[:3].isdigit() and (value[3].isdigit() or value[3] in "Xx")):
            tail = Member.objects.filter(household=OuterRef("pk"), is_active=True, id_number__endswith=value.upper())
            return queryset.filter(Q(household_no__startswith=value) | Q(Exists(tail)))
        if value.isascii() and value.isdigit():
            return queryset.filter(household_no__startswith=value)
        # names match from their start (a surname, or a whole name), which an index can serve.
        # The head is an active member too, so one semi-join on members covers the head's name:
        # an OR with the head's name made PostgreSQL test every household of the scope (0.9 s for
        # a county among 600,000 households; docs/performance.md)
        named = Member.objects.filter(is_active=True, name__startswith=value)
        # the members of the households searched only: the user's scope and the list's area, said
        # once on the members' own area code (a member's is its household's village). Without them
        # PostgreSQL probed the members of each household in scope one by one (17 ms for a
        # county's 13,630 households; hashed from the county's 1,300 matching members: 9 ms)
        parts = self._searched_parts()
        if parts is not None:
            named = named.within(parts)
        return queryset.filter(id__in=named.values("household_id"))

    def _searched_parts(self) -> list[str] | None:
        """The area-code prefixes the list covers: the user's view scope within the list's area
        filter (None: everywhere, for a superuser's unfiltered list). Only narrows the search; the
        list's own queryset carries the scope that decides what is shown."""
        user = getattr(self.request, "user", None)
        scope = None if user is None else scope_of(user, Action.VIEW)
        area = ascii_digits(self.data.get("village"), "village")
        if area:
            return prefixes_within(scope, area)
        return scope

    def in_area(self, queryset, name, value):
        value = ascii_digits(value, "village")
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        scope = None if user is None else scope_of(user, Action.VIEW)
        if scope and all(prefix.startswith(value) for prefix in scope):
            # the view scope (on the list's queryset: households.views._listing and the API apply
            # visible_to) lies within the area: the filter would say it again, and PostgreSQL
            # would expect a fraction of the rows
            return queryset
        return queryset.filter(Q(village__code__startswith=value) & code_range("village_id", value))

    def with_errors(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(quality_errors__gt=0) if value else queryset.filter(quality_errors=0)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["household_no"]))
