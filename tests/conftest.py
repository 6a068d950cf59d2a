"""Shared fixtures: a small real world of areas around 凤庆县, one persona per role, and clients.

Personas (Healthchecks-style): each role holds its grant on its "own" area; Charlie is the
township reviewer of the sibling township 新华乡, who must see nothing of 诗礼乡.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_migrate
from django.test import Client
from rest_framework.test import APIClient

from areas import services
from areas.choices import Level, Role
from areas.models import Area

_skipped: list[str] = []

# FUPIN_TEST_CLOCK=2027-12-08 (a date: noon in China; or an ISO timestamp with its offset) runs the
# whole session with the clock moved there and ticking, in this process and in each xdist worker:
# the suite must pass on any day, and CI runs it a year ahead to see next year's failures now.
_CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
_session_travel = None


#: Tests whose data is dated in 2026 and that depend on the day they run (the year a page shows by
#: default, the dates "not in the future" rules check) stand on the day they were written for:
#: ``@in_2026`` on the test, or ``pytestmark = in_2026`` on the module. A timestamp, not the aware
#: datetime, for the reason given in _start_moved_clock. Tests that need no such day compute their
#: dates from the clock, whichever it is.
DAY_OF_2026 = dt.datetime(2026, 12, 8, 12, tzinfo=_CHINA)
in_2026 = pytest.mark.time_machine(DAY_OF_2026.timestamp(), tick=True)


def moved_clock() -> dt.datetime | None:
    """The instant FUPIN_TEST_CLOCK names, or None (the real clock)."""
    value = os.environ.get("FUPIN_TEST_CLOCK", "").strip()
    if not value:
        return None
    if len(value) == 10:  # a bare date: noon, away from any midnight in China or in UTC
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12), tzinfo=_CHINA)
    instant = dt.datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=_CHINA)


def _start_moved_clock():
    """Started when this file is imported, which pytest does before it imports the conftest files
    under tests/ (some compute this year at import) and before pytest_configure; stopped in
    pytest_unconfigure."""
    global _session_travel
    instant = moved_clock()
    if instant is not None and _session_travel is None:
        import time_machine

        # A timestamp, not the aware datetime: time-machine would otherwise also set the process's
        # TZ, and the machine's own zone (UTC here) is part of what the suite must survive.
        _session_travel = time_machine.travel(instant.timestamp(), tick=True)
        _session_travel.start()


_start_moved_clock()


def pytest_unconfigure(config):
    if _session_travel is not None:
        _session_travel.stop()


def pytest_report_header(config):
    instant = moved_clock()
    return f"clock: moved to {instant.isoformat()} (FUPIN_TEST_CLOCK)" if instant else "clock: real"


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """On CI (FAIL_ON_SKIP=1, PostgreSQL and Redis present) a skipped test fails the run. Under
    xdist the controller decides: each worker's reports reach its pytest_runtest_logreport too."""
    if hasattr(session.config, "workerinput"):
        return
    if os.environ.get("FAIL_ON_SKIP") == "1" and _skipped:
        print(f"\nFAIL_ON_SKIP: {len(_skipped)} tests were skipped: {_skipped[:10]}")  # noqa: T201
        session.exitstatus = 1


# Data migrations whose rows every page may need (cause codes, poverty lines, identification rules).
SEEDING_MIGRATIONS = [
    "households.migrations.0002_seed_causes_and_poverty_lines",
    "identification.migrations.0002_default_rules",
]


def _seed_again(sender, **kwargs):
    """A transactional test (browser journeys, races, the Celery worker) ends with Django's flush,
    which empties every table and then sends post_migrate so that content types and permissions
    come back. The rows the seeding migrations wrote come back here too, with those migrations'
    own functions (get_or_create), so whatever test runs next, in any order and on any xdist
    worker, finds the database as migrations left it."""
    if sender.label != "households":  # post_migrate is sent once per app; seed once per flush
        return
    import importlib

    from django.apps import apps

    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


post_migrate.connect(_seed_again, dispatch_uid="tests.conftest.seed_again")


