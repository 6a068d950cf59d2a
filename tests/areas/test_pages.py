"""Area pages: what each role sees, and a fixed number of queries whatever the size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from areas.models import Area
from tests.conftest import count_page_queries


def _queries(client, url) -> tuple[int, str]:
    """The page's query count and its text (so a test also sees that the page shows its rows)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return count_page_queries(queries), response.content.decode()


def test_area_detail_queries_do_not_grow_with_the_number_of_villages(personas, client_for):
    client = client_for(personas["county_officer"])
    url = reverse("areas:area_detail", kwargs={"code": "530921201000"})
    few, few_page = _queries(client, url)
    Area.objects.bulk_create(
        Area(code=f"530921201{300 + n}", name=f"新村{n}", level="village", parent_id="530921201000") for n in range(120)
    )
    many, many_page = _queries(client, url)
    assert few == many <= 10
    assert "孔兴村" in few_page and "新村0" not in few_page
    assert "孔兴村" in many_page and "新村0" in many_page


def test_area_list_and_home_stay_within_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas["township_reviewer"])
    listed, listing = _queries(client, reverse("areas:area_list"))
    # the home page gathers every app's work queue (identification, poor villages, assistance,
    # monitoring, review), each a fixed number of aggregate queries tested with its app
    home, home_page = _queries(client, reverse("home"))
    searched, found = _queries(client, reverse("areas:area_list") + "?q=村")
    assert listed <= 10 and home <= 15 and searched <= 10
    assert "诗礼乡" in listing and "孔兴村" in found
    assert reverse("reporting:dashboard", kwargs={"code": "530921201000"}) in home_page


def test_the_people_page_queries_do_not_grow_with_people(personas, client_for):
    from tests.conftest import make_user

    client = client_for(personas["county_officer"])
    url = reverse("areas:person_list")
    few, _page = _queries(client, url)
    for n in range(15):
        make_user(f"clerk{n}", "village_clerk", "530921201200")
    many, page = _queries(client, url)
    assert many == few <= 10
    assert "clerk0" in page and "clerk14" in page


def test_the_clerk_sees_the_village_and_not_the_add_buttons(personas, client_for):
    response = client_for(personas["village_clerk"]).get(reverse("areas:area_detail", kwargs={"code": "530921201200"}))
    body = response.content.decode()
    assert "孔兴村" in body
    assert "一组" in body
    assert reverse("areas:area_add", kwargs={"code": "530921201200"}) not in body


def test_adding_a_village_in_the_browser_shows_the_error_next_to_the_field(personas, client_for):
    response = client_for(personas["county_officer"]).post(
        reverse("areas:area_add", kwargs={"code": "530921201000"}), {"code": "53092120", "name": "新村"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
