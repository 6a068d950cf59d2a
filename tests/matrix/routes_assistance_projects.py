"""Matrix entries of a project's planned beneficiaries and of copying plans for many households
(see routes.py for the fields of Route, routes_assistance.py for the target kinds). Before
approval those who propose or review a project change its beneficiaries (capture, review or
approve); once approved, the county only. Plans are copied by those who work on plans."""

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


# --- copying last year's plans for many households of a village ---------------------------------------

_WORKERS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)
_H = "assistance_household"  # its household has a plan of 2026: copied to 2027

ROUTES += [
    Route("assistance:bulk_copy_plans", action=_WORKERS, target=_H, kwargs=lambda h: {"code": h.village_id}),
    Route(
        "assistance:bulk_copy_plans",
        method="post",
        action=_WORKERS,
        target=_H,
        kwargs=lambda h: {"code": h.village_id},
        data=lambda h: {"from_year": "2026", "to_year": "2027", "households": [h.pk]},
    ),
    Route(
        "api:assistance-plan-bulk-copy",
        method="post",
        api=True,
        action=_WORKERS,
        target=_H,
        data=lambda h: {"village": h.village_id, "households": [h.pk], "from_year": 2026, "to_year": 2027},
    ),
]
