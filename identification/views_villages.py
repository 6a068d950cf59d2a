"""Pages of poor-village identification (贫困村识别, 一公示、一公告): the villages of a campaign's
county with their figures for the year and the state of their case, one village's case with each
step, the printable publicity and announcement, and the yearly figures of a village.

Thin like every page here: find what the URL names within the user's scope (404 outside it, 403
without the action), parse a form, call one service of identification.villages, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area, VillageFigures
from areas.scopes import may
from core.errors import ServiceError
from core.models import ObjectChange
from core.params import object_id
from identification import villages
from identification.forms_villages import CadreVoteForm, VillageFiguresForm, VillagePickForm, VillagePublicityForm
from identification.models import PoorVillageCase, PoorVillageState
from identification.services import Vote
from identification.views_base import PAGE_SIZE, area_names, area_or_404, campaign_or_404, holds_in_county, show_error

__all__ = [
    "village_announce",
    "village_case_conclude",
    "village_case_detail",
    "village_case_publicity",
    "village_case_vote",
    "village_figures",
    "village_list",
    "village_notice_print",
    "village_propose",
]

#: the years a village's figures may be entered for (the registration began in 2014)
FIGURE_YEARS = (2000, 2100)

#: the two notices of a poor village, and the states of the villages each lists
NOTICE_STATES = {
    "publicity": (PoorVillageState.IN_PUBLICITY, PoorVillageState.PUBLICIZED, PoorVillageState.ANNOUNCED),
    "announcement": (PoorVillageState.ANNOUNCED,),
}


def _tabs(user, campaign) -> dict:
    county = campaign.county_id
    return {
        "can_set_quota": holds_in_county(user, Action.SET_QUOTA, county),
        "can_publicize": holds_in_county(user, (Action.REVIEW, Action.APPROVE), county),
        "can_approve": may(user, Action.APPROVE, county),
        "tab": "villages",
    }


def _percent(figures: VillageFigures | None) -> str:
    """The poverty incidence as a percentage with two decimals (the exit thresholds are 2 % and 3 %)."""
    if figures is None or figures.incidence is None:
        return ""
    return f"{figures.incidence * 100:.2f}%"


@login_required
def village_list(request, pk: int):
    """The villages of the county the user sees, with their figures for the campaign's year and
    the state of their case; the forms to propose villages and to announce those publicized."""
    campaign = campaign_or_404(request.user, pk)
    areas = (
        Area.objects.visible_to(request.user, Action.VIEW)
        .filter(level=Level.VILLAGE, is_revoked=False, code__startswith=campaign.county_id[:6])
        .order_by("code")
    )
    page = Paginator(areas, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = [area.code for area in page]
    figures = {row.village_id: row for row in VillageFigures.objects.filter(village_id__in=codes, year=campaign.year)}
    cases = {row.village_id: row for row in PoorVillageCase.objects.filter(campaign=campaign, village_id__in=codes)}
    townships = area_names(area.parent_id for area in page)
    user = request.user
    rows = [
        {
            "area": area,
            "township": townships.get(area.parent_id, ""),
            "figures": figures.get(area.code),
            "incidence": _percent(figures.get(area.code)),
            "case": cases.get(area.code),
            "can_record": may(user, Action.CAPTURE, area.code) or may(user, Action.REVIEW, area.code),
            "can_propose": area.code not in cases
            and area.code in figures
            and (may(user, Action.REVIEW, area.code) or may(user, Action.APPROVE, area.code)),
            "can_announce": (case := cases.get(area.code)) is not None
            and case.state == PoorVillageState.PUBLICIZED
            and may(user, Action.APPROVE, area.code),
        }
        for area in page
    ]
    context = {
        "campaign": campaign,
        "page": page,
        "rows": rows,
        "any_propose": any(row["can_propose"] for row in rows),
        "any_announce": any(row["can_announce"] for row in rows),
        "any_publicity": any(row["case"] and row["case"].state in NOTICE_STATES["publicity"] for row in rows),
        "any_announced": any(row["case"] and row["case"].state == PoorVillageState.ANNOUNCED for row in rows),
        **_tabs(user, campaign),
    }
    return render(request, "identification/village_list.html", context)


def _picked(request, campaign) -> VillagePickForm:
    form = VillagePickForm(
        request.POST,
        villages=request.POST.getlist("villages"),
        cases=[case for value in request.POST.getlist("cases") if (case := object_id(value, "cases")) is not None],
    )
    form.is_valid()
    return form


@login_required
@require_POST
def village_propose(request, pk: int):
    """Put the ticked villages forward for the township's appraisal (township reviewers, county)."""
    # the service checks each village: 404 out of scope, 403 without review or approve there
    campaign = campaign_or_404(request.user, pk)
    codes = _picked(request, campaign).cleaned_data.get("villages") or []
    if not codes:
        messages.error(request, _("Tick at least one village."))
        return redirect("identification:village_list", pk=campaign.pk)
    try:
        # all or nothing: a clerk fixes the one refused village and sends the list again
        with transaction.atomic():
            for code in codes:
                villages.propose_poor_village(actor=request.user, campaign_id=campaign.pk, village_code=code)
    except ServiceError as exc:
        name = area_names([code]).get(code, code)
        messages.error(request, f"{name}（{code}）：{exc.message}")
    else:
        messages.success(request, _("%(count)s villages were proposed.") % {"count": len(codes)})
    return redirect("identification:village_list", pk=campaign.pk)


