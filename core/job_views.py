"""Pages and API of background jobs: progress (polled by htmx) and the finished file's download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from areas.choices import Action
from areas.scopes import prefixes_for
from core.audit import record_change
from core.jobs import job_file_path
from core.models import ChangeAction, Job, JobStatus
from core.querysets import prefix_condition

__all__ = ["JobViewSet", "job_detail", "job_download", "jobs_visible_to"]


def jobs_visible_to(user):
    """A user's own jobs, and the jobs of areas where the user may export (reports)."""
    if not user.is_authenticated:
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    condition = Q(requested_by=user)
    prefixes = prefixes_for(user, Action.EXPORT)
    if prefixes:
        condition |= prefix_condition("area_code", prefixes) & Q(kind__startswith="report")
    return Job.objects.filter(condition)


def _job_or_404(user, pk: int) -> Job:
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def job_detail(request, pk: int):
    job = _job_or_404(request.user, pk)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


def _download(user, job: Job) -> FileResponse:
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    path = job_file_path(job.file)
    if not path.exists():
        raise Http404
    record_change(
        actor=user, obj=job, action=ChangeAction.EXPORT, area_code=job.area_code, after={"file": job.file_name}
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=job.file_name)


@login_required
def job_download(request, pk: int):
    """The job's file; each download is recorded (who, what, when)."""
    return _download(request.user, _job_or_404(request.user, pk))


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "area_code",
            "status",
            "progress",
            "total",
            "percent",
            "attempts",
            "result",
            "file_name",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's jobs and their progress; ``download`` returns the finished file."""

    serializer_class = JobSerializer

    def get_queryset(self):
        return jobs_visible_to(self.request.user).order_by("-created_at", "-id")

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return _download(request.user, self.get_object())
