"""Matrix entries of the identification API (see routes.py for the fields of Route).

The objects these routes act on are target kinds of their own, kept in TARGETS below and used by
test_matrix.py: each picks a village the way households are picked (own, sibling or parent area
of the role), builds there, as the superuser and through the services, what the route needs
(a case at the step the route takes, a drafted or posted notice, an open objection, a drawn
spot-check…), and says which roles see it. The expectation follows the role table as for every
other route: not seen → 404, seen without the route's action → 403, otherwise the route's success.

Who sees what: a case, notice, objection, quota or attachment of a village is seen by the roles
whose area contains the village; a campaign (and its spot-checks) by the roles whose area
contains the county and by those inside the county (a village clerk works in the county's
campaigns); drawing a spot-check needs the county itself in view.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

from areas.choices import Action, Level
from areas.codes import LEVEL_DIGITS
from tests.conftest import ROLE_AREAS, WORLD
from tests.matrix.expected_roles import allows
from tests.matrix.routes import Route

__all__ = ["EXEMPT", "ROUTES", "TARGETS", "TargetKind", "state"]

_LEVEL_OF = {code: level for code, _name, level, _parent in WORLD}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _own_prefix(role: str) -> str | None:
    if role not in ROLE_AREAS:
        return None
    own = ROLE_AREAS[role][0]
    return own[: LEVEL_DIGITS[_LEVEL_OF[own]]]


def _allows(route: Route, role: str) -> bool:
    return allows(role, route.action)


# --- who sees a target (given the village it was built in) --------------------------------------


def _sees_village(role: str, village: str) -> bool:
    prefix = _own_prefix(role)
    return prefix is not None and village.startswith(prefix)


def _sees_campaign(role: str, village: str) -> bool:
    prefix = _own_prefix(role)
    if prefix is None:
        return False
    return village[:6].startswith(prefix) if len(prefix) <= 6 else prefix.startswith(village[:6])


def _sees_county(role: str, village: str) -> bool:
    prefix = _own_prefix(role)
    return prefix is not None and (village[:6] + "000000").startswith(prefix)


def _anyone(role: str, village: str) -> bool:
    return True  # a request naming many cases: refused only for want of the action (per-case results)


@dataclass(frozen=True)
class TargetKind:
    #: (village code, personas) → the object the route acts on
    build: Callable
    #: (role, village code) → whether the role sees that object
    sees: Callable = _sees_village

    def pick(self, role: str, relation: str, base: str) -> str | None:
        """A village under ``base`` (outside the role's own area for the parent relation)."""
        own = ROLE_AREAS[role][0] if role in ROLE_AREAS else None
        outside = own[: LEVEL_DIGITS[_LEVEL_OF[own]]] if own and relation == "parent" else None
        prefix = base[: LEVEL_DIGITS[_LEVEL_OF[base]]]
        for code, _name, level, _parent in sorted(WORLD):
            if level == Level.VILLAGE and code.startswith(prefix) and not (outside and code.startswith(outside)):
                return code
        return None

    def expected(self, route: Route, role: str, village: str) -> tuple[int, ...]:
        if not self.sees(role, village):
            return (404,)
        if role == "nobody" or not _allows(route, role):
            return (403,)
        return route.success


# --- builders (as the superuser, through the services) ------------------------------------------


def _campaign(village: str, personas, *, village_quota: bool = True):
    from identification import services

    actor = personas["superuser"]
    county, township = village[:6] + "000000", village[:9] + "000"
    campaign = services.create_campaign(
        actor=actor, county_code=county, kind="initial", year=2026, title="矩阵批次", opens_on=datetime.date(2026, 1, 5)
    )
    quotas = [(county, 100, 400), (township, 40, 160)] + ([(village, 10, 40)] if village_quota else [])
    for code, households, people in quotas:
        services.set_quota(actor=actor, campaign_id=campaign.pk, area_code=code, households=households, people=people)
    return campaign


def _applicant(village: str, personas):
    """A household of the village whose survey form is submitted, and a campaign to apply in."""
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    campaign = _campaign(village, personas)
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(),
        submit=True,
    ).household  # fmt: skip
    household.campaign = campaign
    return household


