"""Pages of the city's spot-checks (市抽查) and of a county's rules and score card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.scopes import may
from core.errors import ServiceError
from identification import rules, services
from identification.choices import CaseState, RuleKind
from identification.forms import RuleForm, RuleStateForm, ScoreCardForm, SpotCheckDrawForm, SpotCheckRecordForm
from identification.models import Case, SpotCheck, SpotCheckItem
from identification.scoring import weights_for
from identification.views_base import (
    area_or_404,
    campaign_or_404,
    campaigns_visible_to,
    scope_condition,
    show_error,
)

__all__ = [
    "rule_add",
    "rule_list",
    "rule_state",
    "score_card",
    "spot_check_detail",
    "spot_check_draw",
    "spot_check_record",
]


# --- spot-checks -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def spot_check_draw(request, pk: int):
    """The city draws a random share of a campaign's announced cases to check (city inspectors)."""
    campaign = campaign_or_404(request.user, pk)
    if not may(request.user, Action.VIEW, campaign.county_id):  # the sample is drawn county-wide
        raise Http404
    if not may(request.user, Action.INSPECT, campaign.county_id):
        raise PermissionDenied
    form = SpotCheckDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check = services.draw_spot_check(actor=request.user, campaign_id=campaign.pk, share=form.share())
        except ServiceError as exc:
            form.add_error("percent" if exc.field == "share" else None, exc.message)
        else:
            messages.success(request, _("%(count)s cases were drawn.") % {"count": check.items.count()})
            return redirect("identification:spot_check_detail", pk=check.pk)
    announced = (
        Case.objects.visible_to(request.user, Action.VIEW).filter(campaign=campaign, state=CaseState.ANNOUNCED).count()
    )
    checks = list(SpotCheck.objects.filter(campaign=campaign).order_by("-drawn_at"))
    context = {"campaign": campaign, "form": form, "announced": announced, "checks": checks, "tab": "overview"}
    return render(request, "identification/spot_check_draw.html", context)


def _spot_check_or_404(user, pk: int) -> SpotCheck:
    check = SpotCheck.objects.select_related("campaign", "drawn_by").filter(pk=pk).first()
    if check is None or not campaigns_visible_to(user).filter(pk=check.campaign_id).exists():
        raise Http404
    return check


def _render_spot_check(request, check: SpotCheck, *, bound: dict | None = None):
    bound = bound or {}
    items = SpotCheckItem.objects.filter(spot_check=check).select_related(
        "case__household__village", "case__household__village_group", "checked_by"
    )
    condition = scope_condition(request.user, Action.VIEW, "case__area_code")
    if condition is not None:
        items = items.filter(condition)
    items = list(items.order_by("case__area_code", "case_id"))
    for item in items:
        item.form = None
        if item.checked_at is None and may(request.user, Action.INSPECT, item.case.area_code):
            item.form = bound.get(item.pk) or SpotCheckRecordForm(prefix=f"i{item.pk}")
    context = {
        "check": check,
        "campaign": check.campaign,
        "items": items,
        "percent": check.share * 100,
        "tab": "overview",
    }
    return render(request, "identification/spot_check_detail.html", context)


@login_required
def spot_check_detail(request, pk: int):
    return _render_spot_check(request, _spot_check_or_404(request.user, pk))


@login_required
@require_POST
def spot_check_record(request, pk: int):
    """Record what the check of one sampled case found; a problem sends the case back."""
    items = SpotCheckItem.objects.select_related("case", "spot_check")
    condition = scope_condition(request.user, Action.VIEW, "case__area_code")
    if condition is not None:
        items = items.filter(condition)
    item = items.filter(pk=pk).first()
    if item is None:
        raise Http404
    if not may(request.user, Action.INSPECT, item.case.area_code):
        raise PermissionDenied
    form = SpotCheckRecordForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            services.record_spot_check(
                actor=request.user,
                item_id=item.pk,
                finding=form.cleaned_data["finding"],
                has_problem=form.cleaned_data["has_problem"],
            )
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The finding was recorded."))
            return redirect("identification:spot_check_detail", pk=item.spot_check_id)
    return _render_spot_check(request, _spot_check_or_404(request.user, item.spot_check_id), bound={item.pk: form})


# --- rules and score card ----------------------------------------------------------------------


def _render_rules(request, county, *, rule_form=None, card_form=None, status: int = 200):
    can_edit = may(request.user, Action.APPROVE, county.code)
    weights = weights_for(county.code)
    flags = rules.household_flag_choices()
    flag_labels = dict(flags)
    groups = []
    for kind, rows in rules.rules_for_county(county.code).items():
        for row in rows:
            row.rule.flag_label = flag_labels.get(row.rule.household_field, row.rule.household_field)
        groups.append((RuleKind(kind).label, kind, rows))
    context = {
        "county": county,
        "groups": groups,
        "weights": [(ScoreCardForm().fields[name].label, value) for name, value in weights.items()],
        "can_edit": can_edit,
        "rule_form": rule_form or (RuleForm(flags=flags) if can_edit else None),
        "card_form": card_form or (ScoreCardForm(initial=weights) if can_edit else None),
    }
    return render(request, "identification/rule_list.html", context, status=status)


@login_required
def rule_list(request, code: str):
    """The exclusion, must-include and priority rules in force in a county (the defaults, replaced
    by the county's own where it has them), and its score card."""
    county = area_or_404(request.user, code, levels=Level.COUNTY)
    return _render_rules(request, county)


@login_required
@require_POST
def rule_add(request, code: str):
    county = area_or_404(request.user, code, Action.APPROVE, levels=Level.COUNTY)
    form = RuleForm(request.POST, flags=rules.household_flag_choices())
    if form.is_valid():
        try:
            rules.save_county_rule(actor=request.user, county_code=county.code, **form.cleaned_data)
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The rule was saved for the county."))
            return redirect("identification:rule_list", code=county.code)
    return _render_rules(request, county, rule_form=form)


@login_required
@require_POST
def rule_state(request, code: str):
    """Switch a rule off in the county, or on again."""
    county = area_or_404(request.user, code, Action.APPROVE, levels=Level.COUNTY)
    form = RuleStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rule of the list."))
        return redirect("identification:rule_list", code=county.code)
    try:
        rules.set_county_rule_active(
            actor=request.user,
            county_code=county.code,
            kind=form.cleaned_data["kind"],
            key=form.cleaned_data["key"],
            active=form.cleaned_data["active"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The rule is in force again.") if form.cleaned_data["active"] else _("The rule was switched off."),
        )
    return redirect("identification:rule_list", code=county.code)


@login_required
@require_POST
def score_card(request, code: str):
    county = area_or_404(request.user, code, Action.APPROVE, levels=Level.COUNTY)
    form = ScoreCardForm(request.POST)
    if form.is_valid():
        try:
            rules.set_score_card(actor=request.user, county_code=county.code, weights=form.weights())
        except ServiceError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("The weights of the score card were saved."))
            return redirect("identification:rule_list", code=county.code)
    return _render_rules(request, county, card_form=form)
