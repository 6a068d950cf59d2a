"""Matrix entries of the identification pages (see routes.py for the fields of Route).

The objects these routes act on are the target kinds of routes_identification_api.py (a campaign,
a case at a step, a notice, an objection, a spot-check item, an attachment, built in a village
picked like a household's). Two kinds are the pages' own, in TARGETS below: the bulk steps of the
case list are posted to a campaign, so a case waiting for them is seen as its campaign is.

Page forms answer a refused step with 403/404 and an accepted one with a redirect (302); pages
that show per-case results (bulk steps, the village appraisal) answer 200.
"""

from __future__ import annotations

import datetime
import io

from areas.choices import Action, Level
from tests.matrix.routes import Route
from tests.matrix.routes_identification_api import PNG, TargetKind
from tests.matrix.routes_identification_api import TARGETS as API_TARGETS

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

#: kinds of the pages only: a case at a step, seen as its campaign is (the URL names the campaign)
TARGETS: dict[str, TargetKind] = {
    f"campaign_case@{state}": TargetKind(API_TARGETS[f"case@{state}"].build, API_TARGETS["campaign"].sees)
    for state in ("first_publicized", "second_publicized")
}


def _yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _campaign_of(obj) -> dict:
    return {"pk": obj.campaign_id}


def _code(area) -> dict:
    return {"code": area.code}


def _png(name: str = "照片.png") -> io.BytesIO:
    upload = io.BytesIO(PNG)
    upload.name = name
    return upload


def _home_check(case) -> dict:
    from identification.services import HOME_CHECK_ITEMS

    data = {"visited_on": _yesterday(), "findings": "属实", "version": case.version, "photo": _png()}
    data.update({f"check_{item}": "on" for item in HOME_CHECK_ITEMS})
    for role in ("head", "surveyor", "team_leader"):
        data.update({f"{role}_name": "签字人", f"{role}_date": _yesterday()})
    return data


def _appraisal(case) -> dict:
    return {
        "meeting_date": _yesterday(),
        "representatives": 30,
        "present": 24,
        "comparison_read": "on",
        f"for_{case.pk}": 20,
        f"against_{case.pk}": 3,
        f"version_{case.pk}": case.version,
    }


def _score_card(area) -> dict:
    return {"housing": "30", "food": "20", "labour": "20", "pupils": "10", "illness": "20"}


