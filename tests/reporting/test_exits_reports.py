"""The reports built on the exits models: dynamic management (status changes, review results and
rates, natural changes), monitoring (cases by kind and state, the monitoring line), the frozen-year
source (a frozen year's report does not move when the live data does) and the rolling plan's
village exits at a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from areas.models import Area, VillageFigures
from assistance.models import Plan
from exits import review
from exits.frozen import differences, freeze_year
from exits.models import MemberYear, MonitoringCase, ReviewCampaign, ReviewResult, StatusChange
from exits.monitoring import monitoring_line_for
from households.models import Household, HouseholdYear, Member, PovertyLine
from identification.models import Campaign, Case
from reporting.reports import dynamic, monitoring
from reporting.sources import ReportContext, open_year
from tests.conftest import in_2026
from tests.reporting.conftest import KONGXING, SHILI, XINHUA, add_households
from tests.reporting.test_reports import _row, _sheet_rows

pytestmark = pytest.mark.django_db

COUNTY = "530921000000"


def _totals(job, index: int = 1) -> dict:
    """The workbook's totals row of sheet ``index`` by column key (code and name come first)."""
    table = job.result["tables"][index - 1]
    total = _row(_sheet_rows(job, index), "合计")
    return {key: total[2 + position] for position, (key, *_rest) in enumerate(table["columns"])}


def _status_change(household, procedure, year, actor):
    return StatusChange.objects.create(
        household=household,
        area_code=household.village_id,
        procedure=procedure,
        from_status="registered",
        to_status="removed",
        year=year,
        effective_on=datetime.date(year, 3, 1),
        reason="核实",
        actor=actor,
    )


def _members(household, count: int, start: int) -> list[Member]:
    return Member.objects.bulk_create(
        Member(
            household=household, area_code=household.village_id, position=i + 1, name="某", gender="1",
            id_number=f"X{start + i:017d}", relation="01", health="04",
        )
        for i in range(count)
    )  # fmt: skip


@pytest.fixture
def dynamic_data(personas, report_data):
    officer = personas["county_officer"]
    year = report_data["year"]
    Household.objects.filter(village_id=KONGXING, status="exited").update(exit_year=year)  # 2 exited, 4 people
    # registered in the year: two announced cases of new poverty, one rejected, one returned (not new)
    new = add_households(KONGXING, 3, size=3)
    campaign = Campaign.objects.create(
        county_id=COUNTY, kind="new_poverty", year=year, title="新识别", opens_on=datetime.date(year, 1, 1),
        created_by=officer,
    )  # fmt: skip
    returning = Campaign.objects.create(
        county_id=COUNTY, kind="return", year=year, title="返贫", opens_on=datetime.date(year, 1, 1), created_by=officer
    )
    for household, state in zip(new, ("announced", "spot_checked", "rejected"), strict=True):
        Case.objects.create(campaign=campaign, household=household, area_code=KONGXING, state=state, household_size=3)
    xinhua = list(Household.objects.filter(village_id=XINHUA))
    Case.objects.create(campaign=returning, household=xinhua[0], area_code=XINHUA, state="announced", household_size=1)
    # status changes: a return in 新华 this year, a removal in 诗礼 this year, a closure last year
    _status_change(xinhua[0], "return", year, officer)
    shili = list(Household.objects.filter(village_id=SHILI).order_by("pk"))
    _status_change(shili[0], "remove", year, officer)  # 4 people
    _status_change(shili[1], "close", year - 1, officer)
    # the review: confirmed findings count, a merely recorded one does not
    review_campaign = ReviewCampaign.objects.create(
        county_id=COUNTY, year=year, title="动态管理", opens_on=datetime.date(year, 1, 1),
        deadline=datetime.date(year, 12, 1), start_households=50, start_people=200, created_by=officer,
    )  # fmt: skip

    def result(household, form, finding, people, state):
        ReviewResult.objects.create(
            campaign=review_campaign, form=form, household=household, area_code=household.village_id,
            finding=finding, people=people, reason="核查", signatures={}, state=state, recorded_by=officer,
        )  # fmt: skip

    result(shili[0], "a", "wrongly_included", 4, "applied")
    result(shili[2], "a", "wrongly_included", 4, "recorded")
    result(new[2], "b", "missed", 3, "approved")
    exited = list(Household.objects.filter(village_id=KONGXING, status="exited"))
    result(exited[0], "c", "wrongly_exited", 2, "approved")
    result(exited[1], "c", "exit_confirmed", 2, "approved")
    # natural changes: last year's snapshot holds members 1-3; now 2-3 remain and 4-5 came
    household = report_data["kongxing"][0]
    members = _members(household, 5, 1000)
    MemberYear.objects.bulk_create(
        MemberYear(
            member_id=m.pk, household_id=household.pk, year=year - 1, area_code=KONGXING, is_active=True,
            name=m.name, relation="01", data={},
        )
        for m in members[:3]
    )  # fmt: skip
    Member.objects.filter(pk=members[0].pk).update(is_active=False)
    return {"campaign": review_campaign}


