"""The query shapes the province benchmarks rely on (docs/performance.md): the scope said also as
a code range, the list ordered by village then number, the name search as one semi-join."""

from __future__ import annotations

import datetime
import re

import pytest

from areas.roles import Action
from households.idnumbers import build_id_number
from households.models import Household, Member, code_range

VILLAGES = ["530921201200", "530921201201", "530921202200", "530922100200"]


def _household(village: str, number: int, head: str, others: tuple[str, ...] = ()) -> Household:
    household = Household.objects.create(
        household_no=f"{village}{number:04d}", village_id=village, survey_year=2020, head_name=head
    )
    for position, name in enumerate((head, *others), start=1):
        born = datetime.date(1960 + position, 1, number % 28 + 1)
        Member.objects.create(
            household=household, area_code=village, position=position, name=name, gender="1",
            id_number=build_id_number(village[:6], born, (number * 10 + position) * 2 + 1),
            birth_date=born, relation="01" if position == 1 else "03",
        )  # fmt: skip
    return household


@pytest.fixture
def households(world):
    made = []
    for number, village in enumerate(reversed(VILLAGES * 2), start=1):
        made.append(_household(village, number, f"杨{number}", others=(f"李{number}",)))
    return made


def test_code_range_is_the_prefix_for_digit_codes():
    assert code_range("village_id", "530921") == code_range("village_id", "530921")
    condition = code_range("village_id", "530921")
    assert dict(condition.children) == {"village_id__gte": "530921", "village_id__lt": "530922"}
    assert dict(code_range("village_id", "99").children) == {"village_id__gte": "99"}  # no next prefix
    assert dict(code_range("village_id", "530929").children)["village_id__lt"] == "530930"
    assert not code_range("village_id", "53x").children  # not a code: no range, the prefix rules alone


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county_officer", "township_reviewer", "village_clerk", "province_officer"])
def test_scoped_households_are_the_prefix_rows_with_a_range_in_the_sql(households, personas, role):
    user = personas[role]
    from areas.scopes import prefixes_for

    (prefix,) = prefixes_for(user, Action.VIEW)
    scoped = Household.objects.visible_to(user, Action.VIEW)
    assert set(scoped.values_list("household_no", flat=True)) == set(
        Household.objects.filter(village__code__startswith=prefix).values_list("household_no", flat=True)
    )
    assert '"village_id" >=' in str(scoped.query)
    # a superuser has no scope to say as a range
    assert ">=" not in str(Household.objects.visible_to(personas["superuser"], Action.VIEW).query)


@pytest.mark.django_db
def test_the_list_is_ordered_by_village_then_number(households, personas, client_for):
    page = client_for(personas["county_officer"]).get("/households/").content.decode()
    shown = [h.household_no for h in households if h.household_no.startswith("530921")]
    positions = sorted((page.index(number), number) for number in shown)
    assert [number for _at, number in positions] == sorted(shown)
    descending = client_for(personas["county_officer"]).get("/households/?sort=-household_no").content.decode()
    positions = sorted((descending.index(number), number) for number in shown)
    assert [number for _at, number in positions] == sorted(shown, reverse=True)


@pytest.mark.django_db
def test_name_search_finds_heads_and_other_members_once(households, personas, client_for):
    client = client_for(personas["superuser"])
    target = households[0]
    by_head = client.get("/households/", {"q": target.head_name}).content.decode()
    assert target.household_no in by_head
    other = target.members.get(position=2).name
    by_member = client.get("/households/", {"q": other}).content.decode()
    assert target.household_no in by_member and by_member.count(target.household_no) == by_head.count(
        target.household_no
    )
    # an inactive member no longer finds the household
    target.members.filter(position=2).update(is_active=False)
    assert target.household_no not in client.get("/households/", {"q": other}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "area", "expected_villages"),
    [
        ("county_officer", "", {"530921201200", "530921201201", "530921202200"}),
        ("county_officer", "530921201", {"530921201200", "530921201201"}),
        ("township_reviewer", "", {"530921201200", "530921201201"}),
        ("superuser", "530921202", {"530921202200"}),
    ],
)
def test_name_search_reads_only_the_members_of_the_scope_and_the_area(
    households, personas, client_for, role, area, expected_villages
):
    """The semi-join on members is narrowed to the user's scope and the list's area, said on the
    members' own code as a range (a county's search went from 17 ms to 9 ms on the generated
    province, docs/performance.md); the households found are the same as without it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"q": "李"} | ({"village": area} if area else {})
    with CaptureQueriesContext(connection) as captured:
        page = client_for(personas[role]).get("/households/", params).content.decode()
    found = {h.village_id for h in households if h.household_no in page}
    assert found == expected_villages
    searches = [
        q["sql"] for q in captured.captured_queries if 'FROM "households_member"' in q["sql"] and "LIKE" in q["sql"]
    ]
    assert searches, "the search reads members"
    # the members' table is aliased inside the semi-join (U0): its code range follows the name
    assert all(re.search(r'"name"(::text)? LIKE .*"area_code" >= .*"area_code" < ', sql) for sql in searches)


@pytest.mark.django_db
def test_the_area_filter_is_not_said_again_when_the_scope_lies_within_it(households, personas, client_for):
    """A county officer filtering on the county: the scope alone, once (said twice, PostgreSQL
    expected a fraction of the rows and chose a worse plan, docs/performance.md); filtering on
    another county still shows nothing of it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas["county_officer"])
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/households/", {"village": "530921"}).content.decode()
    counted = [q["sql"] for q in captured.captured_queries if 'FROM "households_household"' in q["sql"]]
    assert counted and all(sql.count("'530921%'") == 1 for sql in counted)
    assert {h.village_id for h in households if h.household_no in page} == {
        "530921201200",
        "530921201201",
        "530921202200",
    }
    elsewhere = client.get("/households/", {"village": "530922"}).content.decode()
    assert not any(h.household_no in elsewhere for h in households)
    # a township's reviewer filtering on a village of the township: the village narrows the list
    village = client_for(personas["township_reviewer"]).get("/households/", {"village": "530921201201"})
    assert {h.village_id for h in households if h.household_no in village.content.decode()} == {"530921201201"}
