"""Benchmark: household list and detail pages, on the generated province or a scratch county.

On the generated province (the default; see bench/province.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_province python bench/household_pages.py

requests each page repeatedly in-process through Django's test client as a superuser (the whole
database), a county officer of the province's largest county and a village clerk of its largest
village, and prints the median and 95th percentile server time, the number of SQL queries, and
each scoped user's median against the superuser's for the same page.

With --scratch it creates (and afterwards drops) a scratch database next to DATABASE_URL's,
fills one county with 20,000 households by bulk inserts and measures a county officer and a
village clerk there (the earlier form of this benchmark, kept for comparison).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _scratch_database(url: str, name: str) -> str:
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunparse(parsed._replace(path=f"/{name}"))


def _drop(url: str, name: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def _fill(households: int, villages_per_township: int) -> None:
    from django.contrib.auth import get_user_model

    from areas import services as area_services
    from areas.divisions import load_divisions
    from areas.models import Area
    from households.idnumbers import build_id_number
    from households.income import compute_income
    from households.models import Household, Member

    load_divisions()
    townships = list(Area.objects.filter(parent_id="530921000000").order_by("code"))
    villages = []
    for township in townships:
        for n in range(villages_per_township):
            villages.append(
                Area(
                    code=f"{township.prefix}{200 + n:03d}",
                    name=f"{township.name[:2]}{n + 1}村",
                    level="village",
                    parent=township,
                )
            )
    Area.objects.bulk_create(villages)
    user_model = get_user_model()
    officer = user_model.objects.create_user("bench_officer", password="x")
    clerk = user_model.objects.create_user("bench_clerk", password="x")
    area_services.grant_role(actor=None, user=officer, role="county_officer", area_code="530921000000")
    area_services.grant_role(actor=None, user=clerk, role="village_clerk", area_code=villages[0].code)
    rng = random.Random(1)
    surnames = "杨李张王赵陈刘罗周字鲁茶"
    sequence = 0
    batch_households, batch_members = [], []
    numbers: dict[str, int] = {}
    for index in range(households):
        village = villages[index % len(villages)]
        numbers[village.code] = numbers.get(village.code, 0) + 1
        size = rng.choice([2, 3, 3, 4, 4, 5])
        wage = Decimal(rng.randint(3000, 16000))
        figures = compute_income({"wage_income": wage}, size)
        head = rng.choice(surnames) + "某" + str(index % 97)
        batch_households.append(Household(
            household_no=f"{village.code}{numbers[village.code]:04d}", village=village, survey_year=2026,
            head_name=head, main_cause=rng.choice(["01", "07", "08", "09"]), wage_income=wage,
            household_size=size, net_income=figures.net_income, net_income_per_capita=figures.net_income_per_capita,
            distance_to_main_road_km=Decimal("1.0"), quality_errors=rng.choice([0, 0, 0, 1]),
        ))  # fmt: skip
        if len(batch_households) == 2000 or index == households - 1:
            saved = Household.objects.bulk_create(batch_households)
            for household in saved:
                for position in range(1, household.household_size + 1):
                    sequence += 1
                    born = datetime.date(1950 + sequence % 60, 1 + sequence % 12, 1 + sequence % 28)
                    batch_members.append(Member(
                        household=household, area_code=household.village_id, position=position,
                        name=household.head_name if position == 1 else f"成员{position}", gender="1",
                        id_number=build_id_number("530921", born, sequence % 1000)[:14] + f"{sequence:04d}",
                        birth_date=born, relation="01" if position == 1 else "03",
                    ))  # fmt: skip
            Member.objects.bulk_create(batch_members, batch_size=5000)
            batch_households, batch_members = [], []


def _measure(client, url: str, runs: int) -> dict:
    from bench.province import measure

    return measure(client, url, runs)


def province_pages(runs: int) -> None:
    """The pages on the generated province, for the three users, each next to the superuser."""
    from bench.province import RESULTS, machine, setup

    province = setup()
    from django.test import Client

    from households.models import Household

    clients = {}
    for label, user in province.users.items():
        clients[label] = Client()
        clients[label].force_login(user)
    # a household every user sees: in the clerk's village; a surname every county has
    household = Household.objects.filter(village_id=province.village).order_by("household_no").first()
    county = province.county
    cases = {
        "list, page 1": ("/households/", None),
        "list, page 50": ("/households/?page=50", None),
        # the exact count on request (a province-wide list otherwise shows an estimate)
        "list, page 1, exact count": ("/households/?exact=1", None),
        "list, search by surname": ("/households/?q=王", None),
        # the same search over the same rows for everyone: the superuser narrowed to the county
        # counts exactly, as the county officer's list does (province-wide, it shows an estimate)
        "list, search by surname in the county": (f"/households/?q=王&village={county}", None),
        "list, still poor, by income": ("/households/?status=registered&sort=income", None),
        "list, one village": (f"/households/?village={province.village}", None),
        "list, county filter": (f"/households/?village={county}", "clerk sees one village"),
        "detail": (f"/households/{household.pk}/", None),
        "detail, history tab": (f"/households/{household.pk}/?tab=history", None),
    }
    results: dict[str, dict] = {}
    for case, (url_, _note) in cases.items():
        for label, client in clients.items():
            if label == "village clerk" and case == "list, page 50":
                continue  # the clerk's village has one page
            results[f"{label}: {case}"] = _measure(client, url_, runs)
    print(  # noqa: T201
        f"\nprovince {province.code}: {province.households:,} households, {province.members:,} members; "
        f"county {county} ({province.county_households:,} households), village {province.village}; "
        f"{runs} requests each; {machine()}"
    )
    print(f"{'page':52} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'queries':>8} {'÷ superuser':>12}")  # noqa: T201
    for key, figures in results.items():
        label, case = key.split(": ", 1)
        base = results.get(f"superuser: {case}")
        ratio = f"{figures['median_ms'] / base['median_ms']:.2f}" if base and label != "superuser" else ""
        figures["ratio_to_superuser"] = ratio
        cells = f"{figures['median_ms']:>10} {figures['p95_ms']:>8} {figures['python_cpu_ms']:>7}"
        cells += f" {figures['queries']:>8}"
        print(f"{key:52} {cells} {ratio:>12}")  # noqa: T201
    RESULTS.mkdir(exist_ok=True)
    summary = {"households": province.households, "members": province.members, "county": county, "pages": results}
    (RESULTS / "household_pages_province.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", action="store_true", help="a scratch county instead of the generated province")
    parser.add_argument("--households", type=int, default=20000, help="with --scratch: households of the county")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="with --scratch: keep the scratch database")
    options = parser.parse_args()
    if not options.scratch:
        province_pages(options.runs)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server (the benchmark makes its own scratch database)")
    # named after DATABASE_URL's database, so benchmarks of several checkouts never share one
    name = f"{urlparse(url).path.lstrip('/') or 'fupin'}_bench_pages"
    os.environ["DATABASE_URL"] = _scratch_database(url, name)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        _fill(options.households, villages_per_township=12)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        fill_seconds = time.perf_counter() - started
        from django.contrib.auth import get_user_model
        from django.test import Client

        from households.models import Household

        officer, clerk = Client(), Client()
        officer.force_login(get_user_model().objects.get(username="bench_officer"))
        clerk.force_login(get_user_model().objects.get(username="bench_clerk"))
        middle = Household.objects.order_by("household_no")[options.households // 2]
        cases = [
            ("county officer: list, page 1", officer, "/households/"),
            ("county officer: list, page 200", officer, "/households/?page=200"),
            ("county officer: list, search by name", officer, "/households/?q=杨某"),
            (
                "county officer: list, by village, by income",
                officer,
                f"/households/?village={middle.village_id}&sort=-income",
            ),
            ("county officer: list, with errors", officer, "/households/?has_errors=true"),
            ("county officer: detail", officer, f"/households/{middle.pk}/"),
            ("village clerk: list, page 1", clerk, "/households/"),
        ]
        results = {label: _measure(client, url_, options.runs) for label, client, url_ in cases}
        print(f"\n{options.households} households, {Household.objects.count()} stored, filled in {fill_seconds:.1f} s")  # noqa: T201
        print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")  # noqa: T201
        for label, figures in results.items():
            print(f"{label:48} {figures['median_ms']:>10} {figures['p95_ms']:>8} {figures['queries']:>8}")  # noqa: T201
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "household_pages.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            _drop(url, name)


if __name__ == "__main__":
    main()
