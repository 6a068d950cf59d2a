"""Pages of monitoring (防返贫监测): the list of monitored households and their queues, the start of
an alert, a case with its steps, risks and elimination, the monitoring lines, and the attention
flags the system raises. Thin: parse a form, call one service, show the result; every read goes
through ``visible_to``; the services check role, scope and every rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from assistance.models import Measure
from assistance.views_base import require_any
from core.errors import ServiceError
from core.params import ascii_digits
from core.shortcuts import show_error
from exits import monitoring_flags as flags
from exits import monitoring_services as services
from exits.models import AttentionFlag, MonitoringCase, MonitoringEvent, MonitoringLine, RiskRecord
from exits.monitoring import monitoring_line_for
from exits.monitoring_choices import FlagKind, MonitoringKind, MonitoringState
from exits.monitoring_forms import AlertForm, CloseForm, EliminateForm, LineForm, ReturnForm, RiskForm, StepForm
from exits.monitoring_workflow import START_ACTION, TRANSITIONS, next_action, return_targets
from households.models import Household

__all__ = [
    "CASE_ACTIONS",
    "case_add",
    "case_close",
    "case_detail",
    "case_eliminate",
    "case_list",
    "case_return",
    "case_step",
    "flag_list",
    "flag_refresh",
    "flag_start",
    "line_list",
    "risk_add",
]

PAGE_SIZE = 50


def _digits(value: str, longest: int = 12, name: str = "area") -> str:
    """An area code or household number parameter: ASCII digits, or 400 (core.params)."""
    return ascii_digits(value, name, max_length=longest)


# --- monitored households ---------------------------------------------------------------------------


@login_required
def case_list(request):
    """Monitored households in the user's areas, by state and kind, with the count at each step."""
    require_any(request.user, (Action.VIEW,))
    cases = MonitoringCase.objects.visible_to(request.user, Action.VIEW)
    area = _digits(request.GET.get("area", ""))
    if area:
        cases = cases.filter(area_code__startswith=area)
    counts = dict(cases.order_by().values_list("state").annotate(n=Count("id")))
    state = request.GET.get("state", "")
    if state in MonitoringState.values:
        cases = cases.filter(state=state)
    kind = request.GET.get("kind", "")
    if kind in MonitoringKind.values:
        cases = cases.filter(kind=kind)
    page = Paginator(cases.select_related("household").order_by("area_code", "-created_at", "-id"), PAGE_SIZE)
    query = "&".join(f"{key}={value}" for key, value in (("area", area), ("state", state), ("kind", kind)) if value)
    return render(
        request,
        "exits/monitoring/case_list.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "query": query,
            "filters": {"area": area, "state": state, "kind": kind},
            "states": [(value, label, counts.get(value, 0)) for value, label in MonitoringState.choices],
            "kinds": MonitoringKind.choices,
            "can_start": request.user.is_superuser or bool(prefixes_for(request.user, START_ACTION)),
        },
    )


@login_required
def case_add(request):
    """预警: start a case for a household found by one of the five channels."""
    if not request.user.is_superuser and not prefixes_for(request.user, START_ACTION):
        raise PermissionDenied
    initial = {}
    if household_no := _digits(request.GET.get("household", ""), 16, "household"):
        initial["household_no"] = household_no
    form = AlertForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            household = (
                Household.objects.visible_to(request.user, Action.VIEW)
                .filter(household_no=form.cleaned_data["household_no"].strip())
                .first()
            )
            if household is None:
                form.add_error("household_no", _("No household with this number in your areas."))
            else:
                try:
                    case = services.start_alert(
                        actor=request.user,
                        household_id=household.pk,
                        kind=form.cleaned_data["kind"],
                        channel=form.cleaned_data["channel"],
                        note=form.cleaned_data["note"],
                    )
                except ServiceError as exc:
                    show_error(form, exc, {"household": "household_no"})
                else:
                    messages.success(request, _("The alert was recorded."))
                    return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "exits/monitoring/case_add.html", {"form": form}, status=status)


