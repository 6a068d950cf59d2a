"""The survey form, the list and the detail page as a clerk uses them in the browser."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import ObjectChange
from households.models import Household
from households.services import save_household
from tests.conftest import count_page_queries
from tests.exits.monitoring.conftest import make_household
from tests.households.conftest import KONGXING, family_of_four, household_input, monitored_with_risks


def _form_data(members, **extra):
    data = {
        "village": KONGXING, "identification_standard": "national", "poverty_attribute": "general",
        "housing_safety": "01", "main_cause": "01", "other_causes": ["08"], "distance_to_main_road_km": "1.2",
        "wage_income": "2400", "business_income": "1500", "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0", "draft": "1",
    }  # fmt: skip
    for index, member in enumerate(members):
        prefix = f"members-{index}-"
        values = {
            "name": member["name"], "id_number": member["id_number"], "relation": member["relation"],
            "id_type": "resident_id", "ethnicity": "01", "political_status": "13",
            "school_status": member.get("school_status", "01"), "health": "01",
            "education": member.get("education", ""), "work_months": "0", "has_medical_insurance": "on",
        }  # fmt: skip
        data.update({prefix + key: value for key, value in values.items()})
        if member.get("id"):
            data[prefix + "id"] = str(member["id"])
    data.update(extra)
    return data


def test_a_clerk_registers_a_household_of_five_fixing_a_wrong_id_number_on_the_way(personas, client_for):
    client = client_for(personas["village_clerk"])
    url = reverse("households:household_add") + f"?village={KONGXING}"
    members = [*family_of_four(), dict(family_of_four(3)[0], name="杨老汉", relation="11")]
    wrong = [dict(m) for m in members]
    wrong[2]["id_number"] = wrong[2]["id_number"][:17] + ("1" if wrong[2]["id_number"][17] != "1" else "2")

    refused = client.post(url, _form_data(wrong))
    saved = client.post(url, _form_data(members))

    assert refused.status_code == 200
    assert refused.context["formset"].forms[2].errors["id_number"]
    assert saved.status_code == 302
    household = Household.objects.get()
    assert household.household_size == 5
    assert saved["Location"] == reverse("households:household_edit", kwargs={"pk": household.pk})


def test_submitting_on_the_page_asks_for_notes_then_succeeds(personas, client_for, saved_household):
    client = client_for(personas["village_clerk"])
    url = reverse("households:household_edit", kwargs={"pk": saved_household.pk})
    members = [
        dict(m, id=pk)
        for m, pk in zip(
            family_of_four(), saved_household.members.order_by("position").values_list("pk", flat=True), strict=True
        )
    ]
    rich = _form_data(members, version="1", wage_income="90000", submit="1")
    rich.pop("draft")

    first = client.post(url, rich)
    assert first.status_code == 200
    assert [w["rule"] for w in first.context["submit_problems"]["warnings"]] == ["income_above_line"]
    saved = client.post(url, {**rich, "note:income_above_line:net_income_per_capita:": "外出务工收入不稳定，已核实"})

    assert saved.status_code == 302
    assert Household.objects.get(pk=saved_household.pk).entry_state == "submitted"


def test_the_second_of_two_clerks_is_told_who_changed_what_and_keeps_the_entries(personas, client_for, saved_household):
    url = reverse("households:household_edit", kwargs={"pk": saved_household.pk})
    members = [
        dict(m, id=pk)
        for m, pk in zip(
            family_of_four(), saved_household.members.order_by("position").values_list("pk", flat=True), strict=True
        )
    ]
    client_for(personas["township_reviewer"]).post(url, _form_data(members, version="1", wage_income="3100"))

    response = client_for(personas["village_clerk"]).post(url, _form_data(members, version="1", phone="0883-7654321"))

    assert response.status_code == 200
    message = [str(m) for m in response.context["messages"]][0]
    assert personas["township_reviewer"].username in message
    assert "工资性收入" in message
    assert response.context["form"]["phone"].value() == "0883-7654321"  # nothing typed is lost
    assert Household.objects.get(pk=saved_household.pk).phone == ""


def test_the_list_stays_within_ten_queries_whatever_the_number_of_households(personas, client_for):
    client = client_for(personas["county_officer"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("households:household_list"), {"q": "杨", "sort": "-income"})
        assert response.status_code == 200
        return count_page_queries(captured), response

    for offset in range(3):
        save_household(
            actor=personas["village_clerk"],
            village_code=KONGXING,
            fields=household_input(),
            members=family_of_four(offset),
        )
    few, _ = queries()
    for offset in range(3, 30):
        save_household(
            actor=personas["village_clerk"],
            village_code=KONGXING,
            fields=household_input(),
            members=family_of_four(offset),
        )
    many, response = queries()

    assert few == many
    assert many <= 10
    assert len(response.context["page"]) == 30


def test_the_detail_page_stays_within_twelve_queries_on_every_tab(personas, client_for, saved_household):
    client = client_for(personas["township_reviewer"])
    url = reverse("households:household_detail", kwargs={"pk": saved_household.pk})
    other = make_household(personas, 2)

    def counts(household):
        found = {}
        for tab in ("members", "income", "conditions", "findings", "history"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse("households:household_detail", kwargs={"pk": household.pk}), {"tab": tab})
            assert response.status_code == 200
            found[tab] = count_page_queries(captured)
        return found

    # monitoring with one risk, then with three: the same queries (none per risk or measure)
    monitored_with_risks(personas, saved_household, 1)
    monitored_with_risks(personas, other, 3)
    one, three = counts(saved_household), counts(other)

    assert one == three
    assert max(three.values()) <= 12, three
    assert "茶叶滞销2" in client.get(url.replace(str(saved_household.pk), str(other.pk))).content.decode()


def test_the_detail_page_shows_the_monitoring_case_its_risks_and_the_exit_case(personas, client_for, saved_household):
    case, exit_case = monitored_with_risks(personas, saved_household, 1)
    client = client_for(personas["township_reviewer"])

    body = client.get(reverse("households:household_detail", kwargs={"pk": saved_household.pk})).content.decode()

    for text in (
        "防返贫监测对象",
        "边缘易致贫户",
        "纳入监测",
        "因产业经营失败",
        "茶叶滞销0",
        "产业扶持",
        "已完成",
        "未消除",
    ):
        assert text in body, text
    assert reverse("monitoring:case_detail", args=[case.pk]) in body
    assert reverse("exit:case_detail", args=[exit_case.pk]) in body
    assert "2025 本年不退出" in body


def test_a_household_never_alerted_reads_not_monitored(personas, client_for, saved_household):
    body = (
        client_for(personas["township_reviewer"])
        .get(reverse("households:household_detail", kwargs={"pk": saved_household.pk}))
        .content.decode()
    )
    assert "防返贫监测对象</dt><dd>否</dd>" in body
    assert "脱贫退出</dt><dd>—</dd>" in body


def test_id_numbers_are_masked_in_the_list_detail_and_history(personas, client_for, saved_household):
    client = client_for(personas["township_reviewer"])
    numbers = list(saved_household.members.values_list("id_number", flat=True))
    save_household(
        actor=personas["village_clerk"],
        household_id=saved_household.pk,
        expected_version=1,
        fields={},
        members=[{"id": saved_household.members.get(position=4).pk, "remove": True, "change_reason": "02"}],
    )
    pages = [
        client.get(reverse("households:household_list")),
        client.get(reverse("households:household_detail", kwargs={"pk": saved_household.pk})),
        client.get(reverse("households:household_detail", kwargs={"pk": saved_household.pk}), {"tab": "history"}),
    ]
    for page in pages:
        body = page.content.decode()
        assert not any(number in body for number in numbers)
    assert numbers[0][:6] + "********" + numbers[0][-4:] in pages[1].content.decode()


def test_the_reveal_button_shows_one_number_and_records_it(personas, client_for, saved_household):
    member = saved_household.members.get(position=1)
    response = client_for(personas["village_clerk"]).post(reverse("households:member_reveal", kwargs={"pk": member.pk}))
    assert member.id_number in response.content.decode()
    assert ObjectChange.objects.filter(action="reveal").count() == 1


def test_the_csv_export_is_the_filtered_list_with_masked_ids(personas, client_for, saved_household):
    response = client_for(personas["township_reviewer"]).get(
        reverse("households:household_export", kwargs={"fmt": "csv"}), {"q": "杨大山"}
    )
    content = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert content.startswith("\ufeff")
    assert rows[0][:2] == ["户编号", "户主姓名"]
    assert rows[1][0] == saved_household.household_no
    assert "********" in rows[1][2]
    assert ObjectChange.objects.filter(action="export").count() == 1


def test_the_excel_export_opens_and_keeps_ids_as_text(personas, client_for, saved_household):
    response = client_for(personas["county_officer"]).get(
        reverse("households:household_export", kwargs={"fmt": "xlsx"})
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == saved_household.household_no
    assert rows[1][2].startswith("530921") and "*" in rows[1][2]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_makes_the_same_queries_for_one_household_and_forty(personas, client_for, fmt):
    """Each column reads a loaded field: one left out of households/export.py's ``_FIELDS`` costs a
    query per row (the exit year did, and the export ran at 3.6x openpyxl alone)."""
    from households.models import Household

    client = client_for(personas["county_officer"])

    def export_queries() -> tuple[int, list[tuple]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("households:household_export", kwargs={"fmt": fmt}))
            body = b"".join(response.streaming_content)
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
        else:
            rows = list(load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))
        return count_page_queries(captured), rows

    def add(offset: int) -> None:
        clerk = personas["village_clerk"]
        save_household(actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four(offset))

    add(0)
    one, _rows = export_queries()
    for offset in range(1, 40):
        add(offset)
    Household.objects.filter(pk__in=Household.objects.values("pk")[:20]).update(status="exited", exit_year=2025)
    forty, rows = export_queries()
    assert forty == one
    # every household is a row, the exit year read for the twenty that exited
    assert sorted(str(row[0]) for row in rows[1:]) == sorted(Household.objects.values_list("household_no", flat=True))
    exit_year = list(rows[0]).index("脱贫年度")
    assert sorted(str(row[exit_year] or "") for row in rows[1:]) == [""] * 20 + ["2025"] * 20


def test_the_id_check_says_what_is_wrong_as_it_is_typed(personas, client_for):
    client = client_for(personas["village_clerk"])
    wrong = client.post(reverse("households:check_id"), {"members-0-id_number": "110105194912310021"}).content.decode()
    right = client.post(reverse("households:check_id"), {"members-0-id_number": "11010519491231002x"}).content.decode()
    assert "error" in wrong and "X" in wrong
    assert "1949-12-31" in right


def test_live_figures_follow_the_amounts_and_members(personas, client_for):
    response = client_for(personas["village_clerk"]).post(
        reverse("households:live_figures"),
        {
            "wage_income": "3000",
            "business_expense": "600",
            "members-TOTAL_FORMS": "3",
            "members-0-name": "甲",
            "members-1-name": "乙",
            "members-2-name": "丙",
            "members-2-remove": "on",
        },
    )
    assert response.context["figures"].net_income_per_capita == 1200


def test_a_new_member_row_comes_with_the_next_index(personas, client_for):
    body = client_for(personas["village_clerk"]).get(reverse("households:member_row"), {"index": "4"}).content.decode()
    assert 'name="members-4-name"' in body
    assert 'value="5"' in body and "hx-swap-oob" in body


def _edit_form_data(page) -> dict:
    """What the browser posts back from the edit page as it was rendered: every input's value."""
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({name: form[name].value() for name in form.fields if form[name].value() not in (None, "")})
    data["other_causes"] = list(form["other_causes"].value() or [])
    formset = page.context["formset"]
    data.update({"members-TOTAL_FORMS": str(formset.total_form_count()), "members-INITIAL_FORMS": "0", "draft": "1"})
    for member_form in formset.forms:
        for name in member_form.fields:
            value = member_form[name].value()
            if value not in (None, "", False):
                data[member_form[name].html_name] = "on" if value is True else value
    return data


