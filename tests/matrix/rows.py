"""What a list of the matrix returns: the rows it must list, and only inside the user's scope.

A status code says nothing about a list's rows: a list that returned other areas' rows would
answer 200 like the right one. So every list route of the matrix says here how to read the area
of each row it returns (``Rows.read``) and what to put in the world first so that a leak has
something to leak (``Rows.seed``: rows of its kind in a village of every region around the
personas' areas, SEEDED below). test_matrix.py's ``test_list_returns_only_rows_in_scope`` asks the
list as each role of the matrix and checks every row against the role's own area (ROLE_AREAS,
not the code's scopes), and that rows in scope are listed (a reader that finds nothing proves
nothing); ``test_every_list_route_says_how_to_read_its_rows`` refuses a list route without an
entry here.

Rows are read from what the response shows, never from the view's context: JSON fields of area
codes (or the ids of the rows, looked up in the database), and on pages a marker each row already
renders (household numbers begin with their village's code, area codes in links) or a
``data-area`` attribute the row's template carries for this.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from areas.choices import Level

__all__ = ["ROWS", "SEEDED", "Rows", "in_scope", "prefix_of"]

#: a village in each region around the personas' areas (tests/conftest.py ROLE_AREAS): the village
#: clerk's own, its sibling, another township of the county, another county of the city, another city
#: of the province, another province; each region is where one role's leak would show
SEEDED = (
    "530921201200",  # 孔兴村: every role's own area holds it
    "530921201201",  # 诗礼村: the village clerk's sibling
    "530921202200",  # 新华村: the township reviewer's sibling township
    "530922100200",  # 爱华村: the county officer's and auditor's sibling county
    "530821101200",  # under 宁洱镇: the city inspector's sibling city (added below)
    "520102001200",  # under 贵阳市: the province officer's sibling province (added below)
)

#: areas WORLD lacks, for the last two regions: (code, name, level, parent)
_EXTRA_AREAS = [
    ("530821101200", "宁洱村", Level.VILLAGE, "530821101000"),
    ("520102000000", "南明区", Level.COUNTY, "520100000000"),
    ("520102001000", "新华街道", Level.TOWNSHIP, "520102000000"),
    ("520102001200", "南明村", Level.VILLAGE, "520102001000"),
]


def prefix_of(code: str) -> str:
    """The prefix everything under an area shares: a 12-digit code without its trailing zero parts."""
    if len(code) != 12:
        return code
    for length in (2, 4, 6, 9):
        if set(code[length:]) <= {"0"}:
            return code[:length]
    return code


def in_scope(code: str, own_prefix: str, upward: bool) -> bool:
    """Whether a row of area ``code`` lies in the scope under ``own_prefix``; ``upward``: rows of an area
    above the user's own are in scope too (a county's campaign seen from one of its villages)."""
    if code.startswith(own_prefix):
        return True
    return upward and code.isdigit() and own_prefix.startswith(prefix_of(code))


@dataclass(frozen=True)
class Rows:
    #: (personas) → what the seed made (handed to ``target``); puts rows of the list in every SEEDED village
    seed: Callable
    #: (response, role, user) → one entry per row the response lists: the row's area code, or a tuple of
    #: codes when the row belongs to several areas and is in scope when one of them is
    read: Callable
    #: rows of an area above the user's area are in scope too (county campaigns seen from a village)
    upward: bool = False
    #: (route, role, seeded, personas) → the object the URL names, for a route with a target
    target: Callable | None = None
    #: the query string the rows test adds (a search that reaches past the default view of the list)
    query: dict = field(default_factory=dict)


# --- the world the lists are seeded into -------------------------------------------------------------


def extra_areas() -> None:
    from areas.models import Area

    for code, name, level, parent in _EXTRA_AREAS:
        Area.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent, "is_western": True}
        )


def _root(personas):
    return personas["superuser"]


def _households(personas, *, offset: int = 20, submit: bool = False, status: str | None = None, **fields) -> dict:
    """A household of four in every SEEDED village (ID numbers apart from other tests' families)."""
    from households.models import Household
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    extra_areas()
    made = {}
    for index, village in enumerate(SEEDED):
        household = save_household(
            actor=_root(personas),
            village_code=village,
            fields=household_input(**fields),
            members=family_of_four(offset + index),
            submit=submit,
        ).household
        if status:
            Household.objects.filter(pk=household.pk).update(status=status)
            household.refresh_from_db()
        made[village] = household
    return made


def seed_households(personas) -> dict:
    return _households(personas)


def seed_changes(personas) -> dict:
    """An audit row in every SEEDED village."""
    from areas.models import Area
    from core.audit import record_change
    from core.models import ChangeAction

    extra_areas()
    made = {}
    for village in SEEDED:
        area = Area.objects.get(code=village)
        made[village] = record_change(
            actor=None,
            obj=area,
            action=ChangeAction.UPDATE,
            area_code=village,
            before={"name": "a"},
            after={"name": "b"},
        )
    return made


def seed_areas(personas) -> dict:
    extra_areas()
    return {}


def seed_people(personas) -> dict:
    """A person with a role in every SEEDED village."""
    from tests.conftest import make_user

    extra_areas()
    return {village: make_user(f"seeded_{village}", "village_clerk", village) for village in SEEDED}


def seed_jobs(personas) -> dict:
    """Each persona's own job in its own area; another user's import and report in every SEEDED village."""
    from core.models import Job
    from tests.conftest import ROLE_AREAS, make_user

    extra_areas()
    stranger = make_user("stranger")
    for role, (own, _sibling, _parent) in ROLE_AREAS.items():
        Job.objects.create(kind="household_import", area_code=own, requested_by=personas[role], status="done")
        Job.objects.create(kind="report_registry", area_code=own, requested_by=personas[role], status="done")
    for village in SEEDED:
        Job.objects.create(kind="household_import", area_code=village, requested_by=stranger, status="done")
        Job.objects.create(kind="report_registry", area_code=village, requested_by=stranger, status="done")
    return {}


def seed_identification(personas) -> dict:
    """A campaign of 2026 in each SEEDED village's county, with quotas down to the village; in every
    village a case (announced), its first publicity posted, an objection, the village's figures and a
    poor-village case; a city spot-check of each campaign."""
    from decimal import Decimal

    from django.utils import timezone

    from identification import services, villages
    from identification.models import Case, Quota
    from tests.matrix.routes_identification_api import _yesterday

    root = _root(personas)
    households = _households(personas, offset=40, submit=True)
    campaigns = {}
    for village, household in households.items():
        county, township = village[:6] + "000000", village[:9] + "000"
        if county not in campaigns:
            campaigns[county] = services.create_campaign(
                actor=root, county_code=county, kind="initial", year=2026, title="矩阵批次",
                opens_on=datetime.date(2026, 1, 5),
            )  # fmt: skip
        campaign = campaigns[county]
        for code, count, people in ((county, 100, 400), (township, 40, 160), (village, 10, 40)):
            if not Quota.objects.filter(campaign=campaign, area_id=code).exists():
                services.set_quota(actor=root, campaign_id=campaign.pk, area_code=code, households=count, people=people)
        case = services.apply(
            actor=root,
            campaign_id=campaign.pk,
            household_id=household.pk,
            informed_on=datetime.date.fromisoformat(_yesterday()),
        )
        Case.objects.filter(pk=case.pk).update(state="home_checked")
        notice = services.create_notice(
            actor=root, campaign_id=campaign.pk, kind="first_publicity", area_code=village, issued_by="村委会",
            contact="0883-1234567",
        )  # fmt: skip
        notice = services.post_notice(
            actor=root,
            notice_id=notice.pk,
            starts_on=timezone.localdate() - datetime.timedelta(days=30),
            posted_place="村委会公示栏",
        )
        services.record_objection(
            actor=root, notice_id=notice.pk, case_id=case.pk, raised_by="村民", received_on=notice.starts_on,
            channel="in_person", content="该户收入偏高",
        )  # fmt: skip
        Case.objects.filter(pk=case.pk).update(state="announced")
        villages.record_village_figures(
            actor=root, village_code=village, year=2026,
            values={"total_households": 300, "rural_registered_population": 1000, "poor_households": 40,
                    "poor_people": 150},
        )  # fmt: skip
        villages.propose_poor_village(actor=root, campaign_id=campaign.pk, village_code=village)
    for campaign in campaigns.values():
        services.draw_spot_check(actor=root, campaign_id=campaign.pk, share=Decimal("1"), seed=1)
    return {"campaigns": campaigns}


def seed_exits(personas) -> dict:
    """A registered household of every SEEDED village proposed to exit in 2026 (the year the lists ask for)."""
    from exits import exit_services

    households = _households(personas, offset=60, status="registered", wage_income=20000)
    exit_services.propose_exits(
        actor=_root(personas), year=2026, household_ids=[household.pk for household in households.values()]
    )
    return {}


def seed_monitoring(personas) -> dict:
    """An exited household of every SEEDED village, alerted, and flagged for its dangerous house."""
    from exits import monitoring_services
    from exits.models import AttentionFlag

    households = _households(personas, offset=66, status="exited")
    for village, household in households.items():
        type(household).objects.filter(pk=household.pk).update(exit_year=2024)
        monitoring_services.start_alert(
            actor=_root(personas), household_id=household.pk, kind="unstable_exited", channel="complaint",
            note="矩阵预警",
        )  # fmt: skip
        AttentionFlag.objects.create(
            household=household, area_code=village, kind="dangerous_house", year=2026, detail={"housing_safety": "03"}
        )
    return {}


def seed_review(personas) -> dict:
    """The yearly review of each SEEDED village's county, and a form (accurate) of a registered household
    of every village."""
    from exits import review
    from tests.matrix.routes_review import SIGNATURES
    from tests.matrix.routes_review import _campaign as review_campaign

    campaigns = {}
    for village, household in _households(personas, offset=72, submit=True, status="registered").items():
        campaign = campaigns.setdefault(village[:6], review_campaign(village, personas))
        review.record_result(
            actor=_root(personas), campaign_id=campaign.pk, household_id=household.pk, form="a",
            finding="accurate", reason="核查", signatures=SIGNATURES,
        )  # fmt: skip
    return {"campaigns": campaigns}


def seed_assistance(personas) -> dict:
    """A cadre of each SEEDED village's county; in every village a registered household paired with it,
    visited, with a plan, a measure and a payment; a work team, an assistance unit and a project."""
    from decimal import Decimal

    from assistance import services, units
    from tests.matrix.routes_assistance import PROJECT_VALUES

    root = _root(personas)
    cadres = {}
    for village, household in _households(personas, offset=78, status="registered").items():
        county = village[:6] + "000000"
        if county not in cadres:
            cadres[county] = services.create_cadre(
                actor=root, county_code=county, name="王帮扶", unit="县农业局", starts_on=datetime.date(2026, 1, 1)
            )
        cadre = cadres[county]
        services.assign_cadre(
            actor=root, household_id=household.pk, cadre_id=cadre.pk, starts_on=datetime.date(2026, 2, 1)
        )
        plan = services.save_plan(actor=root, household_id=household.pk, year=2026, planned_exit_year=2027)
        services.add_measure(actor=root, plan_id=plan.pk, code="M01", year=2026)
        services.record_visit(
            actor=root, household_id=household.pk, cadre_id=cadre.pk, visited_on=datetime.date(2026, 3, 1),
            found="走访",
        )  # fmt: skip
        services.record_payment(
            actor=root, household_id=household.pk, amount=Decimal("100"), paid_on=datetime.date(2026, 3, 1),
            purpose="奖补",
        )  # fmt: skip
        services.set_work_team(
            actor=root, village_code=village, dispatching_unit="县财政局", leader="赵", first_secretary="钱",
            members=[], starts_on=datetime.date(2026, 1, 10),
        )  # fmt: skip
        units.assign_unit(actor=root, village_code=village, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10))
        services.propose_project(
            actor=root, location_code=village, values=PROJECT_VALUES, meeting={"date": "2026-02-01"}
        )
    return {"cadres": cadres}


