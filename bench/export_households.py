"""Benchmark: the Excel export of a county's households, next to openpyxl alone writing the same cells.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/export_households.py

On the generated province (bench/province.py), as the county officer of its largest county:

* the export as users get it: ``GET /households/export.xlsx?village=<county>`` through Django's
  test client (the list's filters, the scoped queryset, households/export.py writing a
  write-only workbook, the export recorded in the audit trail), the file read to its end;
* the floor: one SQL query over the same rows (households, village, group, the head's ID number)
  streamed from a server-side cursor into an openpyxl write-only workbook with the same cells
  (same values, masked ID numbers, text format on strings).

Each is timed ``--runs`` times, interleaved (median wall time, and median CPU time of this process,
which other work on a shared machine does not inflate), then run once more under tracemalloc for
the peak Python heap; the process's peak RSS is reported at the end. ``--province`` exports the whole
province as a superuser as well, to show that memory stays flat when the rows grow a hundredfold.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _through_django(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return size


_RAW_SQL = """
SELECT h.household_no, h.head_name, head.id_number, v.name, h.village_id, g.name, h.household_size,
       h.poverty_attribute, h.main_cause, h.net_income_per_capita, h.status, h.exit_year, h.entry_state,
       h.quality_errors, h.quality_warnings
FROM households_household h
JOIN areas_area v ON v.code = h.village_id
LEFT JOIN areas_area g ON g.code = h.village_group_id
LEFT JOIN LATERAL (
    SELECT m.id_number FROM households_member m
    WHERE m.household_id = h.id AND m.is_active AND m.relation = '01' ORDER BY m.position, m.id LIMIT 1
) head ON true
WHERE h.village_id LIKE %s
ORDER BY h.household_no
"""


def _raw_openpyxl(prefix: str) -> int:
    """The same workbook from one query and openpyxl alone: what any exporter pays."""
    from django.db import connection, transaction
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from core.excel import safe_cell
    from households.choices import CAUSES, EntryState, HouseholdStatus, PovertyAttribute
    from households.export import HEADERS
    from households.idnumbers import mask_id_number

    attributes, statuses, entry_states = (
        dict(PovertyAttribute.choices),
        dict(HouseholdStatus.choices),
        dict(EntryState.choices),
    )
    causes = dict(CAUSES)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("贫困户")
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.connection.cursor(name="bench_export")  # server-side: rows stream
        cursor.itersize = 2000
        cursor.execute(_RAW_SQL, [prefix + "%"])
        for no, head, number, village, code, group, size, attribute, cause, income, status, year, entry, e, w in cursor:
            row = [
                no, head, mask_id_number(number) if number else "", village, code, group or "", size,
                attributes.get(attribute, attribute), causes.get(cause, cause), float(income),
                statuses.get(status, status), "" if year is None else year, entry_states.get(entry, entry), e, w,
            ]  # fmt: skip
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
                if isinstance(value, str):
                    cell.number_format = "@"
                cells.append(cell)
            sheet.append(cells)
        cursor.close()
    with tempfile.TemporaryFile() as temporary:
        workbook.save(temporary)
        return temporary.tell()


def _time_both(ours, raw, runs: int) -> dict:
    """Medians of wall and process CPU time for each, the runs interleaved (ours, raw, ours, …)
    so that other work on a shared machine weighs on both alike."""
    walls: dict[str, list[float]] = {"ours": [], "raw": []}
    cpus: dict[str, list[float]] = {"ours": [], "raw": []}
    sizes = {}
    for _ in range(runs):
        for key, work in (("ours", ours), ("raw", raw)):
            started, cpu = time.perf_counter(), time.process_time()
            sizes[key] = work()
            walls[key].append(time.perf_counter() - started)
            cpus[key].append(time.process_time() - cpu)
    return {key: (statistics.median(walls[key]), statistics.median(cpus[key]), sizes[key]) for key in ("ours", "raw")}


def _heap(work) -> float:
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1048576


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--province", action="store_true", help="also export the whole province as a superuser")
    options = parser.parse_args()
    from bench.province import RESULTS, machine, setup

    province = setup()
    from django.test import Client

    targets = [("county officer", province.county, province.county_households)]
    if options.province:
        targets.append(("superuser", province.code, province.households))
    results = {}
    print(f"\nExcel export of households (xlsx, write-only); {options.runs} runs each; {machine()}")  # noqa: T201
    header = f"{'export':44} {'rows':>8} {'median s':>9} {'CPU s':>6} {'rows/s':>8} {'heap MB':>8} {'× raw':>6}"
    print(header)  # noqa: T201
    for label, prefix, rows in targets:
        client = Client()
        client.force_login(province.users[label])
        url = f"/households/export.xlsx?village={prefix}"
        timed = _time_both(
            lambda url=url, client=client: _through_django(client, url),
            lambda prefix=prefix: _raw_openpyxl(prefix),
            options.runs,
        )
        (ours, ours_cpu, size), (raw, raw_cpu, raw_size) = timed["ours"], timed["raw"]
        ours_heap = _heap(lambda url=url, client=client: _through_django(client, url))
        raw_heap = _heap(lambda prefix=prefix: _raw_openpyxl(prefix))
        ratio = ours / raw
        results[f"{label} {prefix}"] = {
            "rows": rows,
            "export_seconds": round(ours, 2),
            "raw_openpyxl_seconds": round(raw, 2),
            "ratio": round(ratio, 2),
            "export_cpu_seconds": round(ours_cpu, 2),
            "raw_cpu_seconds": round(raw_cpu, 2),
            "cpu_ratio": round(ours_cpu / raw_cpu, 2),
            "export_heap_mb": round(ours_heap, 1),
            "raw_heap_mb": round(raw_heap, 1),
            "export_bytes": size,
            "raw_bytes": raw_size,
        }
        name = f"households/export.py, {label} {prefix}"
        print(  # noqa: T201
            f"{name:44} {rows:>8,} {ours:>9.2f} {ours_cpu:>6.2f} {rows / ours:>8,.0f} {ours_heap:>8.1f} {ratio:>6.2f}"
        )
        print(  # noqa: T201
            f"{'openpyxl alone, same cells':44} {rows:>8,} {raw:>9.2f} {raw_cpu:>6.2f} {rows / raw:>8,.0f} "
            f"{raw_heap:>8.1f}"
        )
        print(f"{'CPU time, export ÷ openpyxl alone':44} {ours_cpu / raw_cpu:>43.2f}")  # noqa: T201
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_rss:.0f} MB")  # noqa: T201
    results["peak_rss_mb"] = round(peak_rss)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "export_households.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
