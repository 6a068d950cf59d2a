"""Matrix entries of the exit procedures, pages and API (see routes.py for the fields of Route).

The objects these routes act on are target kinds of their own, in TARGETS below, with the
interface test_matrix.py uses for such kinds (``pick``, ``build``, ``expected``; the TargetKind of
routes_identification_api.py). Each picks a village the way households are picked and builds
there, as the superuser and through the services:

- ``exit_case@<state>``: a registered household's exit case of 2026 walked to that state; seen by
  the roles whose area contains the village;
- ``exit_cases@<state>`` / ``exit_household``: the same case, or a registered household, named in
  the body of a request about many: refused only for want of the action anywhere (a case out of
  scope is a failed result, so nothing is written: ``writes=False``);
- ``exit_notice``: the village's exit publicity notice (identification's) drafted for such a case
  at "acknowledged", on identification's notice routes;
- ``exit_village`` / ``exit_village_case@<state>``: a village whose figures of 2026 meet the bar,
  and its exit case at that state;
- ``exit_county`` / ``exit_county_case@<state>``: the village's county, every village of it with
  figures meeting the bar, and its 摘帽 case; seen by the roles whose area contains the county.
"""

from __future__ import annotations

import datetime

from areas.choices import Action, Level
from tests.matrix.routes import Route
from tests.matrix.routes_identification_api import TargetKind, _anyone, _sees_county

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

YEAR = 2026
EXIT_STATES = (
    "proposed", "village_appraised", "home_verified", "acknowledged", "in_publicity", "publicized",
    "township_reviewed", "county_approved", "announced", "city_filed",
)  # fmt: skip


def _yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _case(state: str):
    def build(village: str, personas):
        from exits import exit_services
        from exits.models import ExitCase
        from tests.exits.exit.conftest import registered, walk

        root = personas["superuser"]
        household = registered(root, village)
        exit_services.propose_exits(actor=root, year=YEAR, household_ids=[household.pk])
        return walk(ExitCase.objects.get(household=household), root, state)

    return build


def _household(village: str, personas):
    from tests.exits.exit.conftest import registered

    return registered(personas["superuser"], village)


def _exit_notice(village: str, personas):
    from tests.exits.exit.conftest import draft_notice

    return draft_notice(personas["superuser"], _case("acknowledged")(village, personas))


def _figures(village: str) -> None:
    from areas.models import VillageFigures

    VillageFigures.objects.update_or_create(
        village_id=village,
        year=YEAR,
        defaults={
            "total_households": 300, "total_population": 1200, "rural_registered_population": 1200,
            "safe_water_households": 300, "asphalt_road_to_township": True, "has_clinic": True,
            "collective_income": 50000,
        },
    )  # fmt: skip


def _village(village: str, personas):
    from areas.models import Area

    _figures(village)
    return Area.objects.get(code=village)


def _village_case(state: str):
    def build(village: str, personas):
        from exits import exit_areas

        root = personas["superuser"]
        _figures(village)
        case = exit_areas.propose_village(actor=root, village_code=village, year=YEAR)
        if state in ("in_publicity", "publicized"):
            case = exit_areas.post_village_publicity(
                actor=root, case_id=case.pk, starts_on=datetime.date(2026, 1, 10), posted_place="乡政府公示栏"
            )
        if state == "publicized":
            case = exit_areas.conclude_village_publicity(actor=root, case_id=case.pk)
        return case

    return build


def _county(village: str, personas):
    from areas.models import Area

    county = Area.objects.get(code=village[:6] + "000000")
    for code in Area.objects.filter(code__startswith=village[:6], level=Level.VILLAGE).values_list("code", flat=True):
        _figures(code)
    return county


def _county_case(state: str):
    def build(village: str, personas):
        from exits import exit_areas

        root = personas["superuser"]
        county = _county(village, personas)
        case = exit_areas.propose_county(actor=root, county_code=county.code, year=YEAR)
        if state == "city_checked":
            case = exit_areas.record_city_check(
                actor=root, case_id=case.pk, checked_on=datetime.date(2026, 2, 1), opinion="同意"
            )
        return case

    return build


TARGETS: dict[str, TargetKind] = {
    **{f"exit_case@{state}": TargetKind(_case(state)) for state in EXIT_STATES},
    **{
        f"exit_cases@{state}": TargetKind(_case(state), _anyone)
        for state in ("township_reviewed", "announced", "city_filed")
    },
    "exit_household": TargetKind(_household, _anyone),
    "exit_notice": TargetKind(_exit_notice),
    "exit_village": TargetKind(_village),
    **{f"exit_village_case@{s}": TargetKind(_village_case(s)) for s in ("proposed", "in_publicity", "publicized")},
    "exit_county": TargetKind(_county, _sees_county),
    **{f"exit_county_case@{s}": TargetKind(_county_case(s), _sees_county) for s in ("proposed", "city_checked")},
}


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _code(area) -> dict:
    return {"code": area.code}


