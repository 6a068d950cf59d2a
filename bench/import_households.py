"""Benchmark: the Excel import of 10,000 households (about 30,000 members), check and commit.

On the generated province (the default):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/import_households.py

it copies that database to a scratch one (CREATE DATABASE … TEMPLATE, so the province is left as
it was and the import checks its ID numbers against every member already there) and imports into
the villages of one generated township, as that township's reviewer. With --scratch it starts
from an empty scratch database next to DATABASE_URL's instead.

Either way it creates (and afterwards drops) the scratch database (with --scratch, holding one
township of 20 villages), writes a workbook of valid households under a temporary directory with
every column filled in (written the way Excel writes, with shared strings), then times,
in-process, the check job and the commit job as a Celery worker would run them, and once more
for the same file (every household then
unchanged). It reports rows per second, the peak memory of the process (resource) and, with
--tracemalloc, the peak Python heap of each phase (slower: tracemalloc traces every allocation).
Last, it times a raw PostgreSQL COPY of the same household and member rows into scratch tables:
the floor any loader of these rows stands on.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOWNSHIP = "530921201000"
VILLAGES = 20


def _admin(url: str, *statements: str) -> None:
    import psycopg2

    admin = psycopg2.connect(urlunparse(urlparse(url)._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    admin.close()


# --- a workbook as Excel writes it: shared strings, streamed ---------------------------------------


def _column_letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    """A minimal .xlsx with one worksheet per entry of ``sheets`` (a list of rows each). As Excel
    and WPS write them, strings go to the shared-string table and each sheet states its size."""
    strings: dict[str, int] = {}
    letters = [_column_letter(i) for i in range(256)]
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        names = list(sheets)
        for number, name in enumerate(names, start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                rows = sheets[name]
                size = f"A1:{letters[max(len(row) for row in rows) - 1]}{len(rows)}"
                part.write(
                    f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><dimension ref="{size}"/>'
                    "<sheetData>".encode()
                )
                for row_number, row in enumerate(rows, start=1):
                    cells = [f'<row r="{row_number}">']
                    for column, value in enumerate(row):
                        if value is None or value == "":
                            continue
                        if isinstance(value, str):
                            index = strings.setdefault(value, len(strings))
                            cells.append(f'<c r="{letters[column]}{row_number}" t="s"><v>{index}</v></c>')
                        else:
                            cells.append(f'<c r="{letters[column]}{row_number}"><v>{value}</v></c>')
                    cells.append("</row>")
                    part.write("".join(cells).encode())
                part.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" uniqueCount="{len(strings)}">'.encode()
            )
            for text in strings:
                part.write(f"<si><t>{escape(text)}</t></si>".encode())
            part.write(b"</sst>")
        listed = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
        archive.writestr(
            "xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{listed}</sheets></workbook>'
        )
        kinds = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{kinds}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        relations += f'<Relationship Id="rId0" Type="{kinds}/sharedStrings" Target="sharedStrings.xml"/>'
        package = "http://schemas.openxmlformats.org/package/2006/relationships"
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}">{relations}</Relationships>')
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Type="{kinds}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>{overrides}'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sheet_type}.sharedStrings+xml"/></Types>',
        )


def _rows(households: int, villages: list[str], seed: int = 1):
    """Rows of sheets 户 and 成员 for ``households`` valid households, every column filled in as a
    careful clerk would: codes from the drop-downs, 是/否, amounts; 1 to 5 members, 3 on average."""
    from households.excel import BOOL, CHOICE, DECIMAL, HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, option_text
    from households.idnumbers import build_id_number

    rng = random.Random(seed)
    surnames = "杨李张王赵陈刘罗周字鲁茶"
    member_columns = [c for c in MEMBER_COLUMNS if c.key != "birth_date"]

    def default_cell(column):
        if column.kind == BOOL:
            return "是" if column.default else "否"
        if column.kind == CHOICE:
            code = column.default or column.choices[0][0]
            return option_text(code, dict(column.choices)[code])
        if column.kind == DECIMAL:
            return 0
        return None

    household_defaults = {c.key: default_cell(c) for c in HOUSEHOLD_COLUMNS}
    member_defaults = {c.key: default_cell(c) for c in member_columns}
    household_rows = [[c.label for c in HOUSEHOLD_COLUMNS]]
    member_rows = [[c.label for c in member_columns]]
    sequence = 0
    for index in range(households):
        key = str(index + 1)
        surname = rng.choice(surnames)
        size = rng.choice([1, 2, 3, 3, 4, 5])
        cells = dict(household_defaults)
        cells.update({
            "row_key": key, "village": villages[index % len(villages)], "phone": f"139{index:08d}",
            "bank_name": "农村信用社", "bank_account": f"622{index:016d}", "main_cause": "01 因病",
            "other_causes_1": "08 缺劳动力", "other_causes_2": "09 缺资金", "cause_note": "户主长期患病",
            "wage_income": rng.randint(1000, 6000), "business_income": rng.randint(0, 2000),
            "pension_income": 600, "business_expense": rng.randint(0, 500), "cultivated_land_mu": 3.5,
            "irrigated_land_mu": 1.2, "forest_land_mu": 2, "distance_to_main_road_km": 1.5,
            "access_road_type": "03 水泥路", "housing_area_m2": 80, "main_fuel": "01 柴草",
        })  # fmt: skip
        household_rows.append([cells.get(c.key) for c in HOUSEHOLD_COLUMNS])
        born = datetime.date(1950 + rng.randint(0, 35), rng.randint(1, 12), rng.randint(1, 28))
        for position in range(size):
            sequence += 1
            relation, birth = [("01 本人或户主", born), ("02 配偶", born), ("03 之子", None), ("04 之女", None)][
                min(position, 3)
            ]
            if birth is None:
                birth = datetime.date(born.year + 22 + position, rng.randint(1, 12), rng.randint(1, 28))
            number = build_id_number(f"53{sequence // 1000:04d}", birth, sequence % 1000)
            cells = dict(member_defaults)
            cells.update({
                "row_key": key, "name": surname + ("某" if position else "大") + str(index % 97),
                "gender": "1 男" if int(number[16]) % 2 else "2 女", "id_type": "居民身份证", "id_number": number,
                "relation": relation, "education": "02 小学", "labor_skill": "01 普通劳动力",
            })  # fmt: skip
            member_rows.append([cells.get(c.key) for c in member_columns])
    return household_rows, member_rows, sequence


# --- the run -------------------------------------------------------------------------------------


def _world() -> object:
    from django.contrib.auth import get_user_model

    from areas import services as area_services
    from areas.models import Area

    Area.objects.bulk_create(
        [
            Area(code="530000000000", name="云南省", level="province", is_western=True),
            Area(code="530900000000", name="临沧市", level="city", parent_id="530000000000"),
            Area(code="530921000000", name="凤庆县", level="county", parent_id="530900000000"),
            Area(code=TOWNSHIP, name="诗礼乡", level="township", parent_id="530921000000"),
        ]
        + [
            Area(code=f"530921201{200 + n:03d}", name=f"诗礼{n + 1}村", level="village", parent_id=TOWNSHIP)
            for n in range(VILLAGES)
        ]
    )
    reviewer = get_user_model().objects.create_user("bench_reviewer", password="x")
    area_services.grant_role(actor=None, user=reviewer, role="township_reviewer", area_code=TOWNSHIP)
    return reviewer


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase(label: str, work, trace: bool) -> tuple[object, dict]:
    """Run one phase; its wall time, the CPU time of this process (the machine may be shared: the
    load average says how much), and the peak memory."""
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    value = work()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    figures = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    if trace:
        figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1048576, 1)
        tracemalloc.stop()
    print(  # noqa: T201
        f"  {label:20} {seconds:6.2f} s (CPU {cpu:5.2f} s, load {figures['load_average']:.1f})   "
        f"peak RSS {figures['peak_rss_mb']:6.1f} MB"
        + (f", Python heap {figures['tracemalloc_peak_mb']:.1f} MB" if trace else ""),
        flush=True,
    )
    return value, figures


def _world_in_province() -> tuple[object, str, list[str]]:
    """The township of the generated province with the most villages, its villages, a reviewer."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from areas import services as area_services
    from areas.models import Area

    township = (
        Area.objects.filter(level="township", children__level="village")
        .annotate(villages=Count("children"))
        .order_by("-villages", "code")
        .first()
    )
    if township is None:
        sys.exit("no generated villages: run  manage.py generate_province  first")
    villages = list(
        Area.objects.filter(parent=township, level="village").order_by("code").values_list("code", flat=True)
    )
    reviewer, _created = get_user_model().objects.get_or_create(username="bench_reviewer")
    area_services.grant_role(actor=None, user=reviewer, role="township_reviewer", area_code=township.code)
    return reviewer, township.code, villages


