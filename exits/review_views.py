"""Pages of the yearly review, the status procedures and frozen years. Thin: each finds what the
URL names within the user's scope (404 outside it, 403 without the action), parses a form, calls
one service of exits.review, exits.status or exits.frozen, and shows its refusal on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.errors import ServiceError
from core.params import object_id
from core.params import year as params_year
from core.shortcuts import area_or_404, require_any
from exits import frozen, review, status
from exits.models import FORM_FINDINGS, FrozenYear, ReviewForm, ReviewResult, ReviewState
from exits.review_forms import (
    CampaignForm,
    CountyReviewForm,
    FreezeForm,
    IdentifyForm,
    NaturalChangeForm,
    ResultForm,
    StatusForm,
    TownshipCheckForm,
)
from households.idnumbers import mask_id_number
from households.models import Household
from identification.views_base import with_attachments

PAGE_SIZE = 50
_PROCEDURES = {
    "remove": status.remove_household,
    "close": status.close_household,
    "reopen": status.reopen_wrong_exit,
}


def _show(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _result_or_404(user, pk: int) -> ReviewResult:
    result = (
        ReviewResult.objects.visible_to(user, Action.VIEW)
        .select_related("campaign__county", "household", "case__campaign")
        .filter(pk=pk)
        .first()
    )
    if result is None:
        raise Http404
    return result


# --- campaigns ---------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    """The review campaigns of the user's counties, and where a county officer may open one."""
    require_any(request.user, (Action.VIEW,))
    campaigns = review.review_campaigns_visible_to(request.user).select_related("county")
    counties = Area.objects.visible_to(request.user, Action.APPROVE).filter(level=Level.COUNTY).order_by("code")[:20]
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exits/review/campaign_list.html", {"page": page, "counties": counties})


@login_required
def campaign_add(request, code: str):
    county = area_or_404(request.user, code, (Action.APPROVE,), levels=(Level.COUNTY,))
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, initial={"year": today.year, "opens_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = review.open_review(actor=request.user, county_code=county.code, **form.cleaned_data)
        except ServiceError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("The review %(title)s was opened.") % {"title": campaign.title})
            return redirect("exits_review:campaign_detail", pk=campaign.pk)
    return render(request, "exits/review/campaign_add.html", {"form": form, "county": county})


@login_required
def campaign_detail(request, pk: int):
    """Deadline, progress per village and the forms recorded, with the user's next steps."""
    campaign = review.campaign_for(request.user, pk)
    results = review.results_of(request.user, campaign)
    state = request.GET.get("state", "")
    if state in ReviewState.values:
        results = results.filter(state=state)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "progress": review.progress(campaign),
        "page": page,
        "states": ReviewState.choices,
        "state": state,
        "is_past_deadline": timezone.localdate() > campaign.deadline,
    }
    return render(request, "exits/review/campaign_detail.html", context)


@login_required
def campaign_report(request, pk: int):
    campaign = review.campaign_for(request.user, pk)
    report = review.report(campaign)
    return render(request, "exits/review/campaign_report.html", {"campaign": campaign, "report": report})


# --- forms -------------------------------------------------------------------------------------


@login_required
def result_add(request, pk: int):
    """Fill one of the three forms for a household (village clerks)."""
    campaign = review.campaign_for(request.user, pk)
    household_id = object_id(request.GET.get("household"), "household")
    household = Household.objects.visible_to(request.user, Action.VIEW).filter(pk=household_id or 0).first()
    if household is None:
        raise Http404
    if not may(request.user, Action.CAPTURE, household.village_id):
        raise PermissionDenied
    suggested = next((f for f, statuses in review.FORM_STATUSES.items() if household.status in statuses), "a")
    today = timezone.localdate()
    form = ResultForm(request.POST or None, initial={"form": suggested, "signed_on": today, "recorded_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            result = review.record_result(
                actor=request.user,
                campaign_id=campaign.pk,
                household_id=household.pk,
                form=form.cleaned_data["form"],
                finding=form.cleaned_data["finding"],
                reason=form.cleaned_data["reason"],
                signatures=form.signatures(),
                answers=form.answers(),
                recorded_on=form.cleaned_data["recorded_on"],
            )
        except ServiceError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("The form was recorded."))
            return redirect("exits_review:result_detail", pk=result.pk)
    context = {"campaign": campaign, "household": household, "form": form, "form_findings": FORM_FINDINGS}
    return render(request, "exits/review/result_add.html", context)


