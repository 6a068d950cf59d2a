"""Matrix entries of the Excel import of households (see routes.py for the fields of Route).

The upload routes act on an area (a village, township or county) and need the capture action
there. The result and commit routes act on an import, a target kind of its own (TARGETS, used by
test_matrix.py like the identification targets): a finished check of a one-household workbook of
a village under the role's area, uploaded by the role's own user (own, any) or by someone else
(sibling, parent). An import is seen by its uploader only (404 for anyone else, as every job);
its result needs nothing more, its commit needs the capture action.
"""

from __future__ import annotations

import io

from areas.choices import Action, Level
from areas.codes import LEVEL_DIGITS
from tests.conftest import WORLD, make_user
from tests.matrix.expected_roles import allows
from tests.matrix.routes import Route

__all__ = ["EXEMPT", "ROUTES", "TARGETS"]

_LEVEL_OF = {code: level for code, _name, level, _parent in WORLD}
_IMPORT_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)


def _village_under(code: str) -> str | None:
    prefix = code[: LEVEL_DIGITS[_LEVEL_OF[code]]]
    villages = (c for c, _name, level, _parent in sorted(WORLD) if level == Level.VILLAGE and c.startswith(prefix))
    return next(villages, None)


def _workbook(village: str | None) -> io.BytesIO:
    """A one-household workbook of the village (of an unknown village when the area has none)."""
    from tests.households.test_import_support import family, household, workbook_bytes

    stream = io.BytesIO(workbook_bytes([household("1", village=village or "000000000000")], family("1")))
    stream.name = "户信息.xlsx"
    return stream


class _Imports:
    """Target kind "import": the code is "relation:role:village"."""

    def pick(self, role: str, relation: str, base: str) -> str | None:
        village = _village_under(base)
        return f"{relation}:{role}:{village}" if village else None

    def build(self, target: str, personas):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from core.jobs import run_job
        from core.models import Job
        from households import imports

        relation, role, village = target.split(":")
        owner = personas[role] if relation in ("own", "any") and role != "anonymous" else make_user(f"owner_{village}")
        stored, digest = imports._store_upload(SimpleUploadedFile("户信息.xlsx", _workbook(village).getvalue()))
        job = Job.objects.create(
            kind=imports.CHECK_KIND,
            area_code=village,
            requested_by=owner,
            params={"upload": stored, "sha256": digest, "file_name": "户信息.xlsx", "area_name": village},
        )
        return run_job(job.pk, imports.check_handler)  # checked as its owner: rows outside their scope refused

    def expected(self, route: Route, role: str, target: str) -> tuple[int, ...]:
        if not target.startswith(("own:", "any:")):
            return (404,)
        if route.action is None:
            return route.success
        if not allows(role, route.action):
            return (403,)
        return route.success


TARGETS = {"import": _Imports()}


def _check(job) -> dict:
    return {"pk": job.pk}


ROUTES: list[Route] = [
    Route(
        "households:import_upload",
        action=Action.CAPTURE,
        target="area",
        levels=_IMPORT_LEVELS,
        kwargs=lambda area: {"code": area.code},
    ),
    Route(
        "households:import_upload",
        method="post",
        action=Action.CAPTURE,
        target="area",
        levels=_IMPORT_LEVELS,
        kwargs=lambda area: {"code": area.code},
        data=lambda area: {"file": _workbook(_village_under(area.code))},
        multipart=True,
        success=(302,),
    ),
    Route(
        "households:import_template",
        action=Action.CAPTURE,
        target="area",
        levels=_IMPORT_LEVELS,
        kwargs=lambda area: {"code": area.code},
    ),
    Route("households:import_result", action=None, target="import", kwargs=_check),
    Route(
        "households:import_commit", method="post", action=Action.CAPTURE, target="import", kwargs=_check, success=(302,)
    ),  # fmt: skip
    Route(
        "api:household-import-upload",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="area",
        levels=_IMPORT_LEVELS,
        kwargs=lambda area: {"code": area.code},
        data=lambda area: {"file": _workbook(_village_under(area.code))},
        multipart=True,
        success=(202,),
    ),
    Route("api:household-import-result", api=True, action=None, target="import", kwargs=_check),
    Route(
        "api:household-import-commit",
        method="post",
        api=True,
        action=Action.CAPTURE,
        target="import",
        kwargs=_check,
        success=(202,),
    ),  # fmt: skip
]
EXEMPT: dict = {}
