"""Browser journeys in Chromium (Debian's package) driven by Playwright, against pytest-django's
live server (a thread of this process, on the test database: SQLite, or PostgreSQL with DATABASE_URL).

One browser for the whole session, a fresh context (cookies, storage) per test. Every page records
the content-security-policy violations and console errors it meets; a test fails on any of them.
Screenshots go to tests/e2e/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.identification.conftest import campaign  # noqa: F401 (the identification journeys' fixture)

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = shutil.which("chromium")

# Runs in every page before its own scripts: CSP violations are collected where the test can read them.
_WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCsp(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + location.pathname);
});
"""


def pytest_collection_modifyitems(config, items):
    """Without chromium or playwright (a developer's machine) the journeys skip with the reason;
    CI installs both, and FAIL_ON_SKIP=1 turns any skip into a failure there."""
    reason = None
    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium fonts-noto-cjk; .ci/run does it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[test]')"
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API runs, an asyncio loop sits in the main thread and Django refuses
    # the tests' own synchronous database calls (and the flush after each test). Set for the
    # browser's lifetime only; subprocesses started by tests (`check --deploy`) leave it out.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Watched:
    """A browser context whose pages report CSP violations and console errors, with helpers the
    journeys share (log in, screenshot)."""

    def __init__(self, browser, base_url: str, name: str):
        self.base_url = base_url
        self.name = name
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.csp_violations: list[str] = []
        self.console_errors: list[str] = []
        self.context.expose_function("__reportCsp", lambda text: self.csp_violations.append(text))
        self.context.add_init_script(_WATCH_CSP)
        self.pages = []
        self.shots = 0

    def new_page(self):
        page = self.context.new_page()
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        self.pages.append(page)
        return page

    def _console(self, message) -> None:
        # 404 pages the journey asks for on purpose log "Failed to load resource"; everything else counts.
        if message.type == "error" and "status of 404" not in message.text:
            self.console_errors.append(message.text)

    def login(self, page, username: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    def shot(self, page, label: str) -> Path:
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def violations(self) -> list[str]:
        return self.csp_violations + [text for text in self.console_errors if "Content Security Policy" in text]


@pytest.fixture
def watched(browser, live_server, request):
    """A fresh browser context on the live server; after the test, no CSP violation and no console
    error may have happened on any of its pages."""
    context = Watched(browser, live_server.url, request.node.name.removeprefix("test_")[:60])
    yield context
    violations, errors = context.violations(), list(context.console_errors)
    context.context.close()
    assert violations == [], f"content security policy violations: {violations}"
    assert errors == [], f"console errors: {errors}"


# --- printing on A4 (the journeys and tests/e2e/test_print.py) ---

A4_WIDTH_PX = 794  # 210 mm at 96 dpi


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (each page object is '/Type /Page', the tree is '/Type /Pages')."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def assert_fits_a4(page) -> None:
    """With print media on an A4-wide viewport, no table is wider than its container, the page
    does not scroll sideways, and the screen-only navigation is hidden."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    widths = page.evaluate(
        "() => [...document.querySelectorAll('table')].map(t => [t.scrollWidth, t.parentElement.clientWidth])"
    )
    assert widths, "the printed page has tables"
    clipped = [pair for pair in widths if pair[0] > pair[1]]
    assert clipped == [], f"tables wider than their sheet: {clipped}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= A4_WIDTH_PX
    assert page.evaluate("() => getComputedStyle(document.querySelector('.screen-only')).display") == "none"
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})
