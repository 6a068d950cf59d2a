"""Natural changes (births, deaths, marriages, moves) recorded on members through the household
service, by page and API, and counted in the review report."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from exits import frozen, review
from households.idnumbers import build_id_number
from households.models import Household, Member
from tests.exits.review.conftest import COUNTY, YEAR, in_status

pytestmark = pytest.mark.django_db


def test_a_birth_on_the_page_joins_the_household_and_counts_in_the_report(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    number = build_id_number("530921", timezone.localdate() - datetime.timedelta(days=3), 77)

    page = client_for(personas["village_clerk"]).get(reverse("exits_review:household_natural", args=[household.pk]))
    response = client_for(personas["village_clerk"]).post(
        reverse("exits_review:household_natural", args=[household.pk]),
        {"version": str(household.version), "kind": "birth", "name": "杨小宝", "id_number": number, "relation": "07"},
    )

    assert "户 5309212012000001（杨大山）的自然变更" in page.content.decode()
    assert response.status_code == 302
    baby = Member.objects.get(id_number=number)
    assert (baby.is_active, baby.change_reason, baby.household_id) == (True, "06", household.pk)
    assert Household.objects.get(pk=household.pk).household_size == 5
    assert review.report(campaign).natural["births"] == 1


def test_a_death_through_the_api_and_a_stale_version(personas, api_for, campaign):
    household = in_status(personas, 1, "registered")
    member = household.members.order_by("position").last()
    url = reverse("api:exits-household-natural-change", args=[household.pk])
    api = api_for(personas["village_clerk"])

    done = api.post(url, {"version": household.version, "kind": "death", "member": member.pk}, format="json")
    stale = api.post(url, {"version": household.version, "kind": "married_out", "member": member.pk}, format="json")

    assert done.status_code == 201 and done.json()["household_size"] == 3
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    member.refresh_from_db()
    assert (member.is_active, member.change_reason) == (False, "01")
    assert review.report(campaign).natural["deaths"] == 1


def test_bad_input_is_refused_and_nothing_changes(personas, client_for, api_for):
    household = in_status(personas, 1, "registered")
    url = reverse("exits_review:household_natural", args=[household.pk])

    bad_id = client_for(personas["village_clerk"]).post(
        url,
        {"version": str(household.version), "kind": "birth", "name": "杨小宝", "id_number": "123", "relation": "07"},
    )
    nobody_leaves = api_for(personas["village_clerk"]).post(
        reverse("api:exits-household-natural-change", args=[household.pk]),
        {"version": household.version, "kind": "death"},
        format="json",
    )
    officer = client_for(personas["county_officer"]).get(url)
    charlie = client_for(personas["charlie"]).get(url)

    assert bad_id.status_code == 200 and "表单有 1 处错误，未保存任何数据。" in bad_id.content.decode()
    assert nobody_leaves.json()["error"]["code"] == "member_required"
    assert (officer.status_code, charlie.status_code) == (403, 404)
    assert Member.objects.filter(household=household, is_active=True).count() == 4


def test_no_natural_change_in_a_frozen_year(personas):
    household = in_status(personas, 1, "registered")
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)

    with pytest.raises(ServiceError) as refused:
        review.record_natural_change(
            actor=personas["village_clerk"], household_id=household.pk, version=household.version, kind="death",
            member_id=household.members.order_by("position").last().pk,
        )  # fmt: skip

    assert refused.value.code == "frozen_year"
