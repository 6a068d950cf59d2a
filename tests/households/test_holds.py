"""Changes to a household past submission: a submitted survey form goes back to draft when it
changes, and while a procedure holds the household (from its home check to its decision) who
belongs to it cannot change. On the page, the API, the services and the import."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import ServiceError
from core.models import ObjectChange
from exits import review
from households.models import Household
from households.services import save_household
from identification import services as identification
from tests.households.conftest import KONGXING, family_of_four, household_input
from tests.households.test_import_support import checked, committed, family, household, workbook_bytes
from tests.households.test_pages import _form_data
from tests.identification.conftest import campaign, walk_to_home_checked  # noqa: F401 -- a fixture


def _submitted(personas, offset: int = 0, status: str | None = None) -> Household:
    """A household of four whose survey form is submitted for review (and ``status`` if given)."""
    saved = save_household(
        actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(),
        members=family_of_four(offset), submit=True,
    ).household  # fmt: skip
    if status:
        Household.objects.filter(pk=saved.pk).update(status=status)
    saved.refresh_from_db()
    assert saved.entry_state == "submitted"
    return saved


def _rows(saved: Household, offset: int = 0) -> list[dict]:
    """The household's members as the form posts them back, each with its id."""
    pks = saved.members.order_by("position").values_list("pk", flat=True)
    return [dict(m, id=pk) for m, pk in zip(family_of_four(offset), pks, strict=True)]


def _last_change(saved: Household) -> ObjectChange:
    return ObjectChange.objects.filter(object_pk=str(saved.pk), content_type__model="household").latest("id")


@pytest.fixture
def held(personas, campaign):  # noqa: F811 -- the identification campaign fixture
    """A submitted household whose identification case has had its home check (入户查)."""
    saved = _submitted(personas)
    case = walk_to_home_checked(personas, campaign, saved)
    saved.refresh_from_db()
    return saved, case


# -- a submitted form goes back to draft when it changes -------------------------------------------


def test_renaming_the_head_of_an_exited_submitted_household_on_the_page_sends_it_back_to_draft(personas, client_for):
    # given: an exited household whose form is submitted
    saved = _submitted(personas, status="exited")
    client = client_for(personas["village_clerk"])
    rows = _rows(saved)
    rows[0]["name"] = "杨大川"

    # when: the clerk saves a new name for the head as a draft
    response = client.post(
        reverse("households:household_edit", kwargs={"pk": saved.pk}), _form_data(rows, version="1"), follow=True
    )

    # then: the form is a draft again, the change and the step back are in the trail, the clerk is told
    saved.refresh_from_db()
    assert (saved.head_name, saved.entry_state, saved.status) == ("杨大川", "draft", "exited")
    change = _last_change(saved)
    assert (change.before["entry_state"], change.after["entry_state"]) == ("submitted", "draft")
    assert change.after["members"][0]["name"] == "杨大川"
    messages = [str(m) for m in response.context["messages"]]
    assert any("退回草稿" in message for message in messages)


