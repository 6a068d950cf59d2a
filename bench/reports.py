"""Benchmark: each report of the reporting app built on the generated province, next to the raw
SQL aggregates it summarises.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/reports.py

``REPORTS`` holds, for each figure the reports show (DOMAIN.md sections 8, 9 and 11: status
counts, poverty incidence by village, the rolling plan's exits by year, measures by type, causes
and attributes, coverage, monitoring, quality findings), the one SQL statement that computes it
for an area (a code prefix) and a year straight from the tables: the floor any builder stands on.

``BUILDERS`` maps each registered report (reporting.registry) to the statements it summarises and
the year it is built for. The benchmark builds it through its real ``build(ReportContext)``, for
the whole province (as a scheduled build: no actor) and for the largest county (as that county's
officer, so the scope is applied), and prints, next to the sum of its statements' times: the
builder's median time, its peak Python heap (tracemalloc, on a separate run: tracing slows the
code down), its SQL queries, and the ratio builder ÷ SQL (target ≤ 2). A key of ``REPORTS`` that
no builder names is measured on the SQL side alone. Adding a report: its statement here if a new
figure, its code in ``BUILDERS``.

Years: the generated province has plans, measures, village figures, cases, status changes and
monitoring cases of one year (``--year``, 2020) and no frozen year. A past year's reports read the
frozen snapshot, which would be empty; so the reports of the year's events (the rolling plan,
dynamic management, monitoring) are built for ``--year`` taken as the open year
(``reporting.sources.open_year`` answers ``--year`` while they build), so that they read the live
records their statements read rather than an empty snapshot; the registry's (status, causes,
coverage, quality) are built for the open year, the live registry, which the statements read too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: report key → (title, SQL with %(prefix)s, the area's code prefix followed by %, and %(year)s)
REPORTS: dict[str, tuple[str, str]] = {
    "status_counts": (
        "households and people by county and status (脱贫属性)",
        """SELECT substr(h.village_id, 1, 6), h.status, count(*), sum(h.household_size)
           FROM households_household h WHERE h.village_id LIKE %(prefix)s GROUP BY 1, 2""",
    ),
    "exits_by_year": (
        "households and people exited, by county and exit year",
        """SELECT substr(h.village_id, 1, 6), h.exit_year, count(*), sum(h.household_size)
           FROM households_household h
           WHERE h.village_id LIKE %(prefix)s AND h.status = 'exited' GROUP BY 1, 2""",
    ),
    "incidence_by_village": (
        "poverty incidence by village: poor people ÷ rural registered population",
        """SELECT f.village_id, f.poor_people, f.rural_registered_population,
                  round(f.poor_people::numeric / nullif(f.rural_registered_population, 0), 4)
           FROM areas_villagefigures f WHERE f.village_id LIKE %(prefix)s AND f.year = %(year)s""",
    ),
    "rolling_plan": (
        "rolling plan: households and people planned to exit, by county and year (三年滚动规划)",
        """SELECT substr(p.area_code, 1, 6), p.planned_exit_year, count(*), sum(h.household_size)
           FROM assistance_plan p JOIN households_household h ON h.id = p.household_id
           WHERE p.area_code LIKE %(prefix)s AND p.year = %(year)s GROUP BY 1, 2""",
    ),
    "measures_by_type": (
        "measures by type: households covered and funds, by county",
        """SELECT substr(m.area_code, 1, 6), m.code, count(DISTINCT m.household_id), sum(m.cost)
           FROM assistance_measure m WHERE m.area_code LIKE %(prefix)s AND m.year = %(year)s
           GROUP BY 1, 2""",
    ),
    "causes_and_attributes": (
        "households still poor by main cause and attribute, by county",
        """SELECT substr(h.village_id, 1, 6), h.main_cause, h.poverty_attribute, count(*), sum(h.household_size)
           FROM households_household h
           WHERE h.village_id LIKE %(prefix)s AND h.status IN ('registered', 'pre_exit', 'returned')
           GROUP BY 1, 2, 3""",
    ),
    "pairing_coverage": (
        "responsible-cadre coverage of households still poor, by county (不脱贫不脱钩)",
        """SELECT substr(h.village_id, 1, 6), count(*), count(p.id)
           FROM households_household h
           LEFT JOIN assistance_pairing p ON p.household_id = h.id AND p.ends_on IS NULL
           WHERE h.village_id LIKE %(prefix)s AND h.status IN ('registered', 'pre_exit', 'returned')
           GROUP BY 1""",
    ),
    "cadres": (
        "responsible cadres with a current pairing, by county",
        """SELECT substr(p.area_code, 1, 6), count(DISTINCT p.cadre_id)
           FROM assistance_pairing p WHERE p.area_code LIKE %(prefix)s AND p.ends_on IS NULL GROUP BY 1""",
    ),
    "monitoring": (
        "exited and returned households, and exited ones under an income line, by county (防返贫监测)",
        """SELECT substr(h.village_id, 1, 6), count(*) FILTER (WHERE h.status = 'exited'),
                  count(*) FILTER (WHERE h.status = 'returned'),
                  count(*) FILTER (WHERE h.status = 'exited' AND h.net_income_per_capita < %(line)s)
           FROM households_household h WHERE h.village_id LIKE %(prefix)s GROUP BY 1""",
    ),
    "monitoring_cases": (
        "monitored households and people by county, kind and state (防返贫监测对象)",
        """SELECT substr(c.area_code, 1, 6), c.kind, c.state, c.elimination_mode,
                  count(DISTINCT c.household_id), sum(h.household_size)
           FROM exits_monitoringcase c JOIN households_household h ON h.id = c.household_id
           WHERE c.area_code LIKE %(prefix)s AND c.year <= %(year)s GROUP BY 1, 2, 3, 4""",
    ),
    "new_households": (
        "households and people newly registered in the year, by county (新识别)",
        """SELECT substr(c.area_code, 1, 6), count(DISTINCT c.household_id), sum(c.household_size)
           FROM identification_case c JOIN identification_campaign k ON k.id = c.campaign_id
           WHERE c.area_code LIKE %(prefix)s AND k.year = %(year)s
             AND k.kind IN ('initial', 'new_poverty') AND c.state IN ('announced', 'spot_checked')
           GROUP BY 1""",
    ),
    "status_changes": (
        "households and people returned, removed and closed in the year, by county (返贫、剔除、销户)",
        """SELECT substr(s.area_code, 1, 6), s.procedure, count(DISTINCT s.household_id), sum(h.household_size)
           FROM exits_statuschange s JOIN households_household h ON h.id = s.household_id
           WHERE s.area_code LIKE %(prefix)s AND s.year = %(year)s
             AND s.procedure IN ('return', 'remove', 'close') GROUP BY 1, 2""",
    ),
    "review_findings": (
        "missed and wrongly included households confirmed by the year's review, by county (漏评、错评)",
        """SELECT substr(r.area_code, 1, 6), r.finding, count(*), sum(r.people)
           FROM exits_reviewresult r JOIN exits_reviewcampaign k ON k.id = r.campaign_id
           WHERE r.area_code LIKE %(prefix)s AND k.year = %(year)s AND r.state IN ('approved', 'applied')
             AND r.finding IN ('missed', 'wrongly_included') GROUP BY 1, 2""",
    ),
    "members_in": (
        "active members absent from the previous year's snapshot, by county (自然增加)",
        """SELECT substr(m.area_code, 1, 6), count(*) FROM households_member m
           WHERE m.area_code LIKE %(prefix)s AND m.is_active AND NOT EXISTS (
               SELECT 1 FROM exits_memberyear y WHERE y.member_id = m.id AND y.year = %(year)s - 1
               AND y.is_active AND y.area_code LIKE %(prefix)s)
           GROUP BY 1""",
    ),
    "members_out": (
        "the previous year's active members no longer active, by county (自然减少)",
        """SELECT substr(y.area_code, 1, 6), count(*) FROM exits_memberyear y
           WHERE y.area_code LIKE %(prefix)s AND y.year = %(year)s - 1 AND y.is_active AND NOT EXISTS (
               SELECT 1 FROM households_member m WHERE m.id = y.member_id AND m.is_active
               AND m.area_code LIKE %(prefix)s)
           GROUP BY 1""",
    ),
    "quality": (
        "open data-quality findings by county and rule",
        """SELECT substr(f.area_code, 1, 6), f.rule, count(*)
           FROM households_qualityfinding f
           WHERE f.area_code LIKE %(prefix)s AND f.resolved_at IS NULL GROUP BY 1, 2""",
    ),
    "quality_households": (
        "households with an open data-quality finding, by county",
        """SELECT substr(f.area_code, 1, 6), count(DISTINCT f.household_id)
           FROM households_qualityfinding f
           WHERE f.area_code LIKE %(prefix)s AND f.resolved_at IS NULL GROUP BY 1""",
    ),
}


@dataclass(frozen=True)
class Builder:
    #: the keys of REPORTS whose statements compute what the report shows
    statements: tuple[str, ...]
    #: True: built for --year (plans, measures); False: for the open year (the live registry)
    plan_year: bool = False


#: report code (reporting.registry) → what it summarises
BUILDERS: dict[str, Builder] = {
    "registry": Builder(("status_counts", "causes_and_attributes", "incidence_by_village")),
    "causes": Builder(("causes_and_attributes",)),
    "rolling_plan": Builder(("rolling_plan", "incidence_by_village", "measures_by_type"), plan_year=True),
    "coverage": Builder(("pairing_coverage", "cadres")),
    "quality": Builder(("quality", "quality_households")),
    "dynamic": Builder(
        ("new_households", "exits_by_year", "status_changes", "review_findings", "members_in", "members_out"),
        plan_year=True,
    ),
    "monitoring": Builder(("monitoring_cases", "monitoring"), plan_year=True),
}


def _time(work, runs: int, cpu: list | None = None) -> float:
    """Median wall ms of ``runs`` runs; their median CPU ms of this process appended to ``cpu``
    (other work on a shared machine inflates the wall time, not this)."""
    times, cpu_times = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times)


def _peak_heap_mb(work) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _monitoring_line(year: int, area_code: str):
    """The monitoring line of the year, as the monitoring report applies it."""
    from exits.monitoring import monitoring_line_for

    applied = monitoring_line_for(year, area_code)
    return applied.amount if applied is not None else None


@contextmanager
def _open_year(year: int):
    """Build as if ``year`` were the open year (the year of the generated plans): the live
    records are read, as the statements read them, not the (empty) frozen snapshot."""
    from reporting import sources

    real = sources.open_year
    sources.open_year = lambda: year
    try:
        yield
    finally:
        sources.open_year = real


def build_report(code: str, *, area_code: str, year: int, actor=None) -> list:
    """The adapter: the report ``code`` built through its registered builder, for the area and
    year, as ``actor`` (None: a scheduled build of the whole area). Returns its tables."""
    from areas.models import Area
    from reporting.registry import get_report
    from reporting.sources import ReportContext

    context = ReportContext(area=Area.objects.get(code=area_code), year=year, actor=actor)
    return get_report(code).build(context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=2020, help="the year of the plans and village figures")
    parser.add_argument("--only", nargs="*", help="report codes to build (default: all)")
    options = parser.parse_args()
    from bench.province import RESULTS, machine, setup

    province = setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.sources import open_year

    line = _monitoring_line(options.year, province.code.ljust(12, "0"))
    areas = [
        ("province", province.code + "0" * 10, 2, None),
        ("county", province.county + "000000", 6, province.users["county officer"]),
    ]
    statements: dict[tuple[str, str], object] = {}
    results: dict[str, dict] = {}
    print(f"\nreports on {province.households:,} households; median of {options.runs} runs; {machine()}")  # noqa: T201
    print(f"{'statement':26} {'area':8} {'rows':>6} {'SQL ms':>9}")  # noqa: T201
    for key, (_title, sql) in REPORTS.items():
        for level, _code, digits, _actor in areas:
            params = {"prefix": province.county[:digits] + "%", "year": options.year, "line": line or 0}
            rows: list = []

            def run_sql(sql=sql, params=params, rows=rows):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    rows[:] = cursor.fetchall()

            statements[key, level] = run_sql
            sql_ms = _time(run_sql, options.runs)
            print(f"{key:26} {level:8} {len(rows):>6} {sql_ms:>9.1f}")  # noqa: T201
            results[f"sql {key} {level}"] = {"rows": len(rows), "sql_ms": round(sql_ms, 1)}

    # each builder is timed alternately with its statements, run for run, so that both see the
    # same load on a shared machine (timed one after the other, their ratio drifted by 2×)
    header = f"{'report':14} {'area':8} {'year':>4} {'builder ms':>10} {'CPU ms':>7} {'heap MB':>7} {'queries':>7}"
    print(f"\n{header} {'SQL ms':>8} {'× SQL':>6}")  # noqa: T201
    for code, spec in BUILDERS.items():
        if options.only and code not in options.only:
            continue
        year = options.year if spec.plan_year else open_year()
        for level, area_code, _digits, actor in areas:

            def work(code=code, area_code=area_code, year=year, actor=actor, as_open=spec.plan_year):
                if not as_open:
                    build_report(code, area_code=area_code, year=year, actor=actor)
                    return
                with _open_year(year):
                    build_report(code, area_code=area_code, year=year, actor=actor)

            def floor_work(spec=spec, level=level):
                for key in spec.statements:
                    statements[key, level]()

            with CaptureQueriesContext(connection) as captured:
                work()  # warm (the registry import, code lists), and count the queries
            queries = len(captured)
            builder_times, floor_times, cpu_times = [], [], []
            for _ in range(options.runs):
                floor_times.append(_time(floor_work, 1))
                cpu: list[float] = []
                builder_times.append(_time(work, 1, cpu))
                cpu_times.append(cpu[0])
            builder_ms, floor = statistics.median(builder_times), statistics.median(floor_times)
            cpu = [statistics.median(cpu_times)]
            heap = _peak_heap_mb(work)
            ratio = builder_ms / floor
            print(  # noqa: T201
                f"{code:14} {level:8} {year:>4} {builder_ms:>10.1f} {cpu[0]:>7.1f} {heap:>7.1f} {queries:>7} {floor:>8.1f} {ratio:>6.2f}"  # noqa: E501
            )
            results[f"{code} {level}"] = {
                "year": year,
                "builder_ms": round(builder_ms, 1),
                "builder_cpu_ms": round(cpu[0], 1),
                "peak_heap_mb": round(heap, 2),
                "queries": queries,
                "sql_ms": round(floor, 1),
                "statements": list(spec.statements),
                "ratio": round(ratio, 2),
            }
    results["machine"] = machine()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
