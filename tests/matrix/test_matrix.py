"""Every route × every role × {own area, sibling area, parent area}, anonymous, and a user with no
role. Expectations follow the role table the tests expect (expected_roles.py, written from the
documents; test_expected_roles.py holds areas/roles.py to it): out of scope → 404, in scope without
the action → 403, anonymous → login page (pages) or 401 (API). A refusal changes nothing. A list
returns the rows of the user's scope, and only those (rows.py says how to read each list's rows)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.mixins import ListModelMixin

from areas.codes import LEVEL_DIGITS
from areas.models import Area, AreaUserObjectPermission
from core.audit import record_change
from core.jobs import publish_file
from core.models import ChangeAction, Job, ObjectChange
from households.services import save_household
from tests.conftest import ROLE_AREAS, WORLD, make_user
from tests.matrix.expected_roles import allows
from tests.matrix.routes import all_exempt, all_routes
from tests.matrix.routes_assistance import TARGETS as ASSISTANCE_TARGETS
from tests.matrix.routes_exits import TARGETS as EXIT_TARGETS
from tests.matrix.routes_identification_api import TARGETS as IDENTIFICATION_TARGETS
from tests.matrix.routes_identification_api import state as identification_state
from tests.matrix.routes_identification_pages import TARGETS as IDENTIFICATION_PAGE_TARGETS
from tests.matrix.routes_import import TARGETS as IMPORT_TARGETS
from tests.matrix.routes_monitoring import TARGETS as MONITORING_TARGETS
from tests.matrix.routes_review import TARGETS as REVIEW_TARGETS
from tests.matrix.routes_villages import TARGETS as VILLAGE_TARGETS
from tests.matrix.rows import in_scope

IDENTIFICATION_TARGETS = {**IDENTIFICATION_TARGETS, **IDENTIFICATION_PAGE_TARGETS, **IMPORT_TARGETS}
IDENTIFICATION_TARGETS.update(VILLAGE_TARGETS)
IDENTIFICATION_TARGETS.update(ASSISTANCE_TARGETS)  # assistance's kinds answer to the same pick/build/expected
IDENTIFICATION_TARGETS.update(MONITORING_TARGETS)  # so do monitoring's (tests/matrix/routes_monitoring.py)
IDENTIFICATION_TARGETS.update(REVIEW_TARGETS)  # and so do the yearly review's
IDENTIFICATION_TARGETS.update(EXIT_TARGETS)  # and so do the exit procedures' kinds
ROUTES = all_routes()
EXEMPT = all_exempt()

LEVEL_OF = {code: level for code, _name, level, _parent in WORLD}


def _prefix(code: str) -> str:
    return code[: LEVEL_DIGITS[LEVEL_OF[code]]]


def _pick(base: str, levels, outside: str | None = None) -> str | None:
    """The first area of WORLD under ``base`` (inclusive) at one of ``levels``, not under ``outside``."""
    for code, _name, level, _parent in sorted(WORLD):
        if code.startswith(_prefix(base)) and level in levels and not (outside and code.startswith(_prefix(outside))):
            return code
    return None


def _cases():
    for route in ROUTES:
        if route.action == "public":
            yield pytest.param(route, "anonymous", None, id=f"{route.label}-anonymous")
            continue
        subjects = [
            (role, relation, ROLE_AREAS[role][index])
            for role in ROLE_AREAS
            for index, relation in enumerate(("own", "sibling", "parent"))
        ]
        subjects += [("anonymous", "any", "530921201200"), ("nobody", "any", "530921201200")]
        for role, relation, base in subjects:
            if base is None:
                continue
            if route.target in ("area", "finding"):  # a finding: one in a village picked like an area
                own = ROLE_AREAS[role][0] if role in ROLE_AREAS else None
                target = _pick(base, route.levels, outside=own if relation == "parent" else None)
                if target is None:
                    continue
            elif route.target in ("person", "change"):
                target = base
            elif route.target == "job":
                target = f"{relation}:{base}"
            elif route.target in IDENTIFICATION_TARGETS:  # cases, notices…: see routes_identification_api.py
                target = IDENTIFICATION_TARGETS[route.target].pick(role, relation, base)
                if target is None:
                    continue
            elif route.target in ("household", "member"):
                own = ROLE_AREAS[role][0] if role in ROLE_AREAS else None
                target = _pick(base, ("village",), outside=own if relation == "parent" else None)
                if target is None:
                    continue
            else:
                if relation not in ("own", "any"):
                    continue  # a route without an object has nothing to be a sibling of
                target = None
            yield pytest.param(route, role, target, id=f"{route.label}-{role}-{relation}")


def _allows(route, role: str) -> bool:
    """Whether the role holds the route's action; a tuple of actions means any one of them."""
    return allows(role, route.action)


