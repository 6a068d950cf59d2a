"""The exit work queues on each role's home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exits.exit_queues import exit_work_for
from exits.exit_services import record_city_filing
from tests.exits.exit.conftest import DAY, YEAR, conclude_notice, post_notice, walk

pytestmark = pytest.mark.django_db


def test_each_role_sees_what_waits_for_it(personas, proposed):
    clerk = [(item["label"], item["count"]) for item in exit_work_for(personas["village_clerk"])]
    assert [(str(label), count) for label, count in clerk] == [("待年底村民代表大会评议的退出户", 1)]
    assert exit_work_for(personas["county_officer"]) == []
    assert exit_work_for(personas["charlie"]) == []

    walk(proposed, personas["superuser"], "township_reviewed")
    officer = exit_work_for(personas["county_officer"])
    assert [(str(item["label"]), item["count"], item["year"]) for item in officer] == [("待县审定的退出户", 1, YEAR)]


def test_the_home_page_shows_the_exit_queue_in_a_fixed_number_of_queries(
    personas, proposed, client_for, django_assert_max_num_queries
):
    client = client_for(personas["village_clerk"])
    with django_assert_max_num_queries(20):
        text = client.get(reverse("home")).content.decode()
    assert "待您办理的退出事项" in text
    assert "待年底村民代表大会评议的退出户" in text


def test_the_queue_stays_at_three_queries(personas, proposed, django_assert_max_num_queries):
    walk(proposed, personas["superuser"], "publicized")
    user = personas["township_reviewer"]
    exit_work_for(user)  # the user's grants are read once per request, before
    with django_assert_max_num_queries(3):
        queue = exit_work_for(user)
    assert [(str(item["label"]), item["count"], item["year"]) for item in queue] == [("待乡镇审核的退出户", 1, YEAR)]


def test_village_and_county_exits_wait_on_their_incidence_pages(personas):
    from areas.models import VillageFigures
    from exits import exit_areas

    VillageFigures.objects.create(
        village_id="530921201200", year=YEAR, total_households=10, total_population=40,
        rural_registered_population=40, safe_water_households=10, asphalt_road_to_township=True,
        has_clinic=True, collective_income=1000,
    )  # fmt: skip
    exit_areas.propose_village(actor=personas["township_reviewer"], village_code="530921201200", year=YEAR)

    items = exit_work_for(personas["township_reviewer"])

    assert [(str(i["label"]), i["count"], i["url"]) for i in items] == [
        ("贫困村退出：乡镇拟退出", 1, reverse("exit:incidence", args=["530921201000"]) + f"?year={YEAR}")
    ]


def test_the_city_then_the_province_find_the_filing_on_their_home(personas, proposed, client_for):
    # given: announced, nothing yet for the province
    case = walk(proposed, personas["superuser"], "announced")
    assert exit_work_for(personas["province_officer"]) == []
    city = client_for(personas["city_inspector"]).get(reverse("home")).content.decode()
    assert "待市级备案的退出户" in city

    # when the city has filed
    record_city_filing(actor=personas["city_inspector"], case_id=case.pk, filed_on=DAY)

    # then the province's home shows it, and the city's no longer
    province = client_for(personas["province_officer"]).get(reverse("home")).content.decode()
    assert "待省级备案的退出户" in province
    assert "待市级备案的退出户" not in client_for(personas["city_inspector"]).get(reverse("home")).content.decode()


def test_the_identification_queue_shows_an_exit_only_while_it_waits_for_its_notice(personas, proposed):
    from identification.queues import work_for

    def exit_items():
        return [item for item in work_for(personas["township_reviewer"]) if "脱贫退出" in item["campaign"]]

    case = walk(proposed, personas["superuser"], "acknowledged")
    assert [(item["key"], item["count"]) for item in exit_items()] == [("home_checked", 1)]

    # posted and concluded: the proxy rests at "first publicized", which is no identification work
    conclude_notice(personas["superuser"], post_notice(personas["superuser"], case))
    assert exit_items() == []
