"""Pages of assistance by area: the start page, a county's cadres, a village's work teams, units
and households (with the bulk assignment of a cadre), the coverage of a township or county, its
rolling plan, and a village's funds for publicity.

Thin like every page: find the area within the user's scope (404 outside it, 403 without the
action), parse a form, call one service, render; reads go through ``visible_to`` or start from an
area the user sees, and stay at a fixed number of queries.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import grants_of, may, prefixes_for
from assistance import selectors, services, units
from assistance.cadre_scope import cadres_of
from assistance.forms import (
    BulkAssignForm,
    BulkPlanCopyForm,
    CadreEndForm,
    CadreFilterForm,
    CadreForm,
    CadreLoginForm,
    UnitEndForm,
    UnitForm,
    WorkTeamForm,
)
from assistance.models import FundPayment, Pairing, Plan, UnitAssignment, WorkTeam
from assistance.queues import work_for
from assistance.units import cadres_visible_to
from assistance.views import show_error
from assistance.views_base import ASSIGNERS, WORKERS, area_or_404, cadre_or_404, county_or_404, require_any
from core.errors import ServiceError
from core.params import year as params_year
from households.choices import HouseholdStatus
from households.models import Household

__all__ = [
    "bulk_assign",
    "bulk_copy_plans",
    "cadre_add",
    "cadre_end",
    "cadre_list",
    "cadre_login",
    "coverage",
    "fund_list",
    "index",
    "rolling_plan",
    "unit_assign",
    "unit_end",
    "village_assistance",
    "work_team_set",
]

PAGE_SIZE = 100
#: households that have a responsible cadre (不脱贫不脱钩): the poor ones (assistance.selectors)
POOR = (HouseholdStatus.REGISTERED, HouseholdStatus.PRE_EXIT, HouseholdStatus.RETURNED)
AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def _current(on: datetime.date) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


@login_required
def index(request):
    """What waits for the user in assistance, and the pages of each of their areas. A cadre
    without a role goes to their households; anyone else without a role is refused (403)."""
    is_cadre = cadres_of(request.user).exists()
    if is_cadre and not request.user.is_superuser and not prefixes_for(request.user, Action.VIEW):
        return redirect("assistance:my_households")
    require_any(request.user, (Action.VIEW,))
    links = []
    for grant in grants_of(request.user):
        if any(link["code"] == grant.area_code for link in links):
            continue
        links.append(
            {"code": grant.area_code, "name": grant.area_name, "level": grant.area_level, "prefix": grant.prefix}
        )
    return render(
        request, "assistance/index.html", {"work": work_for(request.user), "areas": links, "is_cadre": is_cadre}
    )


# --- cadres of a county --------------------------------------------------------------------------


@login_required
def cadre_list(request, code: str):
    """The county's responsible cadres, with how many households each holds today."""
    county = county_or_404(request.user, code)
    form = CadreFilterForm(request.GET or None)
    today = timezone.localdate()
    cadres = cadres_visible_to(request.user).filter(county=county)
    state, query = "current", ""
    if form.is_valid():
        state = form.cleaned_data["state"] or "current"
        query = form.cleaned_data["q"].strip()
    if state == "current":
        cadres = cadres.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    elif state == "ended":
        cadres = cadres.filter(ends_on__lt=today)
    if query:
        cadres = cadres.filter(Q(name__contains=query) | Q(unit__contains=query))
    holding = Q(pairings__starts_on__lte=today) & (Q(pairings__ends_on__isnull=True) | Q(pairings__ends_on__gte=today))
    cadres = cadres.annotate(households=Count("pairings", filter=holding))
    page = Paginator(cadres.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "assistance/cadre_list.html",
        {
            "county": county,
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "can_manage": may(request.user, Action.APPROVE, county.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadre_add(request, code: str):
    """Register a responsible cadre of the county (county officers)."""
    county = county_or_404(request.user, code, (Action.APPROVE,))
    form = CadreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.create_cadre(actor=request.user, county_code=county.code, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("%(name)s was registered as a responsible cadre.") % {"name": cadre.name})
            return redirect("assistance:cadre_list", code=county.code)
    return render(request, "assistance/cadre_form.html", {"county": county, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def cadre_end(request, pk: int):
    """End a cadre's assignment (county officers), once their households have another cadre."""
    cadre = cadre_or_404(request.user, pk, (Action.APPROVE,))
    form = CadreEndForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_cadre(actor=request.user, cadre_id=cadre.pk, ends_on=form.cleaned_data["ends_on"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The assignment of %(name)s ends.") % {"name": cadre.name})
            return redirect("assistance:cadre_list", code=cadre.county_id)
    holding = Pairing.objects.filter(cadre=cadre, ends_on__isnull=True).count()
    return render(request, "assistance/cadre_end.html", {"cadre": cadre, "form": form, "holding": holding})


@login_required
@require_http_methods(["GET", "POST"])
def cadre_login(request, pk: int):
    """Link the login a cadre uses to see their households, or unlink it (county officers)."""
    cadre = cadre_or_404(request.user, pk, (Action.APPROVE,))
    current = cadre.user.username if cadre.user_id else ""
    form = CadreLoginForm(request.POST or None, initial={"username": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_cadre_login(actor=request.user, cadre_id=cadre.pk, username=form.cleaned_data["username"])
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The login of %(name)s was saved.") % {"name": cadre.name})
            return redirect("assistance:cadre_list", code=cadre.county_id)
    return render(request, "assistance/cadre_login.html", {"cadre": cadre, "form": form, "current": current})


# --- a village: work teams, units, households -------------------------------------------------------


def _village_page(request, village: Area, bound: dict | None = None):
    bound = bound or {}
    today = timezone.localdate()
    current = Pairing.objects.filter(household=OuterRef("pk")).filter(_current(today))
    households = (
        Household.objects.visible_to(request.user, Action.VIEW)
        .filter(village=village, status__in=POOR)
        .annotate(has_cadre=Exists(current))
        .order_by("household_no")
    )
    pairings = {
        p.household_id: p
        for p in Pairing.objects.visible_to(request.user, Action.VIEW)
        .filter(area_code=village.code)
        .filter(_current(today))
        .select_related("cadre")
    }
    rows = list(households.only("id", "household_no", "head_name", "household_size", "status", "village_id"))
    for household in rows:
        household.pairing = pairings.get(household.pk)
    can_manage = may(request.user, Action.APPROVE, village.code)
    context = {
        "village": village,
        "teams": list(
            WorkTeam.objects.visible_to(request.user, Action.VIEW).filter(village=village).order_by("-starts_on")
        ),
        "assignments": list(
            UnitAssignment.objects.visible_to(request.user, Action.VIEW)
            .filter(village=village)
            .select_related("unit")
            .order_by("-starts_on")
        ),
        "households": rows,
        "uncovered": sum(1 for household in rows if not household.has_cadre),
        "can_manage": can_manage,
        "can_assign": any(may(request.user, action, village.code) for action in ASSIGNERS),
        "can_plan": any(may(request.user, action, village.code) for action in WORKERS),
        "team_form": bound.get("team") or WorkTeamForm(initial={"starts_on": today}),
        "unit_form": bound.get("unit") or UnitForm(initial={"starts_on": today}),
        "today": today,
    }
    return render(request, "assistance/village_assistance.html", context)


@login_required
def village_assistance(request, code: str):
    """A village's work teams and assistance units, and its poor households with their cadres."""
    return _village_page(request, area_or_404(request.user, code, levels=(Level.VILLAGE,)))


@login_required
@require_POST
def work_team_set(request, code: str):
    """Station a work team in the village (set_work_team: county officers)."""
    village = area_or_404(request.user, code, (Action.APPROVE,), levels=(Level.VILLAGE,))
    form = WorkTeamForm(request.POST)
    if form.is_valid():
        try:
            services.set_work_team(
                actor=request.user,
                village_code=village.code,
                dispatching_unit=form.cleaned_data["dispatching_unit"],
                leader=form.cleaned_data["leader"],
                first_secretary=form.cleaned_data["first_secretary"],
                members=form.member_names(),
                starts_on=form.cleaned_data["starts_on"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The work team was stationed."))
            return redirect(reverse("assistance:village_assistance", kwargs={"code": village.code}) + "#teams")
    return _village_page(request, village, {"team": form})


@login_required
@require_POST
def unit_assign(request, code: str):
    """Make a unit one of the village's assistance units (assign_unit: county officers)."""
    village = area_or_404(request.user, code, (Action.APPROVE,), levels=(Level.VILLAGE,))
    form = UnitForm(request.POST)
    if form.is_valid():
        try:
            units.assign_unit(actor=request.user, village_code=village.code, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The assistance unit was assigned."))
            return redirect(reverse("assistance:village_assistance", kwargs={"code": village.code}) + "#units")
    return _village_page(request, village, {"unit": form})


@login_required
@require_POST
def unit_end(request, pk: int):
    """End a unit's assistance of a village (end_unit_assignment: county officers)."""
    assignment = UnitAssignment.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    village = area_or_404(request.user, assignment.village_id, (Action.APPROVE,))
    form = UnitEndForm(request.POST)
    if form.is_valid():
        try:
            units.end_unit_assignment(
                actor=request.user, assignment_id=assignment.pk, ends_on=form.cleaned_data["ends_on"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The unit's assistance of the village ends."))
    else:
        messages.error(request, _("Give the date the assistance ends."))
    return redirect(reverse("assistance:village_assistance", kwargs={"code": village.code}) + "#units")


@login_required
@require_http_methods(["GET", "POST"])
def bulk_assign(request, code: str):
    """Give one cadre to many households of the village at once, with a result per household."""
    village = area_or_404(request.user, code, ASSIGNERS, levels=(Level.VILLAGE,))
    today = timezone.localdate()
    current = Pairing.objects.filter(household=OuterRef("pk")).filter(_current(today))
    households = list(
        Household.objects.visible_to(request.user, Action.VIEW)
        .filter(village=village, status__in=POOR)
        .annotate(has_cadre=Exists(current))
        .order_by("has_cadre", "household_no")
        .only("id", "household_no", "head_name", "household_size")
    )
    cadres = (
        cadres_visible_to(request.user)
        .filter(county_id=village.code[:6].ljust(12, "0"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("name", "id")
    )
    form = BulkAssignForm(request.POST or None, cadres=cadres, households=households)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.assign_cadre_many(
            actor=request.user,
            household_ids=form.cleaned_data["households"],
            cadre_id=form.cleaned_data["cadre"],
            starts_on=form.cleaned_data["starts_on"],
            reason=form.cleaned_data["reason"],
        )
        if result.succeeded:
            messages.success(request, _("%(count)s households now have this cadre.") % {"count": len(result.succeeded)})
        if result.failed:
            messages.error(request, _("%(count)s households were not changed.") % {"count": len(result.failed)})
    names = {h.pk: f"{h.household_no} {h.head_name}" for h in households}
    outcome = None
    if result is not None:
        outcome = [(names.get(pk, pk), _("done"), True) for pk in result.succeeded] + [
            (names.get(pk, pk), message, False) for pk, message in result.failed.items()
        ]
    return render(
        request,
        "assistance/bulk_assign.html",
        {"village": village, "form": form, "households": households, "outcome": outcome},
    )


def _year_of(value, default: int, name: str) -> int:
    return params_year(value, name, default=default)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_copy_plans(request, code: str):
    """Start this year's plans of many households of the village as drafts of last year's, with
    a result per household (copy_plans_many: clerks, reviewers, county officers)."""
    village = area_or_404(request.user, code, WORKERS, levels=(Level.VILLAGE,))
    this_year = timezone.localdate().year
    data = request.POST or request.GET
    from_year = _year_of(data.get("from_year"), this_year - 1, "from_year")
    to_year = _year_of(data.get("to_year"), this_year, "to_year")
    households = list(
        Household.objects.visible_to(request.user, Action.VIEW)
        .filter(village=village, status__in=POOR)
        .annotate(
            has_from=Exists(Plan.objects.filter(household=OuterRef("pk"), year=from_year)),
            has_to=Exists(Plan.objects.filter(household=OuterRef("pk"), year=to_year)),
        )
        .order_by("household_no")
        .only("id", "household_no", "head_name", "household_size")
    )
    initial = {"from_year": from_year, "to_year": to_year}
    form = BulkPlanCopyForm(request.POST or None, households=households, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.copy_plans_many(
            actor=request.user,
            household_ids=form.cleaned_data["households"],
            from_year=form.cleaned_data["from_year"],
            to_year=form.cleaned_data["to_year"],
        )
        if result.succeeded:
            messages.success(
                request, _("%(count)s households have a draft plan copied.") % {"count": len(result.succeeded)}
            )
        if result.failed:
            messages.error(request, _("%(count)s households were not changed.") % {"count": len(result.failed)})
    names = {h.pk: f"{h.household_no} {h.head_name}" for h in households}
    outcome = None
    if result is not None:
        outcome = [(names.get(pk, pk), _("done"), True) for pk in result.succeeded] + [
            (names.get(pk, pk), message, False) for pk, message in result.failed.items()
        ]
    return render(
        request,
        "assistance/bulk_copy_plans.html",
        {
            "village": village,
            "form": form,
            "households": households,
            "outcome": outcome,
            "from_year": from_year,
            "to_year": to_year,
        },
    )


# --- coverage and rolling plan of a township or county ------------------------------------------------


def _names(codes) -> dict[str, str]:
    codes = set(codes)
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


@login_required
def coverage(request, code: str):
    """Households without a cadre per village, and poor villages without a work team or unit."""
    area = area_or_404(request.user, code, levels=AREA_LEVELS)
    gaps = selectors.coverage_gaps(area.prefix, on=timezone.localdate())
    names = _names([*gaps.by_village, *gaps.villages_without_team, *gaps.villages_without_unit])
    can_assign = any(may(request.user, action, area.code) for action in ASSIGNERS)
    rows = [
        {"code": village, "name": names.get(village, village), "count": count}
        for village, count in sorted(gaps.by_village.items())
    ]
    return render(
        request,
        "assistance/coverage.html",
        {
            "area": area,
            "gaps": gaps,
            "rows": rows,
            "without_team": [(c, names.get(c, c)) for c in gaps.villages_without_team],
            "without_unit": [(c, names.get(c, c)) for c in gaps.villages_without_unit],
            "can_assign": can_assign,
        },
    )


def _plan_year(request) -> int:
    return params_year(request.GET.get("year"), default=timezone.localdate().year)


@login_required
def rolling_plan(request, code: str):
    """The rolling plan (三年滚动规划) of a township or county: each village's exit year from its
    incidence, and the households and people planned to exit per village and year."""
    area = area_or_404(request.user, code, levels=AREA_LEVELS)
    plan_year = _plan_year(request)
    horizon = list(range(plan_year, plan_year + 3))
    exits = selectors.planned_exits(area.prefix, plan_year)
    threshold = selectors.exit_threshold(area.code)
    villages = selectors.village_exit_years(
        area.prefix, plan_year, years=len(horizon), exits=exits, threshold=threshold
    )
    years = sorted({*horizon, *(year for by_year in exits.values() for year in by_year)})
    names = _names([*exits, *(v.village for v in villages)])
    exit_rows = []
    totals = {year: [0, 0] for year in years}
    for village in sorted(exits):
        cells = []
        for year in years:
            households, people = exits[village].get(year, (0, 0))
            totals[year][0] += households
            totals[year][1] += people
            cells.append((households, people))
        exit_rows.append({"code": village, "name": names.get(village, village), "cells": cells})
    village_rows = [
        {
            "plan": v,
            "name": names.get(v.village, v.village),
            "remaining": [v.remaining_by_year.get(year) for year in horizon],
        }
        for v in villages
    ]
    exiting = {year: sum(1 for v in villages if v.exit_year == year) for year in horizon}
    area_plan = selectors.area_exit_year(villages, threshold)
    return render(
        request,
        "assistance/rolling_plan.html",
        {
            "area": area,
            "plan_year": plan_year,
            "horizon": horizon,
            "years": years,
            "exit_columns": 2 * len(years) + 1,
            "village_rows": village_rows,
            "exit_rows": exit_rows,
            "totals": [totals[year] for year in years],
            "exiting": [exiting[year] for year in horizon],
            "area_plan": area_plan,
            "area_remaining": [area_plan.remaining_by_year.get(year) for year in horizon],
            "threshold": threshold * 100,
        },
    )


# --- a village's funds, for publicity ---------------------------------------------------------------


@login_required
def fund_list(request, code: str):
    """Funds paid to the village's households (资金到户), to publish: the head of household, the
    amount, the date and the purpose; never ID numbers or bank accounts."""
    village = area_or_404(request.user, code, levels=(Level.VILLAGE,))
    payments = (
        FundPayment.objects.visible_to(request.user, Action.VIEW)
        .filter(area_code=village.code)
        .select_related("household__village_group")
        .only("id", "amount", "paid_on", "purpose", "household__head_name", "household__household_no",
              "household__village_group__name")
    )  # fmt: skip
    year = params_year(request.GET.get("year"))
    if year:
        payments = payments.filter(paid_on__year=year)
    payments = payments.order_by("paid_on", "household__household_no", "id")
    total = payments.aggregate(total=Sum("amount"))["total"] or 0
    return render(
        request,
        "assistance/fund_list.html",
        {"village": village, "payments": list(payments), "total": total, "year": year},
    )
