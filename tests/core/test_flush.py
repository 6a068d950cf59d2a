"""Tests may run in any order and on any xdist worker: a transactional test's closing flush must leave
the rows the seeding migrations wrote, or the test after it finds no cause codes, poverty lines or
identification rules (tests/conftest.py puts them back on post_migrate)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from households.models import CauseCode, PovertyLine
from identification.models import IdentificationRule
from tests.conftest import SEEDING_MIGRATIONS


def _seeded() -> dict[str, set]:
    return {
        "causes": set(CauseCode.objects.values_list("code", "name")),
        "lines": set(PovertyLine.objects.values_list("year", "level", "amount")),
        "rules": set(IdentificationRule.objects.values_list("kind", "key", "position")),
    }


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_rows_migrations_seeded():
    before = _seeded()
    assert all(before.values()), before

    call_command("flush", interactive=False, verbosity=0)

    assert _seeded() == before


def test_every_data_migration_that_seeds_rows_is_listed():
    # a migration module of the project's apps with a top-level seed(apps, schema_editor) writes
    # reference rows; another one would be lost at the first flush
    seeding = []
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent != Path(settings.BASE_DIR).resolve():
            continue
        package = f"{config.name}.migrations"
        try:
            migrations = importlib.import_module(package)
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(migrations.__path__):
            name = f"{package}.{module.name}"
            if callable(getattr(importlib.import_module(name), "seed", None)):
                seeding.append(name)

    assert sorted(seeding) == sorted(SEEDING_MIGRATIONS)
