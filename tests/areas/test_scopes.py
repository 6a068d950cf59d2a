"""From grants to prefixes: one filter per request, groups included, capture and view kept apart."""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from areas.models import Area
from areas.scopes import grants_of, prefixes_for
from tests.conftest import make_user


def test_each_role_sees_exactly_its_own_subtree(personas):
    expectations = {
        "village_clerk": {"530921201200", "530921201200001"},
        "township_reviewer": {"530921201000", "530921201200", "530921201201", "530921201200001", "530921201201001"},
    }
    for role, codes in expectations.items():
        assert set(Area.objects.visible_to(personas[role]).values_list("code", flat=True)) == codes
    assert set(Area.objects.visible_to(personas["charlie"]).values_list("code", flat=True)) == {
        "530921202000",
        "530921202200",
    }
    county = set(Area.objects.visible_to(personas["county_officer"]).values_list("code", flat=True))
    assert county
    assert all(code.startswith("530921") for code in county)
    assert Area.objects.visible_to(personas["nobody"]).count() == 0
    assert Area.objects.visible_to(personas["superuser"]).count() == Area.objects.count()


def test_capture_and_view_scopes_are_kept_apart(personas):
    clerk = make_user("two_roles", "village_clerk", "530921201200")
    from areas import services

    services.grant_role(actor=None, user=clerk, role="auditor", area_code="530921000000")

    assert prefixes_for(clerk, "capture") == ["530921201200"]
    assert prefixes_for(clerk, "view") == ["530921"]  # the village is inside the county: one condition
    assert set(Area.objects.visible_to(clerk, "capture").values_list("code", flat=True)) == {
        "530921201200",
        "530921201200001",
    }


def test_grants_through_a_group_count_like_direct_ones(personas):
    group = Group.objects.create(name="诗礼乡审核组")
    member = make_user("member")
    member.groups.add(group)
    assign_perm("areas.role_township_reviewer", group, Area.objects.get(code="530921201000"))

    assert [(g.role, g.area_code, g.via_group) for g in grants_of(member)] == [
        ("township_reviewer", "530921201000", "诗礼乡审核组")
    ]
    assert prefixes_for(member, "review") == ["530921201"]


def test_grants_are_read_once_per_user_object(personas):
    user = personas["township_reviewer"]
    grants_of(user)
    with CaptureQueriesContext(connection) as queries:
        prefixes = [prefixes_for(user, action) for action in ("view", "capture", "review")]
        visible = list(Area.objects.visible_to(user))
    assert len(queries) == 1  # only the area query itself
    assert prefixes == [["530921201"]] * 3
    assert visible and {area.code[:9] for area in visible} == {"530921201"}


def test_an_inactive_user_sees_nothing(personas):
    user = personas["county_officer"]
    user.is_active = False
    assert Area.objects.visible_to(user).count() == 0


def test_prefixes_within_an_area_are_the_area_or_the_parts_the_scope_reaches():
    from areas.scopes import prefixes_within

    assert prefixes_within(None, "530921") == ["530921"]  # everywhere (a superuser)
    assert prefixes_within(["53"], "530921201") == ["530921201"]  # a province covers the township
    assert prefixes_within(["530921"], "530921") == ["530921"]  # the same area: said once
    # two townships of the county, and one elsewhere, which the county's parts leave out
    assert prefixes_within(["530921202", "530921201", "530922100"], "530921") == ["530921201", "530921202"]
    assert prefixes_within(["530922"], "530921") == []  # nothing of the area
    assert prefixes_within([], "530921") == []


def test_scope_of_is_everywhere_for_a_superuser_and_nowhere_for_the_inactive_or_anonymous(personas):
    from django.contrib.auth.models import AnonymousUser

    from areas.scopes import scope_of
    from households.models import Household

    assert scope_of(personas["superuser"], "view") is None
    assert scope_of(personas["county_officer"], "view") == ["530921"]
    assert scope_of(personas["nobody"], "view") == []
    assert scope_of(AnonymousUser(), "view") == []
    personas["county_officer"].is_active = False
    assert scope_of(personas["county_officer"], "view") == []
    assert not Household.objects.within([]).exists()  # no part: no rows, not every row
