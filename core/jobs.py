"""Background jobs (DESIGN.md decision 6): a Job row per request, a task that claims it, reports
progress to it and publishes its file only when the file is whole.

Tasks are idempotent: running a job twice (a worker died after finishing but before
acknowledging) leaves the same result. A job is sent to the queue only after the transaction
that created it commits, so a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.models import Job, JobStatus

__all__ = ["JOBS_DIR", "claim_job", "create_job", "job_file_path", "publish_file", "report_progress", "run_job"]

logger = logging.getLogger(__name__)
JOBS_DIR = "jobs"


def create_job(*, kind: str, area_code: str, actor, params: dict | None = None, task=None) -> Job:
    """Create the row and send ``task`` (a Celery task taking the job id) once the transaction commits."""
    job = Job.objects.create(kind=kind, area_code=area_code, requested_by=actor, params=params or {})
    if task is not None:
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def claim_job(job_id: int) -> Job | None:
    """Take the job up for one more attempt; None when it is finished or has used its attempts."""
    updated = Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now()
    )
    if not updated:
        return None
    job = Job.objects.get(pk=job_id)
    if job.attempts > settings.JOB_MAX_ATTEMPTS:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=_("Stopped after %(count)s attempts: the job ended its worker each time.")
            % {"count": job.attempts - 1},
        )
        return None
    return job


def report_progress(job: Job, progress: int, total: int | None = None) -> None:
    """Write progress to the row (one small UPDATE), for the browser's progress bar."""
    values = {"progress": progress}
    if total is not None:
        values["total"] = total
    Job.objects.filter(pk=job.pk).update(**values)
    job.progress = progress
    if total is not None:
        job.total = total


def run_job(job_id: int, handler: Callable[[Job], dict | None]) -> Job | None:
    """Claim the job, run ``handler(job)`` and record its result, or the error as a message for people.

    A ServiceError's message is shown to the user; any other exception is logged (without
    personal data: the log filter masks numbers) and shown as a general failure.
    """
    job = claim_job(job_id)
    if job is None:
        return None
    try:
        result = handler(job) or {}
    except ServiceError as exc:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=exc.message, finished_at=timezone.now())
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=_("The job failed; the error was recorded."), finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, result=result, finished_at=timezone.now(), progress=F("total")
        )
    job.refresh_from_db()
    return job


def job_file_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def publish_file(job: Job, write: Callable[[Path], None], file_name: str) -> str:
    """Write the job's file under a temporary name, then rename it into place and record it: a
    reader never sees half a file, and a second run replaces the first run's file whole."""
    directory = job_file_path(JOBS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"job-{job.pk}{Path(file_name).suffix}"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".job-{job.pk}-", suffix=".part")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, final)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    relative = f"{JOBS_DIR}/{final.name}"
    Job.objects.filter(pk=job.pk).update(file=relative, file_name=file_name)
    job.file, job.file_name = relative, file_name
    return relative
