"""Imported by the test workers of tests/reporting/test_celery_worker.py (``celery worker
--include``), never by the application. REPORT_TEST_MODE chooses how the worker misbehaves:

- ``slow``: the first attempt writes the workbook's temporary file, leaves a marker file
  (REPORT_TEST_MARKER) and sleeps, so the test can SIGKILL the worker in the middle of the job;
  a later attempt (the marker exists) runs normally.
- ``poison``: every attempt kills its own worker (SIGKILL), as a job that crashes the process would.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import reporting.services
import reporting.tasks

MODE = os.environ.get("REPORT_TEST_MODE", "")
MARKER = Path(os.environ.get("REPORT_TEST_MARKER", "/nonexistent"))

if MODE == "slow":
    _write = reporting.services.write_workbook

    def _write_then_hang(path, *args, **kwargs):
        _write(path, *args, **kwargs)
        if not MARKER.exists():
            MARKER.write_text(str(path))
            time.sleep(120)  # killed here, with the temporary file written but not published

    reporting.services.write_workbook = _write_then_hang

elif MODE == "poison":

    def _die(job):
        os.kill(os.getpid(), signal.SIGKILL)

    reporting.tasks.build_report_job = _die