def _identification_campaigns(result: ReviewResult):
    from identification.models import Campaign

    kinds = review.CASE_KINDS.get(result.finding, ())
    return Campaign.objects.filter(county_id=result.campaign.county_id, kind__in=kinds, is_closed=False).order_by(
        "-year", "-id"
    )[:20]


@login_required
def result_detail(request, pk: int):
    result = _result_or_404(request.user, pk)
    user, code = request.user, result.area_code
    context = {
        "result": result,
        "household": result.household,
        "township_form": TownshipCheckForm(initial={"version": result.version, "on": timezone.localdate()})
        if result.state == ReviewState.RECORDED and may(user, Action.REVIEW, code)
        else None,
        "county_form": CountyReviewForm(initial={"version": result.version, "on": timezone.localdate()})
        if result.state == ReviewState.TOWNSHIP_CHECKED and may(user, Action.APPROVE, code)
        else None,
        "may_refill": result.state == ReviewState.RECORDED
        and bool(result.township_note)
        and may(user, Action.CAPTURE, code),
        "identify_form": IdentifyForm(
            campaigns=_identification_campaigns(result), initial={"informed_on": timezone.localdate()}
        )
        if result.state == ReviewState.APPROVED and may(user, Action.CAPTURE, code)
        else None,
    }
    return render(request, "exits/review/result_detail.html", context)


@login_required
def result_print(request, pk: int):
    """The form on A4 with its signatures; the ID number of the head masked."""
    result = _result_or_404(request.user, pk)
    members = list(result.household.members.filter(is_active=True).order_by("position"))
    rows = [{"member": m, "masked": mask_id_number(m.id_number)} for m in members]
    return render(
        request,
        "exits/review/result_print.html",
        {"result": result, "household": result.household, "rows": rows, "form_title": ReviewForm(result.form).label},
    )


