"""Matrix entries of assistance, pages and API (see routes.py for the fields of Route).

The objects these routes act on are target kinds of their own, in TARGETS below, with the
interface test_matrix.py uses for such kinds (``pick``, ``build``, ``expected``): each picks a
village the way households are picked (own, sibling or parent area of the role) and builds
there, as the superuser and through the services, what the route needs:

- ``assistance_household``: a registered household with two cadres of its county, a pairing, a
  plan of 2026 with a measure, a visit, a payment, and the village's work team and unit (the
  object carries them as attributes); seen by the roles whose area contains the village;
- ``assistance_cadre``: a cadre of the village's county, and ``assistance_county`` the county
  itself; seen by those who work in the county or above it (a township reviewer chooses among
  the county's cadres);
- ``assistance_project@<state>``: a project of the village at that step of the library;
- ``assistance_unit``: an assistance unit assigned to the village.

Expectations follow the role table: not seen → 404, seen without the route's action (a tuple:
any one of them) → 403, otherwise the route's success. Every accepted change writes an audit row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from areas.choices import Action, Level
from areas.codes import LEVEL_DIGITS
from tests.conftest import ROLE_AREAS, WORLD
from tests.matrix.expected_roles import allows
from tests.matrix.routes import Route

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

_LEVEL_OF = {code: level for code, _name, level, _parent in WORLD}
WORKERS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)
ASSIGNERS = (Action.REVIEW, Action.APPROVE)
PROPOSERS = (Action.CAPTURE, Action.APPROVE)
AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def _own_prefix(role: str) -> str | None:
    if role not in ROLE_AREAS:
        return None
    own = ROLE_AREAS[role][0]
    return own[: LEVEL_DIGITS[_LEVEL_OF[own]]]


def _sees_village(role: str, village: str) -> bool:
    prefix = _own_prefix(role)
    return prefix is not None and village.startswith(prefix)


def _works_in_county(role: str, village: str) -> bool:
    prefix = _own_prefix(role)
    county = village[:6]
    return prefix is not None and (county.startswith(prefix) or prefix.startswith(county))


@dataclass(frozen=True)
class AssistanceTarget:
    #: (village code, personas) → the object the route acts on
    build: Callable
    #: (role, village code) → whether the role sees that object
    sees: Callable = _sees_village

    def pick(self, role: str, relation: str, base: str) -> str | None:
        """A village under ``base`` (outside the role's own area for the parent relation)."""
        own = _own_prefix(role) if relation == "parent" else None
        prefix = base[: LEVEL_DIGITS[_LEVEL_OF[base]]]
        for code, _name, level, _parent in sorted(WORLD):
            if level == Level.VILLAGE and code.startswith(prefix) and not (own and code.startswith(own)):
                return code
        return None

    def expected(self, route: Route, role: str, village: str) -> tuple[int, ...]:
        if not self.sees(role, village):
            return (404,)
        if not allows(role, route.action):
            return (403,)
        return route.success


def _days_ago(days: int) -> datetime.date:
    """Visits and payments are dated from the clock, whichever day the suite runs on: the services
    refuse a date in the future, and the rest of these objects carry no such rule."""
    return timezone.localdate() - datetime.timedelta(days=days)


# --- builders (as the superuser, through the services) ---------------------------------------------


def _cadre(village: str, personas, name: str = "王帮扶"):
    from assistance import services

    return services.create_cadre(
        actor=personas["superuser"],
        county_code=village[:6] + "000000",
        name=name,
        unit="县农业局",
        starts_on=datetime.date(2026, 1, 1),
    )


def _household(village: str, personas):
    from decimal import Decimal

    from assistance import services, units
    from households.models import Household
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    actor = personas["superuser"]
    household = save_household(
        actor=actor, village_code=village, fields=household_input(), members=family_of_four()
    ).household
    Household.objects.filter(pk=household.pk).update(status="registered")
    household.refresh_from_db()
    household.cadre = _cadre(village, personas)
    household.other_cadre = _cadre(village, personas, "李帮扶")
    household.pairing = services.assign_cadre(
        actor=actor, household_id=household.pk, cadre_id=household.cadre.pk, starts_on=datetime.date(2026, 2, 1)
    )
    household.plan = services.save_plan(actor=actor, household_id=household.pk, year=2026, planned_exit_year=2027)
    household.measure = services.add_measure(actor=actor, plan_id=household.plan.pk, code="M01", year=2026)
    household.visit = services.record_visit(
        actor=actor,
        household_id=household.pk,
        cadre_id=household.cadre.pk,
        visited_on=_days_ago(2),
        found="走访",
    )
    household.payment = services.record_payment(
        actor=actor,
        household_id=household.pk,
        amount=Decimal("100"),
        paid_on=_days_ago(2),
        purpose="奖补",
    )
    household.team = services.set_work_team(
        actor=actor,
        village_code=village,
        dispatching_unit="县财政局",
        leader="赵",
        first_secretary="钱",
        members=[],
        starts_on=datetime.date(2026, 1, 10),
    )
    household.assignment = units.assign_unit(
        actor=actor, village_code=village, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
    )
    return household


def _county(village: str, personas):
    from areas.models import Area

    return Area.objects.get(code=village[:6] + "000000")


def _unit(village: str, personas):
    from assistance import units

    return units.assign_unit(
        actor=personas["superuser"], village_code=village, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
    )


def _project(state: str) -> Callable:
    def build(village: str, personas):
        from assistance import services
        from assistance.models import Project

        project = services.propose_project(
            actor=personas["superuser"],
            location_code=village,
            values=PROJECT_VALUES,
            meeting={"date": "2026-02-01"},
        )
        Project.objects.filter(pk=project.pk).update(state=state)
        return Project.objects.get(pk=project.pk)

    return build


PROJECT_VALUES = {
    "name": "核桃提质增效",
    "category": "产业发展",
    "responsible_unit": "县林草局",
    "tasks": "改良核桃500亩",
    "budget": "200000",
    "funding_sources": {"中央财政专项扶贫资金": "150000", "县级配套": "50000"},
    "performance_targets": "带动贫困户40户",
}

_PROJECT_STATES = ("proposed", "county_appraised", "under_way")

TARGETS: dict[str, AssistanceTarget] = {
    "assistance_household": AssistanceTarget(_household),
    "assistance_cadre": AssistanceTarget(_cadre, _works_in_county),
    "assistance_county": AssistanceTarget(_county, _works_in_county),
    "assistance_unit": AssistanceTarget(_unit),
    **{f"assistance_project@{state}": AssistanceTarget(_project(state)) for state in _PROJECT_STATES},
}


# --- URL kwargs and request bodies --------------------------------------------------------------------


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _code(area) -> dict:
    return {"code": area.code}


def _village_of(household) -> dict:
    return {"code": household.village_id}


def _proposal_page(area) -> dict:
    return {
        "location": area.code,
        **{key: value for key, value in PROJECT_VALUES.items() if key != "funding_sources"},
        "meeting_date": "2026-02-01",
        "funding-TOTAL_FORMS": "1",
        "funding-INITIAL_FORMS": "0",
        "funding-0-source": "县级配套",
        "funding-0-amount": "200000",
    }


def _proposal_api(area) -> dict:
    return {
        "location": area.code,
        **{key: value for key, value in PROJECT_VALUES.items() if key != "funding_sources"},
        "funding_sources": [{"source": "县级配套", "amount": "200000"}],
        "meeting": {"date": "2026-02-01"},
    }


_PUBLICITY = {"starts_on": "2026-03-01", "place": "村委会"}
_H = "assistance_household"

ROUTES: list = [
    # --- pages: start page, a household's assistance ---------------------------------------------------
    Route("assistance:index"),
    Route("assistance:household_assistance", target=_H, kwargs=_pk),
    Route("assistance:household_handbook", target=_H, kwargs=_pk),
    Route(
        "assistance:pairing_add",
        method="post",
        action=ASSIGNERS,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"cadre": h.other_cadre.pk, "starts_on": "2026-09-01", "reason": "工作调动"},
        success=(302,),
    ),
    Route(
        "assistance:visit_add",
        method="post",
        action=WORKERS,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"cadre": h.cadre.pk, "visited_on": _days_ago(1).isoformat(), "found": "走访"},
        success=(302,),
    ),
    Route(
        "assistance:plan_save",
        method="post",
        action=WORKERS,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"year": "2026", "planned_exit_year": "2028"},
        success=(302,),
    ),
    Route(
        "assistance:plan_copy",
        method="post",
        action=WORKERS,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"from_year": "2026", "to_year": "2027"},
        success=(302,),
    ),
    Route(
        "assistance:measure_add",
        method="post",
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.plan.pk},
        data=lambda h: {f"m{h.plan.pk}-code": "M09", f"m{h.plan.pk}-year": "2026", f"m{h.plan.pk}-status": "planned"},
        success=(302,),
    ),
    Route(
        "assistance:measure_status",
        method="post",
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.measure.pk},
        data=lambda h: {f"s{h.measure.pk}-status": "done", f"s{h.measure.pk}-cost": "300"},
        success=(302,),
    ),
    Route(
        "assistance:payment_add",
        method="post",
        action=ASSIGNERS,
        target=_H,
        kwargs=_pk,
        data=lambda h: {"amount": "500", "paid_on": _days_ago(1).isoformat(), "purpose": "产业奖补"},
        success=(302,),
    ),
    # --- pages: cadres of a county -------------------------------------------------------------------
    Route("assistance:cadre_list", target="assistance_county", kwargs=_code),
    Route("assistance:cadre_add", action=Action.APPROVE, target="assistance_county", kwargs=_code),
    Route(
        "assistance:cadre_add",
        method="post",
        action=Action.APPROVE,
        target="assistance_county",
        kwargs=_code,
        data=lambda county: {"name": "周帮扶", "unit": "县交通局", "starts_on": "2026-01-01"},
        success=(302,),
    ),
    Route("assistance:cadre_end", action=Action.APPROVE, target="assistance_cadre", kwargs=_pk),
    Route(
        "assistance:cadre_end",
        method="post",
        action=Action.APPROVE,
        target="assistance_cadre",
        kwargs=_pk,
        data=lambda cadre: {"ends_on": "2026-10-31"},
        success=(302,),
    ),
    # --- pages: a village -----------------------------------------------------------------------------
    Route("assistance:village_assistance", target="area", levels=(Level.VILLAGE,), kwargs=_code),
    Route("assistance:fund_list", target="area", levels=(Level.VILLAGE,), kwargs=_code),
    Route(
        "assistance:work_team_set",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.VILLAGE,),
        kwargs=_code,
        data=lambda area: {
            "dispatching_unit": "县财政局",
            "leader": "赵",
            "first_secretary": "钱",
            "members": "孙",
            "starts_on": "2026-01-10",
        },
        success=(302,),
    ),
    Route(
        "assistance:unit_assign",
        method="post",
        action=Action.APPROVE,
        target="area",
        levels=(Level.VILLAGE,),
        kwargs=_code,
        data=lambda area: {"unit_name": "县财政局", "starts_on": "2026-01-10"},
        success=(302,),
    ),
    Route(
        "assistance:unit_end",
        method="post",
        action=Action.APPROVE,
        target="assistance_unit",
        kwargs=_pk,
        data=lambda assignment: {"ends_on": "2026-06-30"},
        success=(302,),
    ),
    Route("assistance:bulk_assign", action=ASSIGNERS, target=_H, kwargs=_village_of),
    Route(
        "assistance:bulk_assign",
        method="post",
        action=ASSIGNERS,
        target=_H,
        kwargs=_village_of,
        data=lambda h: {"cadre": h.other_cadre.pk, "starts_on": "2026-09-01", "households": [h.pk]},
    ),
    # --- pages: a township or county -------------------------------------------------------------------
    Route("assistance:coverage", target="area", levels=AREA_LEVELS, kwargs=_code),
    Route("assistance:rolling_plan", target="area", levels=AREA_LEVELS, kwargs=_code),
    # --- pages: the project library -----------------------------------------------------------------------
    Route("assistance:project_list"),
    Route("assistance:project_detail", target="assistance_project@proposed", kwargs=_pk),
    Route(
        "assistance:project_add",
        action=PROPOSERS,
        target="area",
        levels=(Level.VILLAGE,),
        query=lambda area: {"location": area.code},
    ),
    Route(
        "assistance:project_add",
        method="post",
        action=PROPOSERS,
        target="area",
        levels=(Level.VILLAGE,),
        query=lambda area: {"location": area.code},
        data=_proposal_page,
        success=(302,),
    ),
    Route(
        "assistance:project_advance",
        method="post",
        action=Action.REVIEW,
        target="assistance_project@proposed",
        kwargs=_pk,
        data=lambda project: {"note": "审核通过"},
        success=(302,),
    ),
    Route(
        "assistance:project_advance",
        method="post",
        action=Action.APPROVE,
        target="assistance_project@county_appraised",
        kwargs=_pk,
        data=lambda project: {"publicity_starts_on": "2026-03-01", "publicity_place": "村委会"},
        success=(302,),
    ),
    # --- API: cadres and pairings -------------------------------------------------------------------------
    Route("api:assistance-cadre-list", api=True),
    Route(
        "api:assistance-cadre-list",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_county",
        data=lambda county: {"county": county.code, "name": "周帮扶", "unit": "县交通局", "starts_on": "2026-01-01"},
        success=(201,),
    ),
    Route("api:assistance-cadre-detail", api=True, target="assistance_cadre", kwargs=_pk),
    Route(
        "api:assistance-cadre-end",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_cadre",
        kwargs=_pk,
        data=lambda cadre: {"ends_on": "2026-10-31"},
    ),
    Route("api:assistance-pairing-list", api=True),
    Route(
        "api:assistance-pairing-list",
        method="post",
        api=True,
        action=ASSIGNERS,
        target=_H,
        data=lambda h: {"household": h.pk, "cadre": h.other_cadre.pk, "starts_on": "2026-09-01"},
        success=(201,),
    ),
    Route("api:assistance-pairing-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.pairing.pk}),
    Route(
        "api:assistance-pairing-bulk",
        method="post",
        api=True,
        action=ASSIGNERS,
        target=_H,
        data=lambda h: {
            "village": h.village_id,
            "cadre": h.other_cadre.pk,
            "starts_on": "2026-09-01",
            "households": [h.pk],
        },
    ),
    # --- API: visits, plans, measures -------------------------------------------------------------------------
    Route("api:assistance-visit-list", api=True),
    Route(
        "api:assistance-visit-list",
        method="post",
        api=True,
        action=WORKERS,
        target=_H,
        data=lambda h: {
            "household": h.pk,
            "cadre": h.cadre.pk,
            "visited_on": _days_ago(1).isoformat(),
            "found": "走访",
        },
        success=(201,),
    ),
    Route("api:assistance-visit-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.visit.pk}),
    Route("api:assistance-plan-list", api=True),
    Route(
        "api:assistance-plan-list",
        method="post",
        api=True,
        action=WORKERS,
        target=_H,
        data=lambda h: {"household": h.pk, "year": 2026, "planned_exit_year": 2028},
        success=(200, 201),
    ),
    Route("api:assistance-plan-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.plan.pk}),
    Route(
        "api:assistance-plan-detail",
        method="patch",
        api=True,
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.plan.pk},
        data=lambda h: {"note": "发展养殖"},
    ),
    Route(
        "api:assistance-plan-measures",
        method="post",
        api=True,
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.plan.pk},
        data=lambda h: {"code": "M09", "year": 2026},
        success=(201,),
    ),
    Route(
        "api:assistance-plan-copy",
        method="post",
        api=True,
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.plan.pk},
        data=lambda h: {"to_year": 2027},
        success=(201,),
    ),
    Route("api:assistance-measure-list", api=True),
    Route("api:assistance-measure-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.measure.pk}),
    Route(
        "api:assistance-measure-detail",
        method="patch",
        api=True,
        action=WORKERS,
        target=_H,
        kwargs=lambda h: {"pk": h.measure.pk},
        data=lambda h: {"status": "under_way"},
    ),
    # --- API: projects and payments ---------------------------------------------------------------------------
    Route("api:assistance-project-list", api=True),
    Route(
        "api:assistance-project-list",
        method="post",
        api=True,
        action=PROPOSERS,
        target="area",
        levels=(Level.VILLAGE,),
        data=_proposal_api,
        success=(201,),
    ),
    Route("api:assistance-project-detail", api=True, target="assistance_project@proposed", kwargs=_pk),
    Route(
        "api:assistance-project-advance",
        method="post",
        api=True,
        action=Action.REVIEW,
        target="assistance_project@proposed",
        kwargs=_pk,
        data=lambda project: {"note": "审核通过"},
    ),
    Route(
        "api:assistance-project-advance",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_project@under_way",
        kwargs=_pk,
        data=lambda project: {"publicity": _PUBLICITY},
    ),
    Route("api:assistance-payment-list", api=True),
    Route(
        "api:assistance-payment-list",
        method="post",
        api=True,
        action=ASSIGNERS,
        target=_H,
        data=lambda h: {"household": h.pk, "amount": "500", "paid_on": _days_ago(1).isoformat(), "purpose": "产业奖补"},
        success=(201,),
    ),
    Route("api:assistance-payment-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.payment.pk}),
    # --- API: work teams and units -------------------------------------------------------------------------------
    Route("api:assistance-work-team-list", api=True),
    Route(
        "api:assistance-work-team-list",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="area",
        levels=(Level.VILLAGE,),
        data=lambda area: {
            "village": area.code,
            "dispatching_unit": "县财政局",
            "leader": "赵",
            "first_secretary": "钱",
            "starts_on": "2026-01-10",
        },
        success=(201,),
    ),
    Route("api:assistance-work-team-detail", api=True, target=_H, kwargs=lambda h: {"pk": h.team.pk}),
    Route("api:assistance-unit-assignment-list", api=True),
    Route(
        "api:assistance-unit-assignment-list",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="area",
        levels=(Level.VILLAGE,),
        data=lambda area: {"village": area.code, "unit_name": "县财政局", "starts_on": "2026-01-10"},
        success=(201,),
    ),
    Route("api:assistance-unit-assignment-detail", api=True, target="assistance_unit", kwargs=_pk),
    Route(
        "api:assistance-unit-assignment-end",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_unit",
        kwargs=_pk,
        data=lambda assignment: {"ends_on": "2026-06-30"},
    ),
    # --- API: reads of a township or county ------------------------------------------------------------------------
    Route("api:assistance-coverage", api=True, target="area", levels=AREA_LEVELS, kwargs=_code),
    Route("api:assistance-rolling-plan", api=True, target="area", levels=AREA_LEVELS, kwargs=_code),
]

EXEMPT: dict = {}
