"""Frozen years (年度定案): freezing refused while anything is open, the immutable snapshot, every
later edit of the year refused (service, page, API, Excel import), the race of two officers, and
year-over-year differences."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404
from django.urls import reverse

from assistance import services as assistance
from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from exits import exit_services, frozen, review
from exits.models import CoverageYear, FrozenYear, MeasureMemberYear, MeasureYear, MemberYear, PlanYear
from households.models import Household, HouseholdYear
from households.services import save_household
from tests.exits.review.conftest import AIHUA_VILLAGE, COUNTY, SIGNED, YEAR, id_campaign, in_status
from tests.households.test_import_support import checked, family, household, refusals, workbook_bytes
from tests.identification.conftest import walk_to_home_checked

pytestmark = pytest.mark.django_db


def test_freezing_is_refused_with_the_list_of_what_is_open(personas, campaign):
    # given an identification case still at the home check and a review form not yet decided
    applicant = in_status(personas, 1, "applicant")
    registered = in_status(personas, 2, "registered")
    case = walk_to_home_checked(personas, id_campaign(personas, "new_poverty"), applicant)
    review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=registered.pk, form="a",
        finding="accurate", reason="核查", signatures=SIGNED,
    )  # fmt: skip

    # when
    with pytest.raises(ServiceError) as refused:
        frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)

    # then both are named, and nothing was frozen
    assert refused.value.code == "open_items" and refused.value.details["count"] == 2
    labels = [(item["label"], item["area_code"]) for item in refused.value.details["open"]]
    assert labels == [
        (case.household.household_no, case.area_code),
        (registered.household_no, registered.village_id),
    ]
    assert not FrozenYear.objects.exists() and not HouseholdYear.objects.exists()


def test_a_household_exit_still_under_way_holds_the_freeze(personas):
    # given a registered household proposed to exit this year (pre_exit), its case not yet announced
    household = in_status(personas, 3, "registered")
    proposed = exit_services.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[household.pk])
    assert proposed.succeeded == [household.pk]

    # when
    with pytest.raises(ServiceError) as refused:
        frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)

    # then the exit is named, and nothing was frozen
    assert refused.value.code == "open_items"
    assert [(item["label"], item["area_code"]) for item in refused.value.details["open"]] == [
        (household.household_no, household.village_id)
    ]
    assert not FrozenYear.objects.exists()


def test_a_frozen_year_keeps_households_members_and_plans(personas):
    # given
    first = in_status(personas, 1, "registered")
    in_status(personas, 2, "exited", exit_year=YEAR - 1)
    plan = assistance.save_plan(
        actor=personas["superuser"], household_id=first.pk, year=YEAR, planned_exit_year=YEAR + 1
    )
    assistance.add_measure(actor=personas["superuser"], plan_id=plan.pk, code="M01", year=YEAR)
    members = list(first.members.order_by("position").values_list("pk", flat=True)[:2])
    named = assistance.add_measure(
        actor=personas["superuser"], plan_id=plan.pk, code="M02", year=YEAR + 1, member_ids=members
    )
    today = datetime.date.today()  # noqa: DTZ011 -- a calendar date
    cadre = assistance.create_cadre(
        actor=personas["county_officer"], county_code=COUNTY, name="李明", unit="县农业局", starts_on=today
    )
    pairing = assistance.assign_cadre(
        actor=personas["county_officer"], household_id=first.pk, cadre_id=cadre.pk, starts_on=today
    )
    team = assistance.set_work_team(
        actor=personas["county_officer"], village_code=first.village_id, dispatching_unit="县农业局",
        leader="王强", first_secretary="赵刚", members=[], starts_on=today,
    )  # fmt: skip

    # when
    year = frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)

    # then
    assert year.counts == {
        "households": 2, "members": 8, "plans": 1, "measures": 2, "measure_members": 2,
        "coverage_pairing": 1, "coverage_work_team": 1, "coverage_unit": 0,
    }  # fmt: skip
    assert set(MeasureYear.objects.filter(year=YEAR).values_list("code", "measure_year", "household_id")) == {
        ("M01", YEAR, first.pk),
        ("M02", YEAR + 1, first.pk),
    }
    assert sorted(MeasureMemberYear.objects.filter(year=YEAR).values_list("measure_id", "member_id", "code")) == [
        (named.pk, member, "M02") for member in members
    ]
    assert set(CoverageYear.objects.filter(year=YEAR).values_list("kind", "source_id", "ref_id", "household_id")) == {
        ("pairing", pairing.pk, cadre.pk, first.pk),
        ("work_team", team.pk, team.pk, None),
    }
    assert frozen.is_frozen("530921201200", YEAR)
    snapshot = HouseholdYear.objects.get(household=first, year=YEAR)
    assert (snapshot.status, snapshot.household_size, snapshot.data["household_no"]) == (
        "registered",
        4,
        first.household_no,
    )
    assert MemberYear.objects.filter(household_id=first.pk, year=YEAR, is_active=True).count() == 4
    kept = PlanYear.objects.get(plan_id=plan.pk, year=YEAR)
    assert sorted(m["code"] for m in kept.data["measures"]) == ["M01", "M02"]
    assert ObjectChange.objects.filter(content_type__model="frozenyear", action="create").count() == 1


def test_the_snapshot_refuses_updates_in_the_database(personas):
    household = in_status(personas, 1, "registered")
    plan = assistance.save_plan(
        actor=personas["superuser"], household_id=household.pk, year=YEAR, planned_exit_year=YEAR
    )
    member = household.members.values_list("pk", flat=True).first()
    assistance.add_measure(actor=personas["superuser"], plan_id=plan.pk, code="M02", year=YEAR, member_ids=[member])
    today = datetime.date.today()  # noqa: DTZ011 -- a calendar date
    cadre = assistance.create_cadre(
        actor=personas["county_officer"], county_code=COUNTY, name="李明", unit="县农业局", starts_on=today
    )
    assistance.assign_cadre(
        actor=personas["county_officer"], household_id=household.pk, cadre_id=cadre.pk, starts_on=today
    )
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)
    assert MeasureYear.objects.exists() and MeasureMemberYear.objects.exists() and CoverageYear.objects.exists()

    for model in (HouseholdYear, MemberYear, MeasureYear, MeasureMemberYear, CoverageYear):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            model.objects.filter(year=YEAR).update(area_code="530921201201")

    assert set(HouseholdYear.objects.values_list("area_code", flat=True)) == {"530921201200"}


def test_freezing_checks_role_scope_the_year_and_a_second_attempt(personas):
    with pytest.raises(PermissionDenied):
        frozen.freeze_year(actor=personas["auditor"], county_code=COUNTY, year=YEAR)
    with pytest.raises(Http404):
        frozen.freeze_year(actor=personas["county_officer"], county_code="530922000000", year=YEAR)
    with pytest.raises(ServiceError) as future:
        frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR + 1)
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)
    with pytest.raises(Conflict) as again:
        frozen.freeze_year(actor=personas["superuser"], county_code=COUNTY, year=YEAR)

    assert (future.value.code, again.value.code) == ("future_year", "already_frozen")
    assert FrozenYear.objects.count() == 1


# --- every edit of the frozen year is refused ---------------------------------------------------


@pytest.fixture
def frozen_household(personas):
    registered = in_status(personas, 1, "registered")
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)
    return registered


def test_the_service_refuses_an_edit(personas, frozen_household):
    with pytest.raises(ServiceError) as refused:
        save_household(
            actor=personas["village_clerk"],
            household_id=frozen_household.pk,
            expected_version=frozen_household.version,
            fields={"wage_income": 1},
            members=[],
        )

    assert refused.value.code == "frozen_year"
    assert Household.objects.get(pk=frozen_household.pk).version == frozen_household.version


def test_freezing_a_county_leaves_the_neighbouring_county_open(personas):
    # given a household of 凤庆县 and one of 云县, its neighbour in the same city
    here = in_status(personas, 1, "registered")
    there = in_status(personas, 2, "registered", village=AIHUA_VILLAGE)
    root = personas["superuser"]

    # when 凤庆县 freezes the year
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)

    # then the same edit is refused in 凤庆县 and saved in 云县, whose review of the year can still open
    with pytest.raises(ServiceError) as refused:
        save_household(
            actor=root, household_id=here.pk, expected_version=here.version, fields={"wage_income": 1}, members=[]
        )
    save_household(
        actor=root, household_id=there.pk, expected_version=there.version, fields={"wage_income": 1}, members=[]
    )
    neighbour = review.open_review(
        actor=root, county_code="530922000000", year=YEAR, title="云县", opens_on=datetime.date(YEAR, 1, 1),
        deadline=datetime.date(YEAR, 12, 31),
    )  # fmt: skip

    assert refused.value.code == "frozen_year"
    assert (Household.objects.get(pk=here.pk).wage_income, Household.objects.get(pk=there.pk).wage_income) == (
        here.wage_income, 1,
    )  # fmt: skip
    assert neighbour.county_id == "530922000000"
    assert list(FrozenYear.objects.values_list("county_id", "year")) == [(COUNTY, YEAR)]


def test_the_page_refuses_an_edit(personas, client_for, frozen_household):
    from tests.matrix.routes_households import _edit_post

    response = client_for(personas["village_clerk"]).post(
        reverse("households:household_edit", kwargs={"pk": frozen_household.pk}), _edit_post(frozen_household)
    )

    assert response.status_code == 200
    assert f"本县 {YEAR} 年度已定案" in response.content.decode()
    assert Household.objects.get(pk=frozen_household.pk).version == frozen_household.version


def test_the_api_refuses_an_edit(personas, api_for, frozen_household):
    response = api_for(personas["village_clerk"]).patch(
        reverse("api:household-detail", kwargs={"pk": frozen_household.pk}),
        {"version": frozen_household.version, "wage_income": "1234.00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "frozen_year"
    assert Household.objects.get(pk=frozen_household.pk).version == frozen_household.version


def test_the_excel_import_refuses_the_rows(personas, frozen_household):
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1", offset=5)))

    assert [r for r in refusals(job) if r[3] == "frozen_year"] == [("户", 2, "所在村区划代码", "frozen_year")]
    assert job.result["counts"]["new"] == 0
    assert Household.objects.count() == 1


def test_review_and_procedures_of_the_frozen_year_are_refused(personas, frozen_household):
    with pytest.raises(ServiceError) as refused:
        review.open_review(
            actor=personas["county_officer"], county_code=COUNTY, year=YEAR, title="迟到", opens_on=datetime.date(
                YEAR, 1, 1), deadline=datetime.date(YEAR, 12, 31),
        )  # fmt: skip

    assert refused.value.code == "frozen_year"


# --- two officers at once (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_freezing_at_once_one_wins_the_other_is_told(personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")
    from tests.conftest import make_user

    in_status(personas, 1, "registered")
    second_officer = make_user("second_officer", "county_officer", COUNTY)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def freeze(user) -> None:
        try:
            barrier.wait()
            frozen.freeze_year(actor=user, county_code=COUNTY, year=YEAR)
            outcomes.append("frozen")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=freeze, args=(u,)) for u in (personas["county_officer"], second_officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_frozen", "frozen"]
    assert FrozenYear.objects.count() == 1
    assert HouseholdYear.objects.filter(year=YEAR).count() == 1


# --- differences --------------------------------------------------------------------------------


def test_next_years_differences_against_the_frozen_year(personas):
    # given a frozen year with two registered households of four
    staying = in_status(personas, 1, "registered")
    leaving = in_status(personas, 2, "registered")
    FrozenYear.objects.create(county_id=COUNTY, year=YEAR - 1, frozen_by=personas["county_officer"])
    from exits.frozen import _snapshot

    _snapshot(COUNTY, YEAR - 1, staying.created_at)

    # when, in the open year, one exits, one is found missed, and a member leaves
    Household.objects.filter(pk=leaving.pk).update(status="exited", exit_year=YEAR)
    in_status(personas, 3, "registered")
    member = staying.members.order_by("position").last()
    type(member).objects.filter(pk=member.pk).update(is_active=False, change_reason="02")
    result = frozen.differences(actor=personas["county_officer"], area_code=COUNTY, year=YEAR)

    # then
    assert (result.base_frozen, result.frozen) == (True, False)
    assert result.totals == {
        "new": 1, "exited": 1, "returned": 0, "removed": 0, "closed": 0, "members_in": 4, "members_out": 1,
    }  # fmt: skip
    assert [row.name for row in result.areas] == ["孔兴村"]


def test_no_identification_case_is_filed_in_a_frozen_year(personas):
    applicant = in_status(personas, 1, "applicant")
    campaign = id_campaign(personas, "new_poverty")
    frozen.freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=YEAR)
    from identification import services as identification

    with pytest.raises(ServiceError) as refused:
        identification.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=applicant.pk,
            informed_on=datetime.date(YEAR, 1, 2),
        )  # fmt: skip

    assert refused.value.code == "frozen_year"
    assert not campaign.cases.exists()
