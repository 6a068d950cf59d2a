"""Benchmark: each report's raw SQL aggregate on the generated province, next to its builder.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/reports.py

Every report of the reporting app (DOMAIN.md sections 8, 9 and 11: status counts, poverty
incidence by village, the rolling plan's exits by year, measures by type, causes and attributes)
is an aggregate over the province's households. ``REPORTS`` below holds, for each, the one SQL
statement that computes its figures for an area (a code prefix) and a year straight from the
tables: the floor any builder of that report stands on. The benchmark runs each statement for
the whole province and for its largest county and prints the median time of ``--runs`` runs.

Interface for the report builders. ``BUILDERS`` maps a report's key in ``REPORTS`` to the function
that builds it, or to that function's dotted path; it is called as
``function(area_code=<12-digit code>, year=<int>)`` (the area a province or a county; the return
value is not inspected). A builder taking another signature (a context object, say) is wired
through a small function here that makes its argument from ``area_code`` and ``year``. For each key present
the builder is timed on the same area and year, right after the SQL, and the table shows both
times and their ratio. A key absent from ``BUILDERS`` is measured on the SQL side only and its
builder column shows a dash. Adding a report means adding its statement here and its builder's
path to ``BUILDERS``; nothing else changes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
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
}

#: report key → its builder (or the builder's dotted path), called as builder(area_code=..., year=...)
BUILDERS: dict[str, object] = {}


def _time(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _builder(path):
    if callable(path):
        return path
    module, _dot, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=2020)
    options = parser.parse_args()
    from bench.province import RESULTS, machine, setup

    province = setup()
    from django.db import connection

    areas = [("province", province.code + "0" * 10), ("county", province.county + "000000")]
    results: dict[str, dict] = {}
    print(f"\nreports on {province.households:,} households; median of {options.runs} runs; {machine()}")  # noqa: T201
    print(f"{'report':26} {'area':8} {'rows':>6} {'SQL ms':>9} {'builder ms':>11} {'× SQL':>6}")  # noqa: T201
    for key, (_title, sql) in REPORTS.items():
        for level, code in areas:
            prefix = code[: {"province": 2, "county": 6}[level]] + "%"
            params = {"prefix": prefix, "year": options.year}
            rows = []

            def run_sql(sql=sql, params=params, rows=rows):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    rows[:] = cursor.fetchall()

            sql_ms = _time(run_sql, options.runs)
            builder_ms = None
            if key in BUILDERS:
                builder = _builder(BUILDERS[key])
                builder_ms = _time(
                    lambda builder=builder, code=code: builder(area_code=code, year=options.year), options.runs
                )
            ratio = f"{builder_ms / sql_ms:.2f}" if builder_ms is not None else "—"
            shown = f"{builder_ms:.1f}" if builder_ms is not None else "—"
            print(f"{key:26} {level:8} {len(rows):>6} {sql_ms:>9.1f} {shown:>11} {ratio:>6}")  # noqa: T201
            results[f"{key} {level}"] = {"rows": len(rows), "sql_ms": round(sql_ms, 1), "builder_ms": builder_ms}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
