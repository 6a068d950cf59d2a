"""Matrix entries of poor-village identification and of villages' yearly figures, pages and API
(see routes.py for the fields of Route, routes_identification_api.py for target kinds).

A poor-village case, or a village's figures, is seen by the roles whose area contains the
village; the list pages are seen as their campaign is. Proposals and announcements name their
villages in the body: the services answer 404 for a village out of scope, 403 without the action.
"""

from __future__ import annotations

import datetime

from areas.choices import Action, Level
from tests.matrix.routes import Route
from tests.matrix.routes_identification_api import TargetKind, _campaign, _sees_campaign

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

_FIGURES = {"total_households": 300, "rural_registered_population": 1000, "poor_households": 40, "poor_people": 150}


def _with_figures(village: str, personas):
    """A campaign of the village's county, the village's figures for its year entered."""
    from identification import villages

    campaign = _campaign(village, personas)
    villages.record_village_figures(actor=personas["superuser"], village_code=village, year=2026, values=_FIGURES)
    campaign.village_code = village
    return campaign


def _village_case(state: str):
    def build(village: str, personas):
        from django.utils import timezone

        from identification import villages
        from identification.services import Vote

        actor = personas["superuser"]
        campaign = _with_figures(village, personas)
        case = villages.propose_poor_village(actor=actor, campaign_id=campaign.pk, village_code=village)
        if state == "proposed":
            return case
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        villages.record_cadre_vote(actor=actor, case_id=case.pk, meeting_date=yesterday, vote=Vote(45, 40, 33, 5))
        if state == "appraised":
            return case
        villages.post_village_publicity(
            actor=actor, case_id=case.pk, starts_on=yesterday - datetime.timedelta(days=30), posted_place="乡政府"
        )
        if state == "in_publicity":
            return case
        return villages.conclude_village_publicity(actor=actor, case_id=case.pk)

    return build


def _figures(village: str, personas):
    from areas.models import VillageFigures

    _with_figures(village, personas)
    return VillageFigures.objects.get(village_id=village, year=2026)


TARGETS: dict[str, TargetKind] = {
    "village_campaign": TargetKind(lambda village, personas: _with_figures(village, personas), _sees_campaign),
    "village_proposal": TargetKind(_with_figures),
    "village_figures": TargetKind(_figures),
    **{
        f"village_case@{state}": TargetKind(_village_case(state))
        for state in ("proposed", "appraised", "in_publicity", "publicized")
    },
}


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _page_figures() -> dict:
    """Every figure of the page's form (each is required there), the booleans left unticked."""
    from areas.models import VillageFigures
    from identification.villages import FIGURE_FIELDS

    numbers = {
        name: 0
        for name in FIGURE_FIELDS
        if VillageFigures._meta.get_field(name).get_internal_type() not in ("BooleanField", "CharField")
    }
    return {**numbers, **_FIGURES}


_VOTE = {"representatives": 45, "present": 40, "votes_for": 33, "votes_against": 5}
_RECORDERS = (Action.CAPTURE, Action.REVIEW)

ROUTES: list[Route] = [
    # pages
    Route("identification:village_list", target="village_campaign", kwargs=_pk),
    *(
        Route(
            "identification:village_notice_print",
            target="village_campaign",
            kwargs=lambda campaign, kind=kind: {"pk": campaign.pk, "kind": kind},
        )
        for kind in ("publicity", "announcement")
    ),
    Route(
        "identification:village_propose",
        method="post",
        action=(Action.REVIEW, Action.APPROVE),
        target="village_proposal",
        kwargs=_pk,
        data=lambda campaign: {"villages": [campaign.village_code]},
        success=(302,),
    ),
    Route("identification:village_case_detail", target="village_case@proposed", kwargs=_pk),
    Route(
        "identification:village_case_vote",
        method="post",
        action=Action.REVIEW,
        target="village_case@proposed",
        kwargs=_pk,
        data=lambda case: {"meeting_date": _yesterday(), **_VOTE},
        success=(302,),
    ),
    Route(
        "identification:village_case_publicity",
        method="post",
        action=Action.REVIEW,
        target="village_case@appraised",
        kwargs=_pk,
        data=lambda case: {"starts_on": _yesterday(), "posted_place": "乡政府公示栏"},
        success=(302,),
    ),
    Route(
        "identification:village_case_conclude",
        method="post",
        action=Action.REVIEW,
        target="village_case@in_publicity",
        kwargs=_pk,
        success=(302,),
    ),
    Route(
        "identification:village_announce",
        method="post",
        action=Action.APPROVE,
        target="village_case@publicized",
        kwargs=lambda case: {"pk": case.campaign_id},
        data=lambda case: {"cases": [case.pk]},
        success=(302,),
    ),
    Route(
        "identification:village_figures",
        target="area",
        levels=(Level.VILLAGE,),
        kwargs=lambda area: {"code": area.code, "year": 2026},
    ),
    Route(
        "identification:village_figures",
        method="post",
        action=_RECORDERS,
        target="area",
        levels=(Level.VILLAGE,),
        kwargs=lambda area: {"code": area.code, "year": 2026},
        data=lambda area: _page_figures(),
        success=(302,),
    ),
    # API
    Route("api:village-figures-list", api=True),
    Route(
        "api:village-figures-list",
        method="post",
        api=True,
        action=_RECORDERS,
        target="area",
        levels=(Level.VILLAGE,),
        data=lambda area: {"village": area.code, "year": 2026, **_FIGURES},
        success=(201,),
    ),
    Route("api:village-figures-detail", api=True, target="village_figures", kwargs=_pk),
    Route(
        "api:village-figures-detail",
        method="patch",
        api=True,
        action=_RECORDERS,
        target="village_figures",
        kwargs=_pk,
        data=lambda figures: {"poor_people": 120},
    ),
    Route("api:village-case-list", api=True),
    Route(
        "api:village-case-list",
        method="post",
        api=True,
        action=(Action.REVIEW, Action.APPROVE),
        target="village_proposal",
        data=lambda campaign: {"campaign": campaign.pk, "village": campaign.village_code},
        success=(201,),
    ),
    Route("api:village-case-detail", api=True, target="village_case@proposed", kwargs=_pk),
    Route(
        "api:village-case-vote",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="village_case@proposed",
        kwargs=_pk,
        data=lambda case: {"meeting_date": _yesterday(), **_VOTE},
    ),
    Route(
        "api:village-case-publicity",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="village_case@appraised",
        kwargs=_pk,
        data=lambda case: {"starts_on": _yesterday(), "posted_place": "乡政府公示栏"},
    ),
    Route(
        "api:village-case-conclude",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="village_case@in_publicity",
        kwargs=_pk,
    ),
    Route(
        "api:village-case-announce",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="village_case@publicized",
        data=lambda case: {"campaign": case.campaign_id, "case_ids": [case.pk]},
    ),
]

EXEMPT: dict[str, str] = {}
