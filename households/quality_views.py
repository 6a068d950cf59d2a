"""Pages and API of the data-quality worklist. Thin: parse the request, call one selector or
service of households/worklist.py, render. Every page makes a fixed number of queries whatever
the number of findings or households."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.choices import Action, Level
from areas.codes import level_below
from areas.scopes import may
from core.errors import ServiceError
from core.job_views import JobSerializer
from core.models import Job
from households.models import Household, Member, QualityFinding
from households.quality import ERROR, RULES, WARNING
from households.worklist import (
    SCAN_KIND,
    WORKLIST_LEVELS,
    ChildCount,
    FindingFilters,
    RuleCount,
    confirm_finding,
    counts_by_child,
    counts_by_rule,
    finding_for_confirmation,
    findings_for,
    may_start_scan,
    rule_title,
    start_quality_scan,
    worklist_area,
)

__all__ = [
    "AreaCountsAPI",
    "FindingConfirmAPI",
    "FindingListAPI",
    "QualityScanAPI",
    "finding_confirm",
    "finding_list",
    "quality_scan",
    "worklist_page",
]

PAGE_SIZE = 50


def field_label(name: str) -> str:
    """The form label of a finding's field (household or member), for people."""
    if name == "members":
        return _("Members")
    for model in (Household, Member):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _severity_label(severity: str) -> str:
    return _("Error") if severity == ERROR else _("Warning")


def _totals(children: list[ChildCount]) -> dict[str, int]:
    # a household lies in exactly one child area, so households add up across children
    return {
        name: sum(getattr(child, name) for child in children)
        for name in ("findings", "errors", "warnings", "households")
    }


# --- pages --------------------------------------------------------------------------------------


@login_required
def worklist_page(request, code: str):
    """Open findings of a county, township or village: by rule and by child area, with links down."""
    area = worklist_area(actor=request.user, area_code=code)
    children = counts_by_child(actor=request.user, area=area)
    job = (
        Job.objects.filter(kind=SCAN_KIND, area_code=area.code, requested_by=request.user)
        .order_by("-created_at", "-id")
        .first()
    )
    parent = area.parent
    context = {
        "area": area,
        # the parent's worklist is linked only where the user may open it
        "parent_worklist": parent
        if parent is not None and parent.level in WORKLIST_LEVELS and may(request.user, Action.VIEW, parent.code)
        else None,
        "by_rule": counts_by_rule(actor=request.user, area=area),
        "children": children if area.level != Level.VILLAGE else [],
        "child_level": Level(level_below(area.level)).label if area.level != Level.VILLAGE else "",
        "totals": _totals(children),
        "can_scan": may_start_scan(request.user, area.code),
        "job": job,
    }
    return render(request, "households/worklist.html", context)


@login_required
def finding_list(request, code: str):
    """Findings under an area, filtered by rule, severity, child area and state, 50 a page."""
    area = worklist_area(actor=request.user, area_code=code)
    narrowed = request.GET.get("area", "").strip()
    prefix = narrowed if narrowed.isdigit() and narrowed.startswith(area.prefix) else area.prefix
    error = ""
    try:
        filters = FindingFilters.parse(request.GET, area=prefix)
    except ServiceError as exc:
        error, filters = exc.message, FindingFilters(area=prefix)
    page = Paginator(findings_for(actor=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "finding": finding,
            "rule_title": rule_title(finding.rule),
            "severity_label": _severity_label(finding.severity),
            "field_label": field_label(finding.field) if finding.field else "",
            "can_confirm": finding.severity == WARNING
            and finding.resolved_at is None
            and may_confirm(request.user, finding.area_code),
        }
        for finding in page
    ]
    child_options = []
    if area.level != Level.VILLAGE:
        child_options = list(area.children.filter(level=level_below(area.level)).order_by("code"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "area": area,
        "page": page,
        "rows": rows,
        "filters": filters,
        "error": error,
        "rules": sorted(((code, str(r.title)) for code, r in RULES.items()), key=lambda item: item[1]),
        "child_options": child_options,
        "filter_query": query.urlencode(),
    }
    return render(request, "households/finding_list.html", context)


def may_confirm(user, area_code: str) -> bool:
    return may(user, Action.CAPTURE, area_code)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # a path of this site only: redirect() takes anything else for a view's name (a 500 when none)
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def finding_confirm(request, pk: int):
    """Confirm a warning with a note (clerks and reviewers who capture in the household's village)."""
    finding = finding_for_confirmation(actor=request.user, finding_id=pk)
    back = _safe_next(request, _finding_list_url(finding))
    error = ""
    note = finding.note
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            confirm_finding(actor=request.user, finding_id=finding.pk, note=note)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("The warning of household %(number)s was confirmed with your note.")
                % {"number": finding.household.household_no},
            )
            return redirect(back)
    context = {
        "finding": finding,
        "rule_title": rule_title(finding.rule),
        "severity_label": _severity_label(finding.severity),
        "field_label": field_label(finding.field) if finding.field else "",
        "confirmable": finding.severity == WARNING and finding.resolved_at is None,
        "note": note,
        "error": error,
        "next": back,
    }
    return render(request, "households/finding_confirm.html", context)


