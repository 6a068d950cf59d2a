"""County officers manage the people and roles of their county, never above their level or outside it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from areas import services
from areas.scopes import grants_of
from core.errors import ServiceError
from core.models import ObjectChange
from tests.conftest import make_user

User = get_user_model()


def test_a_county_officer_creates_a_clerk_with_a_first_role(personas):
    officer = personas["county_officer"]

    person = services.create_person(
        actor=officer,
        username="clerk_new",
        full_name="杨新",
        password="a-long-test-password-2",
        role="village_clerk",
        area_code="530921201201",
    )

    assert [(g.role, g.area_code) for g in grants_of(person)] == [("village_clerk", "530921201201")]
    assert ObjectChange.objects.filter(action="grant", actor=officer, area_code="530921201201").count() == 1


@pytest.mark.parametrize(
    ("role", "area"),
    [
        pytest.param("city_inspector", "530900000000", id="above_level_case"),
        pytest.param("province_officer", "530000000000", id="province_case"),
    ],
)
def test_a_county_officer_cannot_grant_above_the_county(personas, role, area):
    person = make_user("target")
    with pytest.raises(Http404):  # the city and province are outside the officer's scope
        services.grant_role(actor=personas["county_officer"], user=person, role=role, area_code=area)
    assert grants_of(person) == []


def test_a_county_officer_cannot_grant_outside_the_county(personas):
    person = make_user("target")
    with pytest.raises(Http404):
        services.grant_role(
            actor=personas["county_officer"], user=person, role="village_clerk", area_code="530922100200"
        )


def test_a_role_is_granted_only_at_its_level(personas):
    person = make_user("target")
    with pytest.raises(ServiceError) as refused:
        services.grant_role(
            actor=personas["county_officer"], user=person, role="village_clerk", area_code="530921201000"
        )
    assert refused.value.code == "wrong_level"


def test_a_township_reviewer_cannot_grant_roles(personas):
    person = make_user("target")
    with pytest.raises(PermissionDenied):
        services.grant_role(
            actor=personas["township_reviewer"], user=person, role="village_clerk", area_code="530921201200"
        )


def test_a_city_inspector_role_cannot_be_granted_by_a_county_officer_even_on_a_county(personas):
    person = make_user("target")
    with pytest.raises(ServiceError) as refused:
        services.grant_role(
            actor=personas["county_officer"], user=person, role="city_inspector", area_code="530921000000"
        )
    assert refused.value.code == "wrong_level"


def test_an_officer_cannot_revoke_their_own_county_role(personas):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as refused:
        services.revoke_role(actor=officer, user=officer, role="county_officer", area_code="530921000000")
    assert refused.value.code == "self_revoke"


def test_a_weak_password_or_taken_username_is_refused_and_no_user_is_left(personas):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as weak:
        services.create_person(
            actor=officer,
            username="weak",
            full_name="x",
            password="12345678",
            role="village_clerk",
            area_code="530921201200",
        )
    with pytest.raises(ServiceError) as taken:
        services.create_person(
            actor=officer,
            username="Charlie",
            full_name="x",
            password="a-long-test-password-3",
            role="village_clerk",
            area_code="530921201200",
        )
    assert (weak.value.code, weak.value.field, taken.value.code) == ("weak_password", "password", "duplicate")
    assert not User.objects.filter(username="weak").exists()


def test_the_people_page_lists_only_people_of_the_county_and_grants_on_the_page(personas, client_for):
    client = client_for(personas["county_officer"])

    listing = client.get(reverse("areas:person_list"))
    names = {person.username for person in listing.context["page"]}
    response = client.post(
        reverse("areas:person_add"),
        {
            "username": "clerk_x",
            "full_name": "新人",
            "password": "a-long-test-password-4",
            "role": "village_clerk",
            "area": "530921201200",
        },
    )

    assert "charlie" in names
    assert "village_clerk_user" in names
    assert "city_inspector_user" not in names
    assert "province_officer_user" not in names
    assert response.status_code == 302
    assert [(g.role, g.area_code) for g in grants_of(User.objects.get(username="clerk_x"))] == [
        ("village_clerk", "530921201200")
    ]


def test_the_grant_form_offers_only_areas_of_the_officers_county(personas, client_for):
    response = client_for(personas["county_officer"]).get(reverse("areas:person_add"))
    codes = [code for code, _label in response.context["form"].fields["area"].choices]
    assert codes
    assert all(code.startswith("530921") for code in codes)
    assert "530921201200001" not in codes  # no roles on village groups


def test_a_grant_form_error_is_shown_next_to_the_field(personas, client_for):
    response = client_for(personas["county_officer"]).post(
        reverse("areas:person_add"),
        {
            "username": "clerk_y",
            "full_name": "新人",
            "password": "a-long-test-password-4",
            "role": "village_clerk",
            "area": "530921201000",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["area"]
    assert not User.objects.filter(username="clerk_y").exists()


def test_a_county_officer_disables_a_clerk_who_left_and_the_clerk_cannot_log_in(personas, client_for):
    from django.test import Client

    from tests.conftest import PASSWORD

    clerk = personas["village_clerk"]
    response = client_for(personas["county_officer"]).post(
        reverse("areas:person_status", kwargs={"pk": clerk.pk}), {"active": "0"}
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=clerk.pk).is_active
    assert not Client().login(username=clerk.username, password=PASSWORD)
    assert ObjectChange.objects.filter(object_pk=str(clerk.pk), after={"is_active": False}).exists()


def test_a_county_officer_cannot_disable_someone_whose_roles_reach_beyond_the_county(personas):
    province_officer = personas["province_officer"]
    services.grant_role(actor=None, user=province_officer, role="auditor", area_code="530921000000")

    with pytest.raises(PermissionDenied):
        services.set_person_active(actor=personas["county_officer"], person=province_officer, active=False)
    assert User.objects.get(pk=province_officer.pk).is_active


def test_a_reset_password_is_never_written_to_the_trail(personas):
    clerk = personas["village_clerk"]
    services.reset_password(actor=personas["county_officer"], person=clerk, password="brand-new-password-5")

    assert User.objects.get(pk=clerk.pk).check_password("brand-new-password-5")
    change = ObjectChange.objects.get(object_pk=str(clerk.pk), action="update")
    assert "brand-new-password-5" not in str(change.after)
