"""Celery tasks of the Excel import; see households/tasks.py and households/imports.py."""

from __future__ import annotations

from celery import shared_task

from core.jobs import run_job
from households.imports import check_handler, commit_handler, purge_stale_uploads

__all__ = ["purge_import_uploads", "run_import_check", "run_import_commit"]


@shared_task(bind=True, acks_late=True, name="households.import_check")
def run_import_check(self, job_id: int) -> None:
    """Check the workbook of job ``job_id`` (households.imports.start_check creates it).

    Safe to deliver twice: run_job takes a job up only while it is queued or running, and the
    check writes nothing to households; its staged rows and annotated copy are replaced whole.
    """
    run_job(job_id, check_handler)


@shared_task(bind=True, acks_late=True, name="households.import_commit")
def run_import_commit(self, job_id: int) -> None:
    """Write the checked rows of a check job (households.imports.start_commit creates the job).

    Safe to deliver twice: the commit records itself on the check job in its own transaction, so
    a second delivery after a worker died past the commit returns that record and writes nothing.
    """
    run_job(job_id, commit_handler)


@shared_task(bind=True, acks_late=True, name="households.purge_import_uploads")
def purge_import_uploads(self) -> int:
    """Delete uploads and staged rows of checks that were never imported (run daily by beat)."""
    return purge_stale_uploads()
