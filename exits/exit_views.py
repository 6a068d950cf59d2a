"""Pages of the exit procedures: the year's household cases with bulk steps, the township's
proposal at the start of the year, one case with its next step, its record and its village
publicity (identification's notices and objections: exits/exit_publicity.py), drafting the
village's exit notice, and the incidence page with poor village exit and county 摘帽.

Thin: parse a form (exits/exit_forms.py), call one service, render. Out of scope answers 404,
without the action 403 (the services decide; the views only find the object in scope first).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from areas.choices import Action, Level
from areas.scopes import may, prefixes_for
from core.errors import ServiceError
from core.params import ascii_digits
from core.params import year as params_year
from exits import exit_areas, exit_services
from exits.exit_choices import ExitState
from exits.exit_forms import (
    STEP_FORMS,
    AreaYearForm,
    BulkExitForm,
    LevelCheckForm,
    ProposeManyForm,
    PublicityForm,
    VillagePublicityForm,
)
from exits.exit_incidence import assess_counties, assess_county, assess_villages
from exits.exit_workflow import OPEN_STATES, TRANSITIONS, transition
from exits.models import CountyExitCase, ExitCase, VillageExitCase
from households.choices import HouseholdStatus
from households.models import Household
from identification.attachments import store_attachment
from identification.choices import CampaignKind
from identification.models import Notice, Objection
from identification.services import campaigns_visible_to
from identification.views_base import area_or_404, show_error

__all__ = [
    "county_exit_propose",
    "county_exit_step",
    "exit_bulk",
    "exit_case_detail",
    "exit_case_step",
    "exit_incidence",
    "exit_list",
    "exit_propose",
    "exit_publicity",
    "village_exit_propose",
    "village_exit_step",
]

PAGE_SIZE = 100


def _year(request) -> int:
    return params_year(request.GET.get("year"), default=timezone.localdate().year)


def _require_a_role(user) -> None:
    """A user with no role at all has no list to see (403)."""
    if not user.is_superuser and not prefixes_for(user, Action.VIEW):
        raise PermissionDenied


def _require_somewhere(user, action: str) -> None:
    """Pages naming many cases or households answer 403 to a user who holds the action nowhere;
    a case or household out of scope is then a failed result, not a refusal of the page."""
    if not user.is_superuser and not prefixes_for(user, action):
        raise PermissionDenied


def _case_or_404(user, pk: int) -> ExitCase:
    case = (
        ExitCase.objects.visible_to(user)
        .select_related("household__village", "household__village_group")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


# --- the year's cases ---------------------------------------------------------------------------


@login_required
def exit_list(request):
    """The household exit cases of a year in the user's areas, by state, with bulk steps."""
    _require_a_role(request.user)
    year = _year(request)
    cases = ExitCase.objects.visible_to(request.user).filter(year=year)
    counts = Counter(dict(cases.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n")))
    state = request.GET.get("state", "")
    if state in ExitState.values:
        cases = cases.filter(state=state)
    if village := ascii_digits(request.GET.get("village"), "village"):
        cases = cases.filter(area_code__startswith=village)
    page = Paginator(
        cases.select_related("household__village", "household__village_group").order_by("area_code", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "year": year,
        "page": page,
        "state": state,
        "states": [(value, label, counts.get(value, 0)) for value, label in ExitState.choices],
        "bulk_form": BulkExitForm(),
        "incidence_areas": _incidence_areas(request.user),
        "publicity_form": PublicityForm(initial={"year": year}),
        # the counties' exit campaigns of the year, whose notices carry the village publicities
        "exit_campaigns": list(
            campaigns_visible_to(request.user)
            .filter(kind=CampaignKind.EXIT, year=year)
            .select_related("county")
            .order_by("county_id")[:50]
        ),
    }
    return render(request, "exits/exit/case_list.html", context)


def _incidence_areas(user) -> list[tuple[str, str]]:
    """The user's own counties, townships and villages, for links to their incidence pages."""
    from areas.scopes import grants_of

    levels = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
    return sorted({(g.area_code, g.area_name) for g in grants_of(user) if g.area_level in levels})


@login_required
def exit_propose(request):
    """Start of the year: the township picks the registered households to exit this year."""
    _require_somewhere(request.user, Action.REVIEW)
    year = _year(request)
    if request.method == "POST":
        form = ProposeManyForm(request.POST)
        if form.is_valid():
            result = exit_services.propose_exits(actor=request.user, **form.cleaned_data)
            return _bulk_result(
                request, _("Proposed to exit"), form.cleaned_data["household_ids"], result, households=True
            )
    else:
        form = ProposeManyForm(initial={"year": year})
    households = (
        Household.objects.visible_to(request.user, Action.REVIEW)
        .filter(status__in=(HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED))
        .select_related("village", "village_group")
        .order_by("household_no")
    )
    if village := ascii_digits(request.GET.get("village"), "village"):
        households = households.filter(village__code__startswith=village)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exits/exit/propose.html", {"form": form, "page": page, "year": year})


def _bulk_result(request, label: str, ids: list[int], result, *, households: bool = False):
    if households:
        rows_by_id = {
            case.household_id: case
            for case in ExitCase.objects.visible_to(request.user)
            .filter(household_id__in=ids)
            .select_related("household__village")
        }
    else:
        rows_by_id = {
            case.pk: case
            for case in ExitCase.objects.visible_to(request.user)
            .filter(pk__in=ids)
            .select_related("household__village")
        }
    rows = [
        {"id": pk, "case": rows_by_id.get(pk), "passed": pk in result.succeeded, "message": result.failed.get(pk, "")}
        for pk in dict.fromkeys(ids)
    ]
    context = {"label": label, "rows": rows, "passed": len(result.succeeded), "failed": len(result.failed)}
    return render(request, "exits/exit/bulk_result.html", context)


@login_required
@require_POST
def exit_bulk(request):
    """The same step on the chosen cases, with a result per case."""
    _require_a_role(request.user)
    form = BulkExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("exit:case_list")
    step = form.cleaned_data["step"]
    _require_somewhere(request.user, transition(step).action)
    step_form = STEP_FORMS[step](request.POST)
    if not step_form.is_valid():
        messages.error(request, " ".join(f"{k}: {e}" for k, errors in step_form.errors.items() for e in errors))
        return redirect("exit:case_list")
    values = step_form.values()
    values.pop("version", None)
    ids = form.cleaned_data["case_ids"]
    result = exit_services.advance_many(actor=request.user, case_ids=ids, step=step, **values)
    return _bulk_result(request, transition(step).label, ids, result)


# --- one case -----------------------------------------------------------------------------------


def _next_steps(user, case: ExitCase) -> list[dict[str, Any]]:
    """The steps the user may take on the case now, each with its form."""
    steps = []
    for step in TRANSITIONS:
        if case.state not in step.sources or step.name not in STEP_FORMS:
            continue
        allowed = may(user, step.action, case.area_code) or (
            step.name == "withdraw" and may(user, Action.APPROVE, case.area_code)
        )
        if allowed:
            form = STEP_FORMS[step.name](initial=_initial(case, step.name), prefix=step.name)
            steps.append({"step": step, "form": form})
    return steps


def _initial(case: ExitCase, step: str) -> dict[str, Any]:
    today = timezone.localdate()
    initial: dict[str, Any] = {"version": case.version}
    if step == "record_home_verification":
        initial.update({"income_per_capita": case.household.net_income_per_capita, "visited_on": today})
    if step == "record_acknowledgement":
        initial.update({"signed_by": case.household.head_name, "signed_on": today})
    for name in ("meeting_date", "reviewed_on", "announced_on", "filed_on"):
        initial.setdefault(name, today)
    return initial


def _record_labels() -> dict[str, str]:
    return {
        "meeting_date": _("Meeting date"),
        "representatives": _("Representatives"),
        "present": _("Present"),
        "votes_for": _("For"),
        "votes_against": _("Against"),
        "visited_on": _("Visited on"),
        "income_per_capita": _("Per-capita net income found (yuan)"),
        "line": _("Poverty line (yuan)"),
        "verifiers": _("Verified by (village committee, work team)"),
        "findings": _("Findings"),
        "signed_by": _("Signed for the household by"),
        "signed_on": _("Signed on"),
        "starts_on": _("Posted on"),
        "ends_on": _("Publicity ends on"),
        "place": _("Posted at"),
        "concluded_on": _("Concluded on"),
        "reviewed_on": _("Reviewed on"),
        "opinion": _("Opinion"),
        "announced_on": _("Announced on"),
        "city_filed_on": _("Filed with the city on"),
        "province_filed_on": _("Filed with the province on"),
        "notice": _("Notice"),
        "objection": _("Objection"),
        "plan": _("Measures planned"),
    }


def _describe(event) -> dict[str, Any]:
    """One step of the record as people read it: its name, the checklist item by item, the
    failures, and the other values with their labels."""
    from exits.exit_forms import CHECKLIST_LABELS

    record = dict(event.record)
    labels = _record_labels()
    try:
        name = transition(event.transition).label
    except StopIteration:
        # a step of an earlier version of the table (the single filing step, kept in old records)
        name = {"record_filing": "报市、省备案"}.get(event.transition, event.transition)
    checklist = [(CHECKLIST_LABELS[item], held) for item, held in record.pop("checklist", {}).items()]
    failures = record.pop("failures", [])
    record.pop("register", None)
    checked = record.pop("checked_in_field", None)
    values = [(labels.get(key, key), value) for key, value in record.items() if value not in (None, "")]
    if checked:
        values.append((_("Checked in the field"), "✓"))
    return {"event": event, "name": name, "values": values, "checklist": checklist, "failures": failures}


def _render_case(request, case: ExitCase, *, failed: dict[str, Any] | None = None, status: int = 200):
    steps = _next_steps(request.user, case)
    if failed:
        for entry in steps:
            if entry["step"].name == failed["step"]:
                entry["form"] = failed["form"]
    events = [_describe(e) for e in case.events.select_related("actor").order_by("time", "pk")]
    notices, objections = [], []
    if case.publicity_case_id:
        # the village publicity is identification's notice: its pages post, print and conclude it
        notices = list(
            Notice.objects.filter(entries__case_id=case.publicity_case_id).select_related("area").order_by("-pk")
        )
        objections = list(Objection.objects.filter(case_id=case.publicity_case_id).order_by("-received_on", "-pk"))
    context = {
        "case": case,
        "household": case.household,
        "blockers": exit_services.assess(case.household, case.year).failures if case.state in OPEN_STATES else [],
        "steps": steps,
        "events": events,
        "notices": notices,
        "objections": objections,
    }
    return render(request, "exits/exit/case_detail.html", context, status=status)


@login_required
def exit_case_detail(request, pk: int):
    return _render_case(request, _case_or_404(request.user, pk))


@login_required
@require_POST
def exit_case_step(request, pk: int, step: str):
    """Take one step on the case (the step's form, then its service)."""
    case = _case_or_404(request.user, pk)
    if step not in STEP_FORMS:
        raise Http404
    form = STEP_FORMS[step](request.POST, request.FILES, prefix=step if f"{step}-version" in request.POST else None)
    if form.is_valid():
        values = form.values()
        try:
            with transaction.atomic():
                if step == "record_acknowledgement" and form.cleaned_data.get("scan"):
                    values["attachment"] = store_attachment(
                        actor=request.user, upload=form.cleaned_data["scan"], area_code=case.area_code
                    )
                getattr(exit_services, step)(actor=request.user, case_id=case.pk, **values)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Recorded: %(step)s.") % {"step": transition(step).label})
            return redirect("exit:case_detail", pk=case.pk)
    return _render_case(request, _case_or_404(request.user, pk), failed={"step": step, "form": form}, status=400)


@login_required
@require_POST
def exit_publicity(request):
    """Draft the village's exit publicity notice for its acknowledged cases; it is then posted,
    printed, objected to and concluded on the notice's own page."""
    form = PublicityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = exit_services.draft_publicity(
                actor=request.user,
                village_code=data["village"],
                year=data["year"],
                issued_by=data["issued_by"],
                contact=data["contact"],
                case_ids=data["case_ids"] or None,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The notice was drafted; post it to start the period."))
            return redirect("identification:notice_detail", pk=notice.pk)
    else:
        messages.error(request, " ".join(f"{k}: {e}" for k, errors in form.errors.items() for e in errors))
    return redirect(_list_url())


def _list_url() -> str:
    from django.urls import reverse

    return reverse("exit:case_list")


# --- villages and counties ----------------------------------------------------------------------


@login_required
def exit_incidence(request, code: str):
    """Poverty incidence of the area's villages (and of its county): who meets the bar, what stops
    the others, and the village and county exit cases of the year."""
    area = area_or_404(request.user, code)
    if area.level == Level.GROUP:
        raise Http404
    year = _year(request)
    if area.level in (Level.PROVINCE, Level.CITY):
        counties = assess_counties(area.prefix, year)
        cases = {
            c.county_id: c
            for c in CountyExitCase.objects.visible_to(request.user).filter(
                county__code__startswith=area.prefix, year=year
            )
        }
        for county in counties:
            county.case = cases.get(county.code)
        context = {
            "area": area,
            "year": year,
            "meeting": [c for c in counties if c.meets_bar],
            "stopped": [c for c in counties if not c.meets_bar],
        }
        return render(request, "exits/exit/incidence_counties.html", context)
    villages = assess_villages(area.prefix, year)
    county = None
    if area.level == Level.COUNTY:
        county = assess_county(area, year, villages)
    village_cases = {
        c.village_id: c
        for c in VillageExitCase.objects.visible_to(request.user).filter(
            village__code__startswith=area.prefix, year=year
        )
    }
    for village in villages:
        village.case = village_cases.get(village.code)  # the page shows each village with its exit case
    county_case = CountyExitCase.objects.filter(county_id=area.code[:6].ljust(12, "0"), year=year).first()
    context = {
        "area": area,
        "year": year,
        "meeting": [v for v in villages if v.meets_bar],
        "stopped": [v for v in villages if not v.meets_bar],
        "county": county,
        "village_cases": village_cases,
        "county_case": county_case if county else None,
        "may_propose_village": may(request.user, Action.REVIEW, area.code) or request.user.is_superuser,
        "may_propose_county": county is not None and may(request.user, Action.APPROVE, area.code),
        "publicity_form": VillagePublicityForm(initial={"starts_on": timezone.localdate()}),
        "check_form": LevelCheckForm(initial={"checked_on": timezone.localdate()}),
        "may": {
            "review": may(request.user, Action.REVIEW, area.code),
            "approve": may(request.user, Action.APPROVE, area.code),
            "inspect": may(request.user, Action.INSPECT, area.code),
            "verify": may(request.user, Action.VERIFY_EXIT, area.code),
        },
    }
    return render(request, "exits/exit/incidence.html", context)


def _back_to_incidence(code: str, year: int):
    from django.urls import reverse

    return redirect(reverse("exit:incidence", kwargs={"code": code}) + f"?year={year}")


@login_required
@require_POST
def village_exit_propose(request):
    form = AreaYearForm(request.POST)
    if not form.is_valid():
        raise Http404
    code, year = form.cleaned_data["code"], form.cleaned_data["year"]
    try:
        exit_areas.propose_village(actor=request.user, village_code=code, year=year)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The village is proposed to exit."))
    return _back_to_incidence(code[:9] + "000", year)


@login_required
@require_POST
def village_exit_step(request, pk: int, step: str):
    case = VillageExitCase.objects.visible_to(request.user).filter(pk=pk).first()
    if case is None or step not in ("post_village_publicity", "conclude_village_publicity", "announce_village"):
        raise Http404
    values: dict[str, Any] = {}
    if step == "post_village_publicity":
        form = VillagePublicityForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return _back_to_incidence(case.village_id[:9] + "000", case.year)
        values = form.cleaned_data
    try:
        getattr(exit_areas, step)(actor=request.user, case_id=case.pk, **values)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded: %(step)s.") % {"step": transition(step).label})
    return _back_to_incidence(case.village_id[:9] + "000", case.year)


@login_required
@require_POST
def county_exit_propose(request):
    form = AreaYearForm(request.POST)
    if not form.is_valid():
        raise Http404
    code, year = form.cleaned_data["code"], form.cleaned_data["year"]
    try:
        exit_areas.propose_county(actor=request.user, county_code=code, year=year)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The county applied to exit."))
    return _back_to_incidence(code, year)


@login_required
@require_POST
def county_exit_step(request, pk: int, step: str):
    case = CountyExitCase.objects.visible_to(request.user).filter(pk=pk).first()
    if case is None or step not in ("record_city_check", "announce_county"):
        raise Http404
    form = LevelCheckForm(request.POST)
    if form.is_valid():
        try:
            getattr(exit_areas, step)(actor=request.user, case_id=case.pk, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Recorded: %(step)s.") % {"step": transition(step).label})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back_to_incidence(case.county_id, case.year)
