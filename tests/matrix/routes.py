"""The authorization matrix: every named route of the URL configuration, and what it needs.

A route either appears in ROUTES (with the action it needs and the kind of object it acts on)
or in EXEMPT with the reason. test_matrix.py fails when the URL configuration has a route that
is in neither, so a new page or endpoint cannot ship without its access rules being tested.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from areas.choices import Action, Level


@dataclass(frozen=True)
class Route:
    name: str
    method: str = "get"
    api: bool = False
    #: the action the route needs; None: any logged-in user; "public": anyone
    action: str | None = Action.VIEW
    #: what the URL (or body) points at: "area", "person", "change" or None
    target: str | None = None
    #: for area targets: the levels the route acts on
    levels: tuple[str, ...] = tuple(Level.values)
    #: builds the URL kwargs from the target
    kwargs: Callable = field(default=lambda target: {})
    #: builds the request body from the target
    data: Callable | None = None
    #: builds the query string from the target
    query: Callable | None = None
    multipart: bool = False
    success: tuple[int, ...] = (200,)
    #: whether an accepted request of this route changes data (a POST that only computes does not)
    writes: bool = True
    #: for a list: how to read the area of each row it returns and what to seed (tests/matrix/rows.py);
    #: left out, ROWS there gives it by the route's name
    rows: object | None = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.name}"


def _code(area) -> dict:
    return {"code": area.code}


def _new_child(area) -> str:
    return area.prefix + ("250" if area.level == Level.TOWNSHIP else "009")


def _village_list(area) -> io.BytesIO:
    township = area.code[:9]
    content = f"区划代码,名称,上级区划代码\n{township}260,新建村,{township}000\n".encode()
    upload = io.BytesIO(content)
    upload.name = "villages.csv"
    return upload


ROUTES: list[Route] = [
    # pages: home and accounts
    Route("home", action=None),
    Route("password_change", action=None),
    Route("password_change_done", action=None),
    # pages: areas
    Route("areas:area_list"),
    Route("areas:area_detail", target="area", kwargs=_code),
    Route(
        "areas:area_add",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.TOWNSHIP, Level.VILLAGE),
        kwargs=_code,
    ),
    Route(
        "areas:area_add",
        method="post",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.TOWNSHIP, Level.VILLAGE),
        kwargs=_code,
        data=lambda area: {"code": _new_child(area), "name": "新建"},
        success=(302,),
    ),
    Route(
        "areas:area_edit", action=Action.MANAGE_AREAS, target="area", levels=(Level.VILLAGE, Level.GROUP), kwargs=_code
    ),
    Route(
        "areas:area_edit",
        method="post",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.VILLAGE, Level.GROUP),
        kwargs=_code,
        data=lambda area: {"name": "改名村", "reason": "更名"},
        success=(302,),
    ),
    Route(
        "areas:area_revoke",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.VILLAGE, Level.GROUP),
        kwargs=_code,
    ),
    Route(
        "areas:area_revoke",
        method="post",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.VILLAGE, Level.GROUP),
        kwargs=_code,
        data=lambda area: {"reason": "合并", "successor": ""},
        success=(302,),
    ),
    Route("areas:area_import", action=Action.MANAGE_AREAS, target="area", levels=(Level.COUNTY,), kwargs=_code),
    Route(
        "areas:area_import",
        method="post",
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=lambda area: {"file": _village_list(area.children.order_by("code").first())},
        multipart=True,
        success=(302,),
    ),
    Route("areas:area_history", action=Action.AUDIT, target="area", kwargs=_code),
    # pages: people and roles
    Route("areas:person_list", action=Action.MANAGE_PEOPLE),
    Route("areas:person_add", action=Action.MANAGE_PEOPLE),
    Route("areas:person_detail", action=Action.MANAGE_PEOPLE, target="person", kwargs=lambda person: {"pk": person.pk}),
    Route(
        "areas:person_revoke",
        method="post",
        action=Action.MANAGE_PEOPLE,
        target="person",
        kwargs=lambda person: {"pk": person.pk},
        data=lambda person: {"role": "auditor", "area": person.subject_area},
        success=(302,),
    ),
    Route(
        "areas:person_status",
        method="post",
        action=Action.MANAGE_PEOPLE,
        target="person",
        kwargs=lambda person: {"pk": person.pk},
        data=lambda person: {"active": "0"},
        success=(302,),
    ),
    Route(
        "areas:person_password",
        method="post",
        action=Action.MANAGE_PEOPLE,
        target="person",
        kwargs=lambda person: {"pk": person.pk},
        data=lambda person: {"password": "another-long-pass-7"},
        success=(302,),
    ),
    # pages: audit and jobs
    Route("core:change_list", action=Action.AUDIT),
    Route("core:job_detail", action=None, target="job", kwargs=lambda job: {"pk": job.pk}),
    Route("core:job_download", action=None, target="job", kwargs=lambda job: {"pk": job.pk}),
    # API
    Route("api:me", api=True, action=None),
    Route("api:area-list", api=True),
    Route("api:area-list", api=True, target="area", query=lambda area: {"parent": area.code}),
    Route(
        "api:area-list",
        method="post",
        api=True,
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.TOWNSHIP, Level.VILLAGE),
        data=lambda area: {"parent": area.code, "code": _new_child(area), "name": "新建"},
        success=(201,),
    ),
    Route("api:area-detail", api=True, target="area", kwargs=_code),
    Route(
        "api:area-detail",
        method="patch",
        api=True,
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.VILLAGE, Level.GROUP),
        kwargs=_code,
        data=lambda area: {"name": "改名村"},
    ),
    Route(
        "api:area-revoke",
        method="post",
        api=True,
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.VILLAGE, Level.GROUP),
        kwargs=_code,
        data=lambda area: {"reason": "合并"},
    ),
    Route(
        "api:area-import-children",
        method="post",
        api=True,
        action=Action.MANAGE_AREAS,
        target="area",
        levels=(Level.COUNTY,),
        kwargs=_code,
        data=lambda area: {"file": _village_list(area.children.order_by("code").first())},
        multipart=True,
        success=(201,),
    ),
    Route("api:change-list", api=True, action=Action.AUDIT),
    Route("api:job-list", api=True, action=None),
    Route("api:job-detail", api=True, action=None, target="job", kwargs=lambda job: {"pk": job.pk}),
    Route("api:job-download", api=True, action=None, target="job", kwargs=lambda job: {"pk": job.pk}),
    Route("api:change-detail", api=True, action=Action.AUDIT, target="change", kwargs=lambda change: {"pk": change.pk}),
    # public
    Route("login", action="public"),
    Route(
        "api:auth_token",
        method="post",
        api=True,
        action="public",
        data=lambda _: {"username": "nobody", "password": "a-long-test-password-1"},
        writes=False,
    ),
    Route("schema", action="public"),
    Route("api_docs", action="public"),
]

#: routes outside the matrix, each with the reason
EXEMPT = {
    "logout": "POST only; tested in tests/core/test_accounts.py",
    "set_language": "language switch, no data; tested in tests/core/test_accounts.py",
    "admin:": "Django's admin: superusers only (staff flag), guarded by Django itself",
}


def all_routes() -> list[Route]:
    """ROUTES above, and those each part of the application keeps in its own file next to this one."""
    from tests.matrix import (
        routes_assistance,
        routes_assistance_cadres,
        routes_assistance_projects,
        routes_exits,
        routes_households,
        routes_identification_api,
        routes_identification_pages,
        routes_import,
        routes_monitoring,
        routes_quality,
        routes_reporting,
        routes_review,
        routes_villages,
    )
    from tests.matrix.rows import ROWS

    routes = [
        *ROUTES,
        *routes_exits.ROUTES,
        *routes_assistance.ROUTES,
        *routes_assistance_cadres.ROUTES,
        *routes_assistance_projects.ROUTES,
        *routes_households.ROUTES,
        *routes_import.ROUTES,
        *routes_quality.ROUTES,
        *routes_identification_pages.ROUTES,
        *routes_identification_api.ROUTES,
        *routes_reporting.ROUTES,
        *routes_villages.ROUTES,
        *routes_monitoring.ROUTES,
        *routes_review.ROUTES,
    ]
    return [
        replace(route, rows=ROWS[route.name])
        if route.method == "get" and not route.rows and route.name in ROWS
        else route
        for route in routes
    ]


def all_exempt() -> dict[str, str]:
    from tests.matrix import (
        routes_assistance,
        routes_assistance_cadres,
        routes_assistance_projects,
        routes_exits,
        routes_households,
        routes_identification_api,
        routes_identification_pages,
        routes_import,
        routes_monitoring,
        routes_quality,
        routes_reporting,
        routes_review,
        routes_villages,
    )

    exempt = dict(EXEMPT)
    exempt.update(routes_exits.EXEMPT)
    exempt.update(routes_assistance.EXEMPT)
    exempt.update(routes_assistance_cadres.EXEMPT)
    exempt.update(routes_assistance_projects.EXEMPT)
    for module in (
        routes_households,
        routes_import,
        routes_quality,
        routes_identification_pages,
        routes_identification_api,
        routes_reporting,
        routes_villages,
        routes_monitoring,
        routes_review,
    ):
        exempt.update(getattr(module, "EXEMPT", {}))
    return exempt
