"""A report's rows are limited to the requester's scope within the area, said once in its SQL
(reporting.sources.ReportContext.scoped): the same rows as visible_to and in_area together."""

from __future__ import annotations

import pytest

from areas.models import Area
from households.models import Household, QualityFinding
from reporting.sources import ReportContext
from tests.reporting.conftest import AIHUA, KONGXING, SHILI, XINHUA, add_households

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "area", "said"),
    [
        ("county_officer", "530921000000", ["530921"]),  # the scope is the area: once
        ("township_reviewer", "530921000000", ["530921201"]),  # the part of the county the reviewer sees
        ("province_officer", "530921000000", ["530921"]),  # a wider scope: the area alone
        ("superuser", "530000000000", ["53"]),
    ],
)
def test_scoped_rows_are_visible_to_within_the_area_with_the_area_said_once(personas, role, area, said):
    for village in (KONGXING, SHILI, XINHUA, AIHUA):
        add_households(village, 2)
    user = personas[role]
    context = ReportContext(area=Area.objects.get(code=area), year=2026, actor=user)

    scoped = context.scoped(Household.objects.all())

    expected = Household.objects.visible_to(user, "view").in_area(context.prefix)
    assert set(scoped.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
    _sql, params = scoped.query.sql_with_params()
    assert sorted(param for param in params if str(param).endswith("%")) == [f"{prefix}%" for prefix in said]
    # a model without a code range (findings) is scoped the same way
    _sql, params = context.scoped(QualityFinding.objects.all()).query.sql_with_params()
    assert sorted(params) == [f"{prefix}%" for prefix in said]


def test_a_requester_with_no_part_of_the_area_gets_no_rows(personas):
    add_households(AIHUA, 2)
    context = ReportContext(area=Area.objects.get(code="530922000000"), year=2026, actor=personas["township_reviewer"])
    assert not context.scoped(Household.objects.all()).exists()
