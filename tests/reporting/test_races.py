"""Two requests for the same report at the same moment (a double click, two tabs) queue one job,
on PostgreSQL with real concurrent transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.models import Job
from reporting.services import request_report

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_simultaneous_requests_queue_one_job(personas, report_data):
    officer = personas["county_officer"]
    barrier = threading.Barrier(2)
    jobs: list = [None, None]

    def request(index: int) -> None:
        try:
            barrier.wait()
            jobs[index] = request_report(actor=officer, kind="registry", area_code="530921000000").pk
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert jobs[0] == jobs[1] is not None
    assert Job.objects.filter(kind="report_registry").count() == 1