ROUTES: list = [
    # campaigns and quotas
    Route("identification:campaign_list"),
    Route("identification:campaign_add", action=Action.APPROVE, target="area", levels=(Level.COUNTY,), kwargs=_code),
    Route(
        "identification:campaign_add",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=lambda area: {
            "kind": "initial",
            "year": 2026,
            "title": "2026年建档立卡识别",
            "opens_on": "2026-01-05",
            "publicity_days": 7,
            "deadline_village_appraised": "2026-03-31",
        },
        success=(302,),
    ),
    Route("identification:campaign_detail", target="campaign", kwargs=_pk),
    Route("identification:quota_list", target="campaign", kwargs=_pk),
    Route(
        "identification:quota_list",
        method="post",
        action=Action.SET_QUOTA,
        target="quota_area",
        kwargs=lambda area: {"pk": area.campaign.pk},
        data=lambda area: {"area": area.code, "households": 5, "people": 20},
        success=(302,),
    ),
    # cases
    Route("identification:case_list", target="campaign", kwargs=_pk),
    Route(
        "identification:case_bulk",
        method="post",
        action=Action.APPROVE,
        target="campaign_case@second_publicized",
        kwargs=_campaign_of,
        data=lambda case: {"step": "confirm", "cases": [case.pk], "field": [case.pk]},
    ),
    Route(
        "identification:case_bulk",
        method="post",
        action=Action.REVIEW,
        target="campaign_case@first_publicized",
        kwargs=_campaign_of,
        data=lambda case: {"step": "record_township_review", "cases": [case.pk], "finding": "属实"},
        writes=False,  # a reviewer of another township sees the campaign, not the case: a failed result
    ),
    Route(
        "identification:case_apply",
        action=Action.CAPTURE,
        target="applicant",
        kwargs=lambda household: {"pk": household.campaign.pk, "code": household.village_id},
    ),
    Route(
        "identification:case_apply",
        method="post",
        action=Action.CAPTURE,
        target="applicant",
        kwargs=lambda household: {"pk": household.campaign.pk, "code": household.village_id},
        data=lambda household: {"households": [household.pk], "informed_on": _yesterday(), "self_assessment": "低"},
        success=(302,),
    ),
    Route(
        "identification:village_appraisal",
        target="case@group_discussed",
        kwargs=lambda case: {"pk": case.campaign_id, "code": case.area_code},
    ),
    Route(
        "identification:village_appraisal",
        method="post",
        action=Action.CAPTURE,
        target="case@group_discussed",
        kwargs=lambda case: {"pk": case.campaign_id, "code": case.area_code},
        data=_appraisal,
    ),
    Route("identification:case_detail", target="case@applied", kwargs=_pk),
    Route(
        "identification:case_group_discussion",
        method="post",
        action=Action.CAPTURE,
        target="case@applied",
        kwargs=_pk,
        data=lambda case: {
            "meeting_date": _yesterday(),
            "attendance": 18,
            "recommended": "on",
            "version": case.version,
            "minutes": _png("会议记录.png"),
        },
        success=(302,),
    ),
    Route(
        "identification:case_village_appraisal",
        method="post",
        action=Action.CAPTURE,
        target="case@group_discussed",
        kwargs=_pk,
        data=lambda case: {
            "meeting_date": _yesterday(),
            "representatives": 30,
            "present": 24,
            "votes_for": 20,
            "votes_against": 3,
            "comparison_read": "on",
            "version": case.version,
        },
        success=(302,),
    ),
    Route(
        "identification:case_home_check",
        method="post",
        action=Action.CAPTURE,
        target="case@village_appraised",
        kwargs=_pk,
        data=_home_check,
        success=(302,),
    ),
    Route(
        "identification:case_township_review",
        method="post",
        action=Action.REVIEW,
        target="case@first_publicized",
        kwargs=_pk,
        data=lambda case: {"checked_in_field": "on", "finding": "属实", "version": case.version},
        success=(302,),
    ),
    Route(
        "identification:case_confirm",
        method="post",
        action=Action.APPROVE,
        target="case@second_publicized",
        kwargs=_pk,
        data=lambda case: {"checked_in_field": "on", "version": case.version},
        success=(302,),
    ),
    Route(
        "identification:case_override",
        method="post",
        action=Action.APPROVE,
        target="case@second_publicized",
        kwargs=_pk,
        data=lambda case: {"reason": "经县扶贫办核实，车辆已于申请前出售"},
        success=(302,),
    ),
    Route(
        "identification:case_return",
        method="post",
        action=Action.REVIEW,
        target="case@home_checked",
        kwargs=_pk,
        data=lambda case: {"to_state": "village_appraised", "reason": "收入需重新核实", "version": case.version},
        success=(302,),
    ),
    Route(
        "identification:case_reject",
        method="post",
        action=Action.CAPTURE,
        target="case@applied",
        kwargs=_pk,
        data=lambda case: {"reason": "不符合识别标准", "version": case.version},
        success=(302,),
    ),
    Route("identification:attachment_download", target="attachment", kwargs=_pk),
    # publicity
    Route("identification:notice_list", target="campaign", kwargs=_pk),
    Route("identification:notice_create", action=(Action.REVIEW, Action.APPROVE), target="campaign", kwargs=_pk),
    Route(
        "identification:notice_create",
        method="post",
        action=Action.REVIEW,
        target="notice_area",
        kwargs=lambda area: {"pk": area.campaign.pk},
        data=lambda area: {
            "kind": "first_publicity",
            "area": area.code,
            "issued_by": "孔兴村民委员会",
            "contact": "乡纪委 0883-1234567",
        },
        success=(302,),
    ),
    Route("identification:notice_detail", target="notice", kwargs=_pk),
    Route("identification:notice_print", target="notice", kwargs=_pk),
    Route(
        "identification:notice_post",
        method="post",
        action=Action.REVIEW,
        target="notice",
        kwargs=_pk,
        data=lambda notice: {"starts_on": _yesterday(), "posted_place": "村委会公示栏", "photo": _png()},
        success=(302,),
    ),
    Route(
        "identification:notice_conclude",
        method="post",
        action=Action.REVIEW,
        target="notice@posted",
        kwargs=_pk,
        success=(302,),
    ),
    Route(
        "identification:objection_add",
        method="post",
        action=(Action.CAPTURE, Action.REVIEW),
        target="notice@posted",
        kwargs=_pk,
        data=lambda notice: {
            "case": notice.entries.get().case_id,
            "raised_by": "村民李某",
            "received_on": _yesterday(),
            "channel": "in_person",
            "content": "该户有私家车",
        },
        success=(302,),
    ),
    Route(
        "identification:objection_resolve",
        method="post",
        action=Action.REVIEW,
        target="objection",
        kwargs=_pk,
        data=lambda objection: {
            f"o{objection.pk}-decision": "reject",
            f"o{objection.pk}-resolution": "经入户核实，车辆为借用",
        },
        success=(302,),
    ),
    # city spot-checks
    Route("identification:spot_check_draw", action=Action.INSPECT, target="campaign@announced", kwargs=_pk),
    Route(
        "identification:spot_check_draw",
        method="post",
        action=Action.INSPECT,
        target="campaign@announced",
        kwargs=_pk,
        data=lambda campaign: {"percent": "50"},
        success=(302,),
    ),
    Route("identification:spot_check_detail", target="spot_check", kwargs=_pk),
    Route(
        "identification:spot_check_record",
        method="post",
        action=Action.INSPECT,
        target="spot_check_item",
        kwargs=_pk,
        data=lambda item: {f"i{item.pk}-finding": "与实际相符"},
        success=(302,),
    ),
    # a county's rules and score card
    Route("identification:rule_list", target="area", levels=(Level.COUNTY,), kwargs=_code),
    Route(
        "identification:rule_add",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=lambda area: {"kind": "priority", "key": "elderly_alone", "label": "同等条件下独居老人优先"},
        success=(302,),
    ),
    Route(
        "identification:rule_state",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=lambda area: {"kind": "exclusion", "key": "private_car", "active": "0"},
        success=(302,),
    ),
    Route(
        "identification:score_card",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=_score_card,
        success=(302,),
    ),
]
EXEMPT: dict = {}
