"""Benchmark: the detailed register (reporting/reports/register_detail.py, 建档立卡户明细) next to
openpyxl alone writing the same cells.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/export_detail.py

On the generated province (bench/province.py):

* the export as a report job builds it: ``build(context)`` (the page's summary, two grouped
  queries) then ``write`` (the cover, every household, every active member, streamed from the
  database in chunks through the scoped querysets into a write-only workbook);
* the floor: one raw SQL query per sheet (households with their village and group names; members
  with their household number) read from a server-side cursor, the same converters (code lists
  to Chinese labels, masking) and the same cells (formula-safe text, text format on strings).

For the county officer of the largest county and the superuser on the largest city (``--province``:
the whole province instead), each is timed ``--runs`` times interleaved (median wall and process CPU
time), then once more under tracemalloc for the peak Python heap; the process's peak RSS comes last.

``--one export|raw --target county|city|province`` runs one side once for one target, without
tracemalloc, so that a long export (the whole province: 600,000 households, 1.8 million members)
has its own process and its own peak RSS:

    DATABASE_URL=… python bench/export_detail.py --one export --target province
    DATABASE_URL=… python bench/export_detail.py --one raw --target province
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.export_households import _heap, _time_both  # noqa: E402

_HOUSEHOLDS_SQL = """
SELECT {columns}
FROM households_household h
JOIN areas_area v ON v.code = h.village_id
LEFT JOIN areas_area g ON g.code = h.village_group_id
WHERE h.village_id LIKE %s
ORDER BY h.household_no
"""

_MEMBERS_SQL = """
SELECT {columns}
FROM households_member m
JOIN households_household h ON h.id = m.household_id
WHERE m.area_code LIKE %s AND m.is_active
ORDER BY m.household_id, m.position, m.id
"""


def _sql_column(path: str, table: str) -> str:
    if path == "village__name":
        return "v.name"
    if path == "village_group__name":
        return "g.name"
    if path == "household__household_no":
        return "h.household_no"
    return f"{table}.{path}"


def _raw(prefix: str) -> int:
    """The same workbook from one query per sheet and openpyxl alone: what any exporter pays."""
    from django.db import connection, transaction
    from openpyxl import Workbook

    from reporting.reports.register_detail import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, write_rows

    workbook = Workbook(write_only=True)
    workbook.create_sheet("封面").append(["建档立卡户明细"])

    def stream(sql: str, columns, table: str):
        converters = [convert for _header, _path, convert in columns]
        # psycopg hands the JSON column (other_causes) back decoded, as Django does
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.connection.cursor(name=f"bench_detail_{table}")  # server-side: rows stream
            cursor.itersize = 2000
            cursor.execute(
                sql.format(columns=", ".join(_sql_column(p, table) for _h, p, _c in columns)), [prefix + "%"]
            )
            for values in cursor:
                yield [
                    value if convert is None else convert(value)
                    for value, convert in zip(values, converters, strict=True)
                ]
            cursor.close()

    write_rows(
        workbook, "户明细", "", [h for h, _p, _c in HOUSEHOLD_COLUMNS], stream(_HOUSEHOLDS_SQL, HOUSEHOLD_COLUMNS, "h")
    )
    write_rows(
        workbook, "家庭成员明细", "", [h for h, _p, _c in MEMBER_COLUMNS], stream(_MEMBERS_SQL, MEMBER_COLUMNS, "m")
    )
    with tempfile.TemporaryFile() as temporary:
        workbook.save(temporary)
        return temporary.tell()


def _ours(area_code: str, actor) -> int:
    from django.utils import translation

    from areas.models import Area
    from reporting.registry import get_report
    from reporting.sources import ReportContext, open_year

    report = get_report("register_detail")
    with translation.override("zh-hans"), tempfile.TemporaryDirectory() as directory:
        context = ReportContext(area=Area.objects.get(code=area_code), year=open_year(), actor=actor)
        tables = report.build(context)
        path = Path(directory) / "detail.xlsx"
        report.write(
            path, tables, context=context, title="建档立卡户明细", cover=[("报表", "建档立卡户明细")], heading=""
        )
        return path.stat().st_size


def _one(side: str, target: str, province, city: str, machine: str) -> None:
    """One side, once, for one target: wall and CPU time of this process, its peak RSS."""
    import time

    label, prefix = {
        "county": ("county officer", province.county),
        "city": ("superuser", city),
        "province": ("superuser", province.code),
    }[target]
    started, cpu = time.perf_counter(), time.process_time()
    if side == "export":
        size = _ours(prefix.ljust(12, "0"), province.users[label])
    else:
        size = _raw(prefix)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(  # noqa: T201
        f"{side} {target} {prefix} ({label}): wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak_rss:.0f} MB, "
        f"{size:,} bytes; {machine}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--province", action="store_true", help="the whole province instead of the largest city")
    parser.add_argument("--one", choices=["export", "raw"], help="run one side once, in this process alone")
    parser.add_argument("--target", choices=["county", "city", "province"], default="province")
    options = parser.parse_args()
    from bench.province import RESULTS, machine, setup

    province = setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(village_id, 1, 4), count(*) FROM households_household GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        city, city_households = cursor.fetchone()
    if options.one:
        _one(options.one, options.target, province, city, machine())
        return
    targets = [("county officer", province.county, province.county_households)]
    if options.province:
        targets.append(("superuser", province.code, province.households))
    else:
        targets.append(("superuser", city, city_households))
    results = {}
    print(f"\nDetailed register export (xlsx, write-only, two sheets); {machine()}")  # noqa: T201
    header = f"{'export':44} {'households':>10} {'members':>9} {'median s':>9} {'CPU s':>6} {'heap MB':>8} {'× raw':>6}"
    print(header)  # noqa: T201
    for label, prefix, households in targets:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM households_member WHERE area_code LIKE %s AND is_active", [prefix + "%"]
            )
            members = cursor.fetchone()[0]
        actor = province.users[label]
        code = prefix.ljust(12, "0")
        runs = options.runs if label == "county officer" else 1
        timed = _time_both(lambda code=code, actor=actor: _ours(code, actor), lambda prefix=prefix: _raw(prefix), runs)
        (ours, ours_cpu, size), (raw, raw_cpu, raw_size) = timed["ours"], timed["raw"]
        ours_heap = _heap(lambda code=code, actor=actor: _ours(code, actor))
        raw_heap = _heap(lambda prefix=prefix: _raw(prefix))
        results[f"{label} {prefix}"] = {
            "households": households,
            "members": members,
            "runs": runs,
            "export_seconds": round(ours, 2),
            "raw_openpyxl_seconds": round(raw, 2),
            "ratio": round(ours / raw, 2),
            "export_cpu_seconds": round(ours_cpu, 2),
            "raw_cpu_seconds": round(raw_cpu, 2),
            "cpu_ratio": round(ours_cpu / raw_cpu, 2),
            "export_heap_mb": round(ours_heap, 1),
            "raw_heap_mb": round(raw_heap, 1),
            "export_bytes": size,
            "raw_bytes": raw_size,
        }
        name = f"register_detail, {label} {prefix}"
        print(  # noqa: T201
            f"{name:44} {households:>10,} {members:>9,} {ours:>9.2f} {ours_cpu:>6.2f} {ours_heap:>8.1f} "
            f"{ours / raw:>6.2f}"
        )
        print(  # noqa: T201
            f"{'openpyxl alone, same cells':44} {households:>10,} {members:>9,} {raw:>9.2f} {raw_cpu:>6.2f} "
            f"{raw_heap:>8.1f}"
        )
        print(f"{'CPU time, export ÷ openpyxl alone':44} {ours_cpu / raw_cpu:>50.2f}")  # noqa: T201
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_rss:.0f} MB")  # noqa: T201
    results["peak_rss_mb"] = round(peak_rss)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "export_detail.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