def _case(state: str = "applied") -> Callable:
    def build(village: str, personas):
        from identification import services
        from identification.models import Case

        household = _applicant(village, personas)
        case = services.apply(
            actor=personas["superuser"],
            campaign_id=household.campaign.pk,
            household_id=household.pk,
            informed_on=datetime.date.fromisoformat(_yesterday()),
        )
        Case.objects.filter(pk=case.pk).update(state=state)
        return Case.objects.select_related("campaign").get(pk=case.pk)

    return build


def _area_with_campaign(*, village_quota: bool, waiting: str | None = None) -> Callable:
    """The village as an Area, with ``campaign`` set (and a case waiting at ``waiting``)."""

    def build(village: str, personas):
        from areas.models import Area

        if waiting:
            campaign = _case(waiting)(village, personas).campaign
        else:
            campaign = _campaign(village, personas, village_quota=village_quota)
        area = Area.objects.get(code=village)
        area.campaign = campaign
        return area

    return build


def _quota(village: str, personas):
    from identification.models import Quota

    return Quota.objects.get(campaign=_campaign(village, personas), area_id=village)


def _notice(*, posted: bool) -> Callable:
    """A first publicity of the village with one case on it, drafted, or posted 30 days ago."""

    def build(village: str, personas):
        from django.utils import timezone

        from identification import services
        from identification.models import Notice

        actor = personas["superuser"]
        campaign = _case("home_checked")(village, personas).campaign
        notice = services.create_notice(
            actor=actor, campaign_id=campaign.pk, kind="first_publicity", area_code=village, issued_by="村委会",
            contact="0883-1234567",
        )  # fmt: skip
        if posted:
            services.post_notice(
                actor=actor,
                notice_id=notice.pk,
                starts_on=timezone.localdate() - datetime.timedelta(days=30),
                posted_place="村委会公示栏",
            )
        return Notice.objects.get(pk=notice.pk)

    return build


def _objection(village: str, personas):
    from identification import services

    notice = _notice(posted=True)(village, personas)
    return services.record_objection(
        actor=personas["superuser"], notice_id=notice.pk, case_id=notice.entries.get().case_id, raised_by="村民",
        received_on=notice.starts_on, channel="in_person", content="该户收入偏高",
    )  # fmt: skip


def _spot_check_item(village: str, personas):
    from decimal import Decimal

    from identification import services

    case = _case("announced")(village, personas)
    check = services.draw_spot_check(
        actor=personas["superuser"], campaign_id=case.campaign_id, share=Decimal("1"), seed=1
    )
    return check.items.get()


