"""The poor-village API: figures entered and corrected per year, a village from proposal to
announcement, and the refusals (scope, role, bad input, a step out of order)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from areas.models import VillageFigures
from identification.models import PoorVillageCase
from tests.identification.conftest import KONGXING

FIGURES = {"total_households": 420, "rural_registered_population": 1600, "poor_households": 96, "poor_people": 352}


def _url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_a_village_goes_from_its_figures_to_the_announcement_through_the_api(personas, campaign, api_for):
    clerk, reviewer = api_for(personas["village_clerk"]), api_for(personas["township_reviewer"])
    officer = api_for(personas["county_officer"])

    # given the clerk enters the figures and the reviewer corrects one
    entered = clerk.post(_url("village-figures-list"), {"village": KONGXING, "year": 2026, **FIGURES}, format="json")
    corrected = reviewer.patch(
        _url("village-figures-detail", pk=entered.json()["id"]), {"poor_people": 320}, format="json"
    )
    replaced = clerk.post(
        _url("village-figures-list"), {"village": KONGXING, "year": 2026, **FIGURES, "poor_people": 320}, format="json"
    )

    # when the township proposes, votes and publicizes, and the county announces
    proposed = reviewer.post(_url("village-case-list"), {"campaign": campaign.pk, "village": KONGXING}, format="json")
    case_id = proposed.json()["id"]
    vote = {"meeting_date": _day(20), "representatives": 45, "present": 40, "votes_for": 33, "votes_against": 5}
    voted = reviewer.post(_url("village-case-vote", pk=case_id), vote, format="json")
    posted = reviewer.post(
        _url("village-case-publicity", pk=case_id), {"starts_on": _day(15), "posted_place": "乡政府"}, format="json"
    )
    concluded = reviewer.post(_url("village-case-conclude", pk=case_id))
    announced = officer.post(
        _url("village-case-announce"), {"campaign": campaign.pk, "case_ids": [case_id]}, format="json"
    )
    listed = officer.get(_url("village-case-list"), {"campaign": campaign.pk, "state": "announced"})

    # then
    assert entered.status_code == 201 and entered.json()["incidence"] == "0.2200"
    assert corrected.status_code == 200 and corrected.json()["poor_people"] == 320
    assert corrected.json()["total_households"] == 420  # the others stay
    assert replaced.status_code == 200 and replaced.json()["id"] == entered.json()["id"]
    assert proposed.status_code == 201 and proposed.json()["figures"]["poor_people"] == 320
    assert [voted.status_code, posted.status_code, concluded.status_code] == [200, 200, 200]
    assert announced.status_code == 200 and announced.json()[0]["state"] == "announced"
    assert [row["id"] for row in listed.json()["results"]] == [case_id]


def test_the_village_api_refuses_out_of_scope_wrong_role_bad_input_and_steps_out_of_order(personas, campaign, api_for):
    # given figures of 孔兴村 and its proposal
    clerk = api_for(personas["village_clerk"])
    figures_id = clerk.post(
        _url("village-figures-list"), {"village": KONGXING, "year": 2026, **FIGURES}, format="json"
    ).json()["id"]
    reviewer = api_for(personas["township_reviewer"])
    case_id = reviewer.post(
        _url("village-case-list"), {"campaign": campaign.pk, "village": KONGXING}, format="json"
    ).json()["id"]

    # when others try
    charlie_reads = api_for(personas["charlie"]).get(_url("village-figures-detail", pk=figures_id))
    charlie_writes = api_for(personas["charlie"]).patch(
        _url("village-figures-detail", pk=figures_id), {"poor_people": 1}, format="json"
    )
    inspector = api_for(personas["city_inspector"]).patch(
        _url("village-figures-detail", pk=figures_id), {"poor_people": 1}, format="json"
    )
    too_many = clerk.patch(_url("village-figures-detail", pk=figures_id), {"poor_people": 99999}, format="json")
    negative = clerk.patch(_url("village-figures-detail", pk=figures_id), {"poor_people": -1}, format="json")
    clerk_votes = clerk.post(
        _url("village-case-vote", pk=case_id),
        {"meeting_date": _day(1), "representatives": 45, "present": 40, "votes_for": 33, "votes_against": 5},
        format="json",
    )
    early_announce = api_for(personas["county_officer"]).post(
        _url("village-case-announce"), {"campaign": campaign.pk, "case_ids": [case_id]}, format="json"
    )
    anonymous = api_for(None).get(_url("village-case-list"))

    # then
    assert (charlie_reads.status_code, charlie_writes.status_code, inspector.status_code) == (404, 404, 403)
    assert too_many.status_code == 400 and too_many.json()["error"]["fields"]
    assert negative.status_code == 400
    assert clerk_votes.status_code == 403
    assert early_announce.status_code == 400 and early_announce.json()["error"]["code"] == "wrong_step"
    assert anonymous.status_code == 401
    assert VillageFigures.objects.get(pk=figures_id).poor_people == 352
    assert PoorVillageCase.objects.get(pk=case_id).state == "proposed"
