"""Pages of a household's assistance (帮扶): its responsible cadre and their history, the visit
log, the plans by year with their measures (and the measures its causes call for), the funds it
received, and the printable household handbook (扶贫手册).

Each form posts to its own view, which parses it, calls one service of assistance.services and
redirects back; a refusal (ServiceError) re-renders the page with the message next to the field
or at the top of the form. Http404 and PermissionDenied from the lookups and services propagate.
The page reads everything in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from areas.choices import Action
from assistance import services
from assistance.cadre_scope import is_paired_with, paired_running
from assistance.choices import MEASURES, MeasureCode, MeasureKind, MeasureStatus
from assistance.forms import MeasureForm, MeasureStatusForm, PairingForm, PaymentForm, PlanCopyForm, PlanForm, VisitForm
from assistance.models import Cadre, Measure, Plan
from assistance.units import cadres_visible_to
from assistance.views_base import (
    ASSIGNERS,
    WORKERS,
    cause_names,
    household_or_404,
    may_any,
    projects_for_measures,
    suggestions,
)
from core.errors import ServiceError
from core.params import object_id
from core.shortcuts import show_error
from households.idnumbers import age_on, mask_id_number
from households.models import INCOME_FIELDS, Household, HouseholdYear

__all__ = [
    "household_assistance",
    "household_handbook",
    "measure_add",
    "measure_status",
    "pairing_add",
    "payment_add",
    "plan_copy",
    "plan_save",
    "visit_add",
]


def _back(household_id: int, anchor: str) -> str:
    return reverse("assistance:household_assistance", kwargs={"pk": household_id}) + f"#{anchor}"


# --- reading a household's assistance ---------------------------------------------------------------


def _ledger(household: Household, members_by_id: dict) -> list:
    """The household's plans, newest year first, each with its measures (``plan.rows``). Two
    queries: the plans, and the measures with their members' keys (one row per member)."""
    plans = list(Plan.objects.filter(household=household).order_by("-year"))
    measures: dict[int, SimpleNamespace] = {}
    rows = (
        Measure.objects.filter(household=household)
        .order_by("year", "code", "id")
        .values(
            "id", "plan_id", "code", "year", "content", "cost", "funding_source", "status", "project_id",
            "project__name", "members",
        )
    )  # fmt: skip
    for row in rows:
        measure = measures.get(row["id"])
        if measure is None:
            member_key = row.pop("members")
            measure = SimpleNamespace(**row, member_ids=[])
            measure.label = MeasureCode(measure.code).label
            measure.status_label = MeasureStatus(measure.status).label
            measure.applies_to = MeasureKind(MEASURES[measure.code].applies_to).label
            measures[measure.id] = measure
        else:
            member_key = row["members"]
        if member_key is not None:
            measure.member_ids.append(member_key)
    for measure in measures.values():
        measure.member_names = [members_by_id[m].name for m in measure.member_ids if m in members_by_id]
    for plan in plans:
        plan.rows = [m for m in measures.values() if m.plan_id == plan.pk]
    return plans


def _read(household: Household) -> dict:
    """Everything the page and the handbook show of the household's assistance."""
    members = list(household.members.order_by("-is_active", "position"))
    members_by_id = {member.pk: member for member in members}
    today = timezone.localdate()
    for member in members:  # pages of assistance never show a full ID number (no reveal here)
        member.masked_id = mask_id_number(member.id_number)
        member.age = age_on(member.birth_date, today) if member.birth_date else None
    pairings = list(household.pairings.select_related("cadre").order_by("starts_on", "id"))
    current = next((p for p in reversed(pairings) if paired_running(p, today)), None)
    plans = _ledger(household, members_by_id)
    return {
        "members": members,
        "active_members": [m for m in members if m.is_active],
        "pairings": pairings,
        "current": current,
        "plans": plans,
        "visits": list(household.visits.select_related("cadre").order_by("visited_on", "id")),
        "payments": list(household.payments.select_related("project").order_by("paid_on", "id")),
        "causes": cause_names(household),
    }


def _measure_choices(plans) -> list[dict]:
    return [{"id": m.id, "label": f"{m.year} {m.code} {m.label}"} for plan in plans for m in plan.rows]


