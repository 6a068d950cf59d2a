"""Poor villages: figures, the cadres' vote, one publicity, one announcement."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import ServiceError
from identification import villages
from identification.models import PoorVillageCase
from identification.services import Vote
from tests.identification.conftest import KONGXING, YESTERDAY

FIGURES = {
    "total_households": 420,
    "total_population": 1650,
    "rural_registered_population": 1600,
    "poor_households": 96,
    "poor_people": 352,
}


def test_a_poor_village_is_appraised_publicized_once_and_announced(personas, campaign):
    reviewer, officer = personas["township_reviewer"], personas["county_officer"]
    figures = villages.record_village_figures(
        actor=personas["village_clerk"], village_code=KONGXING, year=2026, values=FIGURES
    )
    case = villages.propose_poor_village(actor=reviewer, campaign_id=campaign.pk, village_code=KONGXING)
    villages.record_cadre_vote(actor=reviewer, case_id=case.pk, meeting_date=YESTERDAY(), vote=Vote(45, 40, 33, 5))
    villages.post_village_publicity(
        actor=reviewer, case_id=case.pk, starts_on=datetime.date(2026, 4, 1), posted_place="乡政府公示栏"
    )
    with pytest.raises(ServiceError) as early:
        villages.conclude_village_publicity(actor=reviewer, case_id=case.pk, today=datetime.date(2026, 4, 7))
    villages.conclude_village_publicity(actor=reviewer, case_id=case.pk, today=datetime.date(2026, 4, 8))
    villages.announce_poor_villages(actor=officer, campaign_id=campaign.pk, case_ids=[case.pk])

    case.refresh_from_db()
    assert str(figures.incidence) == "0.2200"
    assert early.value.code == "too_early"
    assert case.state == "announced"
    assert case.figures["incidence"] == "0.2200"
    assert case.vote["votes_for"] == 33


def test_a_village_needs_its_figures_and_the_right_role(personas, campaign):
    with pytest.raises(ServiceError) as no_figures:
        villages.propose_poor_village(
            actor=personas["township_reviewer"], campaign_id=campaign.pk, village_code=KONGXING
        )
    with pytest.raises(PermissionDenied):
        villages.record_village_figures(
            actor=personas["city_inspector"], village_code=KONGXING, year=2026, values=FIGURES
        )
    with pytest.raises(Http404):
        villages.record_village_figures(actor=personas["charlie"], village_code=KONGXING, year=2026, values=FIGURES)
    assert no_figures.value.code == "no_figures"


def test_more_poor_people_than_population_is_refused(personas):
    with pytest.raises(ServiceError) as refused:
        villages.record_village_figures(
            actor=personas["village_clerk"], village_code=KONGXING, year=2026, values={**FIGURES, "poor_people": 2000}
        )
    assert (refused.value.code, refused.value.field) == ("above_population", "poor_people")


def test_a_failed_vote_closes_the_case(personas, campaign):
    villages.record_village_figures(actor=personas["village_clerk"], village_code=KONGXING, year=2026, values=FIGURES)
    case = villages.propose_poor_village(
        actor=personas["township_reviewer"], campaign_id=campaign.pk, village_code=KONGXING
    )
    villages.record_cadre_vote(
        actor=personas["township_reviewer"], case_id=case.pk, meeting_date=YESTERDAY(), vote=Vote(45, 40, 15, 20)
    )
    assert PoorVillageCase.objects.get(pk=case.pk).state == "rejected"
