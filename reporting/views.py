"""Pages of reporting: the reports page (request a report, jobs with live progress, downloads and
who downloaded them), a report job's page (its HTML tables), and an area's dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from areas.choices import Action
from areas.models import Area
from areas.roles import ROLE_ACTIONS
from areas.scopes import grants_of, prefixes_for
from core.errors import ServiceError
from core.job_views import jobs_visible_to
from core.models import ChangeAction, Job, ObjectChange
from reporting import svg
from reporting.dashboards import dashboard_for
from reporting.registry import KIND_PREFIX, all_reports, get_report, report_code
from reporting.services import REPORT_LEVELS, first_year, report_tables, request_report
from reporting.sources import open_year

__all__ = ["dashboard", "report_detail", "report_list", "report_request"]

#: report jobs listed on the reports page
JOBS_SHOWN = 30


def _export_areas(user) -> list[tuple[str, str]]:
    """(code, name) of the areas where the user holds a role that may export."""
    seen: dict[str, str] = {}
    for grant in grants_of(user):
        if Action.EXPORT in ROLE_ACTIONS[grant.role] and grant.area_level in REPORT_LEVELS:
            seen.setdefault(grant.area_code, grant.area_name)
    return sorted(seen.items())


def _report_jobs(user) -> list[Job]:
    jobs = list(
        jobs_visible_to(user)
        .filter(kind__startswith=KIND_PREFIX)
        .select_related("requested_by")
        .order_by("-created_at", "-id")[:JOBS_SHOWN]
    )
    if not jobs:
        return jobs
    # who downloaded each file (core.job_views records every download): one query for all jobs
    downloads: dict[str, list[ObjectChange]] = {}
    for change in ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Job),
        action=ChangeAction.EXPORT,
        object_pk__in=[str(job.pk) for job in jobs],
    ).order_by("-time"):
        downloads.setdefault(change.object_pk, []).append(change)
    titles = {report.code: report.title for report in all_reports()}
    for job in jobs:
        job.downloads = downloads.get(str(job.pk), [])
        job.report_title = titles.get(report_code(job.kind), job.kind)
    return jobs


def _may_report(user) -> bool:
    return user.is_superuser or bool(prefixes_for(user, Action.EXPORT))


@login_required
def report_list(request):
    """The reports page; with htmx, only the job rows (polled while a job is unfinished)."""
    if not _may_report(request.user):
        raise PermissionDenied
    jobs = _report_jobs(request.user)
    context = {"jobs": jobs, "polling": any(not job.is_finished for job in jobs)}
    if request.htmx:
        return render(request, "reporting/_job_rows.html", context)
    areas = _export_areas(request.user)
    chosen = request.GET.get("area", "")
    if chosen and chosen not in dict(areas):
        area = Area.objects.visible_to(request.user, Action.EXPORT).filter(code=chosen).first()
        if area is not None:
            areas.append((area.code, area.name))
    context.update(
        {
            "reports": all_reports(),
            "areas": areas,
            "chosen_area": chosen,
            "chosen_kind": request.GET.get("kind", ""),
            "years": list(range(open_year(), first_year() - 1, -1)),
        }
    )
    return render(request, "reporting/report_list.html", context)


@login_required
@require_POST
def report_request(request):
    """Queue a report; the page then shows its progress."""
    try:
        job = request_report(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            area_code=request.POST.get("area", ""),
            year=request.POST.get("year") or None,
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("reporting:report_list")
    messages.success(request, _("The report is being built; it appears below when ready."))
    return redirect("reporting:report_detail", pk=job.pk)


@login_required
def report_detail(request, pk: int):
    """A job's progress and, once a report is built, its tables (the same figures as the workbook)."""
    job = jobs_visible_to(request.user).select_related("requested_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    report = get_report(report_code(job.kind)) if job.kind.startswith(KIND_PREFIX) else None
    area = Area.objects.filter(code=job.area_code).first()
    context = {
        "job": job,
        "report": report,
        "area": area,
        "tables": report_tables(job) if job.status == "done" else [],
    }
    if request.htmx:
        return render(request, "reporting/_report_body.html", context)
    return render(request, "reporting/report_detail.html", context)


@login_required
def dashboard(request, code: str):
    """Key figures and charts of an area the user may view."""
    area = Area.objects.visible_to(request.user, Action.VIEW).filter(code=code, level__in=REPORT_LEVELS).first()
    if area is None:
        raise Http404
    board = dashboard_for(actor=request.user, area=area)
    charts = {
        "years": svg.grouped_bar_chart(
            _("Households by status over the years"),
            board.years,
            [(_("Poor"), board.poor_by_year), (_("Exited"), board.exited_by_year)],
        ),
        "incidence": svg.bar_chart(_("Poverty incidence by area"), board.incidence_by_child, percent=True),
        "causes": svg.bar_chart(_("Poor households by main cause"), board.causes),
        "measures": svg.bar_chart(
            _("Households covered by each measure in %(year)s") % {"year": board.measures_year or board.year},
            board.measures_of(board.measures_year),
        ),
    }
    children = [] if area.level == "village" else board.children
    return render(
        request,
        "reporting/dashboard.html",
        {
            "area": area,
            "board": board,
            "charts": charts,
            "children": children,
            "may_export": _may_report(request.user),
        },
    )