def _case_or_404(user, pk: int) -> MonitoringCase:
    case = (
        MonitoringCase.objects.visible_to(user, Action.VIEW)
        .select_related("household", "household__village", "publicity_case", "flag")
        .prefetch_related(
            Prefetch("events", queryset=MonitoringEvent.objects.select_related("actor").order_by("time", "id")),
            Prefetch("risks", queryset=RiskRecord.objects.prefetch_related("measures").order_by("found_on", "id")),
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _detail(request, case: MonitoringCase, bound: dict | None = None, status: int = 200):
    """The case page with a form for each thing the user may do now (``bound``: a refused form)."""
    bound = bound or {}
    user, area, version = request.user, case.area_code, {"version": case.version}
    open_case = case.state not in (MonitoringState.ELIMINATED, MonitoringState.REJECTED)
    monitored = case.state == MonitoringState.MONITORED
    owner = next_action(case.state)
    owns = owner is not None and may(user, owner, area)
    labels = dict(MonitoringState.choices)
    targets = [(s, labels[s]) for s in return_targets(case.state)] if owns else []
    steps = []
    for step in TRANSITIONS:
        if case.state in step.sources and step.name != "eliminate_risk" and may(user, step.action, area):
            form = bound.get(f"step:{step.name}") or StepForm(initial={"step": step.name, **version})
            if step.name not in services.REQUIRED_DATES:
                form.fields.pop("on", None)  # only the commitment and the appraisal record a date
            steps.append((step, form))
    risk_form = bound.get("risk")
    if risk_form is None and open_case and may(user, Action.CAPTURE, area):
        risk_form = RiskForm(measures=Measure.objects.filter(household_id=case.household_id).order_by("-year", "code"))
    eliminate_form = bound.get("eliminate")
    if eliminate_form is None and monitored and may(user, Action.APPROVE, area):
        eliminate_form = EliminateForm(initial=version)
    close_form = bound.get("close")
    if close_form is None and owns and open_case and not monitored:
        close_form = CloseForm(initial=version)
    context = {
        "case": case,
        "household": case.household,
        "line": monitoring_line_for(timezone.localdate().year, area),
        "steps": steps,
        "return_form": bound.get("return") or (ReturnForm(initial=version, targets=targets) if targets else None),
        "close_form": close_form,
        "risk_form": risk_form,
        "eliminate_form": eliminate_form,
        "earliest": services.elimination_date(case.entered_on) if case.entered_on else None,
        "publicity": case.publicity_case,
    }
    return render(request, "exits/monitoring/case_detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    return _detail(request, _case_or_404(request.user, pk))


def _done(request, case_id: int, message: str):
    messages.success(request, message)
    return redirect("monitoring:case_detail", pk=case_id)


def _owns(user, case: MonitoringCase) -> bool:
    """Whoever takes the case's next step may also send it back (any finished case: the service says)."""
    owner = next_action(case.state)
    return owner is None or may(user, owner, case.area_code)


def _return_form(request, case: MonitoringCase) -> ReturnForm:
    labels = dict(MonitoringState.choices)
    return ReturnForm(request.POST, targets=[(s, labels[s]) for s in return_targets(case.state)])


@dataclass(frozen=True)
class CaseAction:
    """One POST under a case page: the form it parses, the service it calls with (actor, case id,
    cleaned data), the message after success and the key of the refused form on the page. ``may_act``
    answers 403 when the form is refused (or before it, with ``check_first``); otherwise the
    service alone decides who may."""

    bound: Callable[[Any], str]
    form: Callable[[Any, MonitoringCase], forms.Form]
    take: Callable[[Any, int, dict], Any]
    done: Any
    may_act: Callable[[Any, MonitoringCase], bool] | None = None
    check_first: bool = False


CASE_ACTIONS: dict[str, CaseAction] = {
    "case_step": CaseAction(
        bound=lambda request: f"step:{request.POST.get('step')}",
        form=lambda request, case: StepForm(request.POST),
        take=lambda user, case_id, v: services.advance(
            actor=user, case_id=case_id, step=v["step"], note=v["note"], on=v["on"], version=v["version"]
        ),
        done=gettext_lazy("The step was recorded."),
    ),
    "case_return": CaseAction(
        bound=lambda request: "return",
        form=_return_form,
        take=lambda user, case_id, v: services.return_case(
            actor=user, case_id=case_id, to_state=v["to_state"], reason=v["reason"], version=v["version"]
        ),
        done=gettext_lazy("The case was sent back."),
        may_act=_owns,
    ),
    "case_close": CaseAction(
        bound=lambda request: "close",
        form=lambda request, case: CloseForm(request.POST),
        take=lambda user, case_id, v: services.close_case(
            actor=user, case_id=case_id, reason=v["reason"], version=v["version"]
        ),
        done=gettext_lazy("The household was not taken into monitoring."),
    ),
    "risk_add": CaseAction(
        bound=lambda request: "risk",
        form=lambda request, case: RiskForm(
            request.POST, measures=Measure.objects.filter(household_id=case.household_id)
        ),
        take=lambda user, case_id, v: services.add_risk(
            actor=user,
            case_id=case_id,
            kind=v["kind"],
            found_on=v["found_on"],
            description=v["description"],
            measure_ids=[int(m) for m in v["measures"]],
        ),  # fmt: skip
        done=gettext_lazy("The risk was recorded."),
        may_act=lambda user, case: may(user, Action.CAPTURE, case.area_code),
        check_first=True,
    ),
    "case_eliminate": CaseAction(
        bound=lambda request: "eliminate",
        form=lambda request, case: EliminateForm(request.POST),
        take=lambda user, case_id, v: services.eliminate_risk(
            actor=user, case_id=case_id, mode=v["mode"], note=v["note"], version=v["version"]
        ),
        done=gettext_lazy("The risk was eliminated."),
        may_act=lambda user, case: may(user, Action.APPROVE, case.area_code),
    ),
}


def _case_action(name: str):
    """The page view of one entry of CASE_ACTIONS: parse, call the service, back to the case; a
    refusal shows the case page again with the form and its message (400)."""
    spec = CASE_ACTIONS[name]

    @login_required
    @require_POST
    def view(request, pk: int):
        case = _case_or_404(request.user, pk)
        allowed = spec.may_act is None or spec.may_act(request.user, case)
        if spec.check_first and not allowed:
            raise PermissionDenied
        form = spec.form(request, case)
        if form.is_valid():
            try:
                spec.take(request.user, case.pk, form.cleaned_data)
            except ServiceError as exc:
                show_error(form, exc)
                case = _case_or_404(request.user, pk)  # it may have moved meanwhile
            else:
                return _done(request, case.pk, str(spec.done))
        elif not allowed:
            raise PermissionDenied
        return _detail(request, case, {spec.bound(request): form}, status=400)

    view.__name__ = view.__qualname__ = name
    return view


case_step = _case_action("case_step")
case_return = _case_action("case_return")
case_close = _case_action("case_close")
risk_add = _case_action("risk_add")
case_eliminate = _case_action("case_eliminate")


# --- monitoring lines -------------------------------------------------------------------------------


@login_required
def line_list(request):
    """The monitoring lines entered, by year and province (everyone with a role reads them; the
    province officer enters its own)."""
    user = request.user
    if request.method != "POST":
        require_any(user, (Action.VIEW,))
    provinces = Area.objects.filter(level=Level.PROVINCE, is_revoked=False).order_by("code")
    settable = [p for p in provinces if may(user, Action.SET_LINE, p.code)]
    form = LineForm(provinces=settable) if settable else None
    status = 200
    if request.method == "POST":
        # scope before the form: a province out of view is 404, one in view without the action 403
        code = _digits(request.POST.get("province", ""), name="province")
        province = Area.objects.visible_to(user, Action.VIEW).filter(code=code).first()
        if province is None:
            raise Http404
        if not may(user, Action.SET_LINE, province.code):
            raise PermissionDenied
        form, status = LineForm(request.POST, provinces=settable), 400
        if form.is_valid():
            try:
                line = services.set_monitoring_line(
                    actor=user,
                    province_code=form.cleaned_data["province"],
                    year=form.cleaned_data["year"],
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The monitoring line was saved."))
                return redirect(reverse("monitoring:line_list") + f"?year={line.year}")
    names = {p.code: p.name for p in provinces}
    lines = MonitoringLine.objects.select_related("set_by").order_by("-year", "province_id")
    return render(
        request,
        "exits/monitoring/line_list.html",
        {"lines": [(line, names.get(line.province_id, line.province_id)) for line in lines[:500]], "form": form},
        status=status,
    )


# --- attention flags --------------------------------------------------------------------------------


def _refresher_areas(user) -> list[str]:
    return sorted(set(prefixes_for(user, Action.REVIEW)) | set(prefixes_for(user, Action.APPROVE)))


@login_required
def flag_list(request):
    """The households the system flagged in the user's areas, with one button to start an alert."""
    require_any(request.user, (Action.VIEW,))
    found = AttentionFlag.objects.visible_to(request.user, Action.VIEW).filter(cleared_at__isnull=True)
    area = _digits(request.GET.get("area", ""))
    if area:
        found = found.filter(area_code__startswith=area)
    counts = dict(found.order_by().values_list("kind").annotate(n=Count("id")))
    kind = request.GET.get("kind", "")
    if kind in FlagKind.values:
        found = found.filter(kind=kind)
    page = Paginator(
        found.select_related("household", "household__village").order_by("area_code", "household_id", "kind", "id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = "&".join(f"{key}={value}" for key, value in (("area", area), ("kind", kind)) if value)
    return render(
        request,
        "exits/monitoring/flag_list.html",
        {
            "page": page,
            "query": query,
            "filters": {"area": area, "kind": kind},
            "kinds": [(value, label, counts.get(value, 0)) for value, label in FlagKind.choices],
            "can_start": request.user.is_superuser or bool(prefixes_for(request.user, START_ACTION)),
            "refresh_areas": Area.objects.filter(code__in=[p.ljust(12, "0") for p in _refresher_areas(request.user)])
            if not request.user.is_superuser
            else Area.objects.none(),
            "is_superuser": request.user.is_superuser,
            "monitoring_kinds": MonitoringKind.choices,
        },
    )


@login_required
@require_POST
def flag_refresh(request):
    code = _digits(request.POST.get("area", ""))
    if not code:
        raise Http404
    result = flags.refresh_flags(actor=request.user, area_code=code)
    messages.success(
        request,
        _("Flags computed for %(year)s: %(raised)s raised, %(cleared)s cleared.")
        % {"year": result.year, "raised": sum(result.raised.values()), "cleared": sum(result.cleared.values())},
    )
    return redirect(reverse("monitoring:flag_list") + f"?area={result.area_code[: len(code)]}")


@login_required
@require_POST
def flag_start(request, pk: int):
    """From a flag, in one step, an alert (by data analysis) for the flagged household."""
    kind = request.POST.get("kind", "")
    try:
        case = flags.start_from_flag(
            actor=request.user, flag_id=pk, kind=kind if kind in MonitoringKind.values else None
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:flag_list")
    messages.success(request, _("The alert was recorded."))
    return redirect("monitoring:case_detail", pk=case.pk)
