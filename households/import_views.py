"""Pages and API of the household import. Thin: parse the request, call one function of
households/imports.py, render. The check and the commit run as background jobs."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceError
from core.job_views import JobSerializer
from households import imports

__all__ = [
    "ImportCommitAPI",
    "ImportResultAPI",
    "ImportUploadAPI",
    "import_commit",
    "import_result",
    "import_template",
    "import_upload",
]

#: refused cells listed on the result page (all are marked in the annotated workbook)
ERRORS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in workbook (.xlsx)"),
        help_text=gettext_lazy("The template's sheets 户 and 成员; it is checked first, and nothing is saved yet."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, code: str):
    """The import page of a village, township or county: the template and the upload form."""
    area = imports.import_area(request.user, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.start_check(actor=request.user, area_code=area.code, upload=form.cleaned_data["file"])
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("households:import_result", pk=job.pk)
    context = {"area": area, "form": form, "recent": imports.recent_checks(request.user, area)}
    return render(request, "households/import_upload.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def import_template(request, code: str):
    """The import template of the area, generated with its villages and code lists."""
    stream = io.BytesIO()
    name = imports.write_template(actor=request.user, area_code=code, target=stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def import_result(request, pk: int):
    """A check's progress, then its counts, refused cells, annotated workbook and commit button."""
    state = imports.import_status(actor=request.user, check_id=pk)
    return _render_result(request, state)


def _render_result(request, state: imports.ImportStatus, error: str = "", status_code: int = 200):
    context = {
        "state": state,
        "job": state.check,
        "errors": state.errors[:ERRORS_SHOWN],
        "errors_hidden": max(state.result.get("error_count", 0) - ERRORS_SHOWN, 0),
        "commit_error": error,
    }
    return render(request, "households/import_result.html", context, status=status_code)


@login_required
@require_POST
def import_commit(request, pk: int):
    """Start writing a checked workbook (all rows or none); back to the result page to follow it."""
    try:
        imports.start_commit(actor=request.user, check_id=pk)
    except ServiceError as exc:
        state = imports.import_status(actor=request.user, check_id=pk)
        return _render_result(request, state, exc.message, exc.status_code)
    return redirect("households:import_result", pk=pk)


# --- API -----------------------------------------------------------------------------------------


_StatusSerializer = inline_serializer(
    "HouseholdImportStatus",
    {
        "check": JobSerializer(),
        "commit": JobSerializer(allow_null=True),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "error_count": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField()),
        "annotated_workbook": serializers.BooleanField(),
        "can_commit": serializers.BooleanField(),
        "committed": serializers.DictField(allow_null=True),
    },
)


class ImportUploadAPI(APIView):
    """Upload a filled-in workbook (multipart field ``file``) to import into a village, township
    or county; returns the check job. Poll ``/api/v1/households/imports/{id}/`` for the result."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request=inline_serializer("HouseholdImportUpload", {"file": serializers.FileField()}),
        responses={202: JobSerializer},
    )
    def post(self, request, code: str):
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Choose a file to upload."), field="file", code="required")
        job = imports.start_check(actor=request.user, area_code=code, upload=upload)
        body = JobSerializer(job).data
        body["result_url"] = reverse("api:household-import-result", kwargs={"pk": job.pk})
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ImportResultAPI(APIView):
    """A check job with its counts, the first refused cells (sheet, row, column, message) and its
    commit, if any. The annotated workbook is the check job's download (/api/v1/jobs/{id}/download/)."""

    @extend_schema(responses=_StatusSerializer)
    def get(self, request, pk: int):
        return Response(imports.import_status(actor=request.user, check_id=pk).as_dict())


class ImportCommitAPI(APIView):
    """Write the checked workbook: all rows or none, in a background job (returned)."""

    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request, pk: int):
        job = imports.start_commit(actor=request.user, check_id=pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
