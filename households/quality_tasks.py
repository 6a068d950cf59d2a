"""Celery tasks of the area-wide data-quality check; see households/tasks.py."""

from __future__ import annotations

from celery import shared_task

from core.jobs import run_job
from households.worklist import run_scan_job

__all__ = ["run_quality_scan"]


@shared_task(bind=True, acks_late=True, name="households.quality_scan")
def run_quality_scan(self, job_id: int) -> None:
    """Run the quality_scan job ``job_id`` (households.worklist.start_quality_scan creates it).

    Safe to deliver twice: run_job takes up a job only while it is queued or running, and the
    check itself writes nothing the second time over unchanged data. The result and progress go
    to the job row, not to a Celery result backend.
    """
    run_job(job_id, run_scan_job)