# (code, name, level, parent)
WORLD = [
    ("530000000000", "云南省", Level.PROVINCE, None),
    ("520000000000", "贵州省", Level.PROVINCE, None),
    ("530900000000", "临沧市", Level.CITY, "530000000000"),
    ("530800000000", "普洱市", Level.CITY, "530000000000"),
    ("520100000000", "贵阳市", Level.CITY, "520000000000"),
    ("530921000000", "凤庆县", Level.COUNTY, "530900000000"),
    ("530922000000", "云县", Level.COUNTY, "530900000000"),
    ("530821000000", "宁洱哈尼族彝族自治县", Level.COUNTY, "530800000000"),
    ("530921201000", "诗礼乡", Level.TOWNSHIP, "530921000000"),
    ("530921202000", "新华彝族苗族乡", Level.TOWNSHIP, "530921000000"),
    ("530922100000", "爱华镇", Level.TOWNSHIP, "530922000000"),
    ("530821101000", "宁洱镇", Level.TOWNSHIP, "530821000000"),
    ("530921201200", "孔兴村", Level.VILLAGE, "530921201000"),
    ("530921201201", "诗礼村", Level.VILLAGE, "530921201000"),
    ("530921202200", "新华村", Level.VILLAGE, "530921202000"),
    ("530922100200", "爱华村", Level.VILLAGE, "530922100000"),
    ("530921201200001", "一组", Level.GROUP, "530921201200"),
    ("530921201201001", "一组", Level.GROUP, "530921201201"),
]

#: each role's own area, a sibling of it, and its parent (None for a province)
ROLE_AREAS = {
    Role.VILLAGE_CLERK: ("530921201200", "530921201201", "530921201000"),
    Role.TOWNSHIP_REVIEWER: ("530921201000", "530921202000", "530921000000"),
    Role.COUNTY_OFFICER: ("530921000000", "530922000000", "530900000000"),
    Role.CITY_INSPECTOR: ("530900000000", "530800000000", "530000000000"),
    Role.PROVINCE_OFFICER: ("530000000000", "520000000000", None),
    Role.AUDITOR: ("530921000000", "530922000000", "530900000000"),
}

PASSWORD = "a-long-test-password-1"


@pytest.fixture
def world(db):
    """The areas of WORLD, saved; returns them by code."""
    areas = {}
    for code, name, level, parent in WORLD:
        areas[code] = Area.objects.create(
            code=code, name=name, level=level, parent_id=parent, is_western=code[:2] in {"52", "53"}
        )
    return areas


def make_user(username: str, role: str | None = None, area_code: str | None = None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        services.grant_role(actor=None, user=user, role=role, area_code=area_code)
    return user


@pytest.fixture
def personas(world):
    """One user per role on its own area, plus Charlie (reviewer of the sibling township) and a
    user with no role at all."""
    users = {role: make_user(f"{role}_user", role, ROLE_AREAS[role][0]) for role in Role}
    users["charlie"] = make_user("charlie", Role.TOWNSHIP_REVIEWER, "530921202000")
    users["nobody"] = make_user("nobody")
    users["superuser"] = get_user_model().objects.create_superuser("root", "", PASSWORD)
    return users


@pytest.fixture
def client_for():
    def build(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def api_for():
    def build(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return build


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength would cost seconds per test; hashing itself is Django's."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages under test link to static files without `collectstatic` having built the manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _cache_of_this_process() -> None:
    """On Redis, this process's cache keys carry a prefix of their own, so that xdist workers (and
    two runs at once) sharing REDIS_URL's database do not empty each other's cache, sessions and
    login counters between tests. The broker is not touched: the worker tests use queues of their
    own."""
    from django.conf import settings
    from django.test.utils import override_settings

    default = settings.CACHES["default"]
    if default["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        mine = {**default, "KEY_PREFIX": f"test{os.getpid()}"}
        override_settings(CACHES={**settings.CACHES, "default": mine}).enable()  # for the process's life


_cache_of_this_process()


_redis = None


def _clear_cache() -> None:
    global _redis
    from django.conf import settings
    from django.core.cache import cache

    if cache.key_prefix:  # Redis, shared: this process's keys only, not FLUSHDB
        if _redis is None:
            import redis

            _redis = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
        keys = list(_redis.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            _redis.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis database 15 on CI, memory elsewhere)."""
    _clear_cache()
    yield
    _clear_cache()


def count_page_queries(queries) -> int:
    """Queries a page made for its own content: session bookkeeping (a constant per request, and in
    production a Redis call, not SQL) and transaction savepoints are left out."""
    return sum(
        1
        for query in queries
        if "django_session" not in query["sql"] and not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Files written by jobs and uploads go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english():
    """Messages in English, for tests that match a service's wording (pages are Chinese by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks run in-process in tests, even where REDIS_URL is set (CI); the one test of a real
    worker on Redis (tests/households/test_celery_worker.py) switches this off for itself."""
    from config.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
