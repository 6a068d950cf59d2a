"""Managing a person weighs every role the person holds, directly and through a group (issue 14,
defect 1): a county officer cannot reset the password of, disable or re-enable someone who is a
province officer through a group, though the same person also holds a role in the county."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from guardian.shortcuts import assign_perm

from areas import services
from areas.models import Area
from tests.conftest import PASSWORD, make_user

User = get_user_model()


@pytest.fixture
def province_via_group(personas):
    """A clerk of 孔兴村 (a direct grant, so the county sees the person) who is also in the
    province office's group, which holds province_officer on 云南省."""
    person = make_user("province_x", "village_clerk", "530921201200")
    office = Group.objects.create(name="云南省扶贫办")
    assign_perm("areas.role_province_officer", office, Area.objects.get(code="530000000000"))
    person.groups.add(office)
    return person


def test_the_password_of_a_province_officer_through_a_group_cannot_be_reset_by_the_county(personas, province_via_group):
    with pytest.raises(PermissionDenied):
        services.reset_password(
            actor=personas["county_officer"], person=province_via_group, password="taken-over-pass-1"
        )
    assert User.objects.get(pk=province_via_group.pk).check_password(PASSWORD)


def test_the_password_page_refuses_it_too(personas, province_via_group, client_for):
    response = client_for(personas["county_officer"]).post(
        reverse("areas:person_password", kwargs={"pk": province_via_group.pk}), {"password": "taken-over-pass-1"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=province_via_group.pk).check_password(PASSWORD)


def test_such_a_person_cannot_be_disabled_by_the_county(personas, province_via_group, client_for):
    with pytest.raises(PermissionDenied):
        services.set_person_active(actor=personas["county_officer"], person=province_via_group, active=False)
    response = client_for(personas["county_officer"]).post(
        reverse("areas:person_status", kwargs={"pk": province_via_group.pk}), {"active": "0"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=province_via_group.pk).is_active


def test_a_disabled_province_officer_through_a_group_cannot_be_re_enabled_by_the_county(personas, province_via_group):
    services.set_person_active(actor=None, person=province_via_group, active=False)
    with pytest.raises(PermissionDenied):
        services.set_person_active(actor=personas["county_officer"], person=province_via_group, active=True)
    assert not User.objects.get(pk=province_via_group.pk).is_active


def test_the_people_list_shows_such_a_person_as_not_manageable(personas, province_via_group, client_for):
    client = client_for(personas["county_officer"])
    listing = client.get(reverse("areas:person_list"))
    rows = {person.username: person for person in listing.context["page"]}
    detail = client.get(reverse("areas:person_detail", kwargs={"pk": province_via_group.pk}))

    assert rows["province_x"].manageable is False
    assert rows["village_clerk_user"].manageable is True
    assert any(label and area.code == "530000000000" for label, area in rows["province_x"].roles)
    assert detail.context["manageable"] is False
    assert reverse("areas:person_password", kwargs={"pk": province_via_group.pk}) not in detail.content.decode()


def test_a_clerk_whose_roles_all_lie_in_the_county_is_still_managed(personas, client_for):
    """Roles through a group inside the county do not stand in the way, and such a person is listed."""
    clerks = Group.objects.create(name="凤庆县村级录入员")
    assign_perm("areas.role_village_clerk", clerks, Area.objects.get(code="530921201201"))
    person = make_user("group_clerk")
    person.groups.add(clerks)

    client = client_for(personas["county_officer"])
    names = {p.username for p in client.get(reverse("areas:person_list")).context["page"]}
    response = client.post(
        reverse("areas:person_password", kwargs={"pk": person.pk}), {"password": "a-fresh-password-8"}
    )

    assert "group_clerk" in names
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).check_password("a-fresh-password-8")


def test_a_superuser_still_manages_anyone(personas, province_via_group):
    services.reset_password(actor=personas["superuser"], person=province_via_group, password="reset-by-root-9")
    assert User.objects.get(pk=province_via_group.pk).check_password("reset-by-root-9")
