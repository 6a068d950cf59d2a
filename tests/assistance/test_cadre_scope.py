"""A responsible cadre who logs in: the households paired with them today, and nothing else.

The cadre holds no role: pages, the home page and the API show them their households (ledger
with masked ID numbers, handbook, visit form); another household, or one whose pairing has
ended, answers 404; a cadre who also holds a role sees both.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance import services
from assistance.cadre_scope import households_paired_with, is_paired_with
from assistance.models import Cadre, Pairing, Visit
from core.errors import ServiceError
from core.models import ObjectChange
from households.idnumbers import mask_id_number
from households.models import Household
from households.services import save_household
from tests.conftest import count_page_queries, in_2026, make_user
from tests.households.conftest import KONGXING, family_of_four, household_input

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the pairings and visits are of
# 2026.
pytestmark = in_2026

COUNTY = "530921000000"
SHILI_VILLAGE = "530921201201"
XINHUA_VILLAGE = "530921202200"


@pytest.fixture
def cadre_user(personas):
    """A user with no role at all, registered as a cadre of the county."""
    return make_user("wang_cadre", first_name="王帮扶")


def _household(personas, village: str = KONGXING, offset: int = 0) -> Household:
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status="registered")
    household.refresh_from_db()
    return household


def _cadre(personas, user=None, name: str = "王帮扶"):
    return services.create_cadre(
        actor=personas["county_officer"],
        county_code=COUNTY,
        name=name,
        unit="县农业局",
        starts_on=datetime.date(2026, 1, 1),
        user=user,
    )


def _pair(personas, household, cadre, starts_on=datetime.date(2026, 2, 1)):
    return services.assign_cadre(
        actor=personas["county_officer"], household_id=household.pk, cadre_id=cadre.pk, starts_on=starts_on
    )


@pytest.fixture
def mine(personas, cadre_user):
    """The cadre's household in 孔兴村, paired since 2026-02-01."""
    household = _household(personas)
    household.cadre = _cadre(personas, cadre_user)
    _pair(personas, household, household.cadre)
    return household


@pytest.fixture
def not_mine(personas, mine):
    """Another household of 诗礼村 with another cadre."""
    household = _household(personas, SHILI_VILLAGE, offset=1)
    household.cadre = _cadre(personas, name="李帮扶")
    _pair(personas, household, household.cadre)
    return household


# --- the scope itself ---------------------------------------------------------------------------------


def test_the_scope_is_the_pairings_running_today(personas, cadre_user, mine, not_mine):
    assert list(households_paired_with(cadre_user)) == [mine]
    assert is_paired_with(cadre_user, mine.pk) and not is_paired_with(cadre_user, not_mine.pk)
    assert not households_paired_with(personas["nobody"]).exists()
    assert list(households_paired_with(cadre_user, on=datetime.date(2026, 1, 31))) == []  # before the pairing


def test_the_scope_ends_with_the_pairing(personas, cadre_user, mine):
    # given: another cadre takes the household over from yesterday
    other = _cadre(personas, name="李帮扶")
    _pair(personas, mine, other, starts_on=timezone.localdate() - datetime.timedelta(days=1))

    # then: the former cadre no longer sees it, anywhere
    assert not is_paired_with(cadre_user, mine.pk)
    with pytest.raises(Http404):
        services.record_visit(
            actor=cadre_user, household_id=mine.pk, cadre_id=mine.cadre.pk, visited_on=datetime.date(2026, 3, 1),
            found="走访",
        )  # fmt: skip
    assert Visit.objects.count() == 0


# --- pages ----------------------------------------------------------------------------------------------