def test_the_dynamic_report_counts_the_years_changes_by_township(personas, dynamic_data, built):
    job = built(personas["county_officer"], "dynamic", COUNTY)
    totals = _totals(job)
    rows = _sheet_rows(job)
    fengshan = _row(rows, "530921201000")  # 凤山镇: 孔雀 and 诗礼
    keys = [key for key, *_rest in job.result["tables"][0]["columns"]]

    assert (totals["new_h"], totals["new_p"]) == (2, 6)
    assert (totals["exited_h"], totals["exited_p"]) == (2, 4)
    assert (totals["returned_h"], totals["returned_p"]) == (1, 1)
    assert (totals["removed_h"], totals["removed_p"]) == (1, 4)
    assert (totals["closed_h"], totals["closed_p"]) == (0, 0)
    assert (totals["missed_h"], totals["missed_p"]) == (1, 3)
    assert (totals["wrongly_included_h"], totals["wrongly_included_p"]) == (1, 4)
    assert fengshan[2 + keys.index("new_h")] == 2 and fengshan[2 + keys.index("removed_p")] == 4
    assert "新识别纳入" in rows[1] and "人员增加" in rows[2]
    # the workbook's totals equal the SQL figures of the same service
    year = open_year()
    assert (
        totals["exited_h"]
        == Household.objects.filter(village__code__startswith="530921", exit_year=year, status="exited").count()
    )
    removed = StatusChange.objects.filter(area_code__startswith="530921", year=year, procedure="remove")
    assert totals["removed_p"] == removed.aggregate(n=Sum("household__household_size"))["n"]


def test_members_in_and_out_are_those_of_exits_differences(personas, dynamic_data):
    context = ReportContext(area=Area.objects.get(code=COUNTY), year=open_year())
    values = dynamic.figures(context)
    expected = differences(actor=personas["county_officer"], area_code=COUNTY, year=open_year())

    members_in = sum(v.get("members_in", 0) for v in values.values())
    members_out = sum(v.get("members_out", 0) for v in values.values())
    assert (members_in, members_out) == (expected.totals["members_in"], expected.totals["members_out"]) == (2, 1)


def test_the_review_rates_are_those_of_exits_review(personas, dynamic_data, built):
    job = built(personas["county_officer"], "dynamic", COUNTY)
    rates = _totals(job, 2)
    county = _row(_sheet_rows(job, 2), COUNTY)
    keys = [key for key, *_rest in job.result["tables"][1]["columns"]]
    expected = review.report(dynamic_data["campaign"])

    # 4 of 200 wrongly included; 2 of 4 re-checked exited people wrongly exited; 3 missed of 200-4+3+2
    assert (expected.wrong_inclusion_rate, expected.wrong_exit_rate) == (Decimal("2.00"), Decimal("50.00"))
    assert county[2 + keys.index("wrong_inclusion_rate")] == pytest.approx(float(expected.wrong_inclusion_rate) / 100)
    assert county[2 + keys.index("wrong_exit_rate")] == pytest.approx(float(expected.wrong_exit_rate) / 100)
    assert county[2 + keys.index("missed_rate")] == pytest.approx(float(expected.missed_rate) / 100)
    assert rates["start_p"] == 200 and rates["after_p"] == expected.after_people == 201
    assert rates["wrong_inclusion_rate"] is None  # rates of campaigns are not added up
    assert {"错评率", "漏评率", "错退率"} <= set(_sheet_rows(job, 2)[2])