@login_required
@require_POST
def village_announce(request, pk: int):
    """The county announces the ticked villages whose publicity ended (county officers)."""
    # the service checks each case: 404 out of scope, 403 without approve on its village
    campaign = campaign_or_404(request.user, pk)
    case_ids = _picked(request, campaign).cleaned_data.get("cases") or []
    if not case_ids:
        messages.error(request, _("Tick at least one village."))
        return redirect("identification:village_list", pk=campaign.pk)
    try:
        announced = villages.announce_poor_villages(actor=request.user, campaign_id=campaign.pk, case_ids=case_ids)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s poor villages were announced.") % {"count": len(announced)})
    return redirect("identification:village_list", pk=campaign.pk)


def _village_case_or_404(user, pk: int) -> PoorVillageCase:
    case = (
        PoorVillageCase.objects.visible_to(user, Action.VIEW)
        .select_related("campaign__county", "village__parent", "proposed_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


#: the form of each state's next step, who takes it, and where it is posted
_NEXT_STEP = {
    PoorVillageState.PROPOSED: ("vote", CadreVoteForm, Action.REVIEW, "identification:village_case_vote"),
    PoorVillageState.APPRAISED: (
        "publicity",
        VillagePublicityForm,
        Action.REVIEW,
        "identification:village_case_publicity",
    ),
    PoorVillageState.IN_PUBLICITY: ("conclude", None, Action.REVIEW, "identification:village_case_conclude"),
}


def _shown(value) -> str:
    """A figure as recorded with the proposal, readably (yes/no for the yes-or-no ones)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value in (None, "") else str(value)


def _render_village_case(request, case: PoorVillageCase, *, bound=None, status: int = 200):
    step = _NEXT_STEP.get(case.state)
    form = None
    step_url = ""
    if step is not None and may(request.user, step[2], case.village_id):
        name, form_class, _action, url_name = step
        form = bound if form_class and isinstance(bound, form_class) else (form_class() if form_class else None)
        step_url = url_name
    figures = [
        (VillageFigures._meta.get_field(name).verbose_name, _shown(case.figures.get(name)))
        for name in villages.FIGURE_FIELDS
        if name in case.figures
    ]
    labels = dict(PoorVillageState.choices)
    history = [
        {
            "time": change.time,
            "actor": change.actor_username,
            "state": labels.get((change.after or {}).get("state"), ""),
        }
        for change in ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(PoorVillageCase), object_pk=str(case.pk)
        ).order_by("time", "id")
    ]
    context = {
        "case": case,
        "campaign": case.campaign,
        "history": history,
        "figures": figures,
        "incidence": f"{float(case.figures['incidence']) * 100:.2f}%" if case.figures.get("incidence") else "",
        "step": step[0] if step else "",
        "form": form,
        "step_url": step_url,
        "can_announce": case.state == PoorVillageState.PUBLICIZED
        and may(request.user, Action.APPROVE, case.village_id),
        **_tabs(request.user, case.campaign),
    }
    return render(request, "identification/village_case_detail.html", context, status=status)


@login_required
def village_case_detail(request, pk: int):
    """One village's case: its figures as proposed, the vote, the publicity, the announcement."""
    return _render_village_case(request, _village_case_or_404(request.user, pk))


def _village_step(request, pk: int, step: str, build, run, done: str):
    case = _village_case_or_404(request.user, pk)
    _name, _form, action, _url = _NEXT_STEP.get(case.state) or ("", None, Action.REVIEW, "")
    if not may(request.user, action, case.village_id):
        raise PermissionDenied
    form = build()
    if form is None or form.is_valid():
        try:
            run(case, form)
        except ServiceError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect("identification:village_case_detail", pk=case.pk)
            show_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("identification:village_case_detail", pk=case.pk)
    return _render_village_case(request, case, bound=form)


@login_required
@require_POST
def village_case_vote(request, pk: int):
    def run(case, form):
        data = form.cleaned_data
        vote = Vote(
            representatives=data["representatives"],
            present=data["present"],
            votes_for=data["votes_for"],
            votes_against=data["votes_against"],
        )
        villages.record_cadre_vote(actor=request.user, case_id=case.pk, meeting_date=data["meeting_date"], vote=vote)

    return _village_step(
        request, pk, "vote", lambda: CadreVoteForm(request.POST), run, _("The village cadres' vote was recorded.")
    )


@login_required
@require_POST
def village_case_publicity(request, pk: int):
    def run(case, form):
        villages.post_village_publicity(
            actor=request.user,
            case_id=case.pk,
            starts_on=form.cleaned_data["starts_on"],
            posted_place=form.cleaned_data["posted_place"],
        )

    return _village_step(
        request, pk, "publicity", lambda: VillagePublicityForm(request.POST), run, _("The publicity was posted.")
    )


@login_required
@require_POST
def village_case_conclude(request, pk: int):
    return _village_step(
        request,
        pk,
        "conclude",
        lambda: None,
        lambda case, form: villages.conclude_village_publicity(actor=request.user, case_id=case.pk),
        _("The publicity was concluded."),
    )


@login_required
def village_notice_print(request, pk: int, kind: str):
    """The village publicity (one sheet per township, which posts it) or the county's announcement
    of poor villages, for A4: villages and their figures only, no personal data."""
    if kind not in NOTICE_STATES:
        raise Http404
    campaign = campaign_or_404(request.user, pk)
    cases = list(
        PoorVillageCase.objects.visible_to(request.user, Action.VIEW)
        .filter(campaign=campaign, state__in=NOTICE_STATES[kind])
        .select_related("village__parent")
        .order_by("village_id")
    )
    if kind == "publicity":
        sheets: dict[str, dict] = {}
        for case in cases:
            township = case.village.parent
            sheet = sheets.setdefault(township.code, {"issuer": township.name, "area": township.name, "cases": []})
            sheet["cases"].append(case)
        pages = list(sheets.values())
    else:
        pages = [{"issuer": campaign.county.name, "area": campaign.county.name, "cases": cases}] if cases else []
    for case in cases:
        incidence = case.figures.get("incidence")
        case.incidence_percent = f"{float(incidence) * 100:.2f}%" if incidence else ""
    for sheet in pages:
        starts = [case.publicity_starts_on for case in sheet["cases"] if case.publicity_starts_on]
        ends = [case.publicity_ends_on for case in sheet["cases"] if case.publicity_ends_on]
        sheet["starts_on"] = min(starts) if starts else None
        sheet["ends_on"] = max(ends) if ends else None
    context = {"campaign": campaign, "kind": kind, "pages": pages}
    return render(request, "identification/village_notice_print.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def village_figures(request, code: str, year: int):
    """Enter or correct a village's figures for a year (village clerks and township reviewers);
    everyone who sees the village reads them, with the other years listed."""
    if not FIGURE_YEARS[0] <= year <= FIGURE_YEARS[1]:
        raise Http404
    village = area_or_404(request.user, code, levels=Level.VILLAGE)
    can_record = may(request.user, Action.CAPTURE, village.code) or may(request.user, Action.REVIEW, village.code)
    if request.method == "POST" and not can_record:
        raise PermissionDenied
    current = VillageFigures.objects.filter(village=village, year=year).first()
    form = VillageFiguresForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            villages.record_village_figures(
                actor=request.user, village_code=village.code, year=year, values=form.service_values()
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request,
                _("The figures of %(village)s for %(year)s were saved.") % {"village": village.name, "year": year},
            )
            return redirect("identification:village_figures", code=village.code, year=year)
    years = list(VillageFigures.objects.filter(village=village).order_by("-year").values_list("year", flat=True))
    context = {
        "village": village,
        "year": year,
        "figures": current,
        "form": form,
        "can_record": can_record,
        "years": years,
    }
    return render(request, "identification/village_figures.html", context)
