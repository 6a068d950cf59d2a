"""A county-sized workbook: 10,000 households (30,000 members) with one bad row."""

from __future__ import annotations

import pytest

from core.errors import ServiceError
from households import imports
from households.models import Household, Member
from tests.households.test_import_support import checked, large_workbook_bytes

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 10_000
BAD = 6_789  # the household whose head's ID number is mistyped


def _mistype_head(index: int, rows: list[dict]) -> None:
    if index == BAD:
        number = rows[1]["id_number"]
        rows[1]["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")


def test_ten_thousand_households_with_one_bad_row_names_it_and_writes_nothing(personas):
    # given 10,000 households of 孔兴村, the head of household 6,790 with a mistyped ID number
    clerk = personas["village_clerk"]
    content = large_workbook_bytes(HOUSEHOLDS, spoil=_mistype_head)

    # when
    job = checked(clerk, content, name="孔兴村.xlsx")

    # then exactly that row is refused, named by sheet, row and column
    assert job.status == "done", job.error
    assert job.result["counts"]["households"] == HOUSEHOLDS
    assert job.result["counts"]["members"] == 3 * HOUSEHOLDS
    assert job.result["counts"]["new"] == HOUSEHOLDS - 1 and job.result["counts"]["refused"] == 1
    member_row = 2 + BAD * 3  # the head is the first of the household's three member rows
    assert [(e["sheet"], e["row"], e["column"]) for e in job.result["errors"]] == [("成员", member_row, "证件号码")]
    # and nothing can be imported from it
    with pytest.raises(ServiceError) as refused:
        imports.start_commit(actor=clerk, check_id=job.pk)
    assert refused.value.code == "refused_rows"
    assert Household.objects.count() == 0 and Member.objects.count() == 0