def seed_findings(personas) -> dict:
    """An open data-quality warning of a household in every SEEDED village."""
    from tests.matrix.test_matrix import _finding_in

    extra_areas()
    return {village: _finding_in(village) for village in SEEDED}


def _own_county_campaign(route, role, seeded, personas):
    """The campaign of 凤庆县, whose villages include every role's own area: seen by every role."""
    return seeded["campaigns"]["530921000000"]


# --- readers -------------------------------------------------------------------------------------------


def _results(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def json_field(name: str) -> Callable:
    """The area code each JSON row holds in ``name``."""

    def read(response, role, user) -> list[str]:
        return [str(row[name]) for row in _results(response)]

    return read


def json_lookup(name: str, model_path: str, column: str) -> Callable:
    """The area of the object whose id each JSON row holds in ``name`` (``model_path``'s ``column``)."""

    def read(response, role, user) -> list[str]:
        from django.apps import apps

        ids = [row[name] for row in _results(response)]
        codes = dict(apps.get_model(model_path).objects.filter(pk__in=ids).values_list("pk", column))
        return [str(codes.get(pk, f"unknown {model_path} {pk}")) for pk in ids]

    return read


def page_pattern(pattern: str, digits: int = 12) -> Callable:
    """The first ``digits`` digits of what each match of ``pattern`` (one group) shows on the page."""
    compiled = re.compile(pattern)

    def read(response, role, user) -> list[str]:
        return [match[:digits] for match in compiled.findall(response.content.decode())]

    return read


#: the household number a row links to its household with: it begins with the village's code
_household_numbers = page_pattern(r'<td class="code"><a href="[^"]*">(\d+)</a>')

#: a row's ``data-area`` attribute, on a table row (the row templates carry it for the matrix)
data_area = page_pattern(r'<tr[^>]*\bdata-area="(\d+)"', digits=15)


def _export_rows(response, role, user) -> list[str]:
    """The village codes of the household numbers in a list export, CSV or Excel (read back)."""
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    if body.startswith(b"PK"):  # an xlsx workbook is a zip
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header = next(index for index, row in enumerate(rows) if "户编号" in row)
    column = rows[header].index("户编号")
    return [row[column][:12] for row in rows[header + 1 :] if row and row[column]]


def _people(response, role, user) -> list[tuple[str, ...]]:
    """A person is in scope when one of the person's grants is."""
    from areas.models import AreaUserObjectPermission

    ids = [int(pk) for pk in re.findall(r'href="/[^"]*people/(\d+)/"', response.content.decode())]
    grants: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, code in AreaUserObjectPermission.objects.filter(user_id__in=ids).values_list("user_id", "content_object"):
        grants[pk].append(code)
    return [tuple(grants[pk]) or (f"person {pk} with no grant",) for pk in ids]


def _job_ids(response) -> list[int]:
    if response.get("Content-Type", "").startswith("application/json"):
        return [row["id"] for row in _results(response)]
    return [int(pk) for pk in re.findall(r'<tr[^>]*\bdata-job="(\d+)"', response.content.decode())]


def _jobs(response, role, user) -> list[str]:
    """A job is the user's own (in scope whatever its area), or a report of an area where the user may export."""
    from core.models import Job
    from tests.conftest import ROLE_AREAS
    from tests.matrix.expected_roles import allows

    ids = _job_ids(response)
    codes = []
    for job in Job.objects.filter(pk__in=ids):
        if job.requested_by_id == user.pk:
            codes.append(ROLE_AREAS[role][0])  # own: in scope by definition
        elif job.kind.startswith("report") and role and allows(role, "export"):
            codes.append(job.area_code)
        else:
            codes.append(f"job {job.pk} of {job.requested_by} ({job.kind}, {job.area_code})")
    return codes


#: the village of the household each JSON row names
_household_village = json_lookup("household", "households.Household", "village_id")


def _own_county(route, role, seeded, personas):
    """凤庆县, whose villages include every role's own area: seen by every role."""
    from areas.models import Area

    return Area.objects.get(code="530921000000")


def _own_county_review(route, role, seeded, personas):
    return seeded["campaigns"]["530921"]


def _spot_check_items(response, role, user) -> list[str]:
    """The villages of the cases a spot-check lists: each item is a row."""
    return [str(item["village"]) for check in _results(response) for item in check["items"]]


def _area_target(route, role, seeded, personas):
    """An area the route acts on: the first of WORLD at the route's levels under the role's own area."""
    from areas.models import Area
    from tests.conftest import ROLE_AREAS
    from tests.matrix.test_matrix import _pick

    code = _pick(ROLE_AREAS[role][0], route.levels)
    return Area.objects.get(code=code) if code else None


# --- the list routes -------------------------------------------------------------------------------------

ROWS: dict[str, Rows] = {
    # areas, people, audit, jobs
    # the page lists the areas granted; a search by code lists every area of the scope under it
    "areas:area_list": Rows(seed_areas, page_pattern(r'<td class="code">(\d+)</td>', digits=15), query={"q": "5"}),
    "api:area-list": Rows(seed_areas, json_field("code"), target=_area_target),
    "areas:person_list": Rows(seed_people, _people),
    "core:change_list": Rows(seed_changes, data_area),
    "api:change-list": Rows(seed_changes, json_field("area_code")),
    "api:job-list": Rows(seed_jobs, _jobs),
    "reporting:report_list": Rows(seed_jobs, _jobs),
    "api:report-list": Rows(seed_jobs, _jobs),
    # households
    "api:household-list": Rows(seed_households, json_field("village")),
    "households:household_list": Rows(seed_households, _household_numbers),
    "households:household_export": Rows(seed_households, _export_rows),
    # identification
    "api:campaign-list": Rows(seed_identification, json_field("county"), upward=True),
    "identification:campaign_list": Rows(seed_identification, data_area, upward=True),
    "api:quota-list": Rows(seed_identification, json_field("area")),
    "identification:quota_list": Rows(seed_identification, data_area, upward=True, target=_own_county_campaign),
    "api:case-list": Rows(seed_identification, json_field("village"), target=_area_target),
    "identification:case_list": Rows(seed_identification, data_area, target=_own_county_campaign),
    "api:notice-list": Rows(seed_identification, json_field("area")),
    "identification:notice_list": Rows(seed_identification, data_area, target=_own_county_campaign),
    "api:objection-list": Rows(seed_identification, json_lookup("case", "identification.Case", "area_code")),
    "api:spot-check-list": Rows(seed_identification, _spot_check_items),
    "api:village-figures-list": Rows(seed_identification, json_field("village")),
    "api:village-case-list": Rows(seed_identification, json_field("village")),
    "identification:village_list": Rows(seed_identification, data_area, target=_own_county_campaign),
    # exits, monitoring, the yearly review
    "api:exit-case-list": Rows(seed_exits, json_field("village"), query={"year": 2026}),
    "exit:case_list": Rows(seed_exits, data_area, query={"year": 2026}),
    "api:monitoring-case-list": Rows(seed_monitoring, json_field("area_code")),
    "monitoring:case_list": Rows(seed_monitoring, data_area),
    "api:monitoring-flag-list": Rows(seed_monitoring, json_field("area_code")),
    "monitoring:flag_list": Rows(seed_monitoring, data_area),
    "api:exits-review-campaign-list": Rows(seed_review, json_field("county"), upward=True),
    "exits_review:campaign_list": Rows(seed_review, data_area, upward=True),
    "api:exits-review-result-list": Rows(seed_review, json_field("area_code"), target=_own_county_review),
    # assistance
    "api:assistance-cadre-list": Rows(seed_assistance, json_field("county"), upward=True),
    "assistance:cadre_list": Rows(seed_assistance, data_area, upward=True, target=_own_county),
    "api:assistance-pairing-list": Rows(seed_assistance, _household_village),
    "api:assistance-visit-list": Rows(seed_assistance, _household_village),
    "api:assistance-plan-list": Rows(seed_assistance, _household_village),
    "api:assistance-measure-list": Rows(seed_assistance, _household_village),
    "api:assistance-payment-list": Rows(seed_assistance, _household_village),
    "api:assistance-project-list": Rows(seed_assistance, json_field("location")),
    "assistance:project_list": Rows(seed_assistance, data_area),
    "api:assistance-work-team-list": Rows(seed_assistance, json_field("village")),
    "api:assistance-unit-assignment-list": Rows(seed_assistance, json_field("village")),
    "assistance:fund_list": Rows(seed_assistance, data_area, target=_area_target),
    # data quality
    "api:quality-finding-list": Rows(seed_findings, json_field("area_code"), target=_area_target),
    "households:finding_list": Rows(seed_findings, _household_numbers, target=_area_target),
}
