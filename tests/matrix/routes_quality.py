"""Matrix entries of the data-quality worklist (see routes.py for the fields of Route).

Target "finding" is an open warning of a household in a village (built by test_matrix.py).
Starting the area-wide check needs any one of capture, review or approve: its action is a tuple.
"""

from areas.choices import Action, Level
from tests.matrix.routes import Route

WORKLIST_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
SCAN_ACTIONS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)


def _code(area) -> dict:
    return {"code": area.code}


def _pk(finding) -> dict:
    return {"pk": finding.pk}


ROUTES: list = [
    # pages
    Route("households:worklist", target="area", levels=WORKLIST_LEVELS, kwargs=_code),
    Route("households:finding_list", target="area", levels=WORKLIST_LEVELS, kwargs=_code),
    Route("households:finding_confirm", action=Action.CAPTURE, target="finding", levels=(Level.VILLAGE,), kwargs=_pk),
    Route(
        "households:finding_confirm",
        method="post",
        action=Action.CAPTURE,
        target="finding",
        levels=(Level.VILLAGE,),
        kwargs=_pk,
        data=lambda finding: {"note": "已入户核实，残疾证正在办理"},
        success=(302,),
    ),
    Route(
        "households:quality_scan",
        method="post",
        action=SCAN_ACTIONS,
        target="area",
        levels=WORKLIST_LEVELS,
        kwargs=_code,
        success=(302,),
    ),
    # API
    Route("api:quality-finding-list", api=True),
    Route(
        "api:quality-finding-list",
        api=True,
        target="area",
        levels=WORKLIST_LEVELS,
        query=lambda area: {"area": area.prefix},
    ),
    Route("api:quality-counts", api=True, target="area", levels=WORKLIST_LEVELS, kwargs=_code),
    Route(
        "api:quality-finding-confirm",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="finding",
        levels=(Level.VILLAGE,),
        kwargs=_pk,
        data=lambda finding: {"note": "已入户核实，残疾证正在办理"},
    ),
    Route(
        "api:quality-scan",
        method="post",
        api=True,
        action=SCAN_ACTIONS,
        target="area",
        levels=WORKLIST_LEVELS,
        kwargs=_code,
        success=(202,),
    ),
]
EXEMPT: dict = {}
