"""API of reporting: request a report and list report jobs. A job's status and its file are at
/api/v1/jobs/{id}/ and /api/v1/jobs/{id}/download/ (core.job_views), scoped the same way."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from core.job_views import JobSerializer, jobs_visible_to
from reporting.registry import KIND_PREFIX, all_reports
from reporting.services import request_report

__all__ = ["ReportJobsAPI"]


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[])
    area = serializers.CharField(max_length=12)
    year = serializers.IntegerField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(report.code, str(report.title)) for report in all_reports()]


class ReportJobsAPI(generics.ListAPIView):
    """GET: the report jobs the caller may see (own, and reports of areas where the caller may
    export), newest first. POST: request a report (kind, area, year); answers 202 with the job."""

    serializer_class = JobSerializer

    def get_queryset(self):
        return jobs_visible_to(self.request.user).filter(kind__startswith=KIND_PREFIX).order_by("-created_at", "-id")

    @extend_schema(request=ReportRequestSerializer, responses={202: JobSerializer})
    def post(self, request):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = request_report(actor=request.user, kind=data["kind"], area_code=data["area"], year=data.get("year"))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