def test_my_households_lists_only_the_households_paired_today(personas, client_for, cadre_user, mine, not_mine):
    response = client_for(cadre_user).get(reverse("assistance:my_households"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "我的帮扶户" in page
    assert mine.household_no in page and "杨大山" in page
    assert not_mine.household_no not in page
    assert [h.pk for h in response.context["page"].object_list] == [mine.pk]


def test_a_user_who_is_nobodys_cadre_gets_an_empty_list_that_says_why(personas, client_for, mine):
    response = client_for(personas["village_clerk"]).get(reverse("assistance:my_households"))
    assert response.status_code == 200
    assert "您不是帮扶责任人" in response.content.decode()
    assert list(response.context["page"].object_list) == []


def test_my_households_reads_a_fixed_number_of_queries(personas, client_for, cadre_user, mine):
    client = client_for(cadre_user)
    url = reverse("assistance:my_households")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(30):  # more households, each with a plan and a visit
        household = Household.objects.create(
            household_no=f"{SHILI_VILLAGE}{n + 100:04d}", village_id=SHILI_VILLAGE, survey_year=2026,
            status="registered", head_name=f"户主{n}",
        )  # fmt: skip
        Pairing.objects.create(
            household=household, cadre=mine.cadre, area_code=SHILI_VILLAGE, starts_on=datetime.date(2026, 3, 1)
        )
        services.save_plan(actor=personas["superuser"], household_id=household.pk, year=2026, planned_exit_year=2027)
        services.record_visit(
            actor=cadre_user, household_id=household.pk, cadre_id=mine.cadre.pk,
            visited_on=datetime.date(2026, 4, n % 28 + 1), found="走访",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 31
    assert response.context["page"].object_list[-1].last_visit is not None
    assert count_page_queries(many) == count_page_queries(few) <= 10


def test_the_cadre_opens_the_ledger_with_masked_ids_and_no_registry_links(client_for, cadre_user, mine):
    response = client_for(cadre_user).get(reverse("assistance:household_assistance", kwargs={"pk": mine.pk}))

    page = response.content.decode()
    head = mine.members.get(relation="01")
    assert response.status_code == 200
    assert mask_id_number(head.id_number) in page
    assert head.id_number not in page
    assert f'href="{reverse("households:household_detail", kwargs={"pk": mine.pk})}"' not in page
    assert "登记走访记录" in page  # the visit form
    assert response.context["can_work"] is False and response.context["can_visit"] is True
    assert response.context["visit_form"].fields["cadre"].choices == [(mine.cadre.pk, str(mine.cadre))]


def test_the_cadre_prints_the_handbook(client_for, cadre_user, mine):
    response = client_for(cadre_user).get(reverse("assistance:household_handbook", kwargs={"pk": mine.pk}))
    head = mine.members.get(relation="01")
    assert response.status_code == 200
    assert "扶贫手册" in response.content.decode()
    assert head.id_number not in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["assistance:household_assistance", "assistance:household_handbook"],
)
def test_another_household_answers_404_to_the_cadre(client_for, cadre_user, not_mine, name):
    response = client_for(cadre_user).get(reverse(name, kwargs={"pk": not_mine.pk}))
    assert response.status_code == 404
    assert not_mine.household_no not in response.content.decode()


def test_the_pairing_opens_no_registry_page_and_no_work_form(client_for, cadre_user, mine):
    client = client_for(cadre_user)
    assert client.get(reverse("households:household_detail", kwargs={"pk": mine.pk})).status_code == 404
    refused = client.post(
        reverse("assistance:plan_save", kwargs={"pk": mine.pk}), {"year": "2026", "planned_exit_year": "2027"}
    )
    assert refused.status_code == 404
    assert not mine.plans.exists()


def test_the_cadre_records_a_visit_on_the_page(client_for, cadre_user, mine):
    response = client_for(cadre_user).post(
        reverse("assistance:visit_add", kwargs={"pk": mine.pk}),
        {"cadre": mine.cadre.pk, "visited_on": "2026-04-01", "found": "了解到孩子上学有困难", "done": "联系教育局"},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.household, visit.cadre, visit.recorded_by) == (mine, mine.cadre, cadre_user)


def test_the_cadre_cannot_record_a_visit_of_a_colleague(personas, client_for, cadre_user, mine):
    # given: the household had another cadre before
    colleague = _cadre(personas, name="李帮扶")
    Pairing.objects.filter(household=mine).update(starts_on=datetime.date(2026, 3, 1))
    Pairing.objects.create(
        household=mine, cadre=colleague, area_code=KONGXING, starts_on=datetime.date(2026, 2, 1),
        ends_on=datetime.date(2026, 2, 28),
    )  # fmt: skip

    # when
    response = client_for(cadre_user).post(
        reverse("assistance:visit_add", kwargs={"pk": mine.pk}),
        {"cadre": colleague.pk, "visited_on": "2026-04-01", "found": "走访"},
    )
    with pytest.raises(ServiceError) as by_service:
        services.record_visit(
            actor=cadre_user, household_id=mine.pk, cadre_id=colleague.pk, visited_on=datetime.date(2026, 4, 1),
            found="走访",
        )  # fmt: skip

    # then
    assert response.status_code == 200  # the form again, with the refusal
    assert "cadre" in response.context["visit_form"].errors
    assert by_service.value.code == "bad_cadre"
    assert Visit.objects.count() == 0


def test_the_cadre_cannot_record_a_visit_to_another_household(client_for, cadre_user, not_mine):
    response = client_for(cadre_user).post(
        reverse("assistance:visit_add", kwargs={"pk": not_mine.pk}),
        {"cadre": not_mine.cadre.pk, "visited_on": "2026-04-01", "found": "走访"},
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_a_cadre_who_also_holds_a_role_sees_both(personas, client_for, mine):
    # given: charlie reviews 新华乡 and is the cadre of a household of 孔兴村 (诗礼乡)
    charlie = personas["charlie"]
    cadre = _cadre(personas, charlie, name="查理")
    _pair(personas, mine, cadre, starts_on=datetime.date(2026, 5, 1))
    own = _household(personas, XINHUA_VILLAGE, offset=2)
    client = client_for(charlie)

    # then
    assert client.get(reverse("assistance:household_assistance", kwargs={"pk": mine.pk})).status_code == 200
    assert client.get(reverse("assistance:household_assistance", kwargs={"pk": own.pk})).status_code == 200
    assert client.get(reverse("assistance:index")).status_code == 200
    assert reverse("assistance:my_households") in client.get(reverse("assistance:index")).content.decode()
    # the pairing gives no reviewer's power over the household
    refused = client.post(
        reverse("assistance:payment_add", kwargs={"pk": mine.pk}),
        {"amount": "500", "paid_on": "2026-04-01", "purpose": "奖补"},
    )
    assert refused.status_code == 404
    with pytest.raises((Http404, PermissionDenied)):
        services.save_plan(actor=charlie, household_id=mine.pk, year=2026, planned_exit_year=2027)


def test_the_home_page_of_a_cadre_without_a_role_lists_their_households(client_for, cadre_user, mine, not_mine):
    response = client_for(cadre_user).get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "我的帮扶户" in page and mine.household_no in page
    assert not_mine.household_no not in page
    assert "您尚未在任何区划被授予角色" not in page


def test_the_assistance_menu_takes_a_cadre_without_a_role_to_their_households(personas, client_for, cadre_user, mine):
    response = client_for(cadre_user).get(reverse("assistance:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("assistance:my_households")
    assert client_for(personas["nobody"]).get(reverse("assistance:index")).status_code == 403


# --- API ------------------------------------------------------------------------------------------------


def test_the_api_lists_the_cadres_households(api_for, cadre_user, mine, not_mine):
    response = api_for(cadre_user).get(reverse("api:assistance-my-households"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["household_no"] == mine.household_no
    assert rows[0]["cadre_name"] == "王帮扶"
    assert rows[0]["paired_since"] == "2026-02-01"


def test_the_api_ledger_masks_ids_for_the_cadre(api_for, cadre_user, mine):
    response = api_for(cadre_user).get(reverse("api:assistance-household-ledger", kwargs={"pk": mine.pk}))
    body = response.json()
    head = mine.members.get(relation="01")
    assert response.status_code == 200
    assert body["household"]["household_no"] == mine.household_no
    assert body["current_cadre"]["name"] == "王帮扶"
    assert body["members"][0]["id_number_masked"] == mask_id_number(head.id_number)
    assert head.id_number not in response.content.decode()
    assert "id_number" not in body["members"][0]


def test_the_api_ledger_of_another_household_answers_404(api_for, personas, cadre_user, not_mine):
    response = api_for(cadre_user).get(reverse("api:assistance-household-ledger", kwargs={"pk": not_mine.pk}))
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    assert (
        api_for(personas["charlie"])
        .get(reverse("api:assistance-household-ledger", kwargs={"pk": not_mine.pk}))
        .status_code
        == 404
    )
    assert (
        api_for(personas["township_reviewer"])
        .get(reverse("api:assistance-household-ledger", kwargs={"pk": not_mine.pk}))
        .status_code
        == 200
    )


def test_the_cadre_records_a_visit_through_the_api(api_for, cadre_user, mine, not_mine):
    client = api_for(cadre_user)
    url = reverse("api:assistance-visit-list")

    created = client.post(
        url, {"household": mine.pk, "cadre": mine.cadre.pk, "visited_on": "2026-04-01", "found": "走访"}
    )
    other = client.post(
        url, {"household": not_mine.pk, "cadre": not_mine.cadre.pk, "visited_on": "2026-04-01", "found": "走访"}
    )
    colleague = client.post(
        url, {"household": mine.pk, "cadre": not_mine.cadre.pk, "visited_on": "2026-04-01", "found": "走访"}
    )

    assert created.status_code == 201
    assert other.status_code == 404
    assert (colleague.status_code, colleague.json()["error"]["code"]) == (400, "bad_cadre")
    assert list(colleague.json()["error"]["fields"]) == ["cadre"]
    assert list(Visit.objects.values_list("household_id", "cadre_id")) == [(mine.pk, mine.cadre.pk)]


# --- the county links a cadre's login --------------------------------------------------------------------


def test_the_county_links_a_login_and_the_cadre_then_sees_their_households(personas, client_for):
    # given: a cadre without a login, paired with a household, and a user with no role
    household = _household(personas)
    cadre = _cadre(personas)
    _pair(personas, household, cadre)
    user = make_user("li_cadre")
    assert (
        client_for(user).get(reverse("assistance:household_assistance", kwargs={"pk": household.pk})).status_code == 404
    )

    # when
    response = client_for(personas["county_officer"]).post(
        reverse("assistance:cadre_login", kwargs={"pk": cadre.pk}), {"username": "li_cadre"}
    )

    # then
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.user == user
    audit = ObjectChange.objects.filter(object_pk=str(cadre.pk), action="update").latest("id")
    assert (audit.before, audit.after) == ({"user": None}, {"user": user.pk})
    assert (
        client_for(user).get(reverse("assistance:household_assistance", kwargs={"pk": household.pk})).status_code == 200
    )


def test_a_cadre_is_registered_with_their_login(personas, client_for):
    user = make_user("zhou_cadre")
    response = client_for(personas["county_officer"]).post(
        reverse("assistance:cadre_add", kwargs={"code": COUNTY}),
        {"name": "周帮扶", "unit": "县交通局", "starts_on": "2026-01-01", "username": "zhou_cadre"},
    )
    assert response.status_code == 302
    assert Cadre.objects.get(name="周帮扶").user == user


@pytest.mark.parametrize(
    ("username", "code"),
    [("no_such_login", "unknown_user"), ("wang_cadre", "login_taken"), ("inactive_one", "unknown_user")],
)
def test_a_login_that_cannot_be_linked_is_refused(personas, client_for, cadre_user, mine, username, code):
    make_user("inactive_one", is_active=False)
    other = _cadre(personas, name="李帮扶")
    response = client_for(personas["county_officer"]).post(
        reverse("assistance:cadre_login", kwargs={"pk": other.pk}), {"username": username}
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    with pytest.raises(ServiceError) as refused:
        services.set_cadre_login(actor=personas["county_officer"], cadre_id=other.pk, username=username)
    assert refused.value.code == code
    other.refresh_from_db()
    assert other.user is None


def test_only_the_county_links_logins(personas, client_for, api_for, cadre_user, mine):
    url = reverse("assistance:cadre_login", kwargs={"pk": mine.cadre.pk})
    assert client_for(personas["township_reviewer"]).post(url, {"username": ""}).status_code == 403
    assert client_for(cadre_user).post(url, {"username": ""}).status_code == 404
    yun = make_user("yun_officer", "county_officer", "530922000000")
    api = reverse("api:assistance-cadre-login", kwargs={"pk": mine.cadre.pk})
    assert api_for(yun).post(api, {"username": ""}, format="json").status_code == 404
    mine.cadre.refresh_from_db()
    assert mine.cadre.user == cadre_user


def test_the_api_links_and_unlinks_a_login(personas, api_for, cadre_user, mine):
    client = api_for(personas["county_officer"])
    url = reverse("api:assistance-cadre-login", kwargs={"pk": mine.cadre.pk})

    unlinked = client.post(url, {"username": ""}, format="json")
    mine_after = api_for(cadre_user).get(reverse("api:assistance-my-households")).json()["results"]
    linked = client.post(url, {"username": "wang_cadre"}, format="json")

    assert (unlinked.status_code, unlinked.json()["has_login"]) == (200, False)
    assert mine_after == []
    assert (linked.status_code, linked.json()["has_login"]) == (200, True)
