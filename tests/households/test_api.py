"""The households API: nested members, the same validation, scopes, masking and version check."""

from django.urls import reverse

from core.models import ObjectChange
from households.models import Household
from tests.households.conftest import KONGXING, family_of_four, monitored_with_risks


def _create(client, members=None, **fields):
    body = {"village": KONGXING, "main_cause": "01", "distance_to_main_road_km": "1.5", "wage_income": "3000", **fields}
    body["members"] = members if members is not None else family_of_four()
    return client.post(reverse("api:household-list"), body, format="json")


def test_a_household_with_members_is_created_and_ids_go_out_masked(personas, api_for):
    response = _create(api_for(personas["village_clerk"]))

    body = response.json()
    assert response.status_code == 201
    assert body["household_no"] == "5309212012000001"
    assert body["household_size"] == 4
    assert response["ETag"] == '"1"'
    full_numbers = [m["id_number"] for m in family_of_four()]
    assert not any(number in response.content.decode() for number in full_numbers)
    assert body["members"][0]["id_number_masked"] == full_numbers[0][:6] + "********" + full_numbers[0][-4:]


def test_a_wrong_id_number_is_reported_by_member_row_and_nothing_is_written(personas, api_for):
    members = family_of_four()
    members[1]["id_number"] = "110105194902300021"

    response = _create(api_for(personas["village_clerk"]), members=members)

    error = response.json()["error"]
    assert response.status_code == 400
    assert list(error["details"]["members"]) == ["1"]
    assert "id_number" in error["details"]["members"]["1"]
    assert Household.objects.count() == 0


def test_negative_income_names_the_field(personas, api_for):
    response = _create(api_for(personas["village_clerk"]), wage_income="-5")
    assert response.status_code == 400
    assert "wage_income" in response.json()["error"]["fields"]


def test_changing_needs_the_version_and_a_stale_one_is_a_conflict(personas, api_for, saved_household):
    clerk = api_for(personas["village_clerk"])
    url = reverse("api:household-detail", kwargs={"pk": saved_household.pk})

    missing = clerk.patch(url, {"phone": "13800000000"}, format="json")
    first = clerk.patch(url, {"phone": "0883-1111111"}, format="json", HTTP_IF_MATCH='"1"')
    stale = clerk.patch(url, {"version": 1, "phone": "0883-2222222"}, format="json")

    assert missing.status_code == 400 and missing.json()["error"]["code"] == "version_required"
    assert first.status_code == 200 and first["ETag"] == '"2"'
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert Household.objects.get(pk=saved_household.pk).phone == "0883-1111111"


def test_a_member_leaves_through_the_api(personas, api_for, saved_household):
    daughter = saved_household.members.get(position=4)
    response = api_for(personas["village_clerk"]).patch(
        reverse("api:household-detail", kwargs={"pk": saved_household.pk}),
        {"version": 1, "members": [{"id": daughter.pk, "remove": True, "change_reason": "02"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["household_size"] == 3


def test_list_filters_match_the_page(personas, api_for, saved_household):
    client = api_for(personas["township_reviewer"])
    tail = saved_household.members.get(position=3).id_number[-4:]

    by_tail = client.get(reverse("api:household-list"), {"q": tail}).json()
    by_name = client.get(reverse("api:household-list"), {"q": "杨小红"}).json()
    elsewhere = client.get(reverse("api:household-list"), {"village": "530921201201"}).json()
    charlie = api_for(personas["charlie"]).get(reverse("api:household-list")).json()

    assert [h["household_no"] for h in by_tail["results"]] == [saved_household.household_no]
    assert by_name["count"] == 1
    assert elsewhere["count"] == 0
    assert charlie["count"] == 0


def test_reveal_returns_the_number_and_records_it(personas, api_for, saved_household):
    member = saved_household.members.get(position=1)
    response = api_for(personas["township_reviewer"]).post(reverse("api:member-reveal", kwargs={"pk": member.pk}))
    assert response.json() == {"id_number": member.id_number}
    assert ObjectChange.objects.filter(action="reveal", object_pk=str(member.pk)).count() == 1


def test_findings_of_a_household(personas, api_for):
    members = family_of_four()
    members[1]["relation"] = "01"  # two heads
    household_id = _create(api_for(personas["village_clerk"]), members=members).json()["id"]

    findings = (
        api_for(personas["village_clerk"]).get(reverse("api:household-findings", kwargs={"pk": household_id})).json()
    )

    assert "head_count" in {f["rule"] for f in findings}


def test_submission_with_unconfirmed_warnings_lists_them(personas, api_for, saved_household):
    client = api_for(personas["village_clerk"])
    url = reverse("api:household-detail", kwargs={"pk": saved_household.pk})
    response = client.patch(url, {"version": 1, "wage_income": "90000", "submit": True}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_submittable"
    assert Household.objects.get(pk=saved_household.pk).entry_state == "draft"


def test_the_household_detail_carries_its_monitoring_case_risks_and_exit_case(
    personas, api_for, saved_household, django_assert_max_num_queries
):
    case, exit_case = monitored_with_risks(personas, saved_household, 2)
    client = api_for(personas["township_reviewer"])
    url = reverse("api:household-detail", kwargs={"pk": saved_household.pk})

    with django_assert_max_num_queries(12):
        body = client.get(url).json()

    assert body["monitored"] is True
    monitoring = body["monitoring"]
    assert (monitoring["id"], monitoring["kind"], monitoring["state"]) == (case.pk, "marginal", "monitored")
    assert monitoring["entered_on"] == "2026-03-02"
    assert monitoring["eliminated_on"] is None
    assert [r["description"] for r in monitoring["risks"]] == ["茶叶滞销0", "茶叶滞销1"]
    assert [m["status"] for r in monitoring["risks"] for m in r["measures"]] == ["done", "done"]
    assert {r["eliminated"] for r in monitoring["risks"]} == {False}
    assert body["exit_case"] == {"id": exit_case.pk, "year": 2025, "state": "withdrawn"}


def test_a_household_never_alerted_has_no_monitoring_in_the_api(personas, api_for, saved_household):
    body = api_for(personas["village_clerk"]).get(reverse("api:household-detail", kwargs={"pk": saved_household.pk}))
    assert (body.json()["monitored"], body.json()["monitoring"], body.json()["exit_case"]) == (False, None, None)


def test_a_disability_certificate_goes_out_masked_and_comes_back_unchanged(personas, api_for, saved_household):
    # given: the wife registered disabled, with her certificate (her ID number and 2 digits)
    client = api_for(personas["village_clerk"])
    url = reverse("api:household-detail", kwargs={"pk": saved_household.pk})
    wife = saved_household.members.get(position=2)
    certificate = wife.id_number + "41"
    client.patch(
        url, {"version": 1, "members": [{"id": wife.pk, "health": "04", "disability_cert_no": certificate}]},
        format="json",
    )  # fmt: skip

    # when: read, then written back as read
    read = client.get(url)
    shown = next(m for m in read.json()["members"] if m["id"] == wife.pk)
    written = client.patch(
        url, {"version": 2, "members": [{"id": wife.pk, "disability_cert_no": shown["disability_cert_no"]}]},
        format="json",
    )  # fmt: skip

    # then
    assert certificate not in read.content.decode()
    assert shown["disability_cert_no"] == certificate[:6] + "**********" + certificate[-4:]
    assert written.status_code == 200
    wife.refresh_from_db()
    assert wife.disability_cert_no == certificate