def _step(step: str):
    return lambda case: {"pk": case.pk, "step": step}


_STEP_DATA = {
    "record_village_appraisal": lambda c: {
        "meeting_date": _yesterday(), "representatives": 30, "present": 24, "votes_for": 20, "votes_against": 3,
        "version": c.version,
    },
    "record_home_verification": lambda c: {
        "visited_on": _yesterday(), "income_per_capita": "5450", "verifiers": "村委会 张三", "version": c.version,
        **{f"check_{item}": True for item in ("food", "clothing", "education", "medical", "housing", "water")},
    },
    "record_acknowledgement": lambda c: {"signed_by": "杨大山", "signed_on": _yesterday(), "version": c.version},
    "record_township_review": lambda c: {"reviewed_on": _yesterday(), "opinion": "同意", "version": c.version},
    "approve": lambda c: {"opinion": "同意", "version": c.version},
    "announce": lambda c: {"announced_on": _yesterday(), "version": c.version},
    "record_city_filing": lambda c: {"filed_on": _yesterday(), "version": c.version},
    "record_province_filing": lambda c: {"filed_on": _yesterday(), "version": c.version},
    "withdraw": lambda c: {"reason": "收入不稳定", "version": c.version},
}  # fmt: skip

#: step → (action, state the case must be at)
_STEPS = {
    "record_village_appraisal": (Action.CAPTURE, "proposed"),
    "record_home_verification": (Action.CAPTURE, "village_appraised"),
    "record_acknowledgement": (Action.CAPTURE, "home_verified"),
    "record_township_review": (Action.REVIEW, "publicized"),
    "approve": (Action.APPROVE, "township_reviewed"),
    "announce": (Action.APPROVE, "county_approved"),
    "record_city_filing": (Action.INSPECT, "announced"),
    "record_province_filing": (Action.VERIFY_EXIT, "city_filed"),
    "withdraw": ((Action.REVIEW, Action.APPROVE), "proposed"),
}

_INCIDENCE_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
_LEVEL_CHECK = {"checked_on": "2026-02-01", "opinion": "同意"}
_PUBLICITY = {"starts_on": "2026-01-10", "posted_place": "乡政府公示栏"}
#: the village's exit notice, drafted (then posted and concluded on identification's notice routes)
_EXIT_NOTICE = {"issued_by": "村民委员会", "contact": "乡纪委 0883-4311001"}

