"""Every route × every role × {own area, sibling area, parent area}, anonymous, and a user with no
role. Expectations follow the role table (areas/roles.py): out of scope → 404, in scope without
the action → 403, anonymous → login page (pages) or 401 (API). A refusal changes nothing."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from areas.codes import LEVEL_DIGITS
from areas.models import Area, AreaUserObjectPermission
from areas.roles import ROLE_ACTIONS
from core.audit import record_change
from core.jobs import publish_file
from core.models import ChangeAction, Job, ObjectChange
from households.services import save_household
from tests.conftest import ROLE_AREAS, WORLD, make_user
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
    actions = route.action if isinstance(route.action, tuple) else (route.action,)
    return any(action in ROLE_ACTIONS[role] for action in actions)


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
