"""The content security policy in the browser on pages the journeys do not visit: the API docs
(Swagger UI, served locally) and the admin. The `watched` fixture fails the test on any violation."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_under_the_policy(watched, personas):
    page = watched.new_page()
    watched.login(page, "county_officer_user", PASSWORD)
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")  # the schema was fetched and drawn
    watched.shot(page, "api-docs")


def test_the_admin_renders_under_the_policy(watched, personas):
    page = watched.new_page()
    watched.login(page, "root", PASSWORD)
    page.goto("/admin/")
    page.wait_for_selector("#content")
    page.goto("/admin/auth/user/")
    page.wait_for_selector("#result_list")
    watched.shot(page, "admin")


def test_the_language_switch_works_without_inline_script(watched, personas):
    """The switch submits on change through static/js/app.js (no inline handler under the policy)."""
    page = watched.new_page()
    watched.login(page, "village_clerk_user", PASSWORD)
    page.goto("/households/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("#language", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/households/")
