"""The exit work queues on each role's home page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exits.exit_queues import exit_work_for
from tests.exits.exit.conftest import YEAR, walk

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
    user = personas["township_reviewer"]
    exit_work_for(user)  # the user's grants are read once per request, before
    with django_assert_max_num_queries(3):
        exit_work_for(user)
