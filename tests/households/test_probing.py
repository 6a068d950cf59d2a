"""Defects of the household registry found by probing the running application: who may export
the list, what a duplicate ID number tells outside one's areas, how often the live check answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import ObjectChange

# --- exports need the export action ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_village_clerk_may_not_export_the_list(personas, client_for, saved_household, fmt):
    client = client_for(personas["village_clerk"])

    response = client.get(reverse("households:household_export", kwargs={"fmt": fmt}))

    assert response.status_code == 403
    assert not ObjectChange.objects.filter(action="export").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_county_officer_still_exports_the_list(personas, client_for, saved_household, fmt):
    client = client_for(personas["county_officer"])

    response = client.get(reverse("households:household_export", kwargs={"fmt": fmt}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK" if fmt == "xlsx" else "\ufeff户编号".encode())
    assert ObjectChange.objects.filter(action="export").count() == 1


def test_the_list_offers_export_only_to_a_role_holding_it(personas, client_for, saved_household):
    export_url = reverse("households:household_export", kwargs={"fmt": "csv"})

    clerk_page = client_for(personas["village_clerk"]).get(reverse("households:household_list"))
    officer_page = client_for(personas["county_officer"]).get(reverse("households:household_list"))

    assert export_url not in clerk_page.content.decode()
    assert export_url in officer_page.content.decode()
