"""Races on PostgreSQL with real concurrent transactions (two connections only): two clerks alerting
the same household at once, two people taking the same step at once. One wins, the other is told."""

import threading

import pytest
from django.db import connection, connections

from core.errors import Conflict, ServiceError
from exits import monitoring_services as services
from exits.models import MonitoringCase, MonitoringEvent
from tests.exits.monitoring.conftest import TODAY, make_household

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*functions):
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            function()
            outcomes[index] = "ok"
        except (Conflict, ServiceError) as exc:
            outcomes[index] = exc.code
        except Exception as exc:  # any other failure is a bug the assertions must show
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def _alert(actor, household):
    return lambda: services.start_alert(
        actor=actor, household_id=household.pk, kind="unstable_exited", channel="complaint", note="x", today=TODAY
    )


def test_two_alerts_for_one_household_at_once(personas):
    household = make_household(personas, 1, status="exited")

    outcomes = _at_once(_alert(personas["village_clerk"], household), _alert(personas["township_reviewer"], household))

    assert outcomes == ["already_monitored", "ok"]
    assert MonitoringCase.objects.count() == 1


def test_two_people_taking_the_same_step_at_once(personas):
    household = make_household(personas, 1, status="exited")
    case = _alert(personas["village_clerk"], household)()
    case = MonitoringCase.objects.get(household=household)

    def step(actor):
        return lambda: services.advance(actor=actor, case_id=case.pk, step="record_home_check", note="属实", version=1)

    outcomes = _at_once(step(personas["village_clerk"]), step(personas["township_reviewer"]))

    assert outcomes in (["ok", "stale"], ["ok", "wrong_step"])
    case.refresh_from_db()
    assert (case.state, case.version) == ("home_checked", 2)
    assert MonitoringEvent.objects.filter(case=case, transition="record_home_check").count() == 1
