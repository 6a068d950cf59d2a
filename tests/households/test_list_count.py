"""The household list's count over large scopes: exact for a county or smaller, PostgreSQL's
estimate ("约 N 户") above it, the exact count on request (docs/performance.md)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Household
from households.views import PAGE_SIZE
from tests.conftest import count_page_queries

VILLAGES = ["530921201200", "530921201201", "530921202200", "530922100200"]


def _households(count: int, start: int = 0) -> None:
    Household.objects.bulk_create(
        Household(
            household_no=f"{VILLAGES[n % 4]}{n:04d}", village_id=VILLAGES[n % 4], survey_year=2020, head_name=f"杨{n}"
        )
        for n in range(start, start + count)
    )


def _list(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("households:household_list"), params)
    assert response.status_code == 200
    return response, captured


def _counted(captured) -> bool:
    return any("COUNT(" in query["sql"].upper() for query in captured)


@pytest.mark.django_db
def test_a_county_officer_gets_the_exact_count(personas, client_for):
    _households(PAGE_SIZE + 5)
    response, captured = _list(client_for(personas["county_officer"]))
    page = response.context["page"]
    assert not getattr(page.paginator, "estimated", False)
    # 凤庆县 holds three of the four villages
    exact = Household.objects.filter(village__code__startswith="530921").count()
    assert page.paginator.count == exact
    assert f"共 {exact} 条" in response.content.decode()
    assert "估算" not in response.content.decode()
    assert _counted(captured)


@pytest.mark.django_db
def test_a_province_list_narrowed_to_a_county_counts_exactly(personas, client_for):
    _households(PAGE_SIZE + 5)
    response, _captured = _list(client_for(personas["superuser"]), village="530921")
    assert not getattr(response.context["page"].paginator, "estimated", False)
    assert "估算" not in response.content.decode()


@pytest.mark.django_db
def test_without_postgresql_a_large_scope_is_counted_exactly(personas, client_for, monkeypatch):
    # the list asks the connection which database it is (no planner estimate without PostgreSQL);
    # on PostgreSQL (CI) it is told SQLite, so the fallback runs on both
    monkeypatch.setattr(connection, "vendor", "sqlite")
    _households(PAGE_SIZE + 5)
    response, _captured = _list(client_for(personas["province_officer"]))
    assert response.context["page"].paginator.count == PAGE_SIZE + 5
    assert "估算" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize("role", ["superuser", "province_officer"])
def test_a_province_wide_list_shows_an_estimate_and_never_counts(personas, client_for, role):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's planner's")
    client = client_for(personas[role])
    _households(3)
    few_response, few = _list(client)
    _households(3 * PAGE_SIZE, start=3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_household")  # the statistics the estimate reads
    response, many = _list(client)

    page = response.context["page"]
    assert page.paginator.estimated
    assert not _counted(many)
    # 3 rows on the page, then 50: the same queries (no query per row), plus the one EXPLAIN that
    # replaces the count (a short first page needs neither)
    assert count_page_queries(many) == count_page_queries(few) + 1 <= 10
    body = response.content.decode()
    assert "约 " in body and "估算数" in body and "精确计数" in body
    assert page.has_next() and len(page) == PAGE_SIZE
    # the estimate is the table's statistics: close to the rows there are
    assert abs(page.paginator.count - (3 + 3 * PAGE_SIZE)) <= PAGE_SIZE

    # a short first page is the whole list: its count is exact without counting
    assert not few_response.context["page"].paginator.estimated
    assert few_response.context["page"].paginator.count == 3
    assert "估算" not in few_response.content.decode()


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_exact_count_on_request_and_pages_past_the_estimate(personas, client_for):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's planner's")
    client = client_for(personas["superuser"])
    _households(2 * PAGE_SIZE + 7)  # no ANALYZE: the statistics say nothing about these rows yet

    response, captured = _list(client, exact="1")
    assert _counted(captured)
    assert response.context["page"].paginator.count == 2 * PAGE_SIZE + 7
    assert f"共 {2 * PAGE_SIZE + 7} 条" in response.content.decode()

    # the last page ends the list: exact again, whatever the estimate said, and no "next"
    response, captured = _list(client, page="3")
    page = response.context["page"]
    assert page.number == 3 and len(page) == 7 and not page.has_next()
    assert page.paginator.count == 2 * PAGE_SIZE + 7 and not page.paginator.estimated
    assert not _counted(captured)

    # a page past the end is empty, not an error
    response, _captured = _list(client, page="9")
    assert len(response.context["page"]) == 0
    # a page that is not a number is the first
    response, _captured = _list(client, page="x")
    assert response.context["page"].number == 1 and len(response.context["page"]) == PAGE_SIZE
