"""Matrix entries of a project's planned beneficiaries (see routes.py for the fields of Route, and
routes_assistance.py for the target kinds): before approval those who propose or review the
project change them (capture, review or approve); once approved, the county only."""

from __future__ import annotations

from areas.choices import Action
from tests.matrix.routes import Route

__all__ = ["EXEMPT", "ROUTES"]

_BEFORE_APPROVAL = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)
_API_BODY = {"planned_households": 40, "planned_people": 150, "households": []}
_PAGE_BODY = {"planned_households": "40", "planned_people": "150", "household_numbers": ""}


def _pk(project) -> dict:
    return {"pk": project.pk}


ROUTES: list = [
    Route(
        "assistance:project_beneficiaries",
        method="post",
        action=_BEFORE_APPROVAL,
        target="assistance_project@proposed",
        kwargs=_pk,
        data=lambda project: _PAGE_BODY,
        success=(302,),
    ),
    Route(
        "assistance:project_beneficiaries",
        method="post",
        action=Action.APPROVE,
        target="assistance_project@under_way",
        kwargs=_pk,
        data=lambda project: _PAGE_BODY,
        success=(302,),
    ),
    Route("api:assistance-project-beneficiaries", api=True, target="assistance_project@proposed", kwargs=_pk),
    Route(
        "api:assistance-project-beneficiaries",
        method="post",
        api=True,
        action=_BEFORE_APPROVAL,
        target="assistance_project@proposed",
        kwargs=_pk,
        data=lambda project: _API_BODY,
    ),
    Route(
        "api:assistance-project-beneficiaries",
        method="post",
        api=True,
        action=Action.APPROVE,
        target="assistance_project@under_way",
        kwargs=_pk,
        data=lambda project: _API_BODY,
    ),
]

EXEMPT: dict = {}