def _step(request, pk: int, form_class, call, **form_kwargs):
    result = _result_or_404(request.user, pk)
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("exits_review:result_detail", pk=result.pk)
    try:
        call(result, form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("exits_review:result_detail", pk=result.pk)


@login_required
@require_POST
def result_township(request, pk: int):
    def call(result, data):
        review.township_check(
            actor=request.user, result_id=result.pk, agree=data["agree"], note=data["note"], version=data["version"],
            on=data["on"],
        )  # fmt: skip

    return _step(request, pk, TownshipCheckForm, call)


@login_required
@require_POST
def result_county(request, pk: int):
    def call(result, data):
        review.county_review(
            actor=request.user, result_id=result.pk, approve=data["approve"], note=data["note"],
            version=data["version"], on=data["on"],
        )  # fmt: skip

    return _step(request, pk, CountyReviewForm, call)


@login_required
@require_POST
def result_identify(request, pk: int):
    result = _result_or_404(request.user, pk)
    if not may(request.user, Action.CAPTURE, result.area_code):
        raise PermissionDenied

    def call(result, data):
        review.file_identification(
            actor=request.user, result_id=result.pk, campaign_id=data["campaign"], informed_on=data["informed_on"]
        )

    return _step(request, pk, IdentifyForm, call, campaigns=_identification_campaigns(result))


# --- a household's status ----------------------------------------------------------------------


@login_required
def household_status(request, pk: int):
    """The household's status history; county officers apply a procedure here."""
    household = Household.objects.visible_to(request.user, Action.VIEW).select_related("village").filter(pk=pk).first()
    if household is None:
        raise Http404
    may_change = may(request.user, Action.APPROVE, household.village_id)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = StatusForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # the scan and the change are kept together or not at all
            with_attachments(
                request.user,
                [data.get("scan")],
                household.village_id,
                lambda stored: _PROCEDURES[data["procedure"]](
                    actor=request.user,
                    household_id=household.pk,
                    reason=data["reason"],
                    effective_on=data["effective_on"],
                    documents=form.documents_list(),
                    attachment_ids=[a.pk for a in stored],
                ),
            )
        except ServiceError as exc:
            _show(form, exc)
        else:
            messages.success(request, _("The household's status was changed."))
            return redirect("exits_review:household_status", pk=household.pk)
    campaigns = []
    may_capture = may(request.user, Action.CAPTURE, household.village_id)
    if may_capture:
        campaigns = review.review_campaigns_visible_to(request.user).filter(
            county_id=household.village_id[:6].ljust(12, "0"), is_closed=False
        )
    context = {
        "household": household,
        "history": status.history_of(household),
        "form": form if may_change else None,
        "campaigns": campaigns,
        "may_capture": may_capture,
    }
    return render(request, "exits/review/household_status.html", context)


# --- frozen years ------------------------------------------------------------------------------


@login_required
def frozen_years(request, code: str):
    """A county's frozen years; a county officer freezes one here, or is shown what is still open."""
    county = area_or_404(request.user, code, levels=(Level.COUNTY,))
    may_freeze = may(request.user, Action.APPROVE, county.code)
    if request.method == "POST" and not may_freeze:
        raise PermissionDenied
    form = FreezeForm(request.POST or None, initial={"year": timezone.localdate().year})
    open_list = []
    if request.method == "POST" and form.is_valid():
        try:
            year = frozen.freeze_year(actor=request.user, county_code=county.code, year=form.cleaned_data["year"])
        except ServiceError as exc:
            _show(form, exc)
            open_list = (exc.details or {}).get("open", []) if isinstance(exc.details, dict) else []
        else:
            messages.success(request, _("%(year)s was frozen.") % {"year": year.year})
            return redirect("exits_review:frozen_years", code=county.code)
    years = FrozenYear.objects.filter(county=county).select_related("frozen_by").order_by("-year")
    context = {"county": county, "years": years, "form": form if may_freeze else None, "open_list": open_list}
    return render(request, "exits/review/frozen_years.html", context)


@login_required
def differences(request, code: str):
    """Year-over-year differences per village under a county, township or village."""
    area = area_or_404(request.user, code, levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE))
    year = params_year(request.GET.get("year"), default=timezone.localdate().year)
    result = frozen.differences(actor=request.user, area_code=area.code, year=year, area=area)
    return render(request, "exits/review/differences.html", {"area": area, "result": result})


def _refusal_text(exc: ServiceError) -> list[str]:
    """A refused household save names its member errors; shown as plain lines on the form."""
    lines = [exc.message]
    details = exc.details if isinstance(exc.details, dict) else {}
    for errors in (details.get("members") or {}).values():
        lines += [text for texts in errors.values() for text in texts]
    for texts in (details.get("fields") or {}).values():
        lines += list(texts)
    return lines


@login_required
def household_natural(request, pk: int):
    """Births, deaths, marriages and moves, recorded on the household's members (village clerks)."""
    household = Household.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
    if household is None:
        raise Http404
    if not may(request.user, Action.CAPTURE, household.village_id):
        raise PermissionDenied
    members = list(household.members.filter(is_active=True).order_by("position"))
    form = NaturalChangeForm(request.POST or None, members=members, initial={"version": household.version})
    if request.method == "POST" and form.is_valid():
        try:
            review.record_natural_change(
                actor=request.user,
                household_id=household.pk,
                version=form.cleaned_data["version"],
                kind=form.cleaned_data["kind"],
                member_id=form.cleaned_data["member"],
                person=form.person(),
                changed_on=form.cleaned_data["changed_on"],
            )
        except ServiceError as exc:
            for line in _refusal_text(exc):
                form.add_error(None, line)
        else:
            messages.success(request, _("The change was recorded on the household's members."))
            return redirect("exits_review:household_status", pk=household.pk)
    left = household.members.filter(is_active=False).exclude(change_reason="").order_by("-changed_on", "-id")[:50]
    context = {"household": household, "form": form, "members": members, "left": left}
    return render(request, "exits/review/household_natural.html", context)
