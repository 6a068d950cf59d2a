"""Matrix entries of reporting (see routes.py for the fields of Route).

Requesting a report needs export on the area named in the body; the reports page needs export
somewhere; a report job's page follows the job's visibility (target "job"); a dashboard needs
view on its area.
"""

from areas.choices import Action, Level
from tests.matrix.routes import Route

REPORT_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def _request(area) -> dict:
    return {"kind": "registry", "area": area.code}


ROUTES: list = [
    # pages
    Route("reporting:report_list", action=Action.EXPORT),
    Route(
        "reporting:report_request",
        method="post",
        action=Action.EXPORT,
        target="area",
        levels=REPORT_LEVELS,
        data=_request,
        success=(302,),
    ),
    Route("reporting:report_detail", action=None, target="job", kwargs=lambda job: {"pk": job.pk}),
    Route("reporting:dashboard", target="area", levels=REPORT_LEVELS, kwargs=lambda area: {"code": area.code}),
    # API
    Route("api:report-list", api=True, action=None),
    Route(
        "api:report-list",
        method="post",
        api=True,
        action=Action.EXPORT,
        target="area",
        levels=REPORT_LEVELS,
        data=_request,
        success=(202,),
    ),
]
EXEMPT: dict = {}
