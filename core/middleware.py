"""Per-request context: a request id that ties log lines and audit rows of one request together."""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar

__all__ = [
    "BadRequestMiddleware",
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


class BadRequestMiddleware:
    """Answers 400 for a crafted request, in the page's or the API's form, never a server error.

    - A NUL byte in the path, or in a key or value of the query string or of a form body, is
      refused before any view runs: no field of the application takes one, PostgreSQL refuses it
      in text, and one check here covers every parameter of every page and endpoint (a JSON body
      is checked by the API's parser, core.parsers.JSONParser). Reading the form body here is what
      CSRF's check does next anyway; an upload is within REQUEST_MAX_BYTES by then (the middleware
      before this one).
    - A parameter a view refused through core.params (``InvalidParameter``) becomes the 400 page
      with the reason, or the API's error shape outside DRF's own views.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import RawPostDataException
        from django.utils.translation import gettext as _

        from core.params import InvalidParameter, has_nul

        field = "path" if has_nul(request.path) else _nul_in(request.GET)
        if field is None and request.method == "POST":
            try:
                field = _nul_in(request.POST)
            except RawPostDataException:  # the body was read as a stream already
                field = None
        if field is not None:
            message = _("The request contains a NUL character, which no field accepts.")
            return bad_request_response(request, InvalidParameter(field, message))
        return self.get_response(request)

    def process_exception(self, request, exception):
        from core.params import InvalidParameter

        if isinstance(exception, InvalidParameter):
            return bad_request_response(request, exception)
        return None


def _nul_in(data) -> str | None:
    """The name of the first parameter with a NUL byte in its name or a value, or None."""
    from core.params import has_nul

    for key, values in data.lists():
        if has_nul(key):
            return key.replace("\x00", "")
        if any(has_nul(value) for value in values):
            return key
    return None


def bad_request_response(request, error):
    """400 for a refused parameter: the API's error shape under /api/, the 400 page otherwise."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        body = {"status": 400, "code": error.code, "message": str(error.message), "fields": {}}
        if error.field:
            body["fields"] = {error.field: [str(error.message)]}
        return JsonResponse({"error": body}, status=400)
    return render(request, "errors/400.html", {"message": error.message}, status=400)
