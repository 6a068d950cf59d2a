"""Races, on PostgreSQL with real concurrent transactions: quotas never overshoot, and of two
people taking the same step on one case, one wins and the other is told."""

import threading

import pytest
from django.db import connection, connections

from core.errors import Conflict, ServiceError
from identification import services
from identification.models import Case, Quota
from tests.identification.conftest import KONGXING, submitted_household

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _run_at_once(functions):
    """Start every function in its own thread (own database connection) at the same moment."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            result = function()
            outcomes[index] = result if isinstance(result, list) else "ok"
        except (Conflict, ServiceError) as exc:
            outcomes[index] = exc.code
        except Exception as exc:  # any other failure is a bug the assertions below must show
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _confirm_each(officer, cases):
    results = []
    for case in cases:
        try:
            services.confirm(actor=officer, case_id=case.pk)
            results.append("ok")
        except (Conflict, ServiceError) as exc:
            results.append(exc.code)
    return results


def test_a_hundred_confirmations_against_a_quota_of_ten(personas, campaign):
    # given: 100 cases waiting for confirmation in a village whose quota is 10 households
    services.set_quota(
        actor=personas["county_officer"], campaign_id=campaign.pk, area_code=KONGXING, households=10, people=40
    )
    template = submitted_household(personas, 0)
    from households.models import Household

    households = []
    for n in range(100):
        clone = Household.objects.get(pk=template.pk)
        clone.pk = None
        clone.household_no = f"{KONGXING}{9000 + n}"
        households.append(clone)
    Household.objects.bulk_create(households)
    created = Case.objects.bulk_create(
        Case(campaign=campaign, household=h, area_code=KONGXING, state="second_publicized", household_size=4)
        for h in households
    )
    officer = personas["county_officer"]

    # when: all confirmed at once, by 25 threads taking 4 cases each (PostgreSQL's default of 100
    # connections leaves no room for 100 threads beside the test's own)
    outcomes_per_thread = _run_at_once([
        lambda chunk=created[i::25]: _confirm_each(officer, chunk) for i in range(25)
    ])  # fmt: skip
    outcomes = [outcome for chunk in outcomes_per_thread for outcome in chunk]

    # then: exactly ten succeed, the rest are told the quota is used up
    assert outcomes.count("ok") == 10, outcomes
    assert outcomes.count("quota_exhausted") == 90, [o for o in outcomes if o not in ("ok", "quota_exhausted")]
    quota = Quota.objects.get(campaign=campaign, area_id=KONGXING)
    assert (quota.used_households, quota.used_people) == (10, 40)
    assert Case.objects.filter(campaign=campaign, state="county_confirmed").count() == 10


def test_two_reviewers_advancing_the_same_case(personas, campaign):
    case = services.apply(
        actor=personas["village_clerk"], campaign_id=campaign.pk,
        household_id=submitted_household(personas, 0).pk, informed_on=__import__("datetime").date(2026, 1, 6),
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(state="first_publicized")
    from tests.conftest import make_user

    second_reviewer = make_user("reviewer_two", "township_reviewer", "530921201000")
    first_reviewer = personas["township_reviewer"]

    def review(reviewer, in_field):
        return lambda: services.record_township_review(
            actor=reviewer, case_id=case.pk, checked_in_field=in_field, version=case.version
        )

    outcomes = _run_at_once([review(first_reviewer, True), review(second_reviewer, False)])

    assert sorted(outcomes) == ["ok", "stale"], outcomes
    assert Case.objects.get(pk=case.pk).events.filter(transition="record_township_review").count() == 1
