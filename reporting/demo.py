"""Demo reports for ``load_demo``: a few report jobs requested by the demo logins, so the reports
page of a fresh ``make run`` lists finished workbooks to open and download. Through the same
service the page uses (reporting.services.request_report); built in-process when no REDIS_URL is
set, by the worker otherwise. Idempotent: nothing is requested once any report job exists."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from core.models import Job
from reporting.registry import KIND_PREFIX
from reporting.services import request_report
from reporting.sources import open_year

__all__ = ["DEMO_REPORTS", "request_demo_reports"]

#: (login, report, area code, years before the open year)
DEMO_REPORTS = [
    ("officer_fengqing", "registry", "530921000000", 0),
    ("officer_fengqing", "dynamic", "530921000000", 1),  # last year: frozen, with its review's rates
    ("officer_fengqing", "rolling_plan", "530921000000", 1),
    ("province_yunnan", "causes", "530000000000", 0),
]


def request_demo_reports() -> int:
    """Request the demo reports unless report jobs exist; returns how many were requested."""
    if Job.objects.filter(kind__startswith=KIND_PREFIX).exists():
        return 0
    users = {user.username: user for user in get_user_model().objects.filter(username__in=[r[0] for r in DEMO_REPORTS])}
    for username, kind, area_code, back in DEMO_REPORTS:
        with transaction.atomic():  # the request locks its requester's row; the build follows the commit
            request_report(actor=users[username], kind=kind, area_code=area_code, year=open_year() - back)
    return len(DEMO_REPORTS)
