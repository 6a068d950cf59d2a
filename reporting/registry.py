"""The one registry of report kinds. A report is one module under reporting/reports/ that
registers a builder: ``build(context) -> list[ReportTable]`` (one table per sheet).

The Job.kind of a report is ``report_<code>``: core.job_views shows jobs whose kind starts with
"report" to everyone who may export in the area, not only to the requester.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reporting.sources import ReportContext
from reporting.tables import ReportTable

__all__ = ["KIND_PREFIX", "REPORTS", "Report", "all_reports", "get_report", "job_kind", "register", "report_code"]

KIND_PREFIX = "report_"


@dataclass(frozen=True)
class Report:
    code: str
    title: str
    build: Callable[[ReportContext], list[ReportTable]]
    #: whether a frozen year has its own figures; False: the report shows the current state only
    by_year: bool = True
    order: int = 100
    #: writes the workbook itself instead of reporting.excel.write_workbook (a report whose rows
    #: are streamed from the database, not kept as tables): ``write(path, tables, *, context,
    #: title, cover, heading)``
    write: Callable | None = None


REPORTS: dict[str, Report] = {}


def register(code: str, title, *, by_year: bool = True, order: int = 100, write: Callable | None = None):
    """Decorator: register ``build`` as the report ``code``."""

    def decorate(build: Callable[[ReportContext], list[ReportTable]]):
        REPORTS[code] = Report(code, title, build, by_year, order, write)
        return build

    return decorate


def _load() -> None:
    # importing the package registers every report module it lists
    import reporting.reports  # noqa: F401


def all_reports() -> list[Report]:
    _load()
    return sorted(REPORTS.values(), key=lambda report: (report.order, report.code))


def get_report(code: str) -> Report | None:
    _load()
    return REPORTS.get(code)


def job_kind(code: str) -> str:
    return f"{KIND_PREFIX}{code}"


def report_code(kind: str) -> str:
    return kind.removeprefix(KIND_PREFIX)
