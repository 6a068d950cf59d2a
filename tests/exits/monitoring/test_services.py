"""Monitoring services: alerts, the steps and their guards, the borrowed village publicity, risks,
risk elimination and its conditions, lines, frozen years, refusals and stale or racing changes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.models import Measure, Plan
from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from exits import monitoring_services as services
from exits.models import FrozenYear, MonitoringCase, MonitoringEvent, MonitoringLine
from exits.monitoring import monitoring_line_for
from exits.monitoring_choices import MonitoringKind
from households.models import Household
from identification import services as identification
from identification.choices import CaseState
from tests.conftest import in_2026, make_user
from tests.exits.monitoring.conftest import TODAY, alert, make_household, run_publicity, walk

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the cases and their steps are of
# 2026.
pytestmark = [pytest.mark.django_db, in_2026]


def test_an_alert_opens_a_case_with_its_event_and_audit_row(personas, exited_household):
    # when
    case = alert(personas, exited_household)

    # then
    assert (case.state, case.kind, case.area_code, case.year) == ("alerted", "unstable_exited", "530921201200", 2026)
    assert list(case.events.values_list("transition", "to_state")) == [("alert", "alerted")]
    assert (
        ObjectChange.objects.filter(
            object_pk=str(case.pk), action="create", actor_username="village_clerk_user"
        ).count()
        == 1
    )


def test_a_second_open_case_for_the_same_household_is_refused(personas, exited_household):
    alert(personas, exited_household)
    with pytest.raises(Conflict) as refused:
        alert(personas, exited_household)
    assert refused.value.code == "already_monitored"
    assert MonitoringCase.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        pytest.param("registered", MonitoringKind.MARGINAL, "not_monitorable", id="registered_poor_case"),
        pytest.param("applicant", MonitoringKind.UNSTABLE_EXITED, "wrong_kind", id="never_exited_as_unstable_case"),
        pytest.param("exited", MonitoringKind.MARGINAL, "wrong_kind", id="exited_as_marginal_case"),
        pytest.param("closed", MonitoringKind.SUDDEN_HARDSHIP, "not_monitorable", id="closed_case"),
    ],
)
def test_an_alert_of_the_wrong_kind_of_household_is_refused(personas, status, kind, code):
    household = make_household(personas, 2, status=status)
    with pytest.raises(ServiceError) as refused:
        alert(personas, household, kind)
    assert refused.value.code == code
    assert not MonitoringCase.objects.exists()


def test_out_of_scope_is_404_and_wrong_role_403(personas, exited_household):
    with pytest.raises(Http404):
        services.start_alert(
            actor=personas["charlie"], household_id=exited_household.pk, kind="unstable_exited",
            channel="self_report", note="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.start_alert(
            actor=personas["county_officer"], household_id=exited_household.pk, kind="unstable_exited",
            channel="self_report", note="x",
        )  # fmt: skip
    case = alert(personas, exited_household)
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="x")
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_commitment", note="x", on=TODAY)
    with pytest.raises(PermissionDenied):  # data comparison is the township's
        services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_data_comparison", note="x")
    with pytest.raises(Http404):
        services.advance(actor=personas["charlie"], case_id=case.pk, step="record_data_comparison", note="x")
    case.refresh_from_db()
    assert case.state == "committed"


def test_steps_follow_the_table_and_out_of_order_steps_are_refused(personas, exited_household):
    case = alert(personas, exited_household)
    with pytest.raises(ServiceError) as refused:
        services.advance(actor=personas["township_reviewer"], case_id=case.pk, step="record_township_review", note="x")
    assert refused.value.code == "wrong_step"
    with pytest.raises(ServiceError) as missing_date:
        services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_commitment", note="x")
    assert missing_date.value.code == "wrong_step"  # still at alerted: home check first
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="收入中断属实")
    with pytest.raises(ServiceError) as no_date:
        services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_commitment", note="已签字")
    assert (no_date.value.code, no_date.value.field) == ("required", "on")
    case.refresh_from_db()
    assert case.state == "home_checked"


def test_a_stale_version_is_refused(personas, exited_household):
    case = alert(personas, exited_household)
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="x", version=1)
    with pytest.raises(Conflict) as refused:
        services.advance(
            actor=personas["village_clerk"], case_id=case.pk, step="record_commitment", note="x", on=TODAY, version=1
        )
    assert refused.value.code == "stale"
    case.refresh_from_db()
    assert (case.state, case.version) == ("home_checked", 2)


def test_the_whole_procedure_enters_the_household_through_a_borrowed_village_publicity(personas, exited_household):
    # given
    case = alert(personas, exited_household)
    walk(personas, case, "village_appraised")
    case.refresh_from_db()

    # then: the publicity waits on an identification case of the county's monitoring campaign
    proxy = case.publicity_case
    assert (proxy.state, proxy.campaign.kind, proxy.campaign.county_id) == (
        "home_checked",
        "monitoring",
        "530921000000",
    )
    with pytest.raises(ServiceError) as early:
        services.advance(
            actor=personas["township_reviewer"], case_id=case.pk, step="record_village_publicity", note="x"
        )
    assert early.value.code == "publicity_not_concluded"

    # when
    notice = run_publicity(personas, case)
    case = walk(personas, case, "monitored")

    # then
    assert notice.title == "孔兴村2026年拟纳入防返贫监测对象名单公示"
    assert case.entered_on == TODAY
    assert list(case.events.values_list("to_state", flat=True)) == [
        "alerted", "home_checked", "committed", "data_compared", "village_appraised", "village_publicized",
        "township_reviewed", "county_decided", "monitored",
    ]  # fmt: skip
    exited_household.refresh_from_db()
    assert exited_household.status == "exited"  # monitoring does not change the household's status


def test_an_upheld_objection_blocks_the_publicity_until_the_village_appraises_again(personas, exited_household):
    case = alert(personas, exited_household)
    walk(personas, case, "village_appraised")
    notice = run_publicity(personas, case, conclude=False)
    case.refresh_from_db()
    objection = identification.record_objection(
        actor=personas["village_clerk"], notice_id=notice.pk, case_id=case.publicity_case_id, raised_by="村民甲",
        received_on=TODAY, channel="in_person", content="家中有人在县城工作",
    )  # fmt: skip
    identification.resolve_objection(
        actor=personas["township_reviewer"], objection_id=objection.pk, uphold=True, resolution="情况属实，需重新评议"
    )
    identification.conclude_notice(
        actor=personas["township_reviewer"], notice_id=notice.pk, today=TODAY + datetime.timedelta(days=8)
    )

    with pytest.raises(ServiceError) as refused:
        services.advance(
            actor=personas["township_reviewer"], case_id=case.pk, step="record_village_publicity", note="x"
        )
    assert refused.value.code == "objection_upheld"

    # the case goes back and is appraised again: a fresh publicity follows
    services.return_case(
        actor=personas["township_reviewer"], case_id=case.pk, to_state="data_compared", reason="异议成立"
    )
    services.advance(
        actor=personas["village_clerk"], case_id=case.pk, step="record_village_appraisal", note="重新评议", on=TODAY
    )
    case.refresh_from_db()
    assert case.publicity_case.state == CaseState.HOME_CHECKED


def test_a_monitoring_campaign_case_takes_no_identification_step_beyond_the_publicity(personas, exited_household):
    case = alert(personas, exited_household)
    walk(personas, case, "village_publicized")
    case.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        identification.record_township_review(
            actor=personas["township_reviewer"], case_id=case.publicity_case_id, checked_in_field=True, finding="x"
        )
    assert refused.value.code == "wrong_step"
    with pytest.raises(ServiceError) as applying:
        identification.apply(
            actor=personas["village_clerk"], campaign_id=case.publicity_case.campaign_id,
            household_id=exited_household.pk, informed_on=TODAY,
        )  # fmt: skip
    assert applying.value.code == "monitoring"


def test_closing_needs_a_reason_and_a_monitored_household_is_not_closed(personas, exited_household):
    case = alert(personas, exited_household)
    with pytest.raises(ServiceError) as no_reason:
        services.close_case(actor=personas["village_clerk"], case_id=case.pk, reason=" ")
    assert (no_reason.value.code, no_reason.value.field) == ("reason_required", "reason")
    services.close_case(actor=personas["village_clerk"], case_id=case.pk, reason="核实后收入稳定")
    case.refresh_from_db()
    assert (case.state, case.closing_reason) == ("rejected", "核实后收入稳定")
    # a closed case frees the household for a new alert
    assert alert(personas, exited_household).state == "alerted"


def _monitored(personas, household):
    case = alert(personas, household)
    walk(personas, case, "village_appraised")
    run_publicity(personas, case)
    return walk(personas, case, "monitored")


def test_risks_link_only_the_households_own_measures(personas, exited_household, poverty_line):
    case = _monitored(personas, exited_household)
    other = make_household(personas, 3, status="exited")
    plan = Plan.objects.create(
        household=exited_household, area_code=exited_household.village_id, year=2026, planned_exit_year=2026,
        updated_by=personas["superuser"],
    )  # fmt: skip
    own = Measure.objects.create(plan=plan, household=exited_household, area_code=plan.area_code, code="M06", year=2026)
    other_plan = Plan.objects.create(
        household=other, area_code=other.village_id, year=2026, planned_exit_year=2026, updated_by=personas["superuser"]
    )
    foreign = Measure.objects.create(
        plan=other_plan, household=other, area_code=other.village_id, code="M02", year=2026
    )

    with pytest.raises(ServiceError) as refused:
        services.add_risk(
            actor=personas["village_clerk"], case_id=case.pk, kind="illness", found_on=TODAY, description="住院",
            measure_ids=[own.pk, foreign.pk],
        )  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("foreign_measure", "measures")
    risk = services.add_risk(
        actor=personas["village_clerk"], case_id=case.pk, kind="illness", found_on=TODAY, description="户主住院",
        measure_ids=[own.pk],
    )  # fmt: skip
    assert list(risk.measures.all()) == [own]


def _eliminate(personas, case, today, mode="natural"):
    return services.eliminate_risk(
        actor=personas["county_officer"], case_id=case.pk, mode=mode, note="收入稳定", today=today
    )


def test_risk_elimination_waits_for_the_income_the_checklist_and_the_time(personas, exited_household, poverty_line):
    case = _monitored(personas, exited_household)
    later = datetime.date(2026, 9, 2)

    # too early: entered 2026-03-02, six months' wait
    with pytest.raises(ServiceError) as early:
        _eliminate(personas, case, datetime.date(2026, 9, 1))
    assert early.value.code == "too_early"

    # income per person 1,050 is under the monitoring line of 6,000
    with pytest.raises(ServiceError) as under:
        _eliminate(personas, case, later)
    assert under.value.code == "under_line"

    Household.objects.filter(pk=exited_household.pk).update(net_income_per_capita=Decimal("8000"), housing_safety="03")
    with pytest.raises(ServiceError) as gap:
        _eliminate(personas, case, later)
    assert (gap.value.code, gap.value.details) == ("checklist_gap", {"gaps": ["housing"]})

    Household.objects.filter(pk=exited_household.pk).update(housing_safety="01")
    with pytest.raises(ServiceError) as no_measures:  # by assistance, but no measure answered a risk
        _eliminate(personas, case, later, mode="assistance")
    assert (no_measures.value.code, no_measures.value.field) == ("no_measures", "mode")

    eliminated = _eliminate(personas, case, later)
    assert (eliminated.state, eliminated.eliminated_on, eliminated.elimination_mode) == (
        "eliminated", later, "natural",
    )  # fmt: skip
    # the household stays visible with its history
    assert MonitoringEvent.objects.filter(case=case).count() == 10


@pytest.mark.parametrize(
    ("income", "eliminated"),
    [pytest.param("6000.00", False, id="at_the_line_case"), pytest.param("6000.01", True, id="one_cent_above_case")],
)
def test_risk_elimination_needs_income_above_the_monitoring_line_not_at_it(
    personas, exited_household, poverty_line, income, eliminated
):
    case = _monitored(personas, exited_household)
    Household.objects.filter(pk=exited_household.pk).update(net_income_per_capita=Decimal(income))
    later = datetime.date(2026, 9, 2)  # the six months' wait is over

    if eliminated:
        assert _eliminate(personas, case, later).state == "eliminated"
    else:
        with pytest.raises(ServiceError) as refused:
            _eliminate(personas, case, later)
        assert refused.value.code == "under_line"
        assert MonitoringCase.objects.get(pk=case.pk).state == "monitored"


def test_the_waiting_time_is_a_setting(personas, exited_household, poverty_line, settings):
    settings.MONITORING_ELIMINATION_WAIT_MONTHS = 1
    case = _monitored(personas, exited_household)
    Household.objects.filter(pk=exited_household.pk).update(net_income_per_capita=Decimal("8000"))
    assert _eliminate(personas, case, datetime.date(2026, 4, 2)).state == "eliminated"


def test_a_frozen_year_refuses_every_change(personas, exited_household):
    case = alert(personas, exited_household)
    FrozenYear.objects.create(county_id="530921000000", year=2026, frozen_by=personas["county_officer"])
    with pytest.raises(ServiceError) as refused:
        services.advance(
            actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="x", today=TODAY
        )
    assert refused.value.code == "frozen_year"
    # the next year is open: a case running on records its steps there
    services.advance(
        actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="x",
        today=datetime.date(2027, 1, 5),
    )  # fmt: skip
    with pytest.raises(ServiceError) as frozen:
        alert(personas, make_household(personas, 4, status="exited"))
    assert frozen.value.code == "frozen_year"
    case.refresh_from_db()
    assert case.state == "home_checked"


def test_the_monitoring_line_defaults_to_one_and_a_half_times_the_poverty_line(personas, poverty_line):
    assert monitoring_line_for(2026, "530921201200").amount == Decimal("6000.00")
    services.set_monitoring_line(
        actor=personas["province_officer"], province_code="530000000000", year=2026, amount="6200", note="省定"
    )
    line = monitoring_line_for(2026, "530921201200")
    assert (line.amount, line.source) == (Decimal("6200.00"), "entered")
    assert monitoring_line_for(2026, "520100000000").amount == Decimal("6000.00")  # another province


def test_only_the_provinces_officer_sets_its_line(personas):
    provincial_auditor = make_user("provincial_auditor", "auditor", "530000000000")
    with pytest.raises(PermissionDenied):
        services.set_monitoring_line(actor=provincial_auditor, province_code="530000000000", year=2026, amount="6200")
    with pytest.raises(Http404):  # a county does not see its province's row
        services.set_monitoring_line(
            actor=personas["county_officer"], province_code="530000000000", year=2026, amount="6200"
        )
    with pytest.raises(Http404):
        services.set_monitoring_line(
            actor=personas["province_officer"], province_code="520000000000", year=2026, amount="6200"
        )
    with pytest.raises(ServiceError) as negative:
        services.set_monitoring_line(
            actor=personas["province_officer"], province_code="530000000000", year=2026, amount="-1"
        )
    assert (negative.value.code, negative.value.field) == ("bad_amount", "amount")
    assert not MonitoringLine.objects.exists()


def test_return_needs_an_earlier_step_and_a_reason_and_the_owner_of_the_step(personas, exited_household):
    case = alert(personas, exited_household)
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="x")
    services.advance(actor=personas["village_clerk"], case_id=case.pk, step="record_commitment", note="x", on=TODAY)

    with pytest.raises(ServiceError) as later:
        services.return_case(actor=personas["township_reviewer"], case_id=case.pk, to_state="monitored", reason="x")
    with pytest.raises(ServiceError) as no_reason:
        services.return_case(actor=personas["township_reviewer"], case_id=case.pk, to_state="alerted", reason=" ")
    assert (later.value.code, no_reason.value.code) == ("not_earlier", "reason_required")
    with pytest.raises(PermissionDenied):  # the data comparison is the township's: so is sending back from it
        services.return_case(actor=personas["village_clerk"], case_id=case.pk, to_state="alerted", reason="x")
    services.return_case(actor=personas["township_reviewer"], case_id=case.pk, to_state="home_checked", reason="补签")
    case.refresh_from_db()
    assert case.state == "home_checked"
    assert case.events.last().reason == "补签"


def test_a_monitored_household_is_not_closed_nor_sent_back(personas, exited_household):
    case = _monitored(personas, exited_household)
    with pytest.raises(ServiceError) as closing:
        services.close_case(actor=personas["county_officer"], case_id=case.pk, reason="x")
    with pytest.raises(ServiceError) as sending_back:
        services.return_case(actor=personas["county_officer"], case_id=case.pk, to_state="alerted", reason="x")
    assert (closing.value.code, sending_back.value.code) == ("finished", "not_earlier")
    case.refresh_from_db()
    assert case.state == "monitored"


def test_a_concluded_village_publicity_does_not_hold_the_years_freeze(personas, exited_household):
    from exits.frozen import open_items

    case = walk(personas, alert(personas, exited_household), "data_compared")
    services.advance(
        actor=personas["village_clerk"], case_id=case.pk, step="record_village_appraisal", note="评议", on=TODAY,
        today=TODAY,
    )  # fmt: skip
    waiting = [item.label for item in open_items("530921000000", TODAY.year)]
    notice = run_publicity(personas, case, conclude=False)
    running = [item.label for item in open_items("530921000000", TODAY.year)]
    identification.conclude_notice(
        actor=personas["township_reviewer"], notice_id=notice.pk, today=TODAY + datetime.timedelta(days=8)
    )

    # waiting for its publicity, and while the notice is posted, the year has something open
    assert exited_household.household_no in waiting
    assert exited_household.household_no in running and notice.title in running
    # once concluded the monitoring case carries on by itself: nothing of it holds the freeze
    assert open_items("530921000000", TODAY.year) == []


def test_the_identification_queue_shows_a_monitored_household_only_while_it_waits_for_its_notice(
    personas, exited_household
):
    from identification.queues import work_for

    def monitoring_items():
        return [item for item in work_for(personas["township_reviewer"]) if "监测对象识别" in item["campaign"]]

    # appraised by the village: its proxy case waits for the village notice
    case = walk(personas, alert(personas, exited_household), "village_appraised")
    assert [(item["key"], item["count"]) for item in monitoring_items()] == [("home_checked", 1)]

    # posted and concluded: the proxy rests at "first publicized", which is no identification work
    run_publicity(personas, case)
    assert monitoring_items() == []
