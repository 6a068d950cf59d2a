"""Pages of publicity (公示) and announcements (公告): the notices of a campaign, drafting one,
posting it, objections and their verification, concluding the period, and the printed notice
(one A4 page per village group, with only what DOMAIN.md section 12 allows)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.errors import ServiceError
from households.choices import CAUSES
from identification import services
from identification.choices import CampaignKind, NoticeKind, NoticeState, ObjectionState
from identification.forms import NoticeCreateForm, NoticePostForm, ObjectionForm, ResolveObjectionForm
from identification.models import Notice, Objection
from identification.views_base import (
    area_names,
    area_or_404,
    campaign_or_404,
    cause_names,
    holds_in_county,
    notice_action,
    scope_condition,
    show_error,
    with_attachments,
)

__all__ = [
    "notice_conclude",
    "notice_create",
    "notice_detail",
    "notice_list",
    "notice_post",
    "notice_print",
    "objection_add",
    "objection_resolve",
]

#: the level of area each kind of notice is issued for
NOTICE_LEVEL = {
    NoticeKind.FIRST_PUBLICITY: Level.VILLAGE,
    NoticeKind.SECOND_PUBLICITY: Level.TOWNSHIP,
    NoticeKind.ANNOUNCEMENT: Level.COUNTY,
}


def _notice_or_404(user, pk: int) -> Notice:
    notice = (
        Notice.objects.visible_to(user, Action.VIEW)
        .select_related("campaign__county", "area", "photo")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


@login_required
def notice_list(request, pk: int):
    """The notices of a campaign in the user's areas; ``?due=1``: publicities whose period is
    over, ``?objections=open``: those with objections to verify."""
    campaign = campaign_or_404(request.user, pk)
    notices = (
        Notice.objects.visible_to(request.user, Action.VIEW)
        .filter(campaign=campaign)
        .select_related("area")
        .annotate(
            entry_count=Count("entries", distinct=True),
            open_objections=Count("objections", filter=Q(objections__state=ObjectionState.OPEN), distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    due = request.GET.get("due") == "1"
    if due:
        notices = notices.filter(state=NoticeState.POSTED, ends_on__lt=timezone.localdate()).exclude(
            kind=NoticeKind.ANNOUNCEMENT
        )
    open_only = request.GET.get("objections") == "open"
    if open_only:
        notices = notices.filter(objections__state=ObjectionState.OPEN)
    context = {
        "campaign": campaign,
        "notices": list(notices[:500]),
        "due": due,
        "open_only": open_only,
        "can_publicize": holds_in_county(request.user, (Action.REVIEW, Action.APPROVE), campaign.county_id),
        "tab": "notices",
    }
    return render(request, "identification/notice_list.html", context)


def _notice_areas(user, campaign) -> list[tuple[str, str]]:
    """The villages and townships the user reviews and the county they approve in, as choices."""
    areas = Area.objects.filter(
        code__startswith=campaign.county_id[:6],
        level__in=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
        is_revoked=False,
    ).order_by("code")
    wanted = {Level.COUNTY: Action.APPROVE, Level.TOWNSHIP: Action.REVIEW, Level.VILLAGE: Action.REVIEW}
    depth = {Level.COUNTY: 0, Level.TOWNSHIP: 1, Level.VILLAGE: 2}
    return [
        (area.code, "　" * depth[area.level] + area.name)
        for area in areas.only("code", "name", "level")
        if may(user, wanted[area.level], area.code)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request, pk: int):
    """Draft a publicity (townships) or an announcement (the county) for the cases of an area that
    wait for it."""
    campaign = campaign_or_404(request.user, pk)
    allowed = holds_in_county(request.user, (Action.REVIEW, Action.APPROVE), campaign.county_id)
    if request.method == "GET" and not allowed:
        raise PermissionDenied
    # a posted area is the service's to judge (404 outside the scope, then 403 without the action)
    areas = _notice_areas(request.user, campaign)
    initial = {"kind": request.GET.get("kind", NoticeKind.FIRST_PUBLICITY), "area": request.GET.get("area", "")}
    form = NoticeCreateForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        area_or_404(request.user, form.cleaned_data["area"])  # 404 outside the scope, before the 403
        if not allowed:
            raise PermissionDenied
        try:
            notice = services.create_notice(
                actor=request.user,
                campaign_id=campaign.pk,
                kind=form.cleaned_data["kind"],
                area_code=form.cleaned_data["area"],
                issued_by=form.cleaned_data["issued_by"],
                contact=form.cleaned_data["contact"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The notice was drafted; post it to start the period."))
            return redirect("identification:notice_detail", pk=notice.pk)
    elif not allowed:
        raise PermissionDenied
    return render(request, "identification/notice_create.html", {"campaign": campaign, "form": form, "tab": "notices"})


def _entries(notice: Notice) -> list:
    return list(
        notice.entries.select_related("case__household__village", "case__household__village_group").order_by(
            "case__group_code", "case__household__household_no"
        )
    )


def _render_notice(request, notice: Notice, *, bound: dict | None = None, conclude_error: str = ""):
    bound = bound or {}
    user = request.user
    action = notice_action(notice.kind)
    may_act = may(user, action, notice.area_id)
    is_publicity = notice.kind != NoticeKind.ANNOUNCEMENT
    entries = _entries(notice)
    causes = cause_names(notice.area_id)
    for entry in entries:
        entry.cause_name = causes.get(entry.case.household.main_cause, entry.case.household.main_cause)
    objections = list(
        notice.objections.select_related("case__household", "recorded_by", "resolved_by").order_by(
            "-received_on", "-id"
        )
    )
    may_record = may(user, Action.REVIEW, notice.area_id) or may(user, Action.CAPTURE, notice.area_id)
    forms = {}
    if notice.state == NoticeState.DRAFT and may_act:
        forms["post"] = bound.get("post") or NoticePostForm(initial={"starts_on": timezone.localdate()})
    if notice.state == NoticeState.POSTED and is_publicity and may_record:
        choices = [
            (entry.case_id, f"{entry.case.household.household_no} {entry.case.household.head_name}")
            for entry in entries
        ]
        forms["objection"] = bound.get("objection") or ObjectionForm(
            cases=choices, initial={"received_on": timezone.localdate()}
        )
    can_resolve = may(user, Action.REVIEW, notice.area_id)
    for objection in objections:
        objection.form = None
        if objection.state == ObjectionState.OPEN and can_resolve:
            objection.form = bound.get(f"resolve_{objection.pk}") or ResolveObjectionForm(
                prefix=f"o{objection.pk}", initial={"decision": "reject"}
            )
    context = {
        "notice": notice,
        "campaign": notice.campaign,
        "entries": entries,
        "objections": objections,
        "forms": forms,
        "can_conclude": notice.state == NoticeState.POSTED and is_publicity and may_act,
        "conclude_error": conclude_error,
        "tab": "notices",
    }
    return render(request, "identification/notice_detail.html", context)


@login_required
def notice_detail(request, pk: int):
    return _render_notice(request, _notice_or_404(request.user, pk))


def _require(user, notice: Notice, action: str) -> None:
    if not may(user, action, notice.area_id):
        raise PermissionDenied


@login_required
@require_POST
def notice_post(request, pk: int):
    """Post a drafted notice (date, place, photo): its period starts."""
    notice = _notice_or_404(request.user, pk)
    _require(request.user, notice, notice_action(notice.kind))
    form = NoticePostForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with_attachments(
                request.user,
                [data.get("photo")],
                notice.area_id,
                lambda stored: services.post_notice(
                    actor=request.user,
                    notice_id=notice.pk,
                    starts_on=data["starts_on"],
                    posted_place=data["posted_place"],
                    photo=stored[0] if stored else None,
                ),
            )
        except ServiceError as exc:
            show_error(form, exc, {"file": "photo"})
        else:
            messages.success(request, _("The notice was posted."))
            return redirect("identification:notice_detail", pk=notice.pk)
    return _render_notice(request, notice, bound={"post": form})


@login_required
@require_POST
def notice_conclude(request, pk: int):
    """End a publicity once its period is over and every objection is resolved."""
    notice = _notice_or_404(request.user, pk)
    _require(request.user, notice, notice_action(notice.kind))
    try:
        services.conclude_notice(actor=request.user, notice_id=notice.pk)
    except ServiceError as exc:
        return _render_notice(request, notice, conclude_error=exc.message)
    messages.success(request, _("The publicity was concluded; its cases go on to the next step."))
    return redirect("identification:notice_detail", pk=notice.pk)


@login_required
@require_POST
def objection_add(request, pk: int):
    """Record an objection raised during a publicity (who, when, how, what)."""
    notice = _notice_or_404(request.user, pk)
    if not (may(request.user, Action.REVIEW, notice.area_id) or may(request.user, Action.CAPTURE, notice.area_id)):
        raise PermissionDenied
    choices = [(entry.case_id, str(entry.case_id)) for entry in notice.entries.all()]
    form = ObjectionForm(request.POST, cases=choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_objection(
                actor=request.user,
                notice_id=notice.pk,
                case_id=data["case"],
                raised_by=data["raised_by"],
                received_on=data["received_on"],
                channel=data["channel"],
                content=data["content"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The objection was recorded; the township verifies it."))
            return redirect("identification:notice_detail", pk=notice.pk)
    return _render_notice(request, notice, bound={"objection": form})


@login_required
@require_POST
def objection_resolve(request, pk: int):
    """The township's verification of an objection: upheld sends the case back, rejected keeps it."""
    condition = scope_condition(request.user, Action.VIEW, "case__area_code")
    objections = Objection.objects.select_related("notice", "case")
    if condition is not None:
        objections = objections.filter(condition)
    objection = objections.filter(pk=pk).first()
    if objection is None:
        raise Http404
    if not may(request.user, Action.REVIEW, objection.case.area_code):
        raise PermissionDenied
    form = ResolveObjectionForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.resolve_objection(
                actor=request.user,
                objection_id=objection.pk,
                uphold=data["decision"] == "uphold",
                resolution=data["resolution"],
                return_to=data["return_to"] or ResolveObjectionForm.RETURN_TO[1],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The verification of the objection was recorded."))
            return redirect("identification:notice_detail", pk=objection.notice_id)
    notice = _notice_or_404(request.user, objection.notice_id)
    return _render_notice(request, notice, bound={f"resolve_{objection.pk}": form})


@login_required
def notice_print(request, pk: int):
    """The notice as posted: one A4 page per village group, listing only the village group, head
    of household, household size, attribute, main cause and year (DOMAIN.md section 12)."""
    notice = _notice_or_404(request.user, pk)
    entries = _entries(notice)
    # The posted sheet must name each cause, never show its bare code: the national list in code
    # stands behind the cause list in the database (an administrator's table, which may lack a code).
    causes = {**dict(CAUSES), **cause_names(notice.area_id)}
    villages = area_names(entry.case.area_code for entry in entries)
    pages: dict[str, dict] = {}
    for entry in entries:
        household = entry.case.household
        group = household.village_group
        key = group.code if group else entry.case.area_code
        page = pages.setdefault(
            key,
            {
                "village": villages.get(entry.case.area_code, ""),
                "group": group.name if group else "",
                "rows": [],
            },
        )
        page["rows"].append(
            {
                "group": group.name if group else "—",
                "head": household.head_name,
                "size": household.household_size,
                "attribute": household.get_poverty_attribute_display(),
                "cause": causes.get(household.main_cause, household.main_cause),
                "year": notice.campaign.year,
            }
        )
    context = {
        "notice": notice,
        "level": Level(notice.area.level).label,
        "pages": list(pages.values()),
        # an exit publicity (拟退出户公示) says so, and its year is the exit year
        "is_exit": notice.campaign.kind == CampaignKind.EXIT,
    }
    return render(request, "identification/notice_print.html", context)