def _finding_in(village_code: str):
    """Target kind "finding": an open warning of a household in the village."""
    from households.models import Household, QualityFinding

    household = Household.objects.create(household_no=f"{village_code}0001", village_id=village_code, survey_year=2024)
    return QualityFinding.objects.create(
        household=household,
        area_code=village_code,
        rule="disability_certificate",
        severity="warning",
        field="disability_cert_no",
        member_position=1,
        message="残疾，但无残疾证号。",
    )


def _expected(route, role: str, target: str | None) -> tuple[int, ...]:
    if route.action == "public":
        return route.success
    if role == "anonymous":
        return (401,) if route.api else (302,)
    if route.target in IDENTIFICATION_TARGETS:
        return IDENTIFICATION_TARGETS[route.target].expected(route, role, target)
    if route.target == "job":  # a job belongs to the user who asked for it
        return route.success if target.startswith(("own:", "any:")) and role != "anonymous" else (404,)
    visible = target is None or (role in ROLE_AREAS and target.startswith(_prefix(ROLE_AREAS[role][0])))
    if route.target in ("person", "change") and (role == "nobody" or not _allows(route, role)):
        return (403,)  # people and audit records: a role without the action has no such list at all
    if route.target and not visible:
        return (404,)
    if route.action is None:
        return route.success
    if role == "nobody" or not _allows(route, role):
        return (403,)
    return route.success


def _state() -> tuple:
    from households.models import Household, Member

    return (
        Area.objects.count(),
        ObjectChange.objects.count(),
        AreaUserObjectPermission.objects.count(),
        Household.objects.count(),
        list(Household.objects.values_list("version", flat=True)),
        Member.objects.count(),
        identification_state(),
    )


def build_target(route, role: str, target_code: str | None, personas):
    """The object a route acts on, built in (or at) ``target_code`` as the case says (test_fuzz.py
    builds them the same way)."""
    target = None
    if route.target == "area":
        target = Area.objects.get(code=target_code)
    elif route.target == "person":
        target = make_user(f"subject_{target_code}", "auditor", target_code)
        target.subject_area = target_code
    elif route.target == "job":
        relation, area_code = target_code.split(":")
        owner = (
            personas[role] if relation in ("own", "any") and role != "anonymous" else make_user(f"owner_{area_code}")
        )
        target = Job.objects.create(kind="household_import", area_code=area_code, requested_by=owner, status="done")
        publish_file(target, lambda path: path.write_bytes(b"PK test"), "结果.xlsx")
    elif route.target in ("household", "member"):
        from tests.households.conftest import family_of_four, household_input

        target = save_household(
            actor=personas["superuser"], village_code=target_code, fields=household_input(), members=family_of_four()
        ).household
        if route.target == "member":
            target = target.members.get(position=1)
    elif route.target in IDENTIFICATION_TARGETS:
        target = IDENTIFICATION_TARGETS[route.target].build(target_code, personas)
    elif route.target == "finding":
        target = _finding_in(target_code)
    elif route.target == "change":
        area = Area.objects.get(code=target_code)
        target = record_change(
            actor=None,
            obj=area,
            action=ChangeAction.UPDATE,
            area_code=area.code,
            before={"name": "a"},
            after={"name": "b"},
        )
    return target


@pytest.mark.parametrize(("route", "role", "target_code"), list(_cases()))
def test_route_answers_by_role_and_scope(route, role, target_code, personas, client_for, api_for):
    # given
    target = build_target(route, role, target_code, personas)
    user = None if role == "anonymous" else personas[role]
    client = api_for(user) if route.api else client_for(user)
    url = reverse(route.name, kwargs=route.kwargs(target))
    if route.query:
        url += "?" + "&".join(f"{key}={value}" for key, value in route.query(target).items())
    data = route.data(target) if route.data else None
    before = _state()

    # when
    if route.api:
        response = getattr(client, route.method)(url, data, format="multipart" if route.multipart else "json")
    elif route.method == "get":
        response = client.get(url)
    else:
        response = getattr(client, route.method)(url, data)

    # then
    expected = _expected(route, role, target_code)
    assert response.status_code in expected, (
        route.label,
        role,
        target_code,
        response.status_code,
        getattr(response, "content", b"")[:300],
    )
    if response.status_code in (302,) and role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    refused = response.status_code in (401, 403, 404) or role == "anonymous" and route.action != "public"
    if refused and route.method != "get":
        assert _state() == before, "a refused request changed data"
    if not refused and route.method != "get" and route.writes:
        assert _state() != before, "an accepted change wrote nothing"
    if route.api and response.status_code >= 400:
        assert set(response.json()["error"]) >= {"status", "code", "message", "fields"}
    if route.api and route.method == "get" and response.status_code == 200 and _lists_rows(response):
        assert route.rows or route.name in NOT_SCOPED_LISTS, f"{route.label} lists rows: say how to read them (rows.py)"


