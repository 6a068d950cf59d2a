"""What the benchmarks share when they run on the generated province (manage.py generate_province).

``setup()`` points Django at DATABASE_URL (a PostgreSQL database holding the province) and
returns the province's largest county, its largest village and three users made for the
benchmarks: a superuser, a county officer of that county and a village clerk of that village.
The users are made once (their grants go through areas.services like any other grant) and have
unusable passwords: the benchmarks log them in with the test client's force_login.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


@dataclass
class Province:
    code: str
    households: int
    members: int
    county: str
    county_households: int
    village: str
    users: dict  # label → user: "superuser", "county officer", "village clerk"


def django_setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "set DATABASE_URL to the PostgreSQL database holding the generated province, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province make bench"
        )
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    # pages render {% static %} without a collected manifest
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _scan_quality(province: str, households: int) -> None:
    """Run the data-quality rules over the generated province once, as the worklist job does
    (households.worklist.rescan_area), so that the quality report and the worklist count real
    findings: the generator writes households that break no error rule, and some warnings."""
    import time

    from households.worklist import rescan_area

    print(f"data-quality scan of province {province} (once; {households:,} households) …", flush=True)  # noqa: T201
    started, cpu = time.perf_counter(), time.process_time()
    result = rescan_area(prefix=province)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(  # noqa: T201
        f"  {result.households:,} households checked, {result.added:,} findings in {seconds:.1f} s "
        f"(CPU {cpu:.1f} s, {result.households / seconds:,.0f} households/s)"
    )


def setup() -> Province:
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from areas import services as area_services

    with connection.cursor() as cursor:
        # the province with the most households, its county with the most, that county's biggest village
        cursor.execute(
            "SELECT substr(village_id, 1, 6) AS county, count(*) FROM households_household "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        row = cursor.fetchone()
        if row is None:
            sys.exit("no households: run  manage.py generate_province  first (see docs/performance.md)")
        county, county_households = row
        province = county[:2]
        cursor.execute("SELECT count(*) FROM households_household WHERE village_id LIKE %s", [province + "%"])
        households = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM households_member WHERE area_code LIKE %s", [province + "%"])
        members = cursor.fetchone()[0]
        cursor.execute(
            "SELECT village_id FROM households_household WHERE village_id LIKE %s "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [county + "%"],
        )
        village = cursor.fetchone()[0]
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM households_qualityfinding WHERE area_code LIKE %s)", [province + "%"]
        )
        scanned = cursor.fetchone()[0]
    if not scanned:
        _scan_quality(province, households)
    user_model = get_user_model()
    users = {}
    for label, username, role, area in (
        ("superuser", "bench_superuser", None, None),
        ("county officer", "bench_county_officer", "county_officer", county + "000000"),
        ("village clerk", "bench_village_clerk", "village_clerk", village),
    ):
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.is_superuser = user.is_staff = role is None
            user.save()
        if role:
            # the grant follows the largest county: a fresh generation may have moved it
            area_services.grant_role(actor=None, user=user, role=role, area_code=area)
        users[label] = user
    return Province(province, households, members, county, county_households, village, users)


def measure(client, url: str, runs: int) -> dict:
    """Median and 95th percentile server time of ``runs`` GETs, the median CPU time of this
    process, and the queries of the last one (the session bookkeeping excluded: a Redis call in
    production)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu_times = [], []
    queries = 0
    client.get(url)  # warm caches, as a page already visited in the session would be
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_times.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed)
        queries = len([q for q in captured if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]])
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        # the web process's own CPU (Python, rendering), which other work on the machine does not inflate
        "python_cpu_ms": round(statistics.median(cpu_times), 1),
        "queries": queries,
    }


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, load average {load:.1f}"