def _disabled_mother(personas, saved_household) -> tuple[str, int]:
    """The wife registered disabled, with her certificate (her ID number and 2 digits)."""
    members = saved_household.members.order_by("position")
    wife = members[1]
    number = wife.id_number + "41"
    save_household(
        actor=personas["village_clerk"], household_id=saved_household.pk, expected_version=1, fields={},
        members=[{"id": m.pk} for m in members[:1]] + [{"id": wife.pk, "health": "04", "disability_cert_no": number}],
    )  # fmt: skip
    return number, wife.pk


def test_the_edit_page_shows_no_full_id_number(personas, client_for, saved_household):
    certificate, _wife = _disabled_mother(personas, saved_household)
    numbers = [*saved_household.members.values_list("id_number", flat=True), certificate]

    page = client_for(personas["village_clerk"]).get(
        reverse("households:household_edit", kwargs={"pk": saved_household.pk})
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert [number for number in numbers if number in body] == []
    assert f'value="{numbers[0][:6]}********{numbers[0][-4:]}"' in body
    assert f"{certificate[:6]}**********{certificate[-4:]}" in body


def test_saving_the_edit_page_unchanged_keeps_the_stored_numbers(personas, client_for, saved_household):
    certificate, wife = _disabled_mother(personas, saved_household)
    before = dict(saved_household.members.values_list("pk", "id_number"))
    client = client_for(personas["village_clerk"])
    url = reverse("households:household_edit", kwargs={"pk": saved_household.pk})

    saved = client.post(url, {**_edit_form_data(client.get(url)), "wage_income": "2500"})

    assert saved.status_code == 302
    assert dict(saved_household.members.values_list("pk", "id_number")) == before
    assert saved_household.members.get(pk=wife).disability_cert_no == certificate
    assert Household.objects.get(pk=saved_household.pk).wage_income == 2500


def test_a_number_typed_on_the_edit_page_replaces_the_stored_one(personas, client_for, saved_household):
    client = client_for(personas["village_clerk"])
    url = reverse("households:household_edit", kwargs={"pk": saved_household.pk})
    son = saved_household.members.get(position=3)
    corrected = family_of_four(offset=5)[2]["id_number"]
    data = _edit_form_data(client.get(url))
    data["members-2-id_number"] = corrected

    saved = client.post(url, data)

    assert saved.status_code == 302
    son.refresh_from_db()
    assert son.id_number == corrected
    assert saved_household.members.get(position=1).id_number == family_of_four()[0]["id_number"]


def test_a_mask_that_is_not_the_stored_number_is_refused(personas, client_for, saved_household):
    client = client_for(personas["village_clerk"])
    url = reverse("households:household_edit", kwargs={"pk": saved_household.pk})
    data = _edit_form_data(client.get(url))
    data["members-2-id_number"] = data["members-1-id_number"]  # another member's mask

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert refused.context["formset"].forms[2].errors["id_number"]
    assert saved_household.members.get(position=3).id_number == family_of_four()[2]["id_number"]


def test_the_edit_page_reveals_a_number_through_the_logged_reveal(personas, client_for, saved_household):
    client = client_for(personas["village_clerk"])
    head = saved_household.members.get(position=1)

    page = client.get(reverse("households:household_edit", kwargs={"pk": saved_household.pk}))
    reveal_url = reverse("households:member_reveal", kwargs={"pk": head.pk})
    shown = client.post(reveal_url)

    assert f'hx-post="{reveal_url}"' in page.content.decode()
    assert head.id_number in shown.content.decode()
    assert ObjectChange.objects.filter(action="reveal", object_pk=str(head.pk)).count() == 1