def _copy_floor(township: str) -> dict:
    """COPY the imported household and member rows into scratch tables without constraints."""
    from django.db import connection

    timings = {}
    with connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        for table, column in (("households_household", "village_id"), ("households_member", "area_code")):
            buffer = io.BytesIO()
            raw.copy_expert(f"COPY (SELECT * FROM {table} WHERE {column} LIKE '{township[:9]}%') TO STDOUT", buffer)
            buffer.seek(0)
            raw.execute(f"CREATE TABLE bench_copy_{table} (LIKE {table} INCLUDING DEFAULTS)")
            started = time.perf_counter()
            raw.copy_expert(f"COPY bench_copy_{table} FROM STDIN", buffer)
            connection.connection.commit()
            timings[table] = round(time.perf_counter() - started, 3)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the peak Python heap (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--scratch", action="store_true", help="an empty scratch database, not the generated province")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server (the benchmark makes its own scratch database)")
    source = urlparse(url).path.lstrip("/")
    # named after DATABASE_URL's database, so benchmarks of several checkouts never share one
    name = f"{source or 'fupin'}_bench_import"
    # a copy of the generated province (files copied, no WAL: the fastest way on one machine)
    template = "" if options.scratch else f' TEMPLATE "{source}" STRATEGY FILE_COPY'
    started = time.perf_counter()
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"{template}')
    if template:
        print(f"copied {source} to {name} in {time.perf_counter() - started:.1f} s")  # noqa: T201
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path=f"/{name}"))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    try:
        if options.scratch:
            call_command("migrate", verbosity=0)
        with tempfile.TemporaryDirectory(prefix="fupin-bench-import-") as temporary:
            settings.MEDIA_ROOT = Path(temporary) / "media"
            from core.models import Job
            from households import imports
            from households.models import Household, Member

            households_before, members_before = Household.objects.count(), Member.objects.count()
            if options.scratch:
                reviewer, township = _world(), TOWNSHIP
                villages = [f"530921201{200 + n:03d}" for n in range(VILLAGES)]
            else:
                reviewer, township, villages = _world_in_province()
            started = time.perf_counter()
            household_rows, member_rows, members = _rows(options.households, villages)
            workbook = Path(temporary) / "households.xlsx"
            write_xlsx(workbook, {"户": household_rows, "成员": member_rows})
            del household_rows, member_rows
            size_mb = workbook.stat().st_size / 1048576
            print(  # noqa: T201
                f"\n{options.households} households, {members} members: workbook {size_mb:.1f} MB written in "
                f"{time.perf_counter() - started:.1f} s; peak RSS so far {_peak_rss_mb():.0f} MB"
            )
            content = workbook.read_bytes()
            rows = options.households + members
            figures: dict[str, dict] = {}
            for run in ("first", "again"):
                print(f"import ({run}):")  # noqa: T201

                def check():
                    # with no REDIS_URL the task runs in-process when start_check's transaction commits
                    upload = SimpleUploadedFile("households.xlsx", content)
                    job = imports.start_check(actor=reviewer, area_code=township, upload=upload)
                    return Job.objects.get(pk=job.pk)

                job, check_figures = _phase("check (validate)", check, options.tracemalloc)
                assert job.status == "done" and not job.result["error_count"], (job.error, job.result.get("errors"))

                def commit(job=job):
                    commit_job = imports.start_commit(actor=reviewer, check_id=job.pk)
                    return Job.objects.get(pk=commit_job.pk)

                done, commit_figures = _phase("commit (write)", commit, options.tracemalloc)
                assert done.status == "done", done.error
                total = check_figures["seconds"] + commit_figures["seconds"]
                figures[run] = {
                    "check": check_figures,
                    "commit": commit_figures,
                    "total_seconds": round(total, 2),
                    "rows_per_second": round(rows / total),
                    "outcome": done.result,
                }
                print(f"  {'total':20} {total:6.2f} s   {rows / total:,.0f} rows/s   {done.result}")  # noqa: T201
            assert Household.objects.count() - households_before == options.households
            assert Member.objects.count() - members_before == members
            floor = _copy_floor(township)
            print(  # noqa: T201
                f"raw COPY of the same rows: households {floor['households_household']:.2f} s, "
                f"members {floor['households_member']:.2f} s"
            )
            figures["copy_seconds"] = floor
            figures["households"], figures["members"], figures["workbook_mb"] = options.households, members, size_mb
            figures["existing_households"], figures["existing_members"] = households_before, members_before
            out = ROOT / "bench" / "results"
            out.mkdir(exist_ok=True)
            suffix = "-tracemalloc" if options.tracemalloc else ""
            (out / f"import_households{suffix}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            _admin(url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
