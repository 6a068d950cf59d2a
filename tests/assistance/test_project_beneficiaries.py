"""A project's planned beneficiaries (受益对象, DOMAIN.md section 10): the households and people it
is to benefit and the registered poor households named, kept apart from the measures linked to
it and compared with them; checked (households of the project's area, counts not absurd), by
role and step, with stale versions refused; on the pages and through the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance import services
from assistance.models import Project, ProjectBeneficiary
from assistance.selectors import compare_beneficiaries
from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from households.models import Household
from households.services import save_household
from tests.assistance.test_pages_projects import project_values, propose
from tests.conftest import count_page_queries
from tests.households.conftest import KONGXING, family_of_four, household_input

SHILI_VILLAGE = "530921201201"


def _household(personas, village: str = KONGXING, offset: int = 0, status: str = "registered") -> Household:
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status=status)
    household.refresh_from_db()
    return household


@pytest.fixture
def project(personas):
    return propose(personas)


@pytest.fixture
def poor(personas):
    """Two registered households of 孔兴村, four people each."""
    return [_household(personas), _household(personas, offset=1)]


def _set(actor, project, households, planned_households=40, planned_people=150, version=None):
    return services.set_project_beneficiaries(
        actor=actor,
        project_id=project.pk,
        planned_households=planned_households,
        planned_people=planned_people,
        household_ids=[h.pk for h in households],
        version=version,
    )


def _approve(project) -> Project:
    Project.objects.filter(pk=project.pk).update(state="approved")
    return Project.objects.get(pk=project.pk)


def _link_measure(personas, household, project, code="M01"):
    plan = services.save_plan(
        actor=personas["village_clerk"], household_id=household.pk, year=2026, planned_exit_year=2027
    )
    return services.add_measure(
        actor=personas["village_clerk"], plan_id=plan.pk, code=code, year=2026, project_id=project.pk
    )


# --- the service ----------------------------------------------------------------------------------------


def test_the_clerk_names_the_planned_beneficiaries_and_the_audit_keeps_both_sides(personas, project, poor):
    # when
    saved = _set(personas["village_clerk"], project, poor)

    # then
    assert (saved.planned_households, saved.planned_people, saved.version) == (40, 150, project.version + 1)
    assert set(ProjectBeneficiary.objects.values_list("household_id", flat=True)) == {h.pk for h in poor}
    audit = ObjectChange.objects.filter(object_pk=str(project.pk), action="update").latest("id")
    assert audit.before == {"planned_households": 0, "planned_people": 0, "households": []}
    assert audit.after == {"planned_households": 40, "planned_people": 150, "households": sorted(h.pk for h in poor)}


def test_a_second_change_replaces_the_named_households(personas, project, poor):
    _set(personas["village_clerk"], project, poor)
    _set(personas["village_clerk"], project, poor[1:], planned_households=30, planned_people=100)
    assert list(ProjectBeneficiary.objects.values_list("household_id", flat=True)) == [poor[1].pk]
    assert Project.objects.get().planned_households == 30


def test_the_comparison_sets_planned_beside_reached(personas, project, poor):
    # given: both named; a measure of the project reaches the second and a third, unnamed, household
    _set(personas["village_clerk"], project, poor)
    approved = _approve(project)
    third = _household(personas, offset=2)
    _link_measure(personas, poor[1], approved)
    _link_measure(personas, third, approved)

    # when
    comparison = compare_beneficiaries(approved, approved.measures.all())

    # then
    assert [row.household for row in comparison.named] == [poor[0].pk, poor[1].pk]
    assert (comparison.named_people, comparison.reached_people) == (8, 8)
    assert [row.household for row in comparison.not_reached] == [poor[0].pk]
    assert [row.household for row in comparison.not_named] == [third.pk]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        pytest.param({"planned_people": 30, "planned_households": 40}, "people_below_households", "planned_people",
                     id="fewer_people_than_households"),
        pytest.param({"planned_households": -1}, "bad_count", "planned_households", id="negative_households"),
        pytest.param({"planned_people": 100_001}, "absurd_count", "planned_people", id="absurd_people"),
        pytest.param({"planned_households": 1, "planned_people": 100}, "households_below_named", "planned_households",
                     id="more_named_than_planned"),
        pytest.param({"planned_households": 2, "planned_people": 7}, "people_below_named", "planned_people",
                     id="named_people_above_planned"),
    ],
)  # fmt: skip
def test_counts_that_cannot_be_are_refused(personas, project, poor, change, code, field):
    values = {"planned_households": 40, "planned_people": 150, **change}
    with pytest.raises(ServiceError) as refused:
        _set(personas["village_clerk"], project, poor, **values)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not ProjectBeneficiary.objects.exists()
    assert Project.objects.get().version == project.version


def test_a_household_outside_the_project_area_is_refused(personas, project, poor):
    elsewhere = _household(personas, SHILI_VILLAGE, offset=3)
    with pytest.raises(ServiceError) as refused:
        _set(personas["superuser"], project, [*poor, elsewhere])
    assert (refused.value.code, refused.value.field) == ("outside_area", "households")
    assert not ProjectBeneficiary.objects.exists()


def test_an_unregistered_household_cannot_be_named(personas, project):
    applicant = _household(personas, status="applicant")
    with pytest.raises(ServiceError) as refused:
        _set(personas["village_clerk"], project, [applicant])
    assert refused.value.code == "not_registered"
    assert applicant.household_no in refused.value.message


def test_a_stale_version_is_refused(personas, project, poor):
    _set(personas["village_clerk"], project, poor, version=project.version)
    with pytest.raises(Conflict) as refused:
        _set(
            personas["township_reviewer"], project, [], planned_households=1, planned_people=1, version=project.version
        )
    assert refused.value.code == "stale"
    assert Project.objects.get().planned_households == 40
    assert ProjectBeneficiary.objects.count() == 2


@pytest.mark.parametrize(
    ("state", "role", "refusal"),
    [
        ("proposed", "city_inspector", PermissionDenied),
        ("proposed", "auditor", PermissionDenied),
        ("proposed", "charlie", Http404),
        ("approved", "village_clerk", PermissionDenied),
        ("approved", "township_reviewer", PermissionDenied),
    ],
)
def test_who_may_change_them_follows_the_step(personas, project, poor, state, role, refusal):
    Project.objects.filter(pk=project.pk).update(state=state)
    with pytest.raises(refusal):
        _set(personas[role], project, poor)
    assert not ProjectBeneficiary.objects.exists()


def test_after_approval_the_county_changes_them_and_a_finished_project_is_closed(personas, project, poor):
    _approve(project)
    assert _set(personas["county_officer"], project, poor).planned_households == 40
    Project.objects.filter(pk=project.pk).update(state="done")
    with pytest.raises(ServiceError) as refused:
        _set(personas["county_officer"], project, poor[:1])
    assert refused.value.code == "finished"
    assert ProjectBeneficiary.objects.count() == 2


def test_a_proposal_carries_its_planned_beneficiaries(personas, poor):
    project = services.propose_project(
        actor=personas["village_clerk"],
        location_code=KONGXING,
        values=project_values(planned_households=40, planned_people=150),
        meeting={"date": "2026-02-01"},
        beneficiary_ids=[h.pk for h in poor],
    )
    assert (project.planned_households, project.planned_people) == (40, 150)
    assert project.beneficiaries.count() == 2


def test_a_proposal_with_absurd_counts_is_refused(personas):
    with pytest.raises(ServiceError) as refused:
        services.propose_project(
            actor=personas["village_clerk"],
            location_code=KONGXING,
            values=project_values(planned_households=50, planned_people=10),
            meeting={"date": "2026-02-01"},
        )
    assert refused.value.code == "people_below_households"
    assert not Project.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------------


def test_the_project_page_shows_planned_beside_reached(personas, client_for, project, poor):
    _set(personas["village_clerk"], project, poor)
    response = client_for(personas["township_reviewer"]).get(
        reverse("assistance:project_detail", kwargs={"pk": project.pk})
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "计划受益对象" in page and "尚未落实" in page
    assert poor[0].household_no in page
    assert response.context["can_set_beneficiaries"] is True


def test_the_clerk_names_households_by_number_on_the_page(personas, client_for, project, poor):
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:project_beneficiaries", kwargs={"pk": project.pk}),
        {
            "planned_households": "40",
            "planned_people": "150",
            "household_numbers": f"{poor[0].household_no}，{poor[1].household_no}\n",
            "version": str(project.version),
        },
    )
    assert response.status_code == 302
    assert set(ProjectBeneficiary.objects.values_list("household_id", flat=True)) == {h.pk for h in poor}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"household_numbers": "123"}, "household_numbers", "不是户编号"),
        ({"household_numbers": "5309212012009999"}, "household_numbers", "您的区划内没有这些户"),
        ({"planned_households": "-3"}, "planned_households", ""),
        ({"planned_households": "40", "planned_people": "20"}, "planned_people", "计划受益人数不能少于计划受益户数"),
    ],
)
def test_wrong_input_on_the_page_is_shown_and_changes_nothing(personas, client_for, project, data, field, message):
    response = client_for(personas["village_clerk"]).post(
        reverse("assistance:project_beneficiaries", kwargs={"pk": project.pk}),
        {"planned_households": "10", "planned_people": "30", "household_numbers": "", **data},
    )
    assert response.status_code == 200
    errors = response.context["beneficiaries_form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert Project.objects.get().planned_households == 0


def test_a_household_of_another_village_is_refused_on_the_page(personas, client_for, project):
    elsewhere = _household(personas, SHILI_VILLAGE, offset=3)
    response = client_for(personas["township_reviewer"]).post(
        reverse("assistance:project_beneficiaries", kwargs={"pk": project.pk}),
        {"planned_households": "10", "planned_people": "30", "household_numbers": elsewhere.household_no},
    )
    assert response.status_code == 200
    assert "列名的农户不属于项目实施地范围" in " ".join(
        response.context["beneficiaries_form"].errors["household_numbers"]
    )
    assert not ProjectBeneficiary.objects.exists()


def test_the_project_page_reads_a_fixed_number_of_queries(personas, client_for, project, poor):
    client = client_for(personas["county_officer"])
    url = reverse("assistance:project_detail", kwargs={"pk": project.pk})
    _set(personas["village_clerk"], project, poor[:1], planned_households=40, planned_people=150)
    approved = _approve(project)
    _link_measure(personas, poor[0], approved)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return count_page_queries(captured), response.content.decode()

    few, _page = queries()
    more = [_household(personas, offset=n + 4) for n in range(8)]
    for household in more:
        _link_measure(personas, household, approved)
    _set(personas["county_officer"], approved, [poor[0], *more], planned_households=40, planned_people=150)
    many, page = queries()
    assert many == few <= 10
    assert all(household.household_no in page for household in [poor[0], *more])


# --- API ---------------------------------------------------------------------------------------------------------


def test_the_api_sets_and_compares_the_beneficiaries(personas, api_for, project, poor):
    client = api_for(personas["village_clerk"])
    url = reverse("api:assistance-project-beneficiaries", kwargs={"pk": project.pk})

    saved = client.post(
        url,
        {
            "planned_households": 40,
            "planned_people": 150,
            "households": [h.pk for h in poor],
            "version": project.version,
        },
        format="json",
    )
    read = client.get(url)
    detail = client.get(reverse("api:assistance-project-detail", kwargs={"pk": project.pk}))

    assert saved.status_code == 200
    assert read.json()["named_people"] == 8
    assert [row["household"] for row in read.json()["not_reached"]] == [h.pk for h in poor]
    assert detail.json()["planned_households"] == 40
    assert detail.json()["beneficiary_households"] == sorted(h.pk for h in poor)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"planned_households": 40, "planned_people": 10}, 400, "people_below_households"),
        ({"planned_households": 40, "planned_people": 10**6}, 400, "absurd_count"),
        ({"planned_households": -5, "planned_people": 10}, 400, "bad_count"),
        ({"version": 99}, 409, "stale"),
    ],
)
def test_the_api_refuses_what_the_service_refuses(personas, api_for, project, body, status, code):
    url = reverse("api:assistance-project-beneficiaries", kwargs={"pk": project.pk})
    response = api_for(personas["village_clerk"]).post(
        url, {"planned_households": 4, "planned_people": 10, "households": [], **body}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert Project.objects.get().planned_households == 0


def test_the_api_refuses_a_household_of_another_village_and_an_unknown_id(personas, api_for, project):
    elsewhere = _household(personas, SHILI_VILLAGE, offset=3)
    client = api_for(personas["county_officer"])
    url = reverse("api:assistance-project-beneficiaries", kwargs={"pk": project.pk})
    for ids in ([elsewhere.pk], [elsewhere.pk + 1000]):
        response = client.post(url, {"planned_households": 4, "planned_people": 10, "households": ids}, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (400, "outside_area")
        assert list(response.json()["error"]["fields"]) == ["households"]
    assert not ProjectBeneficiary.objects.exists()


def test_the_api_proposal_names_beneficiaries(personas, api_for, poor):
    response = api_for(personas["village_clerk"]).post(
        reverse("api:assistance-project-list"),
        {
            "location": KONGXING,
            **{k: v for k, v in project_values().items() if k != "funding_sources"},
            "funding_sources": [{"source": "县级配套", "amount": "200000"}],
            "meeting": {"date": "2026-02-01"},
            "planned_households": 40,
            "planned_people": 150,
            "households": [poor[0].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["planned_people"], response.json()["beneficiary_households"]) == (150, [poor[0].pk])


def test_charlie_cannot_read_or_change_them(personas, api_for, project):
    client = api_for(personas["charlie"])
    url = reverse("api:assistance-project-beneficiaries", kwargs={"pk": project.pk})
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"planned_households": 1, "planned_people": 1, "households": []}, format="json").status_code
        == 404
    )
    assert Project.objects.get().version == project.version