def test_a_township_reviewer_sees_only_their_townships_changes(personas, dynamic_data):
    context = ReportContext(
        area=Area.objects.get(code="530921201000"), year=open_year(), actor=personas["township_reviewer"]
    )
    values = dynamic.figures(context)

    assert set(values) <= {KONGXING, SHILI}
    assert sum(v.get("returned_h", 0) for v in values.values()) == 0  # the return was in 新华


@pytest.fixture
def monitoring_data(personas, report_data):
    officer = personas["county_officer"]
    year = report_data["year"]
    exited = list(Household.objects.filter(village_id=KONGXING, status="exited").order_by("pk"))  # 2 people each
    shili = list(Household.objects.filter(village_id=SHILI).order_by("pk"))  # 4, 4, 4, 5 people
    xinhua = list(Household.objects.filter(village_id=XINHUA).order_by("pk"))  # 1 person each

    def case(household, kind, state, entered=None, eliminated=None, mode=""):
        return MonitoringCase.objects.create(
            household=household, area_code=household.village_id, year=year, kind=kind, channel="cadre_screening",
            state=state, alert_note="预警", entered_on=entered, eliminated_on=eliminated, elimination_mode=mode,
            created_by=officer,
        )  # fmt: skip

    case(exited[0], "unstable_exited", "monitored", datetime.date(year - 1, 6, 1))
    case(shili[0], "marginal", "monitored", datetime.date(year, 1, 2))
    case(shili[1], "sudden_hardship", "eliminated", datetime.date(year, 1, 2), datetime.date(year, 1, 3), "assistance")
    case(shili[2], "marginal", "eliminated", datetime.date(year - 1, 1, 2), datetime.date(year, 1, 3), "natural")
    case(shili[3], "marginal", "home_checked")
    case(xinhua[0], "marginal", "rejected")
    Household.objects.filter(pk=exited[1].pk).update(net_income_per_capita=Decimal("5000"))
    PovertyLine.objects.create(year=year, level="provincial", area_id="530000000000", amount=Decimal("3000"))


def test_the_monitoring_report_counts_cases_by_kind_and_state(personas, monitoring_data, built):
    job = built(personas["county_officer"], "monitoring", COUNTY)
    totals = _totals(job)
    line = monitoring_line_for(open_year(), KONGXING)

    assert (totals["kind_unstable_exited_h"], totals["kind_unstable_exited_p"]) == (1, 2)
    assert (totals["kind_marginal_h"], totals["kind_marginal_p"]) == (1, 4)
    assert totals["kind_sudden_hardship_h"] == 0  # its risk was eliminated in the year
    assert (totals["identifying_h"], totals["identifying_p"]) == (1, 5)
    assert (totals["entered_h"], totals["monitored_h"]) == (2, 2)
    assert (totals["eliminated_assistance_h"], totals["eliminated_natural_h"]) == (1, 1)
    # the line is exits.monitoring's: 1.5 × the province's 3000; an exited household at 3000 is under it,
    # one at 5000 is not
    assert line.amount == Decimal("4500.00")
    under = Household.objects.filter(
        village__code__startswith="530921", status="exited", net_income_per_capita__lt=line.amount
    )
    assert (totals["under_line_h"], totals["under_line_p"]) == (under.count(), 2) == (1, 2)
    assert any("4500.00" in note for note in job.result["tables"][0]["notes"])


def test_the_monitoring_report_takes_a_fixed_number_of_queries(
    personas, monitoring_data, django_assert_max_num_queries
):
    context = ReportContext(area=Area.objects.get(code=COUNTY), year=open_year(), actor=personas["county_officer"])
    before = monitoring.build(context)[0].totals
    add_households(SHILI, 30, status="exited", size=2)
    with django_assert_max_num_queries(8):
        after = monitoring.build(context)[0].totals
    # the thirty exited households at 3,000 yuan are under the monitoring line of 4,500
    assert [(t["under_line_h"], t["under_line_p"]) for t in (before, after)] == [(1, 2), (31, 62)]
    assert (after["monitored_h"], after["entered_h"]) == (2, 2)


