"""Report jobs: requesting a report (a Job row and its task), building it in a worker, and the
scheduled builds beat starts.

A report is built for one area and one year, with rows by the area's children, limited to the
requester's view scope (re-applied in the worker from the job's requester, so a revoked grant
takes effect even for a queued job). Who may request: a role with ``export`` on the area.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import ServiceError
from core.jobs import JOBS_DIR, create_job, job_file_path, publish_file, report_progress
from core.models import ChangeAction, Job, JobStatus
from households.models import Household
from reporting.excel import write_workbook
from reporting.registry import Report, all_reports, get_report, job_kind, report_code
from reporting.sources import ReportContext, open_year, uses_snapshot
from reporting.tables import ReportTable

__all__ = [
    "REPORT_LEVELS",
    "build_report_job",
    "first_year",
    "report_area",
    "report_tables",
    "request_report",
    "schedule_reports",
    "system_user",
]

#: levels a report can be built for (rows are the children; a village's row is itself)
REPORT_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
_ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def first_year() -> int:
    return settings.REPORT_FIRST_YEAR


def report_area(*, actor, area_code: str) -> Area:
    """The area ``area_code`` if the actor may view it (Http404 otherwise) and export there
    (PermissionDenied otherwise)."""
    area = (
        Area.objects.visible_to(actor, Action.VIEW).filter(code=area_code, level__in=REPORT_LEVELS).first()
        if isinstance(area_code, str)
        else None
    )
    if area is None:
        raise Http404
    if not may(actor, Action.EXPORT, area.code):
        raise PermissionDenied
    return area


def _valid_year(report: Report, year) -> int:
    if not report.by_year or year in (None, ""):
        return open_year()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError(_("Enter a year as four digits."), code="bad_year", field="year") from None
    if not first_year() <= year <= open_year():
        raise ServiceError(
            _("Reports cover the years %(first)s to %(last)s.") % {"first": first_year(), "last": open_year()},
            code="bad_year",
            field="year",
        )
    return year


@transaction.atomic
def request_report(*, actor, kind: str, area_code: str, year: int | str | None = None) -> Job:
    """Queue the report ``kind`` of an area for a year; the task is sent once this commits.

    The same report already queued or running for the same requester is returned instead of a
    second job (a double click builds it once). The request is recorded in the audit trail.
    """
    area = report_area(actor=actor, area_code=area_code)
    report = get_report(kind) if isinstance(kind, str) else None
    if report is None:
        raise ServiceError(_("Choose a report from the list."), code="bad_kind", field="kind")
    year = _valid_year(report, year)
    # the requester's row serialises their requests, so two quick clicks cannot both queue a job
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    waiting = Job.objects.filter(
        kind=job_kind(report.code), area_code=area.code, requested_by=actor, status__in=_ACTIVE, params__year=year
    ).first()
    if waiting is not None:
        return waiting
    from reporting.tasks import build_report  # the task module imports this one

    job = create_job(
        kind=job_kind(report.code),
        area_code=area.code,
        actor=actor,
        params={"year": year, "area_name": area.name, "language": translation.get_language() or "zh-hans"},
        task=build_report,
    )
    record_change(
        actor=actor,
        obj=job,
        action=ChangeAction.CREATE,
        area_code=area.code,
        after={"kind": job.kind, "area": area.code, "year": year},
    )
    return job


def _remove_stale_parts(job: Job) -> None:
    """Delete the temporary files of an attempt whose worker was killed (never published)."""
    directory = job_file_path(JOBS_DIR)
    if directory.exists():
        for stale in directory.glob(f".job-{job.pk}-*.part"):
            stale.unlink(missing_ok=True)


def _file_name(report: Report, area: Area, year: int) -> str:
    return f"{report.title}-{area.name}-{year}.xlsx".replace("/", "-")


def build_report_job(job: Job) -> dict:
    """The handler core.jobs.run_job runs for a report job: build the tables, write and publish
    the workbook, keep the tables in the result for the page. Running it twice gives the same
    file (it is replaced whole) and the same result."""
    report = get_report(report_code(job.kind))
    if report is None:
        raise ServiceError(_("This kind of report no longer exists."), code="bad_kind")
    area = Area.objects.get(code=job.area_code)
    scheduled = bool(job.params.get("scheduled"))
    actor = None if scheduled else job.requested_by
    if actor is not None and not may(actor, Action.EXPORT, area.code):
        raise ServiceError(_("The requester may no longer download reports of this area."), code="forbidden")
    year = int(job.params.get("year") or open_year())
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        report_progress(job, 0, total=3)
        context = ReportContext(area=area, year=year, actor=actor)
        tables = report.build(context)
        report_progress(job, 1)
        built_at = timezone.localtime()
        if scheduled:
            by = _("Scheduled build")
        else:
            by = job.requested_by.get_full_name() or job.requested_by.username
        cover = [
            (_("Report"), str(report.title)),
            (_("Area"), f"{area.name}（{area.code}）"),
            (_("Year"), year),
            (_("Source"), _("Frozen year (年度定案)") if uses_snapshot(area, year) else _("Registry as it stands")),
            (_("Built at"), built_at.strftime("%Y-%m-%d %H:%M:%S")),
            (_("Built by"), by),
            (_("Scope"), _("Rows by the areas directly below, within the requester's scope.")),
        ]
        _remove_stale_parts(job)
        chinese = (translation.get_language() or "").startswith("zh")
        heading = f"{area.name}{year}年" if chinese else f"{area.name} {year}: "

        def write(path) -> None:
            if report.write is not None:  # a report that streams its own rows (register_detail)
                report.write(
                    Path(path), tables, context=context, title=f"{heading}{report.title}", cover=cover, heading=heading
                )
            else:
                write_workbook(Path(path), tables, title=f"{heading}{report.title}", cover=cover, heading=heading)

        publish_file(job, write, _file_name(report, area, year))
        report_progress(job, 2)
        return {
            "year": year,
            "snapshot": uses_snapshot(area, year),
            "built_at": built_at.isoformat(),
            "tables": [table.as_dict() for table in tables],
        }


def report_tables(job: Job) -> list[ReportTable]:
    """The tables a finished report job kept in its result."""
    return [ReportTable.from_dict(data) for data in (job.result or {}).get("tables", [])]


def system_user():
    """The user scheduled builds are requested by: no role, cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=settings.REPORT_SYSTEM_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _scheduled_areas() -> list[str]:
    """REPORT_SCHEDULED_AREAS, or every county with households and the provinces above them."""
    if settings.REPORT_SCHEDULED_AREAS:
        return list(settings.REPORT_SCHEDULED_AREAS)
    counties = sorted(
        set(
            Household.objects.annotate(county=Substr("village_id", 1, 6))
            .values_list("county", flat=True)
            .distinct()
            .order_by()
        )
    )
    provinces = sorted({code[:2] for code in counties})
    return [code.ljust(12, "0") for code in provinces + counties]


