"""generate_province: a tiny synthetic province on PostgreSQL, checked row by row; refused on SQLite."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from areas.models import Area, VillageFigures
from assistance.models import Measure, Pairing, Plan
from core.models import ObjectChange
from exits.models import MonitoringCase, StatusChange
from households.choices import HouseholdStatus, Relation
from households.idnumbers import check_id_number
from households.models import Household, HouseholdCounter, Member
from households.quality import ERROR, RuleContext, evaluate, prefetch
from identification.models import Campaign, Case, Quota

SIZE = 500


def _generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_province", households=SIZE, province="61", seed=7, stdout=out, verbosity=0, **options)
    return out.getvalue()


def _fingerprint() -> list[tuple]:
    return list(
        Member.objects.order_by("id").values_list("household__household_no", "name", "id_number", "relation")[:200]
    )


@pytest.mark.django_db
def test_refused_on_sqlite_with_a_clear_message(monkeypatch):
    # the command asks the connection which database it is; on PostgreSQL (CI) it is told SQLite,
    # so the refusal path runs on both
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs a PostgreSQL database"):
        _generate()
    assert not Household.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tiny_province_is_valid_and_deterministic():
    if connection.vendor != "postgresql":
        pytest.skip("generate_province loads by COPY: PostgreSQL only")
    audit_before = ObjectChange.objects.count()
    output = _generate()
    assert "Generated province 61" in output

    # counts: every household, about three people each, numbered per village without gaps
    assert Household.objects.count() == SIZE
    members = Member.objects.count()
    assert 2.5 * SIZE < members < 3.6 * SIZE
    for counter in HouseholdCounter.objects.all():
        numbers = sorted(Household.objects.filter(village_id=counter.village_id).values_list("household_no", flat=True))
        assert numbers == [f"{counter.village_id}{n:04d}" for n in range(1, counter.last_number + 1)]

    # codes: every village and group under a real township of province 61
    villages = Area.objects.filter(level="village", code__startswith="61")
    assert villages.exists()
    for village in villages.select_related("parent"):
        assert village.parent.level == "township" and village.code.startswith(village.parent.code[:9])
        assert "200" <= village.code[9:] <= "999"
    assert not Household.objects.exclude(village__code__startswith="61").exists()
    assert not Member.objects.exclude(area_code__startswith="61").exists()
    for household in Household.objects.exclude(village_group=None).only("village_id", "village_group_id")[:200]:
        assert household.village_group_id.startswith(household.village_id)

    # ID numbers: GB 11643 check character, unique, the county's address code, gender and birth agree
    numbers = list(Member.objects.values_list("id_number", "gender", "birth_date", "area_code"))
    assert len({n for n, *_ in numbers}) == len(numbers)
    for number, gender, born, area_code in numbers:
        checked = check_id_number(number, today=datetime.date(2020, 12, 31))
        assert checked.is_valid, (number, checked.errors)
        assert checked.gender == gender and checked.birth_date == born and number[:6] == area_code[:6]

    # the data-quality rules find no error in any household (warnings are allowed: they need a note)
    households = list(Household.objects.prefetch_related("members").order_by("id"))
    extra: dict = {}
    prefetch(households, extra)
    context = RuleContext(today=datetime.date(2020, 12, 31), extra=extra)
    errors = [
        (h.household_no, f.rule, f.message)
        for h in households
        for f in evaluate(h, list(h.members.all()), context)
        if f.severity == ERROR
    ]
    assert errors == []
    for household in households[:100]:
        active = [m for m in household.members.all() if m.is_active]
        assert household.household_size == len(active)
        assert household.head_name == next(m.name for m in active if m.relation == Relation.HEAD)

    # statuses in plausible proportions; exited ones carry their year
    shares = {s: Household.objects.filter(status=s).count() / SIZE for s in HouseholdStatus.values}
    assert 0.65 < shares["exited"] < 0.9 and shares["registered"] > 0.03 and shares["removed"] > 0.01
    assert not Household.objects.filter(status="exited", exit_year=None).exists()
    assert not Household.objects.exclude(status="exited").exclude(exit_year=None).exists()

    # what hangs on the households: plans for those still poor, pairings, cases, village figures
    still_poor = Household.objects.filter(status__in=["registered", "pre_exit", "returned"])
    assert Plan.objects.count() == still_poor.count()
    assert Measure.objects.count() >= Plan.objects.count()
    assert (
        Pairing.objects.filter(ends_on=None).count()
        == Household.objects.filter(status__in=["registered", "pre_exit", "returned", "exited"]).count()
    )
    assert (
        Case.objects.filter(household__status="applicant").count()
        == Household.objects.filter(status="applicant").count()
    )
    assert Campaign.objects.filter(county__code__startswith="61").count() == Quota.objects.count()
    assert VillageFigures.objects.count() == villages.count()
    for figures in VillageFigures.objects.all():
        poor = Member.objects.filter(
            area_code=figures.village_id, household__status__in=["registered", "pre_exit", "returned"]
        ).count()
        assert figures.poor_people == poor <= figures.rural_registered_population

    # each returned, removed or closed household has the status change that left it so, some in
    # the year; monitoring cases only of exited households, one at most each, dated in order
    changed = Household.objects.filter(status__in=["returned", "removed", "closed"])
    assert set(StatusChange.objects.values_list("household_id", "to_status")) == set(
        changed.values_list("id", "status")
    )
    assert StatusChange.objects.filter(year=2020).exists() and StatusChange.objects.filter(year__lt=2020).exists()
    monitored = MonitoringCase.objects.all()
    assert monitored.exists() and not monitored.exclude(household__status="exited").exists()
    assert monitored.values("household").distinct().count() == monitored.count()
    assert not monitored.filter(state="monitored", entered_on=None).exists()
    assert not monitored.filter(state="eliminated").filter(eliminated_on__lte=F("entered_on")).exists()
    assert not monitored.filter(state="eliminated", elimination_mode="").exists()
    assert not monitored.exclude(state__in=["monitored", "eliminated"]).exclude(entered_on=None).exists()

    # the identity sequences were moved past the generated ids: the next row saved normally fits
    extra = Household.objects.create(
        household_no=f"{counter.village_id}9999", village_id=counter.village_id, survey_year=2020
    )
    assert extra.pk == Household.objects.exclude(pk=extra.pk).order_by("-pk").first().pk + 1
    extra.delete()

    # the audit trail gets one row for the run, not one per generated row
    assert ObjectChange.objects.count() == audit_before + 1

    # a second run into the same province is refused
    with pytest.raises(CommandError, match="already has households"):
        _generate()
    assert "nothing generated" in _generate(if_missing=True)  # what `make bench` runs each time
    assert Household.objects.count() == SIZE

    # the same seed into an empty database gives the same people in the same households
    first = _fingerprint()
    call_command("flush", interactive=False, verbosity=0)
    _generate()
    assert _fingerprint() == first
