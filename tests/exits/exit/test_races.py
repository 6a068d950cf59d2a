"""Races on PostgreSQL with real concurrent transactions: of two officers approving (or two
reviewers proposing) the same exit at once, one wins and the other is told; nothing is doubled."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.errors import ServiceError
from exits import exit_services as s
from exits.models import ExitCase, ExitEvent
from tests.exits.exit.conftest import YEAR, walk

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*functions):
    barrier = threading.Barrier(len(functions))
    outcomes: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            function()
            outcomes[index] = "ok"
        except ServiceError as exc:
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
    return outcomes


def test_two_officers_approving_at_once(personas, proposed):
    case = walk(proposed, personas["superuser"], "township_reviewed")
    officer = personas["county_officer"]

    outcomes = _at_once(*(lambda: s.approve(actor=officer, case_id=case.pk) for _ in range(2)))

    assert sorted(outcomes) == ["ok", "wrong_step"]
    assert ExitEvent.objects.filter(case=case, transition="approve").count() == 1


def test_two_proposals_of_one_household_at_once(personas, household):
    reviewer = personas["township_reviewer"]

    results = _at_once(
        *(lambda: s.propose_exits(actor=reviewer, year=YEAR, household_ids=[household.pk]) for _ in range(2))
    )

    assert results == ["ok", "ok"]  # each answers per household
    assert ExitCase.objects.filter(household=household).count() == 1