def test_a_frozen_year_reads_its_snapshot_and_does_not_move_with_the_live_data(personas, report_data, built):
    year = open_year()
    officer = personas["county_officer"]
    Household.objects.filter(village_id=KONGXING, status="exited").update(exit_year=year)
    freeze_year(actor=officer, county_code=COUNTY, year=year)
    snapshot = HouseholdYear.objects.filter(year=year, area_code=KONGXING).first()
    # the keys sources.households_for reads are those freeze_year writes
    assert {"poverty_attribute", "main_cause", "exit_year", "status"} <= set(snapshot.data)

    before = {kind: built(officer, kind, COUNTY, year).result for kind in ("registry", "dynamic", "rolling_plan")}
    Household.objects.filter(village__code__startswith="530921").update(
        status="exited", exit_year=year, main_cause="03", poverty_attribute="tekun", household_size=9
    )
    add_households(KONGXING, 4)
    Plan.objects.filter(area_code=KONGXING).update(planned_exit_year=year + 2)
    after = {kind: built(officer, kind, COUNTY, year).result for kind in ("registry", "dynamic", "rolling_plan")}

    for kind in before:
        assert before[kind]["snapshot"] is True
        assert before[kind]["tables"][0]["totals"] == after[kind]["tables"][0]["totals"], kind
    planned = before["rolling_plan"]["tables"][0]["totals"]
    assert (planned[f"exit_{year}_h"], planned[f"exit_{year + 1}_h"]) == (2, 2)
    assert before["dynamic"]["tables"][0]["totals"]["exited_h"] == 2


def test_a_frozen_years_measures_and_coverage_read_what_was_copied_at_freezing(personas, report_data, built):
    """The rolling plan's measures sheet and the coverage report of a frozen year read
    exits.MeasureYear / MeasureMemberYear and CoverageYear; the same figures read live would
    move with every change below (checked on the same context switched to the live source)."""
    from assistance.models import AssistanceUnit, Cadre, Measure, Pairing, UnitAssignment, WorkTeam
    from reporting.reports import coverage, rolling_plan

    year = open_year()
    officer = personas["county_officer"]
    kongxing = report_data["kongxing"]
    named = Measure.objects.create(
        plan=kongxing[0].plans.get(year=year), household=kongxing[0], area_code=KONGXING, code="M02",
        year=year + 1, cost=Decimal("300"),
    )  # fmt: skip
    named.members.set(_members(kongxing[0], 2, 9100))
    freeze_year(actor=officer, county_code=COUNTY, year=year)
    county = Area.objects.get(code=COUNTY)

    def figures(live: bool):
        context = ReportContext(area=county, year=year, actor=officer)
        if live:
            context.__dict__["snapshot"] = False  # the same report read from the live records
        return rolling_plan.measure_figures(context, rolling_plan.horizon(context)), coverage.figures(context)

    before = {kind: built(officer, kind, COUNTY, year).result for kind in ("rolling_plan", "coverage")}
    frozen_measures, frozen_coverage = figures(live=False)
    assert frozen_measures == {
        "M01": {f"h_{year}": 4, f"funds_{year}": Decimal("4002.00")},
        "M02": {f"h_{year + 1}": 1, f"funds_{year + 1}": Decimal("300.00"), f"p_{year + 1}": 2},
    }
    assert frozen_coverage["530921201"] == {
        "poor_h": 8, "paired_h": 3, "cadres": 1, "work_teams": 1, "team_villages": 1,
    }  # fmt: skip

    # the live records change after the freeze, some of it dated back into the frozen year
    household = kongxing[3]
    Measure.objects.create(
        plan=household.plans.get(year=year), household=household, area_code=KONGXING, code="M01", year=year,
        cost=Decimal("99"),
    )  # fmt: skip
    named.members.add(*_members(kongxing[1], 1, 9200))
    cadre = Cadre.objects.create(county_id=COUNTY, name="赵帮扶", unit="县林业局", starts_on=datetime.date(year, 1, 1))
    Pairing.objects.create(household=household, cadre=cadre, area_code=KONGXING, starts_on=datetime.date(year, 1, 2))
    WorkTeam.objects.create(
        village_id=SHILI, dispatching_unit="县林业局", leader="钱队长", first_secretary="孙书记",
        starts_on=datetime.date(year, 1, 2),
    )  # fmt: skip
    unit = AssistanceUnit.objects.create(county_id=COUNTY, name="县林业局")
    UnitAssignment.objects.create(unit=unit, village_id=SHILI, starts_on=datetime.date(year, 1, 2))

    live_measures, live_coverage = figures(live=True)
    assert live_measures != frozen_measures and live_coverage != frozen_coverage  # the changes count live
    assert figures(live=False) == (frozen_measures, frozen_coverage)
    after = {kind: built(officer, kind, COUNTY, year).result for kind in ("rolling_plan", "coverage")}
    assert before["rolling_plan"]["tables"][1] == after["rolling_plan"]["tables"][1]
    assert before["coverage"]["tables"][0] == after["coverage"]["tables"][0]