def _attachment(village: str, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from identification.attachments import store_attachment

    upload = SimpleUploadedFile("会议记录.png", PNG, content_type="image/png")
    return store_attachment(actor=personas["superuser"], upload=upload, area_code=village)


_CASE_STATES = (
    "applied", "group_discussed", "village_appraised", "home_checked", "first_publicized", "second_publicized",
)  # fmt: skip

TARGETS: dict[str, TargetKind] = {
    "campaign": TargetKind(lambda village, personas: _campaign(village, personas), _sees_campaign),
    "campaign@announced": TargetKind(
        lambda village, personas: _case("announced")(village, personas).campaign, _sees_county
    ),
    "quota": TargetKind(_quota),
    "quota_area": TargetKind(_area_with_campaign(village_quota=False)),
    "applicant": TargetKind(_applicant),
    **{f"case@{state}": TargetKind(_case(state)) for state in _CASE_STATES},
    "cases@second_publicized": TargetKind(_case("second_publicized"), _anyone),
    "notice_area": TargetKind(_area_with_campaign(village_quota=True, waiting="home_checked")),
    "notice": TargetKind(_notice(posted=False)),
    "notice@posted": TargetKind(_notice(posted=True)),
    "objection": TargetKind(_objection),
    "spot_check": TargetKind(lambda village, personas: _spot_check_item(village, personas).spot_check, _sees_campaign),
    "spot_check_item": TargetKind(_spot_check_item),
    "attachment": TargetKind(_attachment),
}


def state() -> tuple:
    """What a request to identification may change, to check that a refusal changed nothing and
    an accepted step changed something (steps write no audit row of their own: CaseEvent is the
    record of a case)."""
    from identification.models import Attachment, Campaign, Case, CaseEvent, Notice, Objection, Quota, SpotCheckItem

    return (
        Campaign.objects.count(),
        list(Quota.objects.order_by("pk").values_list("households", "people", "used_households", "used_people")),
        list(Case.objects.order_by("pk").values_list("state", "version", "exclusion_override")),
        CaseEvent.objects.count(),
        list(Notice.objects.order_by("pk").values_list("state", flat=True)),
        list(Objection.objects.order_by("pk").values_list("state", flat=True)),
        list(SpotCheckItem.objects.order_by("pk").values_list("checked_at", flat=True)),
        Attachment.objects.count(),
    )


# --- request bodies -----------------------------------------------------------------------------


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _village_prefix(area) -> dict:
    return {"village": area.prefix}


def _png(area) -> dict:
    upload = io.BytesIO(PNG)
    upload.name = "照片.png"
    return {"file": upload, "area": area.code}


def _checklist() -> dict:
    from identification.services import HOME_CHECK_ITEMS

    return dict.fromkeys(HOME_CHECK_ITEMS, True)


_SIGNATURES = {role: {"name": "签字人", "date": "2026-03-01"} for role in ("head", "surveyor", "team_leader")}

ROUTES: list = [
    # campaigns and quotas
    Route("api:campaign-list", api=True),
    Route(
        "api:campaign-list",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="area",
        levels=(Level.COUNTY,),
        data=lambda area: {"county": area.code, "kind": "initial", "year": 2026, "opens_on": "2026-01-05"},
        success=(201,),
    ),
    Route("api:campaign-detail", api=True, target="campaign", kwargs=_pk),
    Route("api:quota-list", api=True),
    Route(
        "api:quota-list",
        method="post",
        api=True,
        action=Action.SET_QUOTA,
        target="quota_area",
        data=lambda area: {"campaign": area.campaign.pk, "area": area.code, "households": 5, "people": 20},
    ),
    Route("api:quota-detail", api=True, target="quota", kwargs=_pk),
    # cases
    Route("api:case-list", api=True),
    Route(
        "api:case-list",
        api=True,
        target="area",
        levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
        query=_village_prefix,
    ),
    Route(
        "api:case-list",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="applicant",
        data=lambda h: {"campaign": h.campaign.pk, "household": h.pk, "informed_on": _yesterday()},
        success=(201,),
    ),
    Route("api:case-detail", api=True, target="case@applied", kwargs=_pk),
    Route("api:case-events", api=True, target="case@applied", kwargs=_pk),
    Route(
        "api:case-group-discussion",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="case@applied",
        kwargs=_pk,
        data=lambda c: {"meeting_date": _yesterday(), "attendance": 18, "recommended": True, "version": c.version},
    ),
    Route(
        "api:case-village-appraisal",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="case@group_discussed",
        kwargs=_pk,
        data=lambda c: {
            "meeting_date": _yesterday(),
            "representatives": 30,
            "present": 24,
            "votes_for": 20,
            "votes_against": 3,
            "comparison_read": True,
            "version": c.version,
        },
    ),
    Route(
        "api:case-home-check",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="case@village_appraised",
        kwargs=_pk,
        data=lambda c: {
            "visited_on": _yesterday(),
            "checklist": _checklist(),
            "findings": "属实",
            "signatures": _SIGNATURES,
            "version": c.version,
        },
    ),
    Route(
        "api:case-township-review",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="case@first_publicized",
        kwargs=_pk,
        data=lambda c: {"checked_in_field": True, "version": c.version},
    ),
    Route(
        "api:case-confirm",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="case@second_publicized",
        kwargs=_pk,
        data=lambda c: {"checked_in_field": True, "version": c.version},
    ),
    Route(
        "api:case-override-exclusion",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="case@second_publicized",
        kwargs=_pk,
        data=lambda c: {"reason": "经县扶贫办核实，不属排除情形"},
    ),
    Route(
        "api:case-return",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="case@home_checked",
        kwargs=_pk,
        data=lambda c: {"to_state": "village_appraised", "reason": "收入需重新核实", "version": c.version},
    ),
    Route(
        "api:case-reject",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="case@applied",
        kwargs=_pk,
        data=lambda c: {"reason": "不符合识别标准", "version": c.version},
    ),
    Route(
        "api:case-bulk",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="cases@second_publicized",
        data=lambda c: {"step": "confirm", "case_ids": [c.pk], "checked_in_field": True},
        writes=False,  # a case out of scope is a failed result, not a refusal: nothing is written then
    ),
    # notices and objections
    Route("api:notice-list", api=True),
    Route(
        "api:notice-list",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="notice_area",
        data=lambda area: {
            "campaign": area.campaign.pk,
            "kind": "first_publicity",
            "area": area.code,
            "issued_by": "村委会",
            "contact": "0883-1234567",
        },
        success=(201,),
    ),
    Route("api:notice-detail", api=True, target="notice", kwargs=_pk),
    Route("api:notice-print", api=True, target="notice", kwargs=_pk),
    Route(
        "api:notice-post",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="notice",
        kwargs=_pk,
        data=lambda n: {"starts_on": _yesterday(), "posted_place": "村委会公示栏"},
    ),
    Route("api:notice-conclude", method="post", api=True, action=Action.REVIEW, target="notice@posted", kwargs=_pk),
    Route("api:objection-list", api=True),
    Route(
        "api:objection-list",
        method="post",
        api=True,
        action=(Action.CAPTURE, Action.REVIEW),
        target="notice@posted",
        data=lambda n: {
            "notice": n.pk,
            "case": n.entries.get().case_id,
            "raised_by": "村民李某",
            "received_on": _yesterday(),
            "channel": "in_person",
            "content": "该户有私家车",
        },
        success=(201,),
    ),
    Route("api:objection-detail", api=True, target="objection", kwargs=_pk),
    Route(
        "api:objection-resolve",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="objection",
        kwargs=_pk,
        data=lambda o: {"uphold": False, "resolution": "经入户核实，收入低于标准"},
    ),
    # city spot-checks
    Route("api:spot-check-list", api=True),
    Route(
        "api:spot-check-list",
        method="post",
        api=True,
        action=Action.INSPECT,
        target="campaign@announced",
        data=lambda campaign: {"campaign": campaign.pk, "share": "0.5", "seed": 3},
        success=(201,),
    ),
    Route("api:spot-check-detail", api=True, target="spot_check", kwargs=_pk),
    Route(
        "api:spot-check-findings",
        method="post",
        api=True,
        action=Action.INSPECT,
        target="spot_check_item",
        kwargs=lambda item: {"pk": item.spot_check_id},
        data=lambda item: {"item": item.pk, "finding": "属实", "has_problem": False},
    ),
    # attachments
    Route(
        "api:attachment-list",
        method="post",
        api=True,
        action=(Action.CAPTURE, Action.REVIEW, Action.APPROVE, Action.INSPECT),
        target="area",
        levels=(Level.TOWNSHIP, Level.VILLAGE),
        data=_png,
        multipart=True,
        success=(201,),
    ),
    Route("api:attachment-detail", api=True, target="attachment", kwargs=_pk),
]
EXEMPT: dict = {}
