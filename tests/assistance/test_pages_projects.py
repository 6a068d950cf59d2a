"""The county project library on the pages: proposing (performance targets required, funding
sources as rows), the steps by role with their publicities, the list and its query count."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import services
from assistance.models import Project
from core.models import ObjectChange
from tests.assistance import test_pages as _shared
from tests.assistance.test_pages import t
from tests.conftest import count_page_queries, in_2026
from tests.households.conftest import KONGXING

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the projects and their publicity
# are of 2026.
pytestmark = in_2026

# fixtures shared with the page tests
plan = _shared.plan
registered = _shared.registered


def _proposal(**overrides) -> dict:
    data = {
        "location": KONGXING,
        "name": "孔兴村核桃提质增效",
        "category": "产业发展",
        "construction_nature": "新建",
        "responsible_unit": "县林草局",
        "tasks": "改良核桃500亩",
        "budget": "200000",
        "performance_targets": "带动贫困户40户，户均增收1500元",
        "mechanism": "合作社带动，务工与分红",
        "meeting_date": "2026-02-01",
        "meeting_attendance": "35",
        "publicity_starts_on": "2026-02-03",
        "publicity_place": "村委会公示栏",
        "funding-TOTAL_FORMS": "4",
        "funding-INITIAL_FORMS": "0",
        "funding-0-source": "中央财政专项扶贫资金",
        "funding-0-amount": "150000",
        "funding-1-source": "县级配套",
        "funding-1-amount": "50000",
    }
    data.update(overrides)
    return data


def _propose_url() -> str:
    return reverse("assistance:project_add") + f"?location={KONGXING}"


def project_values(**overrides) -> dict:
    values = {
        "name": "孔兴村核桃提质增效",
        "category": "产业发展",
        "responsible_unit": "县林草局",
        "tasks": "改良核桃500亩",
        "budget": "200000",
        "funding_sources": {"中央财政专项扶贫资金": "150000", "县级配套": "50000"},
        "performance_targets": "带动贫困户40户，户均增收1500元",
    }
    values.update(overrides)
    return values


def propose(personas, location: str = KONGXING, **overrides) -> Project:
    return services.propose_project(
        actor=personas["village_clerk"] if location == KONGXING else personas["superuser"],
        location_code=location,
        values=project_values(**overrides),
        meeting={"date": "2026-02-01"},
    )


def test_a_clerk_proposes_a_project_with_its_sources_and_meeting(personas, client_for):
    response = client_for(personas["village_clerk"]).post(_propose_url(), _proposal())

    assert response.status_code == 302
    project = Project.objects.get()
    assert response["Location"] == reverse("assistance:project_detail", kwargs={"pk": project.pk})
    assert (project.state, project.budget, project.funding_sources) == (
        "proposed",
        Decimal("200000.00"),
        {"中央财政专项扶贫资金": "150000.00", "县级配套": "50000.00"},
    )
    assert project.history[0]["meeting"] == {
        "date": "2026-02-01",
        "attendance": "35",
        "publicity_starts_on": "2026-02-03",
        "publicity_place": "村委会公示栏",
    }


@pytest.mark.parametrize(
    ("overrides", "where", "message"),
    [
        ({"performance_targets": ""}, "performance_targets",
         t("A project enters the library only with performance targets.")),
        ({"budget": "1000"}, "funding", t("The funding sources must add up to the budget.")),
        ({"budget": "-5"}, "budget", t("The amount cannot be negative.")),
        ({"budget": "900000", "funding-0-amount": "850000"}, "budget",
         t("%(amount)s yuan is more than any one measure or payment can be; check the figure.", amount="900000")),
        ({"funding-1-source": "中央财政专项扶贫资金"}, "funding_rows",
         t("Each funding source once: %(source)s is listed twice.", source="中央财政专项扶贫资金")),
        ({"meeting_date": ""}, "meeting_date", t("Give the date of the village meeting that proposed it.")),
    ],
    ids=["no_performance_targets", "sources_do_not_add_up", "negative_budget", "absurd_budget", "source_twice",
         "no_meeting"],
)  # fmt: skip
def test_a_wrong_proposal_is_refused_with_its_message(personas, client_for, overrides, where, message):
    before = ObjectChange.objects.count()

    response = client_for(personas["village_clerk"]).post(_propose_url(), _proposal(**overrides))

    assert response.status_code == 200
    if where == "funding":
        assert response.context["funding_error"] == message
    elif where == "funding_rows":
        assert response.context["funding"].non_form_errors() == [message]
    else:
        assert response.context["form"].errors[where] == [message]
    assert not Project.objects.exists()
    assert ObjectChange.objects.count() == before


def test_proposing_needs_a_place_in_scope_and_the_role(personas, client_for):
    assert client_for(personas["charlie"]).get(_propose_url()).status_code == 404
    assert client_for(personas["city_inspector"]).post(_propose_url(), _proposal()).status_code == 403
    assert client_for(personas["village_clerk"]).get(reverse("assistance:project_add")).status_code == 404
    assert not Project.objects.exists()


def _advance(client, project, **data):
    return client.post(reverse("assistance:project_advance", kwargs={"pk": project.pk}), data)


def test_each_step_is_taken_by_its_role_and_the_approval_records_its_publicity(personas, client_for):
    # given
    project = propose(personas)
    clerk, reviewer, officer = (
        client_for(personas[r]) for r in ("village_clerk", "township_reviewer", "county_officer")
    )
    detail = reverse("assistance:project_detail", kwargs={"pk": project.pk})

    # when / then: the village clerk sees no button and may not review
    assert clerk.get(detail).context["can_advance"] is False
    assert _advance(clerk, project).status_code == 403
    # the township reviews, the county appraises
    assert reviewer.get(detail).context["can_advance"] is True
    assert _advance(reviewer, project, note="已公示无异议").status_code == 302
    assert _advance(reviewer, project).status_code == 403
    assert _advance(officer, project).status_code == 302
    # the approval needs its publicity
    page = officer.get(detail)
    assert page.context["step"] == {"target": "批复入库", "publicity": True}
    refused = _advance(officer, project)
    assert refused.status_code == 200
    assert refused.context["advance_form"].errors["publicity_starts_on"] == [
        t("Record the publicity (start date and place) for this step.")
    ]
    approved = _advance(
        officer, project, publicity_starts_on="2026-03-01", publicity_ends_on="2026-03-10", publicity_place="村委会"
    )
    assert approved.status_code == 302
    project.refresh_from_db()
    assert project.state == "approved"
    assert project.entry_publicity == {"starts_on": "2026-03-01", "place": "村委会", "ends_on": "2026-03-10"}
    assert [step["state"] for step in project.history] == [
        "proposed",
        "township_reviewed",
        "county_appraised",
        "approved",
    ]


def test_a_stale_step_is_refused(personas, client_for):
    project = propose(personas)
    services.advance_project(actor=personas["township_reviewer"], project_id=project.pk)

    response = _advance(client_for(personas["county_officer"]), project, version="1")

    assert response.status_code == 200
    assert response.context["advance_form"].non_field_errors() == [
        t("Someone else moved this project first; reload it.")
    ]
    project.refresh_from_db()
    assert project.state == "township_reviewed"


def test_the_detail_shows_history_and_the_households_that_benefit(personas, client_for, registered, plan):
    # given
    project = propose(personas)
    for role in ("township_reviewer", "county_officer"):
        services.advance_project(actor=personas[role], project_id=project.pk)
    services.advance_project(
        actor=personas["county_officer"],
        project_id=project.pk,
        publicity={"starts_on": "2026-03-01", "place": "村委会"},
    )
    services.add_measure(
        actor=personas["village_clerk"], plan_id=plan.pk, code="M01", year=2026, project_id=project.pk,
        cost=Decimal("3000"),
    )  # fmt: skip
    services.record_payment(
        actor=personas["county_officer"], household_id=registered.pk, amount=Decimal("3000"),
        paid_on=datetime.date(2026, 4, 1), purpose="核桃提质", project_id=project.pk,
    )  # fmt: skip

    # when
    response = client_for(personas["township_reviewer"]).get(
        reverse("assistance:project_detail", kwargs={"pk": project.pk})
    )

    # then
    assert response.context["households"] == 1
    assert [row["label"] for row in response.context["measures"]] == ["产业扶持"]
    assert [h["state"] for h in response.context["history"]] == ["村申报", "乡镇审核", "县级评审", "批复入库"]
    assert response.context["paid"] == Decimal("3000.00")
    body = response.content.decode()
    assert "杨大山" in body and "核桃提质" in body


def test_the_household_page_offers_approved_projects_for_its_measures(personas, client_for, registered, plan):
    project = propose(personas)
    pending = propose(personas, name="未批项目")
    for role in ("township_reviewer", "county_officer"):
        services.advance_project(actor=personas[role], project_id=project.pk)
    services.advance_project(
        actor=personas["county_officer"],
        project_id=project.pk,
        publicity={"starts_on": "2026-03-01", "place": "村委会"},
    )

    response = client_for(personas["village_clerk"]).get(
        reverse("assistance:household_assistance", kwargs={"pk": registered.pk})
    )

    choices = [value for value, _label in response.context["plans"][0].measure_form.fields["project"].choices]
    assert project.pk in choices and pending.pk not in choices


def test_charlie_finds_no_project_of_the_sibling_township(personas, client_for):
    project = propose(personas)
    client = client_for(personas["charlie"])

    assert client.get(reverse("assistance:project_detail", kwargs={"pk": project.pk})).status_code == 404
    assert _advance(client, project).status_code == 404
    assert list(client.get(reverse("assistance:project_list")).context["page"]) == []
    project.refresh_from_db()
    assert project.state == "proposed"


def test_the_list_filters_by_state_and_area(personas, client_for):
    first = propose(personas)
    second = propose(personas, location="530921201201", name="诗礼村道路")
    services.advance_project(actor=personas["township_reviewer"], project_id=second.pk)
    client = client_for(personas["county_officer"])
    url = reverse("assistance:project_list")

    by_state = client.get(url, {"state": "township_reviewed"})
    by_area = client.get(url, {"area": KONGXING})
    all_ = client.get(url)

    assert [p.pk for p in by_state.context["page"]] == [second.pk]
    assert [p.pk for p in by_area.context["page"]] == [first.pk]
    assert {p.pk for p in all_.context["page"]} == {first.pk, second.pk}


def test_the_list_reads_a_fixed_number_of_queries(personas, client_for):
    client = client_for(personas["county_officer"])

    def queries() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("assistance:project_list"), {"state": "proposed"})
        assert response.status_code == 200
        return count_page_queries(captured), [project.name for project in response.context["page"]]

    propose(personas)
    few, first = queries()
    for index in range(30):
        propose(personas, location="530921201201" if index % 2 else KONGXING, name=f"项目{index}")
    many, listed = queries()

    assert few == many
    assert many <= 12
    assert len(first) == 1 and len(listed) == 31 and "项目29" in listed


def test_a_user_without_a_role_has_no_project_list(personas, client_for):
    assert client_for(personas["nobody"]).get(reverse("assistance:project_list")).status_code == 403
