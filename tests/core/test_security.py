"""Production hardening: a deploy check without warnings, a content security policy the pages live
with (no inline script or style anywhere), and error pages that show nothing of the error."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path, reverse

from core.logging import MaskPersonalDataFilter

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]

# What the policy refuses without 'unsafe-inline': <script> with a body, <style>, on* handlers, style="".
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
HTMX_EVAL = re.compile(r"\shx-on|js:|javascript:", re.IGNORECASE)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def test_no_template_has_inline_script_style_or_handler():
    offenders = []
    for template in _templates():
        # template comments are not sent to the browser
        text = TEMPLATE_COMMENT.sub("", template.read_text(encoding="utf-8"))
        for name, pattern in [
            ("inline script", INLINE_SCRIPT),
            ("inline style", INLINE_STYLE),
            ("event handler", EVENT_HANDLER),
            ("eval in htmx", HTMX_EVAL),
        ]:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{template.relative_to(ROOT)}:{line}: {name}")
    assert offenders == [], "move these to static/js or static/css (CSP forbids them):\n" + "\n".join(offenders)


def test_the_scan_would_catch_each_kind():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and not INLINE_SCRIPT.search('<script src="/a.js">')
    assert INLINE_STYLE.search('<p style="color:red">') and INLINE_STYLE.search("<style>p{}</style>")
    assert EVENT_HANDLER.search('<button onclick="x()">') and not EVENT_HANDLER.search("<button data-print>")
    assert HTMX_EVAL.search('<div hx-on:click="x">')


@pytest.mark.django_db
@pytest.mark.parametrize("url_case", ["login", "missing_page", "api_docs"])
def test_every_page_carries_the_policy(url_case, settings):
    url = {"login": reverse("login"), "missing_page": "/no-such-page/", "api_docs": reverse("api_docs")}[url_case]
    response = Client().get(url)
    policy = response["Content-Security-Policy"]
    assert policy == settings.CONTENT_SECURITY_POLICY
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_the_api_docs_serve_their_start_up_script_as_a_file():
    page = Client().get(reverse("api_docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html
    assert INLINE_SCRIPT.search(html) is None
    script = Client().get(reverse("api_docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _production_env() -> dict[str, str]:
    """The environment of a production start: DEBUG off, behind HTTPS, a real secret key."""
    unwanted = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unwanted}
    env.update(DEBUG="0", HTTPS="1", SECRET_KEY=os.urandom(40).hex(), DJANGO_SETTINGS_MODULE="config.settings")
    return env


def test_check_deploy_has_no_warning_in_production_settings():
    env = _production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_harden_cookies_transport_and_sessions():
    env = _production_env()
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_AGE, s.SECURE_REFERRER_POLICY, len(s.AUTH_PASSWORD_VALIDATORS))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "1800", "same-origin", "4"]


def test_the_proxy_limits_requests_to_what_the_app_accepts(settings):
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    megabytes = int(re.search(r"^\s*client_max_body_size (\d+)m;", nginx, re.MULTILINE).group(1))
    assert megabytes * 1024 * 1024 == settings.REQUEST_MAX_BYTES
    assert settings.REQUEST_MAX_BYTES > settings.UPLOAD_MAX_BYTES
    compose = (ROOT / "docker-compose.yml").read_text()
    assert f"UPLOAD_MAX_BYTES: ${{UPLOAD_MAX_BYTES:-{settings.UPLOAD_MAX_BYTES}}}" in compose


@pytest.mark.django_db
@pytest.mark.parametrize("where_case", ["page", "api"])
def test_a_request_larger_than_the_limit_is_refused_before_it_is_read(where_case, personas, client_for):
    client = client_for(personas["village_clerk"])
    client.raise_request_exception = True
    url = "/households/import/" if where_case == "page" else "/api/v1/households/"
    # a declared length over the limit; the body itself is never read, so a short one shows it
    response = client.generic("POST", url, b"x" * 10, CONTENT_TYPE="application/octet-stream",
                              CONTENT_LENGTH=str(21 * 1024 * 1024 + 1))  # fmt: skip
    assert response.status_code == 413
    if where_case == "api":
        assert response.json() == {
            "error": {"status": 413, "code": "too_large", "message": "上传的文件过大。", "fields": {}}
        }
    else:
        html = response.content.decode()
        assert "上传的文件过大。" in html and "一次最多可上传 21 MB。" in html


@pytest.mark.django_db
def test_a_request_within_the_limit_goes_through(personas, client_for):
    response = client_for(personas["village_clerk"]).generic(
        "POST", "/api/v1/households/", b"{}", CONTENT_TYPE="application/json", CONTENT_LENGTH="2"
    )
    assert response.status_code == 400  # reached the view: the village is missing


ID_NUMBER = "530921199001011234"


def _failing_view(request):
    raise ValueError(f"no member with 证件号码 {ID_NUMBER}")


urlpatterns = [path("boom/", _failing_view)]
handler500 = "core.views.server_error"


@pytest.mark.django_db
def test_a_server_error_shows_and_logs_nothing_of_the_id_number(settings, caplog):
    """An exception whose text carries an ID number: the page is the fixed one, and the log line
    written through the project's handler (with its masking filter) has the traceback masked."""
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器错误" in html
    assert ID_NUMBER not in html and "ValueError" not in html
    assert 'href="/static/css/error.css"' in html
    assert (ROOT / "static" / "css" / "error.css").exists()

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert ID_NUMBER in logging.Formatter().formatException(record.exc_info)  # the raw traceback has it
    MaskPersonalDataFilter().filter(record)
    written = logging.Formatter("%(message)s").format(record)
    assert "ValueError" in written
    assert ID_NUMBER not in written


def test_the_console_handler_masks_tracebacks(settings):
    handler_filters = settings.LOGGING["handlers"]["console"]["filters"]
    assert handler_filters == ["mask_personal_data"]
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise KeyError(ID_NUMBER)
    except KeyError:
        record.exc_info = sys.exc_info()
    MaskPersonalDataFilter().filter(record)
    assert ID_NUMBER not in logging.Formatter().format(record)