def _finding_list_url(finding: QualityFinding) -> str:
    return reverse("households:finding_list", kwargs={"code": finding.area_code}) + f"?rule={finding.rule}"


@login_required
@require_POST
def quality_scan(request, code: str):
    """Start the area-wide check; htmx gets the progress box, a plain form the job's page."""
    job = start_quality_scan(actor=request.user, area_code=code)
    if request.htmx:
        return render(request, "core/_job_progress.html", {"job": job}, status=status.HTTP_202_ACCEPTED)
    messages.success(request, _("The data-quality check of %(area)s has started.") % {"area": job.params["area_name"]})
    return redirect("core:job_detail", pk=job.pk)


# --- API ----------------------------------------------------------------------------------------


class QualityFindingSerializer(serializers.ModelSerializer):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    rule_title = serializers.SerializerMethodField()

    class Meta:
        model = QualityFinding
        fields = [
            "id",
            "household",
            "household_no",
            "head_name",
            "area_code",
            "rule",
            "rule_title",
            "severity",
            "field",
            "member_position",
            "message",
            "note",
            "found_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_rule_title(self, finding: QualityFinding) -> str:
        return rule_title(finding.rule)


class FindingListAPI(generics.ListAPIView):
    """Data-quality findings in the caller's view scope."""

    serializer_class = QualityFindingSerializer

    def get_queryset(self):
        return findings_for(actor=self.request.user, filters=FindingFilters.parse(self.request.query_params))

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="area code prefix (2, 4, 6, 9 or 12 digits)"),
            OpenApiParameter("rule", str, description="rule code, see households/quality.py"),
            OpenApiParameter("severity", str, enum=[ERROR, WARNING]),
            OpenApiParameter("household", int, description="household id"),
            OpenApiParameter("state", str, enum=list(FindingFilters.STATES), description="open (default)"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _rule_count(count: RuleCount) -> dict:
    return {
        "rule": count.rule,
        "title": count.title,
        "severity": count.severity,
        "findings": count.findings,
        "households": count.households,
    }


def _child_count(count: ChildCount) -> dict:
    return {
        "code": count.code,
        "name": count.name,
        "findings": count.findings,
        "errors": count.errors,
        "warnings": count.warnings,
        "households": count.households,
    }


class AreaCountsAPI(APIView):
    """Open findings of a county, township or village by rule and by child area."""

    @extend_schema(
        responses=inline_serializer(
            "QualityCounts",
            {
                "area": serializers.DictField(),
                "totals": serializers.DictField(child=serializers.IntegerField()),
                "by_rule": serializers.ListField(child=serializers.DictField()),
                "by_child": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request, code: str):
        area = worklist_area(actor=request.user, area_code=code)
        children = counts_by_child(actor=request.user, area=area)
        return Response(
            {
                "area": {"code": area.code, "name": area.name, "level": area.level},
                "totals": _totals(children),
                "by_rule": [_rule_count(c) for c in counts_by_rule(actor=request.user, area=area)],
                "by_child": [_child_count(c) for c in children] if area.level != Level.VILLAGE else [],
            }
        )


class FindingConfirmAPI(APIView):
    """Confirm a warning with a note."""

    @extend_schema(
        request=inline_serializer("FindingConfirm", {"note": serializers.CharField()}),
        responses=QualityFindingSerializer,
    )
    def post(self, request, pk: int):
        note = request.data.get("note", "")
        if not isinstance(note, str):
            raise ServiceError(_("The note must be text."), field="note")
        finding = confirm_finding(actor=request.user, finding_id=pk, note=note)
        return Response(QualityFindingSerializer(finding).data)


class QualityScanAPI(APIView):
    """Start the data-quality check of an area; poll the returned job at /api/v1/jobs/{id}/."""

    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request, code: str):
        job = start_quality_scan(actor=request.user, area_code=code)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
