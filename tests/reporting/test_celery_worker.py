"""Report jobs through a real Celery worker on Redis (DESIGN.md decision 6): a report built; a
worker killed with SIGKILL in the middle of a job leaves no half file and the job completes after
a restart; a job that kills its worker every time stops after three attempts.

Each worker is a separate ``celery worker`` process on a queue of its own, against the test
database (PostgreSQL), with a short visibility timeout so that a restarted worker takes up the
message of the one that died. Misbehaviour comes from tests/reporting/worker_shim.py, loaded
into the worker with ``--include``. Without REDIS_URL (or on SQLite) these are skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import load_workbook

from config.celery import app as celery_app
from core.jobs import JOBS_DIR, job_file_path
from core.models import Job
from reporting.services import request_report
from tests.households.test_celery_worker import _database_url, _forget_queue, _queue_length

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60
VISIBILITY_SECONDS = 2

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs a Celery worker on Redis (REDIS_URL); CI runs it"
    ),
]


class Workers:
    """Starts ``celery worker`` processes on one private queue; stops whatever is left at the end."""

    def __init__(self, tmp_path: Path, media_root: Path):
        self.queue = f"test-report-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path
        self.media_root = media_root
        self.processes: list[subprocess.Popen] = []

    def start(self, mode: str = "") -> subprocess.Popen:
        log_path = self.tmp_path / f"worker-{len(self.processes)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "REDIS_URL": os.environ["REDIS_URL"],
            "CELERY_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "VAR_DIR": str(self.media_root.parent),  # the worker's MEDIA_ROOT is VAR_DIR/media: the test's
            "DB_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
            "REPORT_TEST_MODE": mode,
            "REPORT_TEST_MARKER": str(self.tmp_path / "marker"),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--include",
            "tests.reporting.worker_shim",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}-{len(self.processes)}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        process.log_path = log_path
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the worker's own process group, nothing else
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)
        _forget_queue(self.queue)

    def logs(self) -> str:
        return "\n".join(p.log_path.read_text(errors="replace")[-2000:] for p in self.processes)


@pytest.fixture
def workers(transactional_db, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: run with DATABASE_URL on PostgreSQL, as CI does")
    saved = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "task_default_queue": celery_app.conf.task_default_queue,
        "broker_url": celery_app.conf.broker_url,
    }
    media_root = Path(settings.MEDIA_ROOT)
    assert media_root.name == "media"
    pool = Workers(tmp_path, media_root)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = pool.queue
    celery_app.conf.broker_url = os.environ["REDIS_URL"]
    try:
        yield pool
    finally:
        for name, value in saved.items():
            setattr(celery_app.conf, name, value)
        pool.stop_all()


def _wait(condition, pool: Workers, what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen in {seconds} s:\n{pool.logs()}")


def _finished(job: Job) -> bool:
    job.refresh_from_db()
    return job.is_finished


def test_a_real_worker_builds_a_report(personas, report_data, workers):
    job = request_report(actor=personas["county_officer"], kind="registry", area_code="530921000000")
    worker = workers.start()
    _wait(lambda: _finished(job), workers, "the report")
    assert job.status == "done", job.error
    assert job.attempts == 1
    workbook = load_workbook(job_file_path(job.file), read_only=True)
    assert workbook.sheetnames[0] == "封面"
    workbook.close()
    assert "reporting.build_report" in worker.log_path.read_text(errors="replace")
    assert _queue_length(workers.queue) == 0


def test_a_worker_killed_mid_job_leaves_no_half_file_and_the_job_completes_after_restart(
    personas, report_data, workers, tmp_path
):
    job = request_report(actor=personas["county_officer"], kind="rolling_plan", area_code="530921000000")
    first = workers.start(mode="slow")
    marker = tmp_path / "marker"
    _wait(marker.exists, workers, "the first attempt writing its file")

    workers.kill(first)
    job.refresh_from_db()
    directory = job_file_path(JOBS_DIR)
    assert (job.status, job.attempts, job.file) == ("running", 1, "")
    assert not (directory / f"job-{job.pk}.xlsx").exists()  # nothing published
    assert Path(marker.read_text()).exists()  # only the temporary file

    time.sleep(VISIBILITY_SECONDS + 1)  # the dead worker's message becomes visible again
    workers.start(mode="slow")
    _wait(lambda: _finished(job), workers, "the second attempt")
    assert (job.status, job.attempts) == ("done", 2), job.error
    assert sorted(path.name for path in directory.iterdir()) == [f"job-{job.pk}.xlsx"]
    load_workbook(job_file_path(job.file), read_only=True).close()


def test_a_job_that_kills_its_worker_every_time_stops_after_three_attempts(personas, report_data, workers):
    job = request_report(actor=personas["county_officer"], kind="registry", area_code="530921000000")
    for attempt in range(1, settings.JOB_MAX_ATTEMPTS + 1):
        worker = workers.start(mode="poison")
        _wait(lambda w=worker: w.poll() is not None, workers, f"attempt {attempt} killing its worker")
        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", attempt)
        time.sleep(VISIBILITY_SECONDS + 1)
    workers.start(mode="poison")
    _wait(lambda: _finished(job), workers, "the job stopping")
    assert job.status == "failed"
    assert job.attempts == settings.JOB_MAX_ATTEMPTS + 1
    assert "3" in job.error
    assert job.file == ""
