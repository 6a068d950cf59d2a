"""Celery tasks of reporting: build one report job, and queue the scheduled builds (beat)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.jobs import run_job
from reporting.services import build_report_job, schedule_reports

__all__ = ["build_report", "scheduled_reports"]


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, name="reporting.build_report")
def build_report(self, job_id: int) -> None:
    """Build the report of job ``job_id`` (reporting.services.request_report creates it).

    Safe to deliver twice: run_job takes a job up only while it is queued or running, the file is
    replaced whole, and a worker killed mid-way leaves only a temporary file the next attempt
    removes. A job that kills its worker every time stops after JOB_MAX_ATTEMPTS (core.jobs).
    """
    run_job(job_id, build_report_job)


@shared_task(bind=True, acks_late=True, name="reporting.scheduled_reports")
def scheduled_reports(self, kinds: list[str], period: str = "day") -> int:
    """Queue the scheduled builds of ``kinds`` (beat: the rolling plan monthly, summaries nightly).
    ``period`` "month" or "day" names the window in which each build is made once."""
    today = timezone.localdate()
    key = today.strftime("%Y-%m") if period == "month" else today.isoformat()
    return len(schedule_reports(kinds=kinds, period=key))
