"""Matrix entries of monitoring (防返贫监测) pages and API (see routes.py for the fields of Route).

Target kinds of their own (TARGETS, merged into test_matrix.py's): a monitoring case of a village
at a given step, an exited household that may be alerted, an open attention flag. A village's
objects are seen by the roles whose area contains the village (as for identification cases).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from areas.choices import Action, Level
from tests.matrix.routes import Route
from tests.matrix.routes_identification_api import TargetKind, _sees_village

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]


def _yesterday() -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _exited(village: str, personas):
    from households.models import Household
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(),
        members=family_of_four(7),
    ).household  # fmt: skip
    Household.objects.filter(pk=household.pk).update(status="exited", exit_year=2024)
    household.refresh_from_db()
    return household


def _case(state: str = "alerted"):
    def build(village: str, personas):
        from exits import monitoring_services
        from exits.models import MonitoringCase

        case = monitoring_services.start_alert(
            actor=personas["superuser"], household_id=_exited(village, personas).pk, kind="unstable_exited",
            channel="complaint", note="矩阵预警",
        )  # fmt: skip
        if state == "home_checked":
            case = monitoring_services.advance(
                actor=personas["superuser"], case_id=case.pk, step="record_home_check", note="属实"
            )
        elif state == "monitored":  # entered long ago, income well above any line: eligible for elimination
            from households.models import Household, PovertyLine

            PovertyLine.objects.get_or_create(year=2020, level="national", area=None, defaults={"amount": 4000})
            Household.objects.filter(pk=case.household_id).update(net_income_per_capita=Decimal("20000"))
            MonitoringCase.objects.filter(pk=case.pk).update(state="monitored", entered_on=datetime.date(2020, 1, 2))
        return MonitoringCase.objects.get(pk=case.pk)

    return build


def _flag(village: str, personas):
    from exits.models import AttentionFlag

    household = _exited(village, personas)
    return AttentionFlag.objects.create(
        household=household, area_code=village, kind="dangerous_house", year=2026, detail={"housing_safety": "03"}
    )


TARGETS = {
    "monitoring_case": TargetKind(_case()),
    "monitoring_case_checked": TargetKind(_case("home_checked")),
    "monitoring_case_monitored": TargetKind(_case("monitored")),
    "monitoring_household": TargetKind(_exited, _sees_village),
    "monitoring_flag": TargetKind(_flag),
}

_PK = {"kwargs": lambda target: {"pk": target.pk}}
_ALERT = {"kind": "unstable_exited", "channel": "complaint", "note": "矩阵"}
_REFRESH_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)

ROUTES = [
    # pages
    Route("monitoring:case_list"),
    Route("monitoring:case_add", action=Action.CAPTURE),
    # POST monitoring:case_add names a household by its number: one out of view is an input error on
    # the form (400, the same as a number that does not exist, so nothing leaks), not a 404; tested in
    # tests/exits/monitoring/test_pages.py::test_an_alert_from_the_page_and_its_refusals
    Route("monitoring:case_detail", target="monitoring_case", **_PK),
    Route(
        "monitoring:case_step",
        method="post",
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"step": "record_home_check", "note": "属实", "version": c.version},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    Route(
        "monitoring:case_return",
        method="post",
        action=Action.CAPTURE,
        target="monitoring_case_checked",
        data=lambda c: {"to_state": "alerted", "reason": "重新核实", "version": c.version},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    Route(
        "monitoring:case_close",
        method="post",
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"reason": "收入稳定", "version": c.version},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    Route(
        "monitoring:risk_add",
        method="post",
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"kind": "illness", "found_on": _yesterday(), "description": "住院"},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    Route(
        "monitoring:case_eliminate",
        method="post",
        action=Action.APPROVE,
        target="monitoring_case_monitored",
        data=lambda c: {"mode": "natural", "note": "收入稳定", "version": c.version},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    Route("monitoring:line_list"),
    Route(
        "monitoring:line_list",
        method="post",
        action=Action.SET_LINE,
        target="area",
        levels=(Level.PROVINCE,),
        data=lambda area: {"province": area.code, "year": "2026", "amount": "6000"},
        success=(302,),
    ),  # fmt: skip
    Route("monitoring:flag_list"),
    Route(
        "monitoring:flag_refresh",
        method="post",
        action=(Action.REVIEW, Action.APPROVE),
        target="area",
        levels=_REFRESH_LEVELS,
        data=lambda area: {"area": area.code},
        success=(302,),
    ),  # fmt: skip
    Route(
        "monitoring:flag_start",
        method="post",
        action=Action.CAPTURE,
        target="monitoring_flag",
        data=lambda f: {},
        success=(302,),
        **_PK,
    ),  # fmt: skip
    # API
    Route("api:monitoring-case-list", api=True),
    Route(
        "api:monitoring-case-list",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_household",
        data=lambda h: {"household": h.pk, **_ALERT},
        success=(201,),
    ),  # fmt: skip
    Route("api:monitoring-case-detail", api=True, target="monitoring_case", **_PK),
    Route(
        "api:monitoring-case-steps",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"step": "record_home_check", "note": "属实"},
        **_PK,
    ),  # fmt: skip
    Route(
        "api:monitoring-case-send-back",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_case_checked",
        data=lambda c: {"to_state": "alerted", "reason": "重新核实"},
        **_PK,
    ),  # fmt: skip
    Route(
        "api:monitoring-case-close",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"reason": "收入稳定"},
        **_PK,
    ),  # fmt: skip
    Route(
        "api:monitoring-case-risks",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_case",
        data=lambda c: {"kind": "illness", "found_on": _yesterday(), "description": "住院"},
        success=(201,),
        **_PK,
    ),  # fmt: skip
    Route(
        "api:monitoring-case-eliminate",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="monitoring_case_monitored",
        data=lambda c: {"mode": "natural", "note": "收入稳定"},
        **_PK,
    ),  # fmt: skip
    Route("api:monitoring-lines", api=True),
    Route(
        "api:monitoring-lines",
        method="post",
        api=True,
        action=Action.SET_LINE,
        target="area",
        levels=(Level.PROVINCE,),
        data=lambda area: {"province": area.code, "year": 2026, "amount": "6000"},
    ),  # fmt: skip
    Route("api:monitoring-flag-list", api=True),
    Route(
        "api:monitoring-flag-refresh",
        method="post",
        api=True,
        action=(Action.REVIEW, Action.APPROVE),
        target="area",
        levels=_REFRESH_LEVELS,
        data=lambda area: {"area": area.code},
    ),  # fmt: skip
    Route(
        "api:monitoring-flag-start",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="monitoring_flag",
        data=lambda f: {},
        success=(201,),
        **_PK,
    ),  # fmt: skip
]

EXEMPT: dict = {}
