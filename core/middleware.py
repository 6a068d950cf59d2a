"""Per-request context: a request id that ties log lines and audit rows of one request together."""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar

__all__ = [
    "ChineseFirstLocaleMiddleware",
    "ContentSecurityPolicyMiddleware",
    "IdleTimeoutMiddleware",
    "RequestIdMiddleware",
    "RequestSizeLimitMiddleware",
    "current_request_id",
]

_request_id: ContextVar[uuid.UUID | None] = ContextVar("request_id", default=None)
_VALID_INCOMING = re.compile(r"^[0-9a-fA-F-]{32,36}$")


def current_request_id() -> uuid.UUID | None:
    """The id of the request being served, or None outside a request (commands, tasks)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy or makes one, and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        try:
            request_id = uuid.UUID(incoming) if _VALID_INCOMING.match(incoming) else uuid.uuid4()
        except ValueError:
            request_id = uuid.uuid4()
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = str(request_id)
        return response


class IdleTimeoutMiddleware:
    """Ends sessions idle for SESSION_COOKIE_AGE: an active user's session is renewed, at most
    once a minute, so the expiry moves with activity without a session write on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            minute = int(time.time()) // 60
            if request.session.get("_active_minute") != minute:
                request.session["_active_minute"] = minute
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language with the switch (a cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language; an office PC set up in
    English would then show English pages to a clerk who never asked for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that has none yet.

    The policy has no nonces and no 'unsafe-inline': pages carry no inline script, style or event
    handler (tests/core/test_security.py scans the templates), htmx is a static file and is told not
    to inject its indicator style (base.html). A few lines instead of django-csp: one fixed policy
    for the whole site needs neither per-view decorators nor a nonce in every template.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        self.report_only = settings.CONTENT_SECURITY_POLICY_REPORT_ONLY

    def __call__(self, request):
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if self.report_only else "Content-Security-Policy"
        if self.policy and header not in response:
            response[header] = self.policy
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body exceeds REQUEST_MAX_BYTES with 413, before anything
    reads the body (CSRF's check and form parsing come later, in the view phase).

    The proxy has the same limit (deploy/nginx.conf); this one holds when gunicorn is reached
    directly. Per-file limits (workbooks, attachments) are checked by the code that reads them.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.limit = settings.REQUEST_MAX_BYTES

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > self.limit:
            return self._too_large(request)
        return self.get_response(request)

    def _too_large(self, request):
        from django.http import JsonResponse
        from django.shortcuts import render

        from core.api import _DEFAULT_CODES, _message_for

        if request.path.startswith("/api/"):
            body = {"status": 413, "code": _DEFAULT_CODES[413], "message": str(_message_for(413)), "fields": {}}
            return JsonResponse({"error": body}, status=413)
        limit = self.limit // (1024 * 1024)
        return render(request, "errors/413.html", {"limit_mb": limit}, status=413)
