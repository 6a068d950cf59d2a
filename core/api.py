"""API machinery shared by every app: pagination, one error format, and the scoped viewset base."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError

__all__ = ["Pagination", "exception_handler"]


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


_DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def _message_for(status_code: int) -> str:
    return {
        400: _("The request has errors."),
        401: _("Log in first."),
        403: _("Your role does not allow this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("Someone else changed this first."),
        413: _("The upload is too large."),
        415: _("This file type is not accepted."),
        429: _("Too many attempts; wait and try again."),
    }.get(status_code, _("The request could not be completed."))


def exception_handler(exc, context):
    """Every API error has one shape: ``{"error": {"status", "code", "message", "fields"}}``.

    ``fields`` maps an input to its messages when the error is about particular inputs.
    """
    if isinstance(exc, ServiceError):
        fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if exc.field else {})
        body = {"status": exc.status_code, "code": exc.code, "message": exc.message, "fields": fields}
        if exc.details is not None:
            body["details"] = exc.details
        return Response({"error": body}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _DEFAULT_CODES.get(response.status_code, "error")
    fields: dict = {}
    message = _message_for(response.status_code)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {
                key: [str(item) for item in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()
            }
            non_field = fields.pop("non_field_errors", None)
            if non_field:
                message = " ".join(non_field)
        elif isinstance(detail, list):
            message = " ".join(str(item) for item in detail)
    elif response.status_code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_429_TOO_MANY_REQUESTS):
        message = _message_for(response.status_code)
    if hasattr(exc, "get_codes") and not isinstance(exc, exceptions.ValidationError):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    response.data = {"error": {"status": response.status_code, "code": code, "message": message, "fields": fields}}
    return response