def _page(request, household: Household, bound: dict | None = None):
    """The household's assistance page; ``bound`` holds the submitted form that was refused."""
    bound = bound or {}
    user = request.user
    data = _read(household)
    can_work = may_any(user, WORKERS, household.village_id)
    can_assign = may_any(user, ASSIGNERS, household.village_id)
    today = timezone.localdate()
    cadres = []
    if can_assign:
        cadres = list(
            cadres_visible_to(user)
            .filter(county_id=household.village_id[:6].ljust(12, "0"))
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .order_by("name", "id")
        )
    current = data["current"]
    own_pairing = current is not None and current.cadre.user_id == user.pk
    if can_work:  # a clerk records the visit of any cadre the household has had
        paired = list({p.cadre_id: p.cadre for p in reversed(data["pairings"])}.values())
    else:  # the household's cadre records their own visits only
        paired = [current.cadre] if own_pairing else []
    projects = list(projects_for_measures(user, household)) if can_work else []
    plans = data["plans"]
    for plan in plans:
        key = ("measure", plan.pk)
        plan.measure_form = bound.get(key) or MeasureForm(
            prefix=f"m{plan.pk}", members=data["active_members"], projects=projects, initial={"year": plan.year}
        )
        plan.open_measure_form = key in bound
        codes = {m.code for m in plan.rows if m.year == plan.year}
        plan.suggestions = suggestions(household, data["causes"], codes)
        plan.edit_form = bound.get(("plan", plan.pk)) or PlanForm(
            prefix=f"p{plan.pk}",
            initial={"year": plan.year, "planned_exit_year": plan.planned_exit_year, "note": plan.note,
                     "version": plan.version},
        )  # fmt: skip
        for measure in plan.rows:
            measure.form = bound.get(("status", measure.id)) or MeasureStatusForm(
                prefix=f"s{measure.id}",
                initial={"status": measure.status, "cost": measure.cost, "content": measure.content},
            )
    this_year = today.year
    years = {plan.year for plan in plans}
    context = {
        "household": household,
        **data,
        "can_work": can_work,
        "can_assign": can_assign,
        "can_visit": can_work or own_pairing,
        "by_role": getattr(household, "by_role", True),
        "pairing_form": bound.get("pairing") or PairingForm(cadres=cadres),
        "visit_form": bound.get("visit") or VisitForm(cadres=paired),
        "plan_form": bound.get("plan")
        or PlanForm(
            initial={"year": this_year, "planned_exit_year": plans[0].planned_exit_year if plans else this_year}
        ),
        "copy_form": bound.get("copy")
        or PlanCopyForm(initial={"from_year": max(years) if years else this_year - 1, "to_year": this_year}),
        "payment_form": bound.get("payment") or PaymentForm(measures=_measure_choices(plans)),
        "new_plan_suggestions": suggestions(household, data["causes"], set()) if not plans else [],
        "payments_total": sum((p.amount for p in data["payments"]), start=0),
    }
    return render(request, "assistance/household_assistance.html", context)


@login_required
def household_assistance(request, pk: int):
    """The household's assistance: cadre, visits, plans and measures, funds received; also for
    the cadre paired with it today, who needs no role for it (assistance.cadre_scope)."""
    return _page(request, household_or_404(request.user, pk, paired=True))


# --- the forms of the page, each calling one service ---------------------------------------------


