"""The area-wide check through a real Celery worker on Redis (DESIGN.md decision 6).

Everything else runs tasks in-process; this test starts ``celery worker`` as a separate process
on a queue of its own, against the test database, and waits for it to finish a quality_scan
job the page would have started. CI sets REDIS_URL and DATABASE_URL (PostgreSQL), so it runs
there; without REDIS_URL it is skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.models import Job
from households.models import Household, Member, QualityFinding
from households.services import save_household
from households.worklist import start_quality_scan
from tests.households.conftest import KONGXING, family_of_four, household_input

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs a Celery worker on Redis (REDIS_URL); CI runs it"
    ),
]


def _database_url() -> str:
    """The URL of the test database this process uses, for the worker to use the same one."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(str(db["PASSWORD"]), safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _forget_queue(queue: str) -> None:
    """Delete the queue, its bindings and whatever the worker left under its name in Redis."""
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        client = channel.client
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        for binding in client.scan_iter(match="_kombu.binding.*"):
            for member in client.smembers(binding):
                if queue.encode() in member:
                    client.srem(binding, member)


def _queue_length(queue: str) -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A ``celery worker`` process consuming a queue used by nobody else, on the test database.

    Sending is switched from eager to the broker for the test and back afterwards; the worker is
    stopped (and killed if it does not stop) and its queue deleted, whatever the test's outcome.
    """
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: run with DATABASE_URL on PostgreSQL, as CI does")
    queue = f"test-quality-{uuid.uuid4().hex[:12]}"
    broker_url = os.environ["REDIS_URL"]
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "REDIS_URL": broker_url,
        "CELERY_QUEUE": queue,
        "DB_CONN_MAX_AGE": "0",  # no connection left open to the test database between tasks
        "LOG_LEVEL": "INFO",  # the log shows the task received and done
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    saved = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "task_default_queue": celery_app.conf.task_default_queue,
        "broker_url": celery_app.conf.broker_url,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = broker_url
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker.log_path = log_path
    worker.queue = queue
    try:
        yield worker
    finally:
        for name, value in saved.items():
            setattr(celery_app.conf, name, value)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the task, close connections
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)  # the worker's own process group, nothing else
                worker.wait(timeout=10)
        _forget_queue(queue)


def _log_tail(worker) -> str:
    return worker.log_path.read_text(errors="replace")[-3000:]


def _wait_until_finished(job: Job, worker) -> Job:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped (exit {worker.returncode}):\n{_log_tail(worker)}")
        time.sleep(0.25)
    pytest.fail(f"job {job.pk} still {job.status} after {WAIT_SECONDS} s:\n{_log_tail(worker)}")


def test_a_real_worker_runs_the_area_wide_check_and_writes_findings(personas, celery_worker):
    clerk = personas["village_clerk"]
    households = [
        save_household(
            actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four(offset)
        ).household
        for offset in range(3)
    ]
    broken = households[1]
    # breaches the save never saw: found only if the worker re-runs the rules
    Member.objects.filter(household=broken, position=2).update(health="04", disability_cert_no="")
    Household.objects.filter(pk=households[2].pk).update(distance_to_main_road_km=None)
    assert not QualityFinding.objects.exists()

    job = start_quality_scan(actor=personas["township_reviewer"], area_code="530921201000")

    assert job.status == "queued"
    job = _wait_until_finished(job, celery_worker)
    assert job.status == "done", job.error
    assert (job.progress, job.total, job.attempts) == (3, 3, 1)
    assert (job.result["households"], job.result["added"], job.result["changed"]) == (3, 2, 2)
    found = sorted(QualityFinding.objects.open().values_list("household_id", "rule", "member_position"))
    assert found == sorted([(broken.pk, "disability_certificate", 2), (households[2].pk, "road_distance", None)])
    assert "households.quality_scan" in celery_worker.log_path.read_text(errors="replace")
    assert _queue_length(celery_worker.queue) == 0  # taken and acknowledged, nothing left waiting