def test_a_change_through_the_api_sends_a_submitted_form_back_to_draft(personas, api_for):
    saved = _submitted(personas)

    response = api_for(personas["village_clerk"]).patch(
        reverse("api:household-detail", kwargs={"pk": saved.pk}), {"version": 1, "wage_income": "2600"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["entry_state"] == "draft"
    assert Household.objects.get(pk=saved.pk).entry_state == "draft"


def test_a_save_that_changes_nothing_keeps_the_form_submitted(personas):
    saved = _submitted(personas)

    result = save_household(actor=personas["village_clerk"], household_id=saved.pk, expected_version=1, fields={},
                            members=_rows(saved))  # fmt: skip

    assert (result.household.entry_state, result.reopened) == ("submitted", False)
    assert Household.objects.get(pk=saved.pk).entry_state == "submitted"


def test_a_change_submitted_again_stays_submitted(personas):
    saved = _submitted(personas)

    result = save_household(
        actor=personas["village_clerk"], household_id=saved.pk, expected_version=1,
        fields={"wage_income": Decimal("2600")}, members=[], submit=True,
    )  # fmt: skip

    assert Household.objects.get(pk=saved.pk).entry_state == "submitted"
    assert result.reopened is False


def test_an_import_that_changes_a_submitted_household_sends_it_back_to_draft(personas):
    saved = _submitted(personas)
    clerk = personas["village_clerk"]
    content = workbook_bytes([household("1", household_no=saved.household_no, wage_income=2600)], family("1"))

    job = committed(clerk, checked(clerk, content))

    assert job.result["changed"] == 1, job.error
    assert Household.objects.get(pk=saved.pk).entry_state == "draft"
    change = ObjectChange.objects.get(action="import")
    assert (change.before["entry_state"], change.after["entry_state"]) == ("submitted", "draft")


# -- a procedure holding the household keeps who belongs to it ----------------------------------


def test_renaming_the_head_of_a_held_household_is_refused_and_changes_nothing(personas, held):
    saved, _case = held
    rows = _rows(saved)
    rows[0]["name"] = "杨大川"

    with pytest.raises(ServiceError) as refused:
        save_household(actor=personas["village_clerk"], household_id=saved.pk, expected_version=saved.version,
                       fields={}, members=rows)  # fmt: skip

    assert refused.value.code == "held_by_procedure"
    assert "入户查" in refused.value.message
    after = Household.objects.get(pk=saved.pk)
    assert (after.head_name, after.version, after.entry_state) == ("杨大山", saved.version, "submitted")


def test_a_held_household_refuses_on_the_page_and_through_the_api(personas, client_for, api_for, held):
    saved, _case = held
    rows = _rows(saved)
    rows[1]["id_number"] = family_of_four(5)[1]["id_number"]  # the wife's number "corrected"
    url = reverse("households:household_edit", kwargs={"pk": saved.pk})

    page = client_for(personas["village_clerk"]).post(url, _form_data(rows, version=str(saved.version)))
    api = api_for(personas["village_clerk"]).patch(
        reverse("api:household-detail", kwargs={"pk": saved.pk}),
        {"version": saved.version, "members": [{"id": rows[1]["id"], "name": "李秀兰"}]},
        format="json",
    )

    assert page.status_code == 200
    assert any("该户正在办理程序" in str(m) for m in page.context["messages"])
    assert (api.status_code, api.json()["error"]["code"]) == (400, "held_by_procedure")
    assert Household.objects.get(pk=saved.pk).version == saved.version
    assert set(saved.members.values_list("name", flat=True)) == {m["name"] for m in family_of_four()}


def test_a_natural_change_to_a_held_household_is_refused(personas, held):
    saved, _case = held
    daughter = saved.members.get(position=4)

    with pytest.raises(ServiceError) as refused:
        review.record_natural_change(
            actor=personas["village_clerk"], household_id=saved.pk, version=saved.version, kind="married_out",
            member_id=daughter.pk,
        )  # fmt: skip

    assert refused.value.code == "held_by_procedure"
    assert saved.members.filter(is_active=True).count() == 4


def test_other_corrections_of_a_held_household_are_saved_and_send_it_back_to_draft(personas, held):
    saved, _case = held

    result = save_household(
        actor=personas["village_clerk"], household_id=saved.pk, expected_version=saved.version,
        fields={"wage_income": Decimal("2600")}, members=_rows(saved),
    )  # fmt: skip

    assert result.household.wage_income == Decimal("2600")
    assert (result.household.entry_state, result.reopened) == ("draft", True)


def test_a_case_sent_back_before_its_home_check_releases_the_household(personas, held):
    saved, case = held
    identification.return_case(
        actor=personas["township_reviewer"], case_id=case.pk, to_state="village_appraised", reason="户主姓名有误"
    )
    rows = _rows(saved)
    rows[0]["name"] = "杨大川"

    result = save_household(actor=personas["village_clerk"], household_id=saved.pk, expected_version=saved.version,
                            fields={}, members=rows)  # fmt: skip

    assert result.household.head_name == "杨大川"


def test_an_exit_case_past_its_home_verification_holds_the_household(personas):
    from exits import exit_services
    from exits.models import ExitCase
    from tests.exits.exit.conftest import YEAR, registered, walk

    root = personas["superuser"]
    saved = registered(root)
    exit_services.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[saved.pk])
    walk(ExitCase.objects.get(household=saved), root, "home_verified")
    saved.refresh_from_db()
    rows = _rows(saved)
    rows[0]["name"] = "杨大川"

    with pytest.raises(ServiceError) as refused:
        save_household(actor=personas["village_clerk"], household_id=saved.pk, expected_version=saved.version,
                       fields={}, members=rows)  # fmt: skip

    assert refused.value.code == "held_by_procedure"
    assert "入户核实" in refused.value.message


def test_a_monitoring_case_past_its_home_check_holds_the_household(personas):
    from exits import monitoring_services
    from tests.exits.monitoring.conftest import TODAY, alert

    saved = _submitted(personas, status="exited")
    case = alert(personas, saved)
    monitoring_services.advance(
        actor=personas["village_clerk"], case_id=case.pk, step="record_home_check", note="已办理", today=TODAY
    )
    saved.refresh_from_db()
    rows = _rows(saved)
    rows[0]["name"] = "杨大川"

    with pytest.raises(ServiceError) as refused:
        save_household(actor=personas["village_clerk"], household_id=saved.pk, expected_version=saved.version,
                       fields={}, members=rows)  # fmt: skip

    assert refused.value.code == "held_by_procedure"


def test_an_import_renaming_a_member_of_a_held_household_is_refused(personas, held):
    saved, _case = held
    clerk = personas["village_clerk"]
    members = family("1")
    members[0] = {**members[0], "name": "杨大川"}

    check = checked(clerk, workbook_bytes([household("1", household_no=saved.household_no)], members))

    assert [(e["column"], e["code"]) for e in check.result["errors"]] == [("户序号", "held_by_procedure")]
    assert Household.objects.get(pk=saved.pk).head_name == "杨大山"