@transaction.atomic
def schedule_reports(*, kinds: list[str], period: str | None = None, year: int | None = None) -> list[Job]:
    """Queue the scheduled builds of ``kinds`` for each scheduled area, once per ``period`` (a day
    or a month): beat delivering twice queues nothing more. Scheduled jobs read the whole area."""
    from reporting.tasks import build_report

    period = period or datetime.date.today().isoformat()  # noqa: DTZ011 -- a calendar date
    year = year or (settings.ROLLING_PLAN_START_YEAR or open_year())
    known = {report.code for report in all_reports()}
    requester = system_user()
    areas = dict(Area.objects.filter(code__in=_scheduled_areas(), level__in=REPORT_LEVELS).values_list("code", "name"))
    jobs = []
    for code, name in sorted(areas.items()):
        for kind in kinds:
            if kind not in known:
                continue
            if Job.objects.filter(kind=job_kind(kind), area_code=code, params__period=period).exists():
                continue
            jobs.append(
                create_job(
                    kind=job_kind(kind),
                    area_code=code,
                    actor=requester,
                    params={
                        "year": year,
                        "area_name": name,
                        "period": period,
                        "scheduled": True,
                        "language": settings.LANGUAGE_CODE,
                    },
                    task=build_report,
                )
            )
    return jobs