def _lists_rows(response) -> bool:
    """Whether a JSON answer is a list of rows (bare, or DRF's page of ``results``)."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    body = response.json()
    return isinstance(body, list) or isinstance(body, dict) and isinstance(body.get("results"), list)


# --- the rows a list returns ---------------------------------------------------------------------------

#: lists whose rows the user's scope does not limit one by one, with the reason: the rows of the one object
#: the URL names (the matrix checks that object's scope), reference data every role reads, or rows of
#: another kind of scope; every other list route says in rows.py how to read its rows' areas
NOT_SCOPED_LISTS: dict[str, str] = {
    "api:case-events": "the record of the one case the URL names",
    "api:household-findings": "the findings of the one household the URL names",
    "api:exits-household-status": "the status changes of the one household the URL names",
    "api:exits-frozen-years": "the frozen years of the one county the URL names",
    "monitoring:line_list": "the monitoring lines of every province: reference figures every role reads",
    "api:monitoring-lines": "the same lines as monitoring:line_list",
    "assistance:my_households": "the households paired with the user as a responsible cadre, whatever their area: "
    "tests/assistance/test_cadre_scope.py checks it lists those only",
    "api:assistance-my-households": "the same rows as assistance:my_households (tests/assistance/test_cadre_scope.py)",
    "identification:rule_list": "the rules in force in the one county the URL names (its own and the defaults): "
    "settings of that county, not rows of areas; the county out of scope answers 404 in the matrix",
}

#: pages that list rows though their names do not say so
NAMED_LISTS = {"households:household_export"}

LISTS = [route for route in ROUTES if route.rows]


def _views() -> dict:
    """Each named route's view, by name."""

    def walk(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name, pattern.callback

    return dict(walk(get_resolver()))


def _is_list(route, view) -> bool:
    if route.method != "get":
        return False
    if route.name in NAMED_LISTS or re.search(r"(^|[-_:])list$", route.name):
        return True
    view_class = getattr(view, "cls", None)
    return getattr(view, "actions", {}).get("get") == "list" or (
        view_class is not None and issubclass(view_class, ListModelMixin) and not getattr(view, "actions", None)
    )


def test_every_list_route_says_how_to_read_its_rows():
    views = _views()
    undeclared = sorted(
        {
            route.name
            for route in ROUTES
            if _is_list(route, views.get(route.name)) and not route.rows and route.name not in NOT_SCOPED_LISTS
        }
    )
    assert undeclared == []


def test_a_row_is_in_scope_under_the_users_area_and_above_it_only_when_asked():
    assert in_scope("530921201200", "530921201", upward=False)
    assert not in_scope("530921202200", "530921201", upward=True)
    assert not in_scope("530921000000", "530921201", upward=False)
    assert in_scope("530921000000", "530921201", upward=True)  # the county above the township
    assert not in_scope("530922000000", "530921201", upward=True)
    assert not in_scope("job 3 of stranger", "530921201", upward=True)


def _list_id(route) -> str:
    return route.label + (f" of a {route.target}" if route.target else "")


@pytest.mark.parametrize("route", LISTS, ids=_list_id)
def test_list_returns_only_rows_in_scope(route, personas, client_for, api_for):
    """Each role of the matrix that may use the list gets its rows in scope, and only those."""
    # given: rows of the list in a village of every region around the personas' areas
    seeded = route.rows.seed(personas)
    problems = []
    for role, (own, _sibling, _parent) in ROLE_AREAS.items():
        if route.action is not None and not allows(role, route.action):
            continue  # refused: the matrix checks that
        target = None
        if route.target:
            assert route.rows.target, f"{route.label}: a list of a {route.target} needs Rows.target"
            target = route.rows.target(route, role, seeded, personas)
            if target is None:
                continue
        user = personas[role]
        client = api_for(user) if route.api else client_for(user)
        query = {**(route.query(target) if route.query else {}), **route.rows.query}

        # when
        response = client.get(reverse(route.name, kwargs=route.kwargs(target)), query)

        # then
        if response.status_code not in route.success:
            problems.append(f"{role}: answered {response.status_code}")
            continue
        rows = route.rows.read(response, role, user)
        if not rows:
            problems.append(f"{role}: no rows, though the world has rows in its scope")
        outside = [
            row
            for row in rows
            if not any(
                in_scope(code, _prefix(own), route.rows.upward) for code in (row if isinstance(row, tuple) else (row,))
            )
        ]
        if outside:
            problems.append(f"{role} of {own}: rows outside its scope: {outside}")
    assert problems == []


def _named_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_route_is_in_the_matrix_or_exempt_with_a_reason():
    covered = {route.name for route in ROUTES}
    missing = sorted(
        name
        for name in set(_named_routes())
        if name not in covered and name not in EXEMPT and not any(name.startswith(p) for p in EXEMPT if p.endswith(":"))
    )
    assert missing == []
