"""Pages of identification: campaigns, quotas, the list of cases with its bulk steps, applications,
a case with its timeline and the forms of its next step, the village appraisal, attachments.

Each view finds what its URL names within the user's scope, parses a form, calls one service of
identification.services and renders; the rules are the services'. Refusals (ServiceError) show
next to the field or at the top of the form; Http404 and PermissionDenied propagate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from core.errors import ServiceError
from households.choices import EntryState, HouseholdStatus
from households.models import Household
from identification import services
from identification.choices import CampaignKind, CaseState, NoticeKind
from identification.forms import (
    ApplyForm,
    AppraisalMeetingForm,
    BulkStepForm,
    CampaignForm,
    CaseFilterForm,
    ConfirmForm,
    GroupDiscussionForm,
    HomeCheckForm,
    OverrideForm,
    QuotaForm,
    RejectForm,
    ReturnForm,
    TownshipReviewForm,
    VillageAppraisalForm,
)
from identification.models import Attachment, Case, Quota, SpotCheck
from identification.queues import work_for
from identification.rules import rules_for_county
from identification.views_base import (
    PAGE_SIZE,
    area_names,
    area_or_404,
    campaign_or_404,
    campaigns_visible_to,
    case_or_404,
    cause_names,
    describe_event,
    holds_in_county,
    next_transition,
    show_error,
    with_attachments,
)
from identification.workflow import next_action, return_targets, transition

__all__ = [
    "attachment_download",
    "campaign_add",
    "campaign_detail",
    "campaign_list",
    "case_apply",
    "case_bulk",
    "case_detail",
    "case_override",
    "case_reject",
    "case_return",
    "case_step",
    "quota_list",
    "village_appraisal",
]

#: the steps taken on many cases at once from the list, and the action each needs
BULK_ACTIONS = {
    name: transition(name).action for name in ("record_group_discussion", "record_township_review", "confirm")
}


# --- campaigns ---------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    """The campaigns of the user's counties, what waits for the user, and where to open one."""
    if not request.user.is_superuser and not prefixes_for(request.user, Action.VIEW):
        raise PermissionDenied
    campaigns = campaigns_visible_to(request.user).order_by("-year", "-opens_on", "-id")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    counties = list(
        Area.objects.visible_to(request.user, Action.APPROVE)
        .filter(level=Level.COUNTY, is_revoked=False)
        .order_by("code")[:50]
    )
    return render(
        request,
        "identification/campaign_list.html",
        {"page": page, "counties": counties, "work": work_for(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_add(request, code: str):
    """Open a campaign for a county (county officers)."""
    county = area_or_404(request.user, code, Action.APPROVE, levels=Level.COUNTY)
    form = CampaignForm(request.POST or None, initial={"kind": CampaignKind.INITIAL})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor=request.user, county_code=county.code, **form.service_values())
        except ServiceError as exc:
            # a deadline refused is shown next to the step's own date
            step = (exc.details or {}).get("step") if exc.field == "deadlines" else None
            show_error(form, exc, {"deadlines": f"deadline_{step}"} if step else None)
        else:
            messages.success(request, _("The campaign %(title)s was opened.") % {"title": campaign})
            return redirect("identification:campaign_detail", pk=campaign.pk)
    return render(request, "identification/campaign_add.html", {"county": county, "form": form})


def _campaign_links(user, campaign) -> dict:
    county = campaign.county_id
    return {
        "can_set_quota": holds_in_county(user, Action.SET_QUOTA, county),
        "can_publicize": holds_in_county(user, (Action.REVIEW, Action.APPROVE), county),
        "can_inspect": may(user, Action.INSPECT, county),
        "can_approve": may(user, Action.APPROVE, county),
    }


@login_required
def campaign_detail(request, pk: int):
    """A campaign: its deadlines, and how many cases of each village stand at each step (one
    aggregate query), with links to the villages' lists, appraisals and applications."""
    campaign = campaign_or_404(request.user, pk)
    counts = (
        Case.objects.visible_to(request.user, Action.VIEW)
        .filter(campaign=campaign)
        .values_list("area_code", "state")
        .annotate(count=Count("id"))
        .order_by("area_code", "state")
    )
    by_village: dict[str, dict[str, int]] = {}
    for area_code, state, count in counts:
        by_village.setdefault(area_code, {})[state] = count
    states = [state for state in CaseState if any(state.value in row for row in by_village.values())]
    names = area_names(by_village)
    quotas = {
        row["area_id"]: row
        for row in Quota.objects.filter(campaign=campaign, area_id__in=list(by_village)).values(
            "area_id", "households", "used_households", "people", "used_people"
        )
    }
    rows = [
        {
            "code": code,
            "name": names.get(code, code),
            "counts": [counts_of.get(state.value, 0) for state in states],
            "total": sum(counts_of.values()),
            "appraisal_waiting": counts_of.get(CaseState.GROUP_DISCUSSED, 0),
            "quota": quotas.get(code),
            "can_capture": may(request.user, Action.CAPTURE, code),
        }
        for code, counts_of in by_village.items()
    ]
    totals = [sum(row["counts"][index] for row in rows) for index in range(len(states))]
    capture_villages = []
    if request.user.is_superuser or prefixes_for(request.user, Action.CAPTURE):
        capture_villages = list(
            Area.objects.visible_to(request.user, Action.CAPTURE)
            .filter(level=Level.VILLAGE, is_revoked=False, code__startswith=campaign.county_id[:6])
            .order_by("code")
            .values_list("code", "name")[:200]
        )
    deadlines = [
        (CaseState(step).label, day) for step, day in (campaign.deadlines or {}).items() if step in CaseState.values
    ]
    spot_checks = list(SpotCheck.objects.filter(campaign=campaign).order_by("-drawn_at"))
    context = {
        "campaign": campaign,
        "states": states,
        "rows": rows,
        "totals": totals,
        "grand_total": sum(totals),
        "capture_villages": capture_villages,
        "deadlines": deadlines,
        "spot_checks": spot_checks,
        "tab": "overview",
        **_campaign_links(request.user, campaign),
    }
    return render(request, "identification/campaign_detail.html", context)


# --- quotas ------------------------------------------------------------------------------------

_QUOTA_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
_DEPTH = {Level.COUNTY: 0, Level.TOWNSHIP: 1, Level.VILLAGE: 2}


def _sees(user, area: Area) -> bool:
    """An area in the user's view scope or above it (a clerk sees the quotas their village's is split from)."""
    if user.is_superuser:
        return True
    return any(prefix.startswith(area.prefix) or area.code.startswith(prefix) for prefix in prefixes_for(user, "view"))


@login_required
@require_http_methods(["GET", "POST"])
def quota_list(request, pk: int):
    """The quota tree of a campaign (county → townships → villages) with what is used of each, and
    a form for the level above to set a child's quota."""
    campaign = campaign_or_404(request.user, pk)
    county = campaign.county_id[:6]
    areas = list(
        Area.objects.filter(code__startswith=county, level__in=_QUOTA_LEVELS, is_revoked=False).order_by("code")
    )
    settable = [
        (area.code, "　" * _DEPTH[area.level] + area.name)
        for area in areas
        if area.parent_id and may(request.user, Action.SET_QUOTA, area.parent_id)
    ]
    form = QuotaForm(request.POST or None, areas=settable)
    if request.method == "POST" and form.is_valid():
        try:
            quota = services.set_quota(
                actor=request.user,
                campaign_id=campaign.pk,
                area_code=form.cleaned_data["area"],
                households=form.cleaned_data["households"],
                people=form.cleaned_data["people"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The quota of %(area)s was set.") % {"area": quota.area.name})
            return redirect("identification:quota_list", pk=campaign.pk)
    quotas = {quota.area_id: quota for quota in Quota.objects.filter(campaign=campaign)}
    rows = [
        {"area": area, "depth": _DEPTH[area.level], "indent": "　" * _DEPTH[area.level], "quota": quotas.get(area.code)}
        for area in areas
        if (area.code in quotas or area.level != Level.VILLAGE) and _sees(request.user, area)
    ]
    context = {
        "campaign": campaign,
        "rows": rows,
        "form": form if settable else None,
        "tab": "quotas",
        **_campaign_links(request.user, campaign),
    }
    return render(request, "identification/quota_list.html", context)


# --- cases -------------------------------------------------------------------------------------


def _villages_of(user, campaign) -> list[tuple[str, str]]:
    return list(
        Area.objects.visible_to(user, Action.VIEW)
        .filter(level=Level.VILLAGE, code__startswith=campaign.county_id[:6])
        .order_by("code")
        .values_list("code", "name")
    )


@login_required
def case_list(request, pk: int):
    """The cases of a campaign the user sees, filtered by step and village, ordered by village or
    score; with the bulk township review and county confirmation for those who take them."""
    campaign = campaign_or_404(request.user, pk)
    villages = _villages_of(request.user, campaign)
    filters = CaseFilterForm(request.GET or None, villages=villages)
    cases = (
        Case.objects.visible_to(request.user, Action.VIEW)
        .filter(campaign=campaign)
        .select_related("household__village", "household__village_group")
    )
    if filters.is_valid():
        if filters.cleaned_data["state"]:
            cases = cases.filter(state=filters.cleaned_data["state"])
        if filters.cleaned_data["village"]:
            cases = cases.filter(area_code=filters.cleaned_data["village"])
        if filters.cleaned_data["order"]:
            cases = cases.order_by(filters.cleaned_data["order"], "id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    bulk_steps = [
        (name, label)
        for name, label in BulkStepForm.STEPS
        if holds_in_county(request.user, BULK_ACTIONS[name], campaign.county_id)
    ]
    context = {
        "campaign": campaign,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "bulk_steps": bulk_steps,
        "group_discussion": any(name == "record_group_discussion" for name, _label in bulk_steps),
        "tab": "cases",
        **_campaign_links(request.user, campaign),
    }
    return render(request, "identification/case_list.html", context)


@login_required
@require_POST
def case_bulk(request, pk: int):
    """Take one step (township review or county confirmation) on the selected cases; each case
    passes or fails on its own, and the page says which and why."""
    campaign = campaign_or_404(request.user, pk)
    form = BulkStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(reverse("identification:case_list", kwargs={"pk": campaign.pk}))
    step = form.cleaned_data["step"]
    if not holds_in_county(request.user, BULK_ACTIONS[step], campaign.county_id):
        raise PermissionDenied
    case_ids = list(dict.fromkeys(form.cleaned_data["cases"]))
    in_field = set(form.cleaned_data["field"])
    succeeded: set[int] = set()
    failed: dict[int, str] = {}
    if step == "record_group_discussion":
        # one group meeting recommends every case ticked
        result = services.advance_many(
            actor=request.user,
            case_ids=case_ids,
            step=step,
            meeting_date=form.cleaned_data["meeting_date"],
            attendance=form.cleaned_data["attendance"],
            recommended=True,
        )
        succeeded.update(result.succeeded)
        failed.update(result.failed)
    values = {"finding": form.cleaned_data["finding"]} if step == "record_township_review" else {}
    # the service takes one "checked in the field" for all its cases: one call for each answer
    for checked in (True, False) if step != "record_group_discussion" else ():
        chosen = [case_id for case_id in case_ids if (case_id in in_field) == checked]
        if chosen:
            result = services.advance_many(
                actor=request.user, case_ids=chosen, step=step, checked_in_field=checked, **values
            )
            succeeded.update(result.succeeded)
            failed.update(result.failed)
    cases = {
        case.pk: case
        for case in Case.objects.visible_to(request.user, Action.VIEW)
        .filter(pk__in=case_ids)
        .select_related("household__village", "household__village_group")
    }
    rows = [
        {"id": case_id, "case": cases.get(case_id), "passed": case_id in succeeded, "message": failed.get(case_id, "")}
        for case_id in case_ids
    ]
    context = {
        "campaign": campaign,
        "step_label": dict(BulkStepForm.STEPS)[step],
        "rows": rows,
        "passed": len(succeeded),
        "failed": len(failed),
        "tab": "cases",
        **_campaign_links(request.user, campaign),
    }
    return render(request, "identification/case_bulk_result.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_apply(request, pk: int, code: str):
    """A village clerk files the applications of households whose survey forms are submitted."""
    campaign = campaign_or_404(request.user, pk)
    village = area_or_404(request.user, code, Action.CAPTURE, levels=Level.VILLAGE, within=campaign.county_id[:6])
    statuses = [HouseholdStatus.APPLICANT]
    if campaign.kind == CampaignKind.RETURN:
        statuses.append(HouseholdStatus.EXITED)
    candidates = (
        Household.objects.visible_to(request.user, Action.CAPTURE)
        .filter(village_id=village.code, entry_state=EntryState.SUBMITTED, status__in=statuses)
        .exclude(pk__in=Case.objects.filter(campaign=campaign).values("household_id"))
        .select_related("village_group")
        .order_by("household_no")
    )
    choices = [
        (
            household.pk,
            _("%(number)s %(head)s (%(group)s%(size)s people)")
            % {
                "number": household.household_no,
                "head": household.head_name,
                "group": f"{household.village_group.name} · " if household.village_group else "",
                "size": household.household_size,
            },
        )
        for household in candidates
    ]
    form = ApplyForm(request.POST or None, households=choices)
    results = []
    if request.method == "POST" and form.is_valid():
        names = dict(choices)
        for household_id in form.cleaned_data["households"]:
            try:
                services.apply(
                    actor=request.user,
                    campaign_id=campaign.pk,
                    household_id=household_id,
                    informed_on=form.cleaned_data["informed_on"],
                    self_assessment=form.cleaned_data["self_assessment"],
                )
            except ServiceError as exc:
                results.append({"name": names.get(household_id, household_id), "message": exc.message})
            else:
                results.append({"name": names.get(household_id, household_id), "message": ""})
        filed = sum(1 for row in results if not row["message"])
        if filed == len(results):
            messages.success(request, _("%(count)s applications were filed.") % {"count": filed})
            list_url = reverse("identification:case_list", kwargs={"pk": campaign.pk})
            return redirect(f"{list_url}?village={village.code}")
    context = {"campaign": campaign, "village": village, "form": form, "results": results, "tab": "cases"}
    return render(request, "identification/case_apply.html", context)


# --- one case: its timeline and the forms of its next step --------------------------------------

#: the form of each step taken on the case page
_STEP_FORMS = {
    "record_group_discussion": GroupDiscussionForm,
    "record_village_appraisal": VillageAppraisalForm,
    "record_home_check": HomeCheckForm,
    "record_township_review": TownshipReviewForm,
    "confirm": ConfirmForm,
}

#: where each of those forms is posted
_STEP_URLS = {
    "record_group_discussion": "identification:case_group_discussion",
    "record_village_appraisal": "identification:case_village_appraisal",
    "record_home_check": "identification:case_home_check",
    "record_township_review": "identification:case_township_review",
    "confirm": "identification:case_confirm",
}

#: steps taken elsewhere: by a notice of this kind, or on a spot-check
_STEP_ELSEWHERE = {
    "post_first_publicity": NoticeKind.FIRST_PUBLICITY,
    "post_second_publicity": NoticeKind.SECOND_PUBLICITY,
    "announce": NoticeKind.ANNOUNCEMENT,
}


def _render_case(request, case: Case, *, bound: dict | None = None, status: int = 200):
    """The case page; ``bound`` holds a submitted form (with its errors) in place of a fresh one."""
    bound = bound or {}
    user = request.user
    events = [
        describe_event(event)
        for event in case.events.select_related("actor").prefetch_related("attachments").order_by("time", "id")
    ]
    step = next_transition(case.state)
    owner = next_action(case.state)
    initial = {"version": case.version}
    forms = {}
    if step is not None and step.name in _STEP_FORMS and may(user, step.action, case.area_code):
        forms["step"] = bound.get("step") or _STEP_FORMS[step.name](initial=initial)
    if owner is not None and may(user, owner, case.area_code):
        targets = return_targets(case.state)
        if targets:
            forms["return"] = bound.get("return") or ReturnForm(initial=initial, targets=targets)
        forms["reject"] = bound.get("reject") or RejectForm(initial=initial)
    exclusions = services.blocking_exclusions(case)
    can_approve = may(user, Action.APPROVE, case.area_code)
    if exclusions and can_approve and case.state not in (CaseState.REJECTED,):
        forms["override"] = bound.get("override") or OverrideForm()
    elsewhere = None
    if step is not None and step.name in _STEP_ELSEWHERE and may(user, step.action, case.area_code):
        kind = _STEP_ELSEWHERE[step.name]
        area = {
            NoticeKind.FIRST_PUBLICITY: case.area_code,
            NoticeKind.SECOND_PUBLICITY: case.area_code[:9] + "000",
            NoticeKind.ANNOUNCEMENT: case.campaign.county_id,
        }[kind]
        elsewhere = {
            "label": step.label,
            "url": reverse("identification:notice_create", kwargs={"pk": case.campaign_id})
            + f"?kind={kind}&area={area}",
        }
    notices = list(case.notice_entries.select_related("notice").order_by("notice__created_at"))
    objections = list(case.objections.select_related("notice").order_by("-received_on", "-id"))
    household = case.household
    context = {
        "case": case,
        "campaign": case.campaign,
        "household": household,
        "cause": cause_names(case.area_code).get(household.main_cause, household.main_cause),
        "events": events,
        "step": step,
        "step_url": _STEP_URLS.get(step.name, "") if step else "",
        "forms": forms,
        "exclusions": exclusions,
        "elsewhere": elsewhere,
        "notices": notices,
        "objections": objections,
        "appraisal_url": reverse(
            "identification:village_appraisal", kwargs={"pk": case.campaign_id, "code": case.area_code}
        ),
    }
    return render(request, "identification/case_detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    return _render_case(request, case_or_404(request.user, pk))


def _step_post(request, pk: int, *, slot: str, action_of, build, run, done: str, upload: str = ""):
    """Take one step from the case page: the user must hold the step's action on the case's
    village (403), the form parses, the service decides; a refusal re-renders the page with it."""
    case = case_or_404(request.user, pk)
    action = action_of(case)
    if action is None or not may(request.user, action, case.area_code):
        raise PermissionDenied
    form = build(case)
    if form.is_valid():
        waiting = case.state
        try:
            run(case, form)
        except ServiceError as exc:
            show_error(form, exc, {"file": upload} if upload else None)
        else:
            messages.success(request, done)
            if slot == "step":
                return redirect("identification:case_detail", pk=_next_waiting(request.user, case, waiting))
            return redirect("identification:case_detail", pk=case.pk)
    return _render_case(request, case, bound={slot: form})


def _next_waiting(user, case: Case, state: str) -> int:
    """The next case of the same village waiting for the step just taken (a clerk doing twenty
    home checks goes from one to the next), or the case itself when none is left."""
    following = (
        Case.objects.visible_to(user, Action.VIEW)
        .filter(campaign_id=case.campaign_id, area_code=case.area_code, state=state)
        .exclude(pk=case.pk)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    return following or case.pk


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


def _group_discussion(user, case: Case, form, stored: list[Attachment]) -> Case:
    data = form.cleaned_data
    return services.record_group_discussion(
        actor=user,
        case_id=case.pk,
        meeting_date=data["meeting_date"],
        attendance=data["attendance"],
        recommended=data["recommended"],
        note=data["note"],
        version=_version(form),
        attachments=stored,
    )


def _village_appraisal(user, case: Case, form, stored: list[Attachment]) -> Case:
    data = form.cleaned_data
    vote = services.Vote(
        representatives=data["representatives"],
        present=data["present"],
        votes_for=data["votes_for"],
        votes_against=data["votes_against"],
    )
    return services.record_village_appraisal(
        actor=user,
        case_id=case.pk,
        meeting_date=data["meeting_date"],
        vote=vote,
        comparison_read=data["comparison_read"],
        version=_version(form),
        attachments=stored,
    )


def _home_check(user, case: Case, form, stored: list[Attachment]) -> Case:
    data = form.cleaned_data
    return services.record_home_check(
        actor=user,
        case_id=case.pk,
        visited_on=data["visited_on"],
        checklist=form.checklist(),
        findings=data["findings"],
        signatures=form.signatures(),
        version=_version(form),
        attachments=stored,
    )


def _township_review(user, case: Case, form, stored: list[Attachment]) -> Case:
    return services.record_township_review(
        actor=user,
        case_id=case.pk,
        checked_in_field=form.cleaned_data["checked_in_field"],
        finding=form.cleaned_data["finding"],
        version=_version(form),
    )


def _confirm(user, case: Case, form, stored: list[Attachment]) -> Case:
    return services.confirm(
        actor=user, case_id=case.pk, checked_in_field=form.cleaned_data["checked_in_field"], version=_version(form)
    )


@dataclass(frozen=True)
class _Step:
    """A step taken from the case page: the service call (given the parsed form and the stored
    uploads), the form field holding an upload (if any), and what to tell the user."""

    take: Callable[..., Case]
    done: str
    upload: str = ""


#: each step of the case page (by transition name); the URL names its step (identification/urls.py)
CASE_STEPS: dict[str, _Step] = {
    "record_group_discussion": _Step(_group_discussion, gettext_lazy("The group discussion was recorded."), "minutes"),
    "record_village_appraisal": _Step(
        _village_appraisal, gettext_lazy("The vote of the villagers' representative assembly was recorded."), "minutes"
    ),
    "record_home_check": _Step(_home_check, gettext_lazy("The home check was recorded."), "photo"),
    "record_township_review": _Step(_township_review, gettext_lazy("The township review was recorded.")),
    "confirm": _Step(_confirm, gettext_lazy("The case was confirmed within the quota.")),
}


@login_required
@require_POST
def case_step(request, pk: int, step: str):
    """Take one step of the seven from the case page (the one its URL names): the form of the
    step, the uploads kept only if the service takes the step."""
    spec = CASE_STEPS[step]

    def run(case, form):
        uploads = [form.cleaned_data.get(spec.upload)] if spec.upload else []
        with_attachments(
            request.user, uploads, case.area_code, lambda stored: spec.take(request.user, case, form, stored)
        )

    return _step_post(
        request,
        pk,
        slot="step",
        action_of=lambda case: transition(step).action,
        build=lambda case: _STEP_FORMS[step](request.POST, request.FILES),
        run=run,
        upload=spec.upload,
        done=str(spec.done),
    )


@login_required
@require_POST
def case_override(request, pk: int):
    return _step_post(
        request,
        pk,
        slot="override",
        action_of=lambda case: Action.APPROVE,
        build=lambda case: OverrideForm(request.POST),
        run=lambda case, form: services.override_exclusion(
            actor=request.user, case_id=case.pk, reason=form.cleaned_data["reason"]
        ),
        done=_("The reason for letting the case through was recorded."),
    )


@login_required
@require_POST
def case_return(request, pk: int):
    return _step_post(
        request,
        pk,
        slot="return",
        action_of=lambda case: next_action(case.state),
        build=lambda case: ReturnForm(request.POST, targets=return_targets(case.state)),
        run=lambda case, form: services.return_case(
            actor=request.user,
            case_id=case.pk,
            to_state=form.cleaned_data["to_state"],
            reason=form.cleaned_data["reason"],
            version=_version(form),
        ),
        done=_("The case was sent back."),
    )


@login_required
@require_POST
def case_reject(request, pk: int):
    return _step_post(
        request,
        pk,
        slot="reject",
        action_of=lambda case: next_action(case.state),
        build=lambda case: RejectForm(request.POST),
        run=lambda case, form: services.reject_case(
            actor=request.user, case_id=case.pk, reason=form.cleaned_data["reason"], version=_version(form)
        ),
        done=_("The case was rejected."),
    )


# --- the village appraisal ---------------------------------------------------------------------


def _appraisal_cases(user, campaign, village_code: str) -> list[Case]:
    return list(
        Case.objects.visible_to(user, Action.VIEW)
        .filter(campaign=campaign, area_code=village_code, state=CaseState.GROUP_DISCUSSED)
        .select_related("campaign", "household__village_group")
        .order_by("-score", "id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_appraisal(request, pk: int, code: str):
    """The villagers' representative assembly of one village: the cases recommended by the groups,
    ranked by score with their facts and the exclusion conditions they meet, and one form for the
    meeting with the votes for and against each case (each recorded on its own)."""
    campaign = campaign_or_404(request.user, pk)
    village = area_or_404(request.user, code, levels=Level.VILLAGE, within=campaign.county_id[:6])
    can_record = may(request.user, Action.CAPTURE, village.code)
    if request.method == "POST" and not can_record:
        raise PermissionDenied
    cases = _appraisal_cases(request.user, campaign, village.code)
    form = AppraisalMeetingForm(
        request.POST or None,
        case_ids=[case.pk for case in cases],
        initial={f"version_{case.pk}": case.version for case in cases},
    )
    results = []
    if request.method == "POST" and form.is_valid():
        votes = form.votes()
        if not votes:
            form.add_error(None, _("Enter the votes for and against at least one case."))
        by_id = {case.pk: case for case in cases}
        errors: dict[int, str] = {}
        for case_id, votes_for, votes_against, version in votes:
            vote = services.Vote(
                representatives=form.cleaned_data["representatives"],
                present=form.cleaned_data["present"],
                votes_for=votes_for,
                votes_against=votes_against,
            )
            try:
                outcome = services.record_village_appraisal(
                    actor=request.user,
                    case_id=case_id,
                    meeting_date=form.cleaned_data["meeting_date"],
                    vote=vote,
                    comparison_read=form.cleaned_data["comparison_read"],
                    version=version,
                )
            except ServiceError as exc:
                errors[case_id] = exc.message
                results.append({"case": by_id[case_id], "state": "", "message": exc.message})
            else:
                results.append({"case": by_id[case_id], "state": outcome.state, "message": ""})
        if votes:
            cases = _appraisal_cases(request.user, campaign, village.code)
            form = AppraisalMeetingForm(request.POST, case_ids=[case.pk for case in cases])
            form.is_valid()
            for case_id, message in errors.items():
                if f"for_{case_id}" in form.fields:
                    form.add_error(f"for_{case_id}", message)
    causes = cause_names(village.code)
    # the county's exclusion rules are read once for the whole list, not once per case
    exclusion_rules = services.exclusion_rules(campaign.county_id)
    for case in cases:
        case.cause_name = causes.get(case.household.main_cause, case.household.main_cause)
        case.exclusions = services.blocking_exclusions(case, exclusion_rules)
        case.vote_fields = (form[f"for_{case.pk}"], form[f"against_{case.pk}"], form[f"version_{case.pk}"])
    rules = rules_for_county(campaign.county_id)
    context = {
        "campaign": campaign,
        "village": village,
        "cases": cases,
        "form": form,
        "results": results,
        "can_record": can_record,
        "must_include": [row.rule for row in rules["must_include"] if row.is_active],
        "priority": [row.rule for row in rules["priority"] if row.is_active],
        "tab": "cases",
    }
    return render(request, "identification/village_appraisal.html", context)


# --- attachments -------------------------------------------------------------------------------


@login_required
def attachment_download(request, pk: int):
    """A stored photo or scan, to users who see its area; never from MEDIA_URL."""
    attachment = Attachment.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=attachment.content_type, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    return response