ROUTES: list[Route] = [
    # pages
    Route("exit:case_list"),
    Route("exit:case_propose", action=Action.REVIEW),
    Route(
        "exit:case_propose",
        method="post",
        action=Action.REVIEW,
        target="exit_household",
        data=lambda h: {"year": YEAR, "household_ids": [h.pk]},
        writes=False,  # a household out of scope is a failed result, not a refusal
    ),
    Route(
        "exit:case_bulk",
        method="post",
        action=Action.APPROVE,
        target="exit_cases@township_reviewed",
        data=lambda c: {"step": "approve", "case_ids": [c.pk], "opinion": "同意"},
        writes=False,
    ),
    Route(
        "exit:case_bulk",
        method="post",
        action=Action.INSPECT,
        target="exit_cases@announced",
        data=lambda c: {"step": "record_city_filing", "case_ids": [c.pk], "filed_on": _yesterday()},
        writes=False,
    ),
    Route(
        "exit:publicity_post",
        method="post",
        action=Action.REVIEW,
        target="exit_case@acknowledged",
        data=lambda c: {"village": c.area_code, "year": YEAR, "case_ids": [c.pk], **_EXIT_NOTICE},
        success=(302,),
    ),
    Route("exit:case_detail", target="exit_case@proposed", kwargs=_pk),
    Route("exit:case_detail", target="exit_case@in_publicity", kwargs=_pk),
    # the exit publicity on identification's notice pages: seen, printed and posted in scope
    Route("identification:notice_print", target="exit_notice", kwargs=_pk),
    Route(
        "identification:notice_post",
        method="post",
        action=Action.REVIEW,
        target="exit_notice",
        kwargs=_pk,
        data=lambda notice: {"starts_on": _yesterday(), "posted_place": "村委会公示栏"},
        success=(302,),
    ),
    *[
        Route(
            "exit:case_step",
            method="post",
            action=action,
            target=f"exit_case@{state}",
            kwargs=_step(step),
            data=_STEP_DATA[step],
            success=(302,),
        )
        for step, (action, state) in _STEPS.items()
    ],
    Route("exit:incidence", target="area", levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE), kwargs=_code),
    Route(
        "exit:village_propose",
        method="post",
        action=Action.REVIEW,
        target="exit_village",
        data=lambda v: {"code": v.code, "year": YEAR},
        success=(302,),
    ),
    Route(
        "exit:village_step",
        method="post",
        action=Action.REVIEW,
        target="exit_village_case@proposed",
        kwargs=lambda c: {"pk": c.pk, "step": "post_village_publicity"},
        data=lambda c: _PUBLICITY,
        success=(302,),
    ),
    Route(
        "exit:village_step",
        method="post",
        action=Action.REVIEW,
        target="exit_village_case@in_publicity",
        kwargs=lambda c: {"pk": c.pk, "step": "conclude_village_publicity"},
        data=lambda c: {},
        success=(302,),
    ),
    Route(
        "exit:village_step",
        method="post",
        action=Action.APPROVE,
        target="exit_village_case@publicized",
        kwargs=lambda c: {"pk": c.pk, "step": "announce_village"},
        data=lambda c: {},
        success=(302,),
    ),
    Route(
        "exit:county_propose",
        method="post",
        action=Action.APPROVE,
        target="exit_county",
        data=lambda county: {"code": county.code, "year": YEAR},
        success=(302,),
    ),
    Route(
        "exit:county_step",
        method="post",
        action=Action.INSPECT,
        target="exit_county_case@proposed",
        kwargs=lambda c: {"pk": c.pk, "step": "record_city_check"},
        data=lambda c: _LEVEL_CHECK,
        success=(302,),
    ),
    Route(
        "exit:county_step",
        method="post",
        action=Action.VERIFY_EXIT,
        target="exit_county_case@city_checked",
        kwargs=lambda c: {"pk": c.pk, "step": "announce_county"},
        data=lambda c: _LEVEL_CHECK,
        success=(302,),
    ),
    # API
    Route("api:exit-case-list", api=True),
    Route("api:exit-case-detail", api=True, target="exit_case@proposed", kwargs=_pk),
    Route(
        "api:exit-case-propose",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="exit_household",
        data=lambda h: {"year": YEAR, "household_ids": [h.pk]},
        writes=False,
    ),
    Route(
        "api:exit-case-bulk",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="exit_cases@township_reviewed",
        data=lambda c: {"step": "approve", "case_ids": [c.pk], "opinion": "同意"},
        writes=False,
    ),
    Route(
        "api:exit-publicity",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="exit_case@acknowledged",
        data=lambda c: {"village": c.area_code, "year": YEAR, "case_ids": [c.pk], **_EXIT_NOTICE},
        success=(201,),
    ),
    *[
        Route(
            "api:exit-case-step",
            method="post",
            api=True,
            action=_STEPS[step][0],
            target=f"exit_case@{_STEPS[step][1]}",
            kwargs=_step(step),
            data=_STEP_DATA[step],
        )
        for step in ("record_village_appraisal", "approve", "record_city_filing", "record_province_filing", "withdraw")
    ],
    Route(
        "api:exit-case-bulk",
        method="post",
        api=True,
        action=Action.VERIFY_EXIT,
        target="exit_cases@city_filed",
        data=lambda c: {"step": "record_province_filing", "case_ids": [c.pk], "filed_on": _yesterday()},
        writes=False,
    ),
    Route(
        "api:exit-incidence",
        api=True,
        target="area",
        levels=_INCIDENCE_LEVELS,
        kwargs=_code,
    ),
    Route(
        "api:exit-village-propose",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="exit_village",
        data=lambda v: {"code": v.code, "year": YEAR},
        success=(201,),
    ),
    Route(
        "api:exit-village-step",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="exit_village_case@proposed",
        kwargs=lambda c: {"pk": c.pk, "step": "post_village_publicity"},
        data=lambda c: _PUBLICITY,
    ),
    Route(
        "api:exit-county-propose",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="exit_county",
        data=lambda county: {"code": county.code, "year": YEAR},
        success=(201,),
    ),
    Route(
        "api:exit-county-step",
        method="post",
        api=True,
        action=Action.INSPECT,
        target="exit_county_case@proposed",
        kwargs=lambda c: {"pk": c.pk, "step": "record_city_check"},
        data=lambda c: _LEVEL_CHECK,
    ),
    Route(
        "api:exit-county-step",
        method="post",
        api=True,
        action=Action.VERIFY_EXIT,
        target="exit_county_case@city_checked",
        kwargs=lambda c: {"pk": c.pk, "step": "announce_county"},
        data=lambda c: _LEVEL_CHECK,
    ),
]

EXEMPT: dict[str, str] = {}
