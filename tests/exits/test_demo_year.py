"""The demo year of 凤庆县 (`manage.py load_demo`, exits/demo.py), made through the services: two
years back most households are identified and the year is frozen; last year some exit through the
exit procedure, the review finds two missed, one wrongly included, one wrongly exited and one
returned, its rates are those of the definitions, the year is frozen; the open year has monitoring.
Run with 60 households (the command's --households) to stay quick; the code path is the same."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from areas.models import VillageFigures
from areas.scopes import prefixes_for
from assistance.cadre_scope import households_paired_with
from assistance.models import Cadre, Measure
from core.errors import ServiceError
from core.models import ObjectChange
from exits import exit_services, frozen, review, status
from exits.demo import COUNTY, run_demo_year
from exits.models import (
    ExitCase,
    FrozenYear,
    MonitoringCase,
    PlanYear,
    ReviewCampaign,
    ReviewFinding,
    ReviewResult,
    ReviewState,
    StatusChange,
)
from households.models import Household, HouseholdYear
from identification.models import Case

pytestmark = pytest.mark.django_db


def _rate(part: int, whole: int) -> str:
    return str((Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def demo(world):
    out = StringIO()
    call_command("load_demo", households=60, stdout=out)
    return run_demo_year(), out.getvalue()  # the second run: the year is already there


def test_the_demo_year_runs_once_and_a_second_load_changes_nothing(demo):
    year, output = demo
    assert "demo years: " in output and year.skipped
    counts = (Household.objects.count(), StatusChange.objects.count(), ObjectChange.objects.count())
    out = StringIO()
    call_command("load_demo", households=60, stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Household.objects.count(), StatusChange.objects.count(), ObjectChange.objects.count()) == counts


def test_exits_return_missed_and_removal_went_through_the_procedures(demo):
    today = timezone.localdate()
    exit_year, id_year = today.year - 1, today.year - 2
    # the initial identification of two years back was announced for most households
    announced = Case.objects.filter(campaign__year=id_year, campaign__kind="initial", state="announced")
    assert announced.count() >= Household.objects.count() * 2 // 3
    # every exit of last year went through the procedure to its filing with city and province
    exited = Household.objects.filter(status="exited", exit_year=exit_year)
    assert exited.count() >= 3
    filed = ExitCase.objects.filter(year=exit_year, state="filed")
    assert set(exited.values_list("pk", flat=True)) <= set(filed.values_list("household_id", flat=True))
    for case in filed.filter(household__in=exited)[:3]:
        steps = list(case.events.order_by("pk").values_list("transition", flat=True))
        assert steps[0] == "propose" and len(steps) >= 9
    results = ReviewResult.objects.filter(campaign__year=exit_year)
    # one return: a review form (c), a return campaign, returned then registered again, dated last year
    (returned,) = results.filter(finding=ReviewFinding.RETURNED)
    assert returned.state == ReviewState.APPLIED and returned.case.campaign.kind == "return"
    history = list(StatusChange.objects.filter(household=returned.household).order_by("pk"))
    assert [(c.procedure, c.year) for c in history] == [("return", exit_year), ("re_register", exit_year)]
    assert Household.objects.get(pk=returned.household_id).status == "registered"
    # two missed households identified in a new-poverty campaign and registered
    missed = results.filter(finding=ReviewFinding.MISSED)
    assert missed.count() == 2
    assert {r.case.campaign.kind for r in missed} == {"new_poverty"}
    assert {r.case.state for r in missed} == {"announced"}
    assert set(Household.objects.filter(pk__in=missed.values("household")).values_list("status", flat=True)) == {
        "registered"
    }
    # one household wrongly included: removed through the procedure
    (wrong,) = results.filter(finding=ReviewFinding.WRONGLY_INCLUDED)
    (removal,) = StatusChange.objects.filter(procedure="remove")
    assert removal.household_id == wrong.household_id and removal.review_result_id == wrong.pk
    assert Household.objects.get(pk=wrong.household_id).status == "removed"
    # one wrongly exited: reopened
    (reopened,) = results.filter(finding=ReviewFinding.WRONGLY_EXITED)
    assert Household.objects.get(pk=reopened.household_id).status == "registered"
    # the review's acts, and the removal and reopening they applied, carry last year's dates
    (reopening,) = StatusChange.objects.filter(procedure="reopen")
    decided = datetime.date(exit_year, 11, 24)
    assert [(c.year, c.effective_on) for c in (removal, reopening)] == [(exit_year, decided)] * 2
    assert {(r.recorded_on.year, r.township_on.year, r.county_on.year) for r in results} == {(exit_year,) * 3}


def test_the_rates_are_the_definitions(demo):
    exit_year = timezone.localdate().year - 1
    campaign = ReviewCampaign.objects.get(county_id=COUNTY, year=exit_year)
    results = ReviewResult.objects.filter(campaign=campaign).select_related("household")

    def people(finding: str) -> int:
        return sum(r.household.household_size for r in results if r.finding == finding)

    # registered at the start: identified two years back, less last year's exits (done before the review)
    identified = Household.objects.filter(cases__campaign__year=exit_year - 1, cases__state="announced")
    exits = set(ExitCase.objects.filter(year=exit_year, state="filed").values_list("household_id", flat=True))
    start_people = sum(h.household_size for h in identified if h.pk not in exits)
    assert campaign.start_people == start_people
    rechecked = sum(r.household.household_size for r in results if r.form == "c")
    assert rechecked == sum(h.household_size for h in Household.objects.filter(pk__in=exits))
    wrongly_included, missed = people("wrongly_included"), people("missed")
    wrongly_exited, returned = people("wrongly_exited"), people("returned")
    after = start_people - wrongly_included + missed + wrongly_exited + returned
    assert min(wrongly_included, missed, wrongly_exited, returned) > 0

    report = review.report(campaign)

    assert str(report.wrong_inclusion_rate) == _rate(wrongly_included, start_people)  # 错评率
    assert str(report.wrong_exit_rate) == _rate(wrongly_exited, rechecked)  # 错退率
    assert str(report.missed_rate) == _rate(missed, after)  # 漏评率


def test_the_years_are_frozen_and_edits_of_them_refused(demo):
    today = timezone.localdate()
    exit_year = today.year - 1
    officer = get_user_model().objects.get(username="officer_fengqing")
    reviewer = get_user_model().objects.get(username="reviewer_shili")
    assert set(FrozenYear.objects.values_list("year", flat=True)) == {exit_year - 1, exit_year}
    assert ReviewCampaign.objects.get(year=exit_year).is_closed
    kept = dict(HouseholdYear.objects.filter(year=exit_year).values_list("household_id", "status"))
    assert kept == dict(Household.objects.values_list("pk", "status"))  # nothing changed status since
    assert PlanYear.objects.filter(year=exit_year).exists()  # the plans of the year are kept with it
    registered = Household.objects.filter(status="registered").first()

    with pytest.raises(ServiceError) as removal:
        status.remove_household(
            actor=officer, household_id=registered.pk, reason="补录", effective_on=datetime.date(exit_year, 12, 1)
        )
    result = exit_services.propose_exits(actor=reviewer, year=exit_year, household_ids=[registered.pk])
    with pytest.raises(ServiceError) as again:
        frozen.freeze_year(actor=officer, county_code=COUNTY, year=exit_year)

    assert removal.value.code == "frozen_year"
    assert result.codes == {registered.pk: "frozen_year"}
    assert again.value.code == "already_frozen"
    assert Household.objects.get(pk=registered.pk).status == "registered"


def test_the_years_differences_show_new_exited_returned_and_removed(demo):
    exit_year = timezone.localdate().year - 1
    officer = get_user_model().objects.get(username="officer_fengqing")
    exits = ExitCase.objects.filter(year=exit_year, state="filed").count()

    differences = frozen.differences(actor=officer, area_code=COUNTY, year=exit_year)

    assert differences.base_frozen and differences.frozen
    # the returned and the reopened household are registered again at the year's end
    assert {k: differences.totals[k] for k in ("new", "exited", "returned", "removed", "closed")} == {
        "new": 2, "exited": exits - 2, "returned": 1, "removed": 1, "closed": 0,
    }  # fmt: skip


def test_the_open_year_has_cadres_plans_monitoring_and_village_figures(demo):
    today = timezone.localdate()
    cadre_user = get_user_model().objects.get(username="cadre")
    assert prefixes_for(cadre_user, "view") == []  # no role: the pairings are the login's scope
    cadre = Cadre.objects.get(user=cadre_user)
    assert households_paired_with(cadre_user).exists()
    assert cadre.pairings.exists()
    assert Measure.objects.filter(plan__year=today.year - 1).exists()
    assert MonitoringCase.objects.filter(year=today.year).count() >= 1
    assert VillageFigures.objects.filter(year=today.year).count() == 14


def test_last_years_monitoring_went_to_entry_and_one_risk_was_eliminated_by_assistance(demo):
    from django.conf import settings

    from exits.monitoring_services import elimination_date
    from identification.models import Notice

    exit_year = timezone.localdate().year - 1
    cases = list(MonitoringCase.objects.filter(year=exit_year).order_by("pk"))
    assert [(c.kind, c.state) for c in cases] == [("marginal", "eliminated"), ("unstable_exited", "monitored")]
    for case in cases:
        steps = list(case.events.order_by("pk").values_list("transition", flat=True))
        assert steps[:9] == [
            "alert", "record_home_check", "record_commitment", "record_data_comparison", "record_village_appraisal",
            "record_village_publicity", "record_township_review", "record_county_decision", "enter",
        ]  # fmt: skip
        # the village publicity ran on a first-publicity notice of the monitoring campaign, concluded
        notice = Notice.objects.get(entries__case=case.publicity_case)
        assert (notice.campaign.kind, notice.kind, notice.state) == ("monitoring", "first_publicity", "concluded")
        assert case.publicity_case.state == "first_publicized"
        # its risks are answered by measures of the household's own plan
        risks = list(case.risks.all())
        assert risks and all(m.household_id == case.household_id for r in risks for m in r.measures.all())
        assert all(r.measures.exists() for r in risks)
        assert case.entered_on.year == exit_year
    eliminated = cases[0]
    assert eliminated.elimination_mode == "assistance"
    assert elimination_date(eliminated.entered_on) <= eliminated.eliminated_on <= datetime.date(exit_year, 12, 31)
    assert settings.MONITORING_ELIMINATION_WAIT_MONTHS >= 6  # the dates above are legal under the default


def test_the_open_years_monitoring_queues_have_work_at_several_steps(demo):
    today = timezone.localdate()
    states = sorted(MonitoringCase.objects.filter(year=today.year).values_list("state", flat=True))
    assert {"alerted", "home_checked", "committed"} <= set(states)
