"""Settings read from the environment fail loudly on missing secrets and malformed values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def _start_django(**env):
    clean = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; print(s.LANGUAGE_CODE, s.TIME_ZONE)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )


def test_a_missing_secret_key_is_refused_when_debug_is_off():
    result = _start_django(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key_and_defaults_are_chinese_and_shanghai():
    result = _start_django(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["zh-hans", "Asia/Shanghai"]


def test_a_secret_key_file_is_read(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    result = _start_django(DEBUG="0", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_stops_the_start():
    result = _start_django(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_typed_readers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 0) == 12
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)


def test_celery_is_configured_for_reliability(settings):
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ALWAYS_EAGER == (not os.environ.get("REDIS_URL"))


def test_the_beat_schedule_names_registered_tasks(settings):
    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
