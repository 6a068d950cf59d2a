"""Matrix entries of the yearly review, the status procedures and frozen years, pages and API (see
routes.py for the fields of Route).

Target kinds of their own (the pick/build/expected interface of routes_assistance.AssistanceTarget),
built as the superuser through the services in a village picked like a household's:

- ``review_campaign``: the county's review of this year; seen by those who work in the county;
- ``review_household@<status>``: a submitted household of four in that status, with the county's
  review as ``campaign``; seen by the roles whose area contains the village;
- ``review_result@<state>``: a form of that household at that state (``approved``: a missed
  household waiting for its case, with an identification campaign of the county as
  ``id_campaign``).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from areas.choices import Action, Level
from tests.matrix.routes import Route
from tests.matrix.routes_assistance import AssistanceTarget, _works_in_county

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

YEAR = timezone.localdate().year
SIGNATURES = {role: {"name": "签字", "date": "2026-10-01"} for role in ("head", "surveyor", "team_leader", "deputy")}


def _campaign(village: str, personas):
    from exits import review
    from exits.models import ReviewCampaign

    existing = ReviewCampaign.objects.filter(county_id=village[:6] + "000000", year=YEAR).first()
    if existing:
        return existing
    today = timezone.localdate()
    return review.open_review(
        actor=personas["superuser"], county_code=village[:6] + "000000", year=YEAR, title="动态管理",
        opens_on=today - datetime.timedelta(days=5), deadline=today + datetime.timedelta(days=30),
    )  # fmt: skip


def _household(status: str):
    def build(village: str, personas):
        from households.models import Household
        from households.services import save_household
        from tests.households.conftest import family_of_four, household_input

        household = save_household(
            actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(),
            submit=True,
        ).household  # fmt: skip
        Household.objects.filter(pk=household.pk).update(status=status)
        household.refresh_from_db()
        household.campaign = _campaign(village, personas)
        return household

    return build


def _result(state: str):
    def build(village: str, personas):
        from exits import review
        from identification import services as identification

        actor = personas["superuser"]
        missed = state == "approved"
        household = _household("applicant" if missed else "registered")(village, personas)
        result = review.record_result(
            actor=actor, campaign_id=household.campaign.pk, household_id=household.pk, form="b" if missed else "a",
            finding="missed" if missed else "accurate", reason="核查", signatures=SIGNATURES,
        )  # fmt: skip
        if state in ("township_checked", "approved"):
            review.township_check(actor=actor, result_id=result.pk, agree=True)
        if state == "approved":
            review.county_review(actor=actor, result_id=result.pk, approve=True)
            result.id_campaign = identification.create_campaign(
                actor=actor, county_code=village[:6] + "000000", kind="new_poverty", year=YEAR, title="新识别",
                opens_on=timezone.localdate() - datetime.timedelta(days=10),
            )  # fmt: skip
        result.refresh_from_db()
        if state == "approved":
            result.id_campaign = result.id_campaign  # kept for the request body
        return result

    return build


TARGETS = {
    "review_campaign": AssistanceTarget(_campaign, _works_in_county),
    "review_household@registered": AssistanceTarget(_household("registered")),
    **{f"review_result@{s}": AssistanceTarget(_result(s)) for s in ("recorded", "township_checked", "approved")},
}


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _code(area) -> dict:
    return {"code": area.code}


def _yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _form_post(household) -> dict:
    return {
        "form": "a", "finding": "accurate", "reason": "入户核查属实", "head": "户主", "surveyor": "调查人",
        "team_leader": "队长", "deputy": "副职", "signed_on": _yesterday(),
    }  # fmt: skip


def _campaign_post(area) -> dict:
    today = timezone.localdate()
    return {"year": str(YEAR), "title": "动态管理", "opens_on": today.isoformat(), "deadline": today.isoformat()}


_COUNTY = (Level.COUNTY,)
_H = "review_household@registered"

ROUTES: list = [
    # --- pages ------------------------------------------------------------------------------------
    Route("exits_review:campaign_list"),
    Route("exits_review:campaign_add", action=Action.APPROVE, target="area", levels=_COUNTY, kwargs=_code),
    Route(
        "exits_review:campaign_add",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=_COUNTY,
        kwargs=_code,
        data=_campaign_post,
        success=(302,),
    ),  # fmt: skip
    Route("exits_review:campaign_detail", target="review_campaign", kwargs=_pk),
    Route("exits_review:campaign_report", target="review_campaign", kwargs=_pk),
    Route(
        "exits_review:result_add",
        action=Action.CAPTURE,
        target=_H,
        kwargs=lambda h: {"pk": h.campaign.pk},
        query=lambda h: {"household": h.pk},
    ),  # fmt: skip
    Route(
        "exits_review:result_add",
        method="post",
        action=Action.CAPTURE,
        target=_H,
        kwargs=lambda h: {"pk": h.campaign.pk},
        query=lambda h: {"household": h.pk},
        data=_form_post,
        success=(302,),
    ),  # fmt: skip
    Route("exits_review:result_detail", target="review_result@recorded", kwargs=_pk),
    Route("exits_review:result_print", target="review_result@recorded", kwargs=_pk),
    Route(
        "exits_review:result_township",
        method="post",
        action=Action.REVIEW,
        target="review_result@recorded",
        kwargs=_pk,
        data=lambda r: {"version": str(r.version), "agree": "1"},
        success=(302,),
    ),  # fmt: skip
    Route(
        "exits_review:result_county",
        method="post",
        action=Action.APPROVE,
        target="review_result@township_checked",
        kwargs=_pk,
        data=lambda r: {"version": str(r.version), "approve": "1"},
        success=(302,),
    ),  # fmt: skip
    Route(
        "exits_review:result_identify",
        method="post",
        action=Action.CAPTURE,
        target="review_result@approved",
        kwargs=_pk,
        data=lambda r: {"campaign": str(r.id_campaign.pk), "informed_on": _yesterday()},
        success=(302,),
    ),  # fmt: skip
    Route("exits_review:household_status", target=_H, kwargs=_pk),
    Route(
        "exits_review:household_status",
        method="post",
        action=Action.APPROVE,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"procedure": "remove", "reason": "错评"},
        success=(302,),
    ),  # fmt: skip
    Route("exits_review:household_natural", action=Action.CAPTURE, target=_H, kwargs=_pk),
    Route(
        "exits_review:household_natural",
        method="post",
        action=Action.CAPTURE,
        target=_H,
        kwargs=_pk,
        data=lambda h: {
            "version": str(h.version),
            "kind": "death",
            "member": str(h.members.order_by("position").last().pk),
        },
        success=(302,),
    ),  # fmt: skip
    Route("exits_review:frozen_years", target="area", levels=_COUNTY, kwargs=_code),
    Route(
        "exits_review:frozen_years",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=_COUNTY,
        kwargs=_code,
        data=lambda a: {"year": str(YEAR)},
        success=(302,),
    ),  # fmt: skip
    Route(
        "exits_review:differences", target="area", levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE), kwargs=_code
    ),
    # --- API --------------------------------------------------------------------------------------
    Route("api:exits-review-campaign-list", api=True),
    Route(
        "api:exits-review-campaign-list",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="area",
        levels=_COUNTY,
        data=lambda a: {**_campaign_post(a), "county": a.code},
        success=(201,),
    ),  # fmt: skip
    Route("api:exits-review-campaign-detail", api=True, target="review_campaign", kwargs=_pk),
    Route("api:exits-review-campaign-report", api=True, target="review_campaign", kwargs=_pk),
    Route("api:exits-review-result-list", api=True, target="review_campaign", kwargs=_pk),
    Route(
        "api:exits-review-result-list",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target=_H,
        kwargs=lambda h: {"pk": h.campaign.pk},
        data=lambda h: {
            "household": h.pk,
            "form": "a",
            "finding": "accurate",
            "reason": "核查",
            "signatures": SIGNATURES,
        },
        success=(201,),
    ),  # fmt: skip
    Route("api:exits-review-result-detail", api=True, target="review_result@recorded", kwargs=_pk),
    Route(
        "api:exits-review-result-township",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="review_result@recorded",
        kwargs=_pk,
        data=lambda r: {"agree": True, "version": r.version},
    ),  # fmt: skip
    Route(
        "api:exits-review-result-county",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="review_result@township_checked",
        kwargs=_pk,
        data=lambda r: {"approve": True, "version": r.version},
    ),  # fmt: skip
    Route(
        "api:exits-review-result-identify",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="review_result@approved",
        kwargs=_pk,
        data=lambda r: {"campaign": r.id_campaign.pk, "informed_on": _yesterday()},
    ),  # fmt: skip
    Route("api:exits-household-status", api=True, target=_H, kwargs=_pk),
    Route(
        "api:exits-household-status",
        method="post",
        api=True,
        action=Action.APPROVE,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"procedure": "remove", "reason": "错评"},
        success=(201,),
    ),  # fmt: skip
    Route(
        "api:exits-household-natural-change",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target=_H,
        kwargs=_pk,
        data=lambda h: {
            "version": h.version,
            "kind": "married_out",
            "member": h.members.order_by("position").last().pk,
        },
        success=(201,),
    ),  # fmt: skip
    Route("api:exits-frozen-years", api=True, target="area", levels=_COUNTY, kwargs=_code),
    Route(
        "api:exits-frozen-years",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="area",
        levels=_COUNTY,
        kwargs=_code,
        data=lambda a: {"year": YEAR},
        success=(201,),
    ),  # fmt: skip
    Route(
        "api:exits-differences",
        api=True,
        target="area",
        levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
        kwargs=_code,
    ),
]

EXEMPT: dict[str, str] = {}
