"""Pages of the county project library (项目库): the list with its filters, a project with its
history and beneficiaries, a village's proposal, and the buttons that move a project along
village proposal → township review → county appraisal → approved → under way → done.

Thin like every page: the services (assistance.services.propose_project, advance_project) hold
the rules, including who takes which step; a refusal shows next to the field or at the top.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from assistance import selectors, services
from assistance.choices import MeasureCode, ProjectState
from assistance.forms import AdvanceForm, BeneficiariesForm, FundingRowFormSet, ProjectFilterForm, ProjectForm
from assistance.models import FundPayment, Measure, Project
from assistance.views import show_error
from assistance.views_base import area_or_404, project_or_404, require_any
from core.errors import ServiceError
from core.params import ascii_digits
from households.models import Household, Member

__all__ = ["project_add", "project_advance", "project_beneficiaries", "project_detail", "project_list"]

PAGE_SIZE = 50
#: who proposes a project for a village or township (assistance.services.propose_project)
PROPOSERS = (Action.CAPTURE, Action.APPROVE)
#: the steps that record a publicity (entering the library, completion)
PUBLICITY_STEPS = (ProjectState.APPROVED, ProjectState.DONE)


def next_step(project: Project) -> tuple[str, str] | None:
    """(the state the project moves to next, the action that step needs), from the services'
    table of steps; None when the project is done."""
    return services.PROJECT_STEPS.get(project.state)


def _proposal_places(user) -> list[Area]:
    """Villages and townships where the user may propose a project (for the "propose" form)."""
    condition = Q()
    holds = user.is_superuser
    for action in PROPOSERS:
        for prefix in prefixes_for(user, action):
            condition |= Q(code__startswith=prefix)
            holds = True
    if not holds:
        return []
    places = Area.objects.visible_to(user, Action.VIEW).filter(level=Level.VILLAGE, is_revoked=False)
    if not user.is_superuser:
        places = places.filter(condition)
    return list(places.order_by("code")[:200])


@login_required
def project_list(request):
    """The projects the user sees, filtered by state, area and name."""
    require_any(request.user, (Action.VIEW,))
    form = ProjectFilterForm(request.GET or None)
    projects = Project.objects.visible_to(request.user, Action.VIEW).select_related("location")
    if form.is_valid():
        if form.cleaned_data["state"]:
            projects = projects.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["area"]:
            projects = projects.filter(location__code__startswith=form.cleaned_data["area"])
        if form.cleaned_data["q"].strip():
            projects = projects.filter(name__contains=form.cleaned_data["q"].strip())
    page = Paginator(projects.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "assistance/project_list.html",
        {"form": form, "page": page, "query": params.urlencode(), "places": _proposal_places(request.user)},
    )


def _detail(
    request,
    project: Project,
    advance_form: AdvanceForm | None = None,
    beneficiaries_form: BeneficiariesForm | None = None,
):
    linked = Measure.objects.visible_to(request.user, Action.VIEW).filter(project=project)
    comparison = selectors.compare_beneficiaries(project, linked)
    measures = list(
        linked.select_related("household")
        .prefetch_related(Prefetch("members", queryset=Member.objects.only("id", "name")))
        .order_by("household__household_no", "year", "id")
    )
    payments = list(
        FundPayment.objects.visible_to(request.user, Action.VIEW)
        .filter(project=project)
        .select_related("household")
        .order_by("paid_on", "id")
    )
    step = next_step(project)
    can_advance = step is not None and may(request.user, step[1], project.location_id)
    history = [
        {
            "state": ProjectState(entry["state"]).label
            if entry.get("state") in ProjectState.values
            else entry.get("state"),
            "by": entry.get("by", ""),
            "at": (entry.get("at") or "")[:16].replace("T", " "),
            "note": entry.get("note", ""),
            "meeting": entry.get("meeting") or {},
        }
        for entry in project.history
    ]
    context = {
        "project": project,
        "history": history,
        "measures": [
            {"measure": m, "label": MeasureCode(m.code).label, "members": "、".join(x.name for x in m.members.all())}
            for m in measures
        ],
        "households": len({m.household_id for m in measures}),
        "payments": payments,
        "paid": sum((p.amount for p in payments), start=0),
        "sources": list(project.funding_sources.items()),
        "step": step and {"target": ProjectState(step[0]).label, "publicity": step[0] in PUBLICITY_STEPS},
        "can_advance": can_advance,
        "advance_form": advance_form or AdvanceForm(initial={"version": project.version}),
        "comparison": comparison,
        "can_set_beneficiaries": services.may_set_beneficiaries(request.user, project),
        "beneficiaries_form": beneficiaries_form
        or BeneficiariesForm(
            initial={
                "planned_households": project.planned_households,
                "planned_people": project.planned_people,
                "household_numbers": "\n".join(row.household_no for row in comparison.named),
                "version": project.version,
            }
        ),
    }
    return render(request, "assistance/project_detail.html", context)


@login_required
def project_detail(request, pk: int):
    """A project: its facts, funding, history of steps and publicities, and the households it
    benefits (the measures linked to it) with the funds paid."""
    return _detail(request, project_or_404(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def project_add(request):
    """A village (or township) proposes a project after its meeting and publicity."""
    code = ascii_digits(request.GET.get("location") or request.POST.get("location"), "location")
    location = area_or_404(request.user, code, PROPOSERS, levels=(Level.VILLAGE, Level.TOWNSHIP))
    form = ProjectForm(request.POST or None)
    funding = FundingRowFormSet(request.POST or None, prefix="funding")
    funding_error = ""
    if request.method == "POST" and form.is_valid() and funding.is_valid():
        try:
            project = services.propose_project(
                actor=request.user,
                location_code=location.code,
                values=form.values(funding.sources()),
                meeting=form.meeting(),
            )
        except ServiceError as exc:
            if exc.field == "funding_sources":
                funding_error = exc.message  # shown with the rows of sources
            else:
                show_error(form, exc, {"meeting": "meeting_date"})
        else:
            messages.success(request, _("The project %(name)s was proposed.") % {"name": project.name})
            return redirect("assistance:project_detail", pk=project.pk)
    return render(
        request,
        "assistance/project_form.html",
        {"location": location, "form": form, "funding": funding, "funding_error": funding_error},
    )


@login_required
@require_POST
def project_advance(request, pk: int):
    """Move the project one step (the step's role only); the approval and the completion record
    their publicity."""
    project = project_or_404(request.user, pk)
    form = AdvanceForm(request.POST)
    if form.is_valid():
        try:
            moved = services.advance_project(
                actor=request.user,
                project_id=project.pk,
                note=form.cleaned_data["note"],
                publicity=form.publicity(),
                version=form.cleaned_data.get("version"),
            )
        except ServiceError as exc:
            show_error(form, exc, {"publicity": "publicity_starts_on"})
        else:
            messages.success(request, _("The project is now: %(state)s.") % {"state": moved.get_state_display()})
            return redirect("assistance:project_detail", pk=project.pk)
    return _detail(request, project, form)


@login_required
@require_POST
def project_beneficiaries(request, pk: int):
    """Change the project's planned beneficiaries (set_project_beneficiaries): the counts, and
    the poor households named by their household numbers."""
    project = project_or_404(request.user, pk)
    form = BeneficiariesForm(request.POST)
    if form.is_valid():
        numbers = form.cleaned_data["household_numbers"]
        found = dict(
            Household.objects.visible_to(request.user, Action.VIEW)
            .filter(household_no__in=numbers)
            .values_list("household_no", "pk")
        )
        unknown = [number for number in numbers if number not in found]
        if unknown:
            form.add_error(
                "household_numbers",
                _("No such household in your areas: %(numbers)s") % {"numbers": "、".join(unknown[:5])},
            )
        else:
            try:
                services.set_project_beneficiaries(
                    actor=request.user,
                    project_id=project.pk,
                    planned_households=form.cleaned_data["planned_households"],
                    planned_people=form.cleaned_data["planned_people"],
                    household_ids=[found[number] for number in numbers],
                    version=form.cleaned_data.get("version"),
                )
            except ServiceError as exc:
                show_error(form, exc, {"households": "household_numbers"})
            else:
                messages.success(request, _("The planned beneficiaries were saved."))
                return redirect(reverse("assistance:project_detail", kwargs={"pk": project.pk}) + "#planned")
    return _detail(request, project, beneficiaries_form=form)