@in_2026  # the report_data's plans are of 2026, the year open on this day
def test_the_rolling_plans_village_exits_take_a_fixed_number_of_queries(
    personas, report_data, django_assert_max_num_queries
):
    from reporting.reports import rolling_plan

    context = ReportContext(area=Area.objects.get(code="530000000000"), year=open_year())
    rolling_plan.build(context)
    with django_assert_max_num_queries(12) as few:
        before = rolling_plan.build(context)[0].totals
    # many more villages with figures and plans: the same number of queries
    villages = [
        Area(code=f"530921201{n:03d}", name=f"村{n}", level="village", parent_id="530921201000")
        for n in range(300, 340)
    ]
    Area.objects.bulk_create(villages)
    VillageFigures.objects.bulk_create(
        VillageFigures(village_id=v.code, year=open_year(), rural_registered_population=100) for v in villages
    )
    for village in villages:
        for household in add_households(village.code, 1):
            Plan.objects.create(
                household=household, area_code=village.code, year=open_year(), planned_exit_year=open_year(),
                updated_by=personas["county_officer"],
            )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        after = rolling_plan.build(context)[0].totals
    # the forty villages of one household each exit in the year, with their households (3 people each)
    keys = ("villages_2026", "exit_2026_h", "exit_2026_p")
    assert [tuple(t[key] for key in keys) for t in (before, after)] == [(3, 2, 6), (43, 42, 126)]


def test_the_dynamic_report_takes_a_fixed_number_of_queries(personas, dynamic_data, django_assert_max_num_queries):
    context = ReportContext(area=Area.objects.get(code=COUNTY), year=open_year(), actor=personas["county_officer"])
    dynamic.build(context)
    with django_assert_max_num_queries(40) as few:
        before = dynamic.build(context)[0].totals
    officer = personas["county_officer"]
    for household in add_households(SHILI, 20, size=2):
        _status_change(household, "remove", open_year(), officer)
        _members(household, 2, 5000 + 10 * household.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        after = dynamic.build(context)[0].totals
    # the twenty removals of two people each are counted
    assert [(t["removed_h"], t["removed_p"]) for t in (before, after)] == [(1, 4), (21, 44)]


def test_village_exit_years_reads_a_fixed_number_of_queries_however_many_villages(
    personas, report_data, django_assert_max_num_queries
):
    from assistance.selectors import village_exit_years

    with django_assert_max_num_queries(4) as few:
        before = village_exit_years("530921", open_year())
    villages = [
        Area(code=f"530921202{n:03d}", name=f"村{n}", level="village", parent_id="530921202000")
        for n in range(300, 330)
    ]
    Area.objects.bulk_create(villages)
    VillageFigures.objects.bulk_create(
        VillageFigures(village_id=v.code, year=open_year() - 1, rural_registered_population=50) for v in villages
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        after = village_exit_years("530921", open_year())
    assert len(after) == len(before) + 30
    assert {v.village: v.figures_year for v in after}[villages[0].code] == open_year() - 1


def test_a_township_reviewers_monitoring_report_holds_only_their_township(personas, monitoring_data):
    context = ReportContext(
        area=Area.objects.get(code="530921201000"), year=open_year(), actor=personas["township_reviewer"]
    )
    values = monitoring.figures(context, None)

    assert set(values) <= {KONGXING, SHILI}
    assert sum(v["kind_marginal_h"] for v in values.values()) == 1