@login_required
@require_POST
def pairing_add(request, pk: int):
    """Give the household another responsible cadre (assign_cadre: township reviewers, county)."""
    household = household_or_404(request.user, pk, ASSIGNERS)
    cadres = cadres_visible_to(request.user).filter(county_id=household.village_id[:6].ljust(12, "0"))
    form = PairingForm(request.POST, cadres=cadres)
    if form.is_valid():
        try:
            services.assign_cadre(
                actor=request.user,
                household_id=household.pk,
                cadre_id=form.cleaned_data["cadre"],
                starts_on=form.cleaned_data["starts_on"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The responsible cadre was changed."))
            return redirect(_back(household.pk, "cadre"))
    return _page(request, household, {"pairing": form})


@login_required
@require_POST
def visit_add(request, pk: int):
    """Record a visit (record_visit: clerks, reviewers, county officers, or the paired cadre)."""
    household = household_or_404(request.user, pk, paired=True)
    worker = may_any(request.user, WORKERS, household.village_id)
    if not worker and not is_paired_with(request.user, household.pk):
        raise PermissionDenied
    cadres = Cadre.objects.filter(pairings__household=household)
    if not worker:  # the household's cadre records their own visits only
        cadres = cadres.filter(user=request.user)
    form = VisitForm(request.POST, cadres=cadres.distinct())
    if form.is_valid():
        try:
            services.record_visit(
                actor=request.user,
                household_id=household.pk,
                cadre_id=form.cleaned_data["cadre"],
                visited_on=form.cleaned_data["visited_on"],
                found=form.cleaned_data["found"],
                done=form.cleaned_data["done"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect(_back(household.pk, "visits"))
    return _page(request, household, {"visit": form})


@login_required
@require_POST
def plan_save(request, pk: int):
    """Create the plan of a year, or change one (save_plan): ``plan`` names the plan changed."""
    household = household_or_404(request.user, pk, WORKERS)
    plan_id = object_id(request.POST.get("plan"), "plan")
    key = ("plan", plan_id) if plan_id is not None else "plan"
    form = PlanForm(request.POST, prefix=f"p{plan_id}" if plan_id is not None else None)
    if form.is_valid():
        try:
            plan = services.save_plan(
                actor=request.user,
                household_id=household.pk,
                year=form.cleaned_data["year"],
                planned_exit_year=form.cleaned_data["planned_exit_year"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The plan for %(year)s was saved.") % {"year": plan.year})
            return redirect(_back(household.pk, f"plan-{plan.year}"))
    return _page(request, household, {key: form})


@login_required
@require_POST
def plan_copy(request, pk: int):
    """Start a year's plan as a copy of an earlier one (copy_plan)."""
    household = household_or_404(request.user, pk, WORKERS)
    form = PlanCopyForm(request.POST)
    if form.is_valid():
        try:
            plan = services.copy_plan(
                actor=request.user,
                household_id=household.pk,
                from_year=form.cleaned_data["from_year"],
                to_year=form.cleaned_data["to_year"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, _("The plan for %(year)s was started from the earlier one.") % {"year": plan.year}
            )
            return redirect(_back(household.pk, f"plan-{plan.year}"))
    return _page(request, household, {"copy": form})


@login_required
@require_POST
def measure_add(request, pk: int):
    """Add a measure to a plan (add_measure), for the household or for named members."""
    plan = Plan.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
    household = household_or_404(request.user, plan.household_id if plan else 0, WORKERS)
    members = household.members.filter(is_active=True)
    form = MeasureForm(
        request.POST, prefix=f"m{plan.pk}", members=members, projects=projects_for_measures(request.user, household)
    )
    # a member of another household is refused by the service, with its own message
    form.fields["members"].choices = [(value, value) for value in request.POST.getlist(f"m{plan.pk}-members")]
    if form.is_valid():
        try:
            services.add_measure(actor=request.user, plan_id=plan.pk, **form.service_values())
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The measure was added."))
            return redirect(_back(household.pk, f"plan-{plan.year}"))
    form.fields["members"].choices = [(m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members]
    return _page(request, household, {("measure", plan.pk): form})


@login_required
@require_POST
def measure_status(request, pk: int):
    """Change a measure's status, and its cost and content (set_measure_status)."""
    measure = Measure.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
    household = household_or_404(request.user, measure.household_id if measure else 0, WORKERS)
    form = MeasureStatusForm(request.POST, prefix=f"s{measure.pk}")
    if form.is_valid():
        try:
            services.set_measure_status(
                actor=request.user,
                measure_id=measure.pk,
                status=form.cleaned_data["status"],
                cost=form.cleaned_data.get("cost"),
                content=form.cleaned_data.get("content"),
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The measure was updated."))
            return redirect(_back(household.pk, f"plan-{measure.year}"))
    return _page(request, household, {("status", measure.pk): form})


@login_required
@require_POST
def payment_add(request, pk: int):
    """Record money paid to the household (record_payment: township reviewers, county officers)."""
    household = household_or_404(request.user, pk, ASSIGNERS)
    measures = household.measures.values_list("id", "year", "code")
    form = PaymentForm(request.POST, measures=[{"id": m, "label": f"{y} {c}"} for m, y, c in measures])
    if form.is_valid():
        try:
            services.record_payment(
                actor=request.user,
                household_id=household.pk,
                amount=form.cleaned_data["amount"],
                paid_on=form.cleaned_data["paid_on"],
                purpose=form.cleaned_data["purpose"],
                measure_id=form.cleaned_data.get("measure"),
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect(_back(household.pk, "payments"))
    return _page(request, household, {"payment": form})


# --- the household handbook (扶贫手册) -------------------------------------------------------------


@login_required
def household_handbook(request, pk: int):
    """The household handbook, an A4 page to print: facts, members (ID numbers masked), causes,
    cadre, plans and measures, funds, visits, income by year and the planned exit year."""
    household = household_or_404(request.user, pk, paired=True)
    data = _read(household)
    today = timezone.localdate()
    plans = data["plans"]
    figures = [(Household._meta.get_field(name).verbose_name, getattr(household, name)) for name in INCOME_FIELDS]
    income_rows = [figures[index : index + 2] for index in range(0, len(figures), 2)]  # two figures a line
    context = {
        "household": household,
        **data,
        "income_rows": income_rows,
        "main_cause": data["causes"].get(household.main_cause, ""),
        "other_causes": [data["causes"][code] for code in household.other_causes or [] if code in data["causes"]],
        "years": list(HouseholdYear.objects.filter(household=household).order_by("year")),
        "planned_exit_year": plans[0].planned_exit_year if plans else None,
        "payments_total": sum((p.amount for p in data["payments"]), start=0),
        "printed_on": today,
    }
    return render(request, "assistance/household_handbook.html", context)
