"""A household's assistance page and its handbook, as township reviewers, clerks and county
officers use them: every refusal of the issue shows its message and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext

from assistance import services
from assistance.models import FundPayment, Measure, Pairing, Plan, Visit
from core.models import ObjectChange
from exits.models import FrozenYear
from households.idnumbers import mask_id_number
from households.models import Household, HouseholdYear
from households.services import save_household
from tests.conftest import count_page_queries, in_2026
from tests.households.conftest import KONGXING, family_of_four, household_input

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the pairings, plans, visits and
# payments are of 2026.
pytestmark = in_2026

COUNTY = "530921000000"
SHILI_VILLAGE = "530921201201"


# --- fixtures shared with the API tests -----------------------------------------------------------


@pytest.fixture
def registered(saved_household):
    """The 孔兴村 household of four (cause 因病, other 缺劳动力), registered poor."""
    Household.objects.filter(pk=saved_household.pk).update(status="registered")
    saved_household.refresh_from_db()
    return saved_household


@pytest.fixture
def cadre(personas):
    return services.create_cadre(
        actor=personas["county_officer"],
        county_code=COUNTY,
        name="王帮扶",
        unit="县农业局",
        position="副局长",
        phone="0883-6123456",
        starts_on=datetime.date(2026, 1, 1),
    )


@pytest.fixture
def other_cadre(personas):
    return services.create_cadre(
        actor=personas["county_officer"],
        county_code=COUNTY,
        name="李帮扶",
        unit="县教育局",
        starts_on=datetime.date(2026, 1, 1),
    )


@pytest.fixture
def paired(personas, registered, cadre):
    services.assign_cadre(
        actor=personas["county_officer"],
        household_id=registered.pk,
        cadre_id=cadre.pk,
        starts_on=datetime.date(2026, 2, 1),
    )
    return registered


@pytest.fixture
def plan(personas, registered):
    return services.save_plan(
        actor=personas["village_clerk"], household_id=registered.pk, year=2026, planned_exit_year=2027
    )


def another_household(personas, offset: int = 2, village: str = KONGXING) -> Household:
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status="registered")
    household.refresh_from_db()
    return household


def _translated(msgid: str, **params) -> str:
    text = gettext(msgid)
    return text % params if params else text


#: a service's or form's message as the pages show it, in the active language (lazy: usable in parametrize)
t = lazy(_translated, str)


ABSURD = "%(amount)s yuan is more than any one measure or payment can be; check the figure."


def page_url(household) -> str:
    return reverse("assistance:household_assistance", kwargs={"pk": household.pk})


def changes() -> int:
    return ObjectChange.objects.count()


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_cadre_its_history_visits_plans_and_funds(personas, client_for, paired, other_cadre, plan):
    # given
    officer = personas["county_officer"]
    services.assign_cadre(
        actor=officer, household_id=paired.pk, cadre_id=other_cadre.pk, starts_on=datetime.date(2026, 6, 1),
        reason="工作调动",
    )  # fmt: skip
    services.record_visit(
        actor=officer, household_id=paired.pk, cadre_id=other_cadre.pk, visited_on=datetime.date(2026, 7, 3),
        found="户主腰伤复发", done="联系乡卫生院",
    )  # fmt: skip
    services.record_visit(
        actor=officer, household_id=paired.pk, cadre_id=other_cadre.pk, visited_on=datetime.date(2026, 6, 5),
        found="初次走访",
    )  # fmt: skip
    head = paired.members.get(position=1)
    services.add_measure(
        actor=officer, plan_id=plan.pk, code="M06", year=2026, member_ids=[head.pk], cost=Decimal("3000"),
        content="大病二次报销",
    )  # fmt: skip
    services.record_payment(
        actor=officer, household_id=paired.pk, amount=Decimal("1200.50"), paid_on=datetime.date(2026, 8, 1),
        purpose="产业奖补",
    )  # fmt: skip

    # when
    response = client_for(personas["township_reviewer"]).get(page_url(paired))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["current"].cadre == other_cadre
    assert [(p.cadre.name, p.ends_on) for p in response.context["pairings"]] == [
        ("王帮扶", datetime.date(2026, 5, 31)),
        ("李帮扶", None),
    ]
    assert [v.found for v in response.context["visits"]] == ["初次走访", "户主腰伤复发"]  # in date order
    measure = response.context["plans"][0].rows[0]
    assert (measure.code, measure.member_names, measure.cost) == ("M06", ["杨大山"], Decimal("3000.00"))
    assert "1200.50" in body and "产业奖补" in body
    assert response.context["can_assign"] and response.context["can_work"]


def test_the_causes_suggest_their_measures_next_to_the_add_measure_form(personas, client_for, registered, plan):
    response = client_for(personas["village_clerk"]).get(page_url(registered))

    body = response.content.decode()
    assert "因病 → 医疗救助、兜底保障" in body
    assert "缺劳动力 → 兜底保障" in body
    suggestions = response.context["plans"][0].suggestions
    assert [(s["cause_name"], s["answered"]) for s in suggestions] == [("因病", False), ("缺劳动力", False)]


def test_a_suggestion_is_marked_once_the_plan_has_the_measure(personas, client_for, registered, plan):
    head = registered.members.get(position=1)
    services.add_measure(actor=personas["village_clerk"], plan_id=plan.pk, code="M07", year=2026, member_ids=[head.pk])

    response = client_for(personas["village_clerk"]).get(page_url(registered))

    suggestions = response.context["plans"][0].suggestions
    assert [(s["cause_name"], s["answered"]) for s in suggestions] == [("因病", True), ("缺劳动力", True)]
    assert "兜底保障 ✓" in response.content.decode()


# --- changing the cadre -------------------------------------------------------------------------------


def test_a_reviewer_changes_the_cadre_and_the_old_pairing_ends_the_day_before(
    personas, client_for, paired, cadre, other_cadre
):
    # when
    response = client_for(personas["township_reviewer"]).post(
        reverse("assistance:pairing_add", kwargs={"pk": paired.pk}),
        {"cadre": other_cadre.pk, "starts_on": "2026-09-01", "reason": "工作调动"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == page_url(paired) + "#cadre"
    assert list(Pairing.objects.filter(household=paired).order_by("starts_on").values_list("cadre_id", "ends_on")) == [
        (cadre.pk, datetime.date(2026, 8, 31)),
        (other_cadre.pk, None),
    ]


def test_an_overlapping_pairing_is_refused_next_to_the_start_date(personas, client_for, paired, other_cadre):
    # given
    before = (list(Pairing.objects.values_list("id", "ends_on")), changes())

    # when
    response = client_for(personas["township_reviewer"]).post(
        reverse("assistance:pairing_add", kwargs={"pk": paired.pk}),
        {"cadre": other_cadre.pk, "starts_on": "2026-01-15"},
    )

    # then
    assert response.status_code == 200
    assert response.context["pairing_form"].errors["starts_on"] == [
        t(
            "The household already has a responsible cadre on or after %(date)s; periods cannot overlap.",
            date="2026-01-15",
        )
    ]
    assert (list(Pairing.objects.values_list("id", "ends_on")), changes()) == before


def test_a_cadre_of_another_county_is_not_offered_nor_accepted(personas, client_for, registered):
    # given
    elsewhere = services.create_cadre(
        actor=personas["superuser"], county_code="530922000000", name="云县干部", unit="云县局",
        starts_on=datetime.date(2026, 1, 1),
    )  # fmt: skip

    # when
    page = client_for(personas["county_officer"]).get(page_url(registered))
    response = client_for(personas["county_officer"]).post(
        reverse("assistance:pairing_add", kwargs={"pk": registered.pk}),
        {"cadre": elsewhere.pk, "starts_on": "2026-03-01"},
    )

    # then
    assert elsewhere.pk not in [value for value, _label in page.context["pairing_form"].fields["cadre"].choices]
    assert response.status_code == 200
    assert "cadre" in response.context["pairing_form"].errors
    assert not Pairing.objects.exists()


def test_a_village_clerk_may_not_change_the_cadre(personas, client_for, paired, other_cadre):
    before = changes()
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:pairing_add", kwargs={"pk": paired.pk}),
        {"cadre": other_cadre.pk, "starts_on": "2026-09-01"},
    )
    page = client_for(personas["village_clerk"]).get(page_url(paired))

    assert response.status_code == 403
    assert changes() == before
    assert page.context["can_assign"] is False
    assert reverse("assistance:pairing_add", kwargs={"pk": paired.pk}) not in page.content.decode()


def test_charlie_of_the_sibling_township_sees_nothing(personas, client_for, paired, other_cadre, plan):
    client = client_for(personas["charlie"])
    before = changes()
    measure = {f"m{plan.pk}-code": "M01", f"m{plan.pk}-year": "2026", f"m{plan.pk}-status": "planned"}
    posts = [
        ("pairing_add", paired.pk, {"cadre": other_cadre.pk, "starts_on": "2026-09-01"}),
        ("plan_save", paired.pk, {"year": "2026", "planned_exit_year": "2028"}),
        ("measure_add", plan.pk, measure),
        ("payment_add", paired.pk, {"amount": "100", "paid_on": "2026-03-01", "purpose": "x"}),
    ]

    pages = [
        client.get(page_url(paired)),
        client.get(reverse("assistance:household_handbook", kwargs={"pk": paired.pk})),
    ]
    answers = [client.post(reverse(f"assistance:{name}", kwargs={"pk": pk}), data) for name, pk, data in posts]

    assert [page.status_code for page in pages] == [404, 404]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert changes() == before


# --- visits -------------------------------------------------------------------------------------------


def test_a_clerk_records_a_visit_of_the_paired_cadre(personas, client_for, paired, cadre):
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:visit_add", kwargs={"pk": paired.pk}),
        {"cadre": cadre.pk, "visited_on": "2026-03-02", "found": "户主住院", "done": "联系医疗救助"},
    )

    assert response.status_code == 302
    assert list(Visit.objects.values_list("household_id", "cadre_id", "visited_on", "found")) == [
        (paired.pk, cadre.pk, datetime.date(2026, 3, 2), "户主住院")
    ]


def test_a_visit_in_the_future_is_refused_next_to_its_date(personas, client_for, paired, cadre):
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:visit_add", kwargs={"pk": paired.pk}),
        {"cadre": cadre.pk, "visited_on": "2099-01-01", "found": "户主住院"},
    )

    assert response.status_code == 200
    assert response.context["visit_form"].errors["visited_on"] == [t("The visit date cannot be in the future.")]
    assert not Visit.objects.exists()


# --- plans and measures ----------------------------------------------------------------------------


def test_a_plan_is_saved_then_changed(personas, client_for, registered):
    client = client_for(personas["village_clerk"])
    url = reverse("assistance:plan_save", kwargs={"pk": registered.pk})

    created = client.post(url, {"year": "2026", "planned_exit_year": "2027", "note": "发展养殖"})
    plan = Plan.objects.get()
    changed = client.post(
        url,
        {
            "plan": plan.pk,
            f"p{plan.pk}-year": "2026",
            f"p{plan.pk}-planned_exit_year": "2028",
            f"p{plan.pk}-version": "1",
        },
    )

    assert (created.status_code, changed.status_code) == (302, 302)
    plan.refresh_from_db()
    assert (plan.planned_exit_year, plan.version) == (2028, 2)


def test_a_stale_plan_form_is_refused(personas, client_for, plan, registered):
    services.save_plan(
        actor=personas["township_reviewer"], household_id=registered.pk, year=2026, planned_exit_year=2028, version=1
    )
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:plan_save", kwargs={"pk": registered.pk}),
        {
            "plan": plan.pk,
            f"p{plan.pk}-year": "2026",
            f"p{plan.pk}-planned_exit_year": "2029",
            f"p{plan.pk}-version": "1",
        },
    )

    assert response.status_code == 200
    assert response.context["plans"][0].edit_form.non_field_errors() == [
        t("Someone else changed this plan first; reload it.")
    ]
    assert Plan.objects.get().planned_exit_year == 2028


def test_a_plan_of_a_frozen_year_is_refused(personas, client_for, registered):
    # given
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])

    # when
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:plan_save", kwargs={"pk": registered.pk}), {"year": "2025", "planned_exit_year": "2026"}
    )

    # then
    assert response.status_code == 200
    assert response.context["plan_form"].non_field_errors() == [
        t("%(year)s is frozen for this county; record the change in the open year.", year=2025)
    ]
    assert not Plan.objects.exists()


def _measure(plan, **values) -> dict:
    data = {"code": "M01", "year": str(plan.year), "status": "planned", "cost": "", "content": ""}
    data.update(values)
    return {f"m{plan.pk}-{key}": value for key, value in data.items()}


def _add_measure(client, plan, **values):
    return client.post(reverse("assistance:measure_add", kwargs={"pk": plan.pk}), _measure(plan, **values))


def test_a_clerk_adds_a_measure_for_two_members(personas, client_for, registered, plan):
    members = list(registered.members.order_by("position")[:2])

    response = _add_measure(
        client_for(personas["village_clerk"]), plan, code="M02", members=[m.pk for m in members], cost="800",
        content="外出务工技能培训",
    )  # fmt: skip

    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.code, measure.cost, sorted(measure.members.values_list("pk", flat=True))) == (
        "M02",
        Decimal("800.00"),
        sorted(m.pk for m in members),
    )


@pytest.mark.parametrize(
    ("values_case", "field", "message"),
    [
        ({"code": "M06"}, "members", t("This measure is for persons: name the members it is for.")),
        ({"code": "M01", "members": "HEAD"}, "members",
         t("This measure is for the whole household: it names no members.")),
        ({"code": "M05", "members": "OTHER"}, "members",
         t("A named member is not an active member of this household.")),
        ({"cost": "-1"}, "cost", t("The amount cannot be negative.")),
        ({"cost": "9000000"}, "cost", t(ABSURD, amount="9000000")),
    ],
    ids=["person_measure_without_member", "household_measure_naming_members", "member_of_another_household",
         "negative_cost", "absurd_cost"],
)  # fmt: skip
def test_a_wrong_measure_is_refused_next_to_its_field(
    personas, client_for, registered, plan, values_case, field, message
):
    # given
    other = another_household(personas)
    values = dict(values_case)
    if values.get("members") == "HEAD":
        values["members"] = [registered.members.get(position=1).pk]
    elif values.get("members") == "OTHER":
        values["members"] = [other.members.get(position=3).pk]
    before = changes()

    # when
    response = _add_measure(client_for(personas["village_clerk"]), plan, **values)

    # then
    assert response.status_code == 200
    form = response.context["plans"][0].measure_form
    assert form.errors[field] == [message]
    assert response.context["plans"][0].open_measure_form
    assert not Measure.objects.exists()
    assert changes() == before


def test_a_measure_of_a_frozen_year_is_refused(personas, client_for, registered, plan):
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])

    response = _add_measure(client_for(personas["village_clerk"]), plan, year="2025")

    assert response.status_code == 200
    assert response.context["plans"][0].measure_form.non_field_errors() == [
        t("%(year)s is frozen for this county; record the change in the open year.", year=2025)
    ]
    assert not Measure.objects.exists()


def test_a_measure_is_marked_done_with_its_cost(personas, client_for, registered, plan):
    measure = services.add_measure(actor=personas["village_clerk"], plan_id=plan.pk, code="M01", year=2026)
    url = reverse("assistance:measure_status", kwargs={"pk": measure.pk})
    client = client_for(personas["village_clerk"])

    refused = client.post(url, {f"s{measure.pk}-status": "done", f"s{measure.pk}-cost": "-5"})
    done = client.post(
        url, {f"s{measure.pk}-status": "done", f"s{measure.pk}-cost": "4000", f"s{measure.pk}-content": "养牛2头"}
    )

    assert refused.status_code == 200
    assert dict(refused.context["plans"][0].rows[0].form.errors) == {"cost": [t("The amount cannot be negative.")]}
    assert done.status_code == 302
    measure.refresh_from_db()
    assert (measure.status, measure.cost, measure.content) == ("done", Decimal("4000.00"), "养牛2头")


def test_last_years_plan_is_copied_from_the_page(personas, client_for, registered):
    clerk = personas["village_clerk"]
    old = services.save_plan(actor=clerk, household_id=registered.pk, year=2025, planned_exit_year=2026)
    services.add_measure(actor=clerk, plan_id=old.pk, code="M01", year=2025, content="养牛", cost=Decimal("4000"))
    url = reverse("assistance:plan_copy", kwargs={"pk": registered.pk})

    copied = client_for(clerk).post(url, {"from_year": "2025", "to_year": "2026"})
    again = client_for(clerk).post(url, {"from_year": "2025", "to_year": "2026"})

    assert copied.status_code == 302
    assert list(Measure.objects.filter(year=2026).values_list("code", "status")) == [("M01", "planned")]
    assert again.status_code == 200
    assert again.context["copy_form"].non_field_errors() == [
        t("The household already has a plan for %(year)s.", year=2026)
    ]


# --- payments -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-10", t("The amount paid must be above 0.")),
        ("0", t("The amount paid must be above 0.")),
        (
            "750000",
            t("%(amount)s yuan is more than any one measure or payment can be; check the figure.", amount="750000"),
        ),
    ],
    ids=["negative", "zero", "absurd"],
)
def test_a_wrong_payment_is_refused_next_to_its_amount(personas, client_for, registered, amount, message):
    response = client_for(personas["township_reviewer"]).post(
        reverse("assistance:payment_add", kwargs={"pk": registered.pk}),
        {"amount": amount, "paid_on": "2026-03-01", "purpose": "产业奖补"},
    )

    assert response.status_code == 200
    assert response.context["payment_form"].errors["amount"] == [message]
    assert not FundPayment.objects.exists()


def test_a_payment_is_recorded_and_a_clerk_may_not_record_one(personas, client_for, registered):
    url = reverse("assistance:payment_add", kwargs={"pk": registered.pk})
    data = {"amount": "2000", "paid_on": "2026-03-01", "purpose": "产业奖补"}

    refused = client_for(personas["village_clerk"]).post(url, data)
    recorded = client_for(personas["township_reviewer"]).post(url, data)

    assert refused.status_code == 403
    assert recorded.status_code == 302
    assert list(FundPayment.objects.values_list("household_id", "amount", "purpose")) == [
        (registered.pk, Decimal("2000.00"), "产业奖补")
    ]


# --- query counts ------------------------------------------------------------------------------------


def _fill(personas, household, cadre, other_cadre, plan, rounds: int) -> None:
    officer = personas["county_officer"]
    members = list(household.members.filter(is_active=True))
    for index in range(rounds):
        day = datetime.date(2026, 1, 1) + datetime.timedelta(days=index * 3)
        services.record_visit(
            actor=officer, household_id=household.pk, cadre_id=cadre.pk, visited_on=day, found=f"走访{index}"
        )
        services.add_measure(
            actor=officer, plan_id=plan.pk, code="M06", year=2026, member_ids=[m.pk for m in members[: 1 + index % 3]]
        )
        services.add_measure(actor=officer, plan_id=plan.pk, code="M01", year=2026, cost=Decimal(index))
        services.record_payment(
            actor=officer, household_id=household.pk, amount=Decimal(100 + index), paid_on=day, purpose=f"奖补{index}"
        )
    for year in range(2020 + rounds % 3, 2026):
        services.save_plan(actor=officer, household_id=household.pk, year=year, planned_exit_year=year + 1)


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return count_page_queries(captured), response.content.decode()


def test_the_page_reads_a_fixed_number_of_queries_however_long_the_ledger(
    personas, client_for, registered, cadre, other_cadre
):
    # given
    services.assign_cadre(
        actor=personas["county_officer"],
        household_id=registered.pk,
        cadre_id=cadre.pk,
        starts_on=datetime.date(2026, 1, 1),
    )
    plan = services.save_plan(
        actor=personas["county_officer"], household_id=registered.pk, year=2026, planned_exit_year=2027
    )
    services.propose_project(
        actor=personas["county_officer"], location_code=KONGXING,
        values={"name": "道路", "category": "基础设施", "responsible_unit": "县交通局", "tasks": "硬化", "budget": "0",
                "funding_sources": {}, "performance_targets": "通达"},
        meeting={"date": "2026-02-01"},
    )  # fmt: skip
    client = client_for(personas["county_officer"])
    _fill(personas, registered, cadre, other_cadre, plan, 1)
    few, _page = _queries(client, page_url(registered))

    # when
    _fill(personas, registered, cadre, other_cadre, plan, 12)
    services.assign_cadre(
        actor=personas["county_officer"], household_id=registered.pk, cadre_id=other_cadre.pk,
        starts_on=datetime.date(2026, 10, 1),
    )  # fmt: skip
    many, page = _queries(client, page_url(registered))

    # then
    assert few == many
    assert many <= 12
    assert "走访11" in page and "奖补11" in page  # the twelfth round of visits and payments is listed


# --- the handbook ---------------------------------------------------------------------------------------


def test_the_handbook_prints_everything_with_id_numbers_masked(personas, client_for, paired, cadre, plan):
    # given
    officer = personas["county_officer"]
    head = paired.members.get(position=1)
    services.add_measure(
        actor=officer, plan_id=plan.pk, code="M06", year=2026, member_ids=[head.pk], cost=Decimal(3000)
    )
    services.record_payment(
        actor=officer,
        household_id=paired.pk,
        amount=Decimal("600"),
        paid_on=datetime.date(2026, 4, 1),
        purpose="医疗救助",
    )
    services.record_visit(
        actor=officer, household_id=paired.pk, cadre_id=cadre.pk, visited_on=datetime.date(2026, 3, 1), found="住院"
    )
    HouseholdYear.objects.create(
        household=paired, year=2025, area_code=paired.village_id, status="registered", household_size=4,
        net_income_per_capita=Decimal("2875.00"), data={},
    )  # fmt: skip
    Household.objects.filter(pk=paired.pk).update(bank_account="6228480012345678901", phone="13812345678")
    numbers = list(paired.members.values_list("id_number", flat=True))

    # when
    response = client_for(personas["village_clerk"]).get(
        reverse("assistance:household_handbook", kwargs={"pk": paired.pk})
    )

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(number in body for number in numbers)
    assert all(mask_id_number(number) in body for number in numbers)
    assert "6228480012345678901" not in body and "13812345678" not in body
    assert "css/handbook.css" in body
    for text in (
        "扶贫手册",
        "凤庆县",
        "诗礼乡",
        "孔兴村",
        "王帮扶",
        "医疗救助",
        "600.00",
        "住院",
        "2875.00",
        "因病",
        "缺劳动力",
    ):
        assert text in body, text
    assert response.context["planned_exit_year"] == 2027


def test_only_the_handbook_links_its_print_stylesheet(personas, client_for, registered):
    page = client_for(personas["village_clerk"]).get(page_url(registered))
    assert "handbook.css" not in page.content.decode()
