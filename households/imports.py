"""Importing households from Excel (DESIGN.md decisions 6 and 7): upload → check → commit.

1. ``start_check`` stores the upload (after core.excel's size and zip-bomb checks) and queues a
   job of kind ``household_import_check``. Its handler streams the workbook, runs every rule of
   the form on every row (households/bulk.py) and records what the import would do: new,
   changed, unchanged and refused households, every refused cell (sheet, row, column, message),
   and, when cells were refused, a copy of the workbook with those cells marked. The checked rows
   are staged (gzip JSON lines beside the upload). Nothing is written to households.
2. ``start_commit`` queues a job of kind ``household_import_commit`` for a check without refused
   cells. Its handler re-validates every staged row inside one transaction, row-locking the
   registered households it updates, and refuses unless each household imports exactly as
   checked; then it writes all rows, or none. Running it twice writes once.

Only the uploader sees an import's jobs. Importing needs the capture action on the area the
import starts from and on every village in the workbook; a row for another village is refused
naming only its code.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import logging
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.excel import WorkbookError, check_xlsx
from core.job_views import jobs_visible_to
from core.jobs import create_job, job_file_path, publish_file, report_progress
from core.models import ChangeAction, Job, JobStatus
from households.bulk import NEW, REFUSED, ImportSession, Outcome, reserve_numbers
from households.choices import CAUSES
from households.excel import (
    SHEET_COLUMNS,
    SHEET_ORDER,
    HouseholdRow,
    ImportReader,
    MemberRow,
    Problem,
    build_template,
    write_annotated_copy,
)
from households.models import CauseCode, Household

__all__ = [
    "CHECK_KIND",
    "COMMIT_KIND",
    "IMPORT_LEVELS",
    "ImportStatus",
    "cause_options",
    "check_handler",
    "commit_handler",
    "import_area",
    "import_status",
    "purge_stale_uploads",
    "recent_checks",
    "start_check",
    "start_commit",
    "write_template",
]

logger = logging.getLogger(__name__)

CHECK_KIND = "household_import_check"
COMMIT_KIND = "household_import_commit"
IMPORT_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
IMPORT_DIR = "imports"
#: households per batch: one IN query for their ID numbers, one INSERT per table
BATCH = 500
#: refused cells kept in the job's result (all of them are marked in the annotated workbook)
ERRORS_KEPT = 1000
#: days an upload and its staged rows are kept for a commit that may still come
KEEP_UPLOADS_DAYS = 7

_DECIMAL_FIELDS = {f.name for f in Household._meta.fields if isinstance(f, models.DecimalField)}
#: where a rule's finding about a field without a column of its own is shown
_FALLBACK_COLUMNS = {"other_causes": "other_causes_1", "members": "row_key", "birth_date": "id_number"}


# --- areas and code lists ------------------------------------------------------------------------


def import_area(actor, area_code: str) -> Area:
    """The village, township or county an import starts from: 404 outside the actor's view scope
    (or at another level), 403 without the capture action there."""
    area = Area.objects.visible_to(actor, Action.VIEW).filter(code=area_code, level__in=IMPORT_LEVELS).first()
    if area is None:
        raise Http404
    if not may(actor, Action.CAPTURE, area.code):
        raise PermissionDenied
    return area


def cause_options(area_code: str) -> list[tuple[str, str]]:
    """The causes of poverty a household of the area may give: the national list and its province's
    own (the same list services._valid_causes checks against), with their names."""
    province = area_code[:2].ljust(12, "0")
    rows = CauseCode.objects.filter(Q(province__isnull=True) | Q(province_id=province)).order_by("code")
    options = list(dict(rows.values_list("code", "name")).items())
    return options or list(CAUSES)


def write_template(*, actor, area_code: str, target) -> str:
    """Write the import template of an area to ``target``; returns the file name to offer.

    The drop-downs list the villages (and their groups) under the area where the actor may
    capture, the causes of the area's province and every code list of the data dictionary.
    """
    area = import_area(actor, area_code)
    capturable = Area.objects.visible_to(actor, Action.CAPTURE).active().filter(code__startswith=area.prefix)
    villages = list(capturable.filter(level=Level.VILLAGE).order_by("code").values_list("code", "name"))
    groups = list(capturable.filter(level=Level.GROUP).order_by("code").values_list("code", "name"))
    build_template(target, villages=villages, groups=groups, causes=cause_options(area.code))
    return f"户信息导入模板-{area.name}.xlsx"


# --- starting ------------------------------------------------------------------------------------


def _store_upload(upload) -> tuple[str, str]:
    """Save the upload under MEDIA_ROOT/imports with a random name; returns (relative path, sha256)."""
    relative = f"{IMPORT_DIR}/{uuid.uuid4().hex}.xlsx"
    path = job_file_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    upload.seek(0)
    with open(path, "wb") as handle:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            digest.update(chunk)
            handle.write(chunk)
    return relative, digest.hexdigest()


def start_check(*, actor, area_code: str, upload) -> Job:
    """Store an uploaded workbook and queue its check (nothing is written to households).

    Refuses (ServiceError on ``file``) anything but a reasonably sized, real .xlsx file; the
    upload is recorded in the audit trail.
    """
    from households.import_tasks import run_import_check  # the task module imports this one

    area = import_area(actor, area_code)
    name = os.path.basename(getattr(upload, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise ServiceError(_("Upload the workbook as an .xlsx file."), code="not_xlsx", field="file")
    try:
        check_xlsx(upload)
    except WorkbookError as exc:
        raise ServiceError(exc.message, code=exc.code, field="file") from exc
    relative, digest = _store_upload(upload)
    try:
        with transaction.atomic():
            job = create_job(
                kind=CHECK_KIND,
                area_code=area.code,
                actor=actor,
                params={"upload": relative, "sha256": digest, "file_name": name, "area_name": area.name},
                task=run_import_check,
            )
            job.params["next_url"] = reverse("households:import_result", kwargs={"pk": job.pk})
            job.save(update_fields=["params"])
            record_change(
                actor=actor,
                obj=job,
                action=ChangeAction.CREATE,
                area_code=area.code,
                after={"kind": CHECK_KIND, "file": name, "sha256": digest},
            )
    except BaseException:
        job_file_path(relative).unlink(missing_ok=True)
        raise
    return job


def _check_job(actor, pk: int, *, lock: bool = False) -> Job:
    jobs = jobs_visible_to(actor).filter(kind=CHECK_KIND)
    if lock:
        jobs = Job.objects.select_for_update().filter(pk__in=jobs.filter(pk=pk).values("pk"))
    job = jobs.filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def start_commit(*, actor, check_id: int) -> Job:
    """Queue the commit of a finished check without refused cells (once: a second request while
    the first is queued, running or done is refused). Recorded in the audit trail."""
    from households.import_tasks import run_import_commit

    with transaction.atomic():
        check = _check_job(actor, check_id, lock=True)  # serialises two clicks on the button
        if not may(actor, Action.CAPTURE, check.area_code):
            raise PermissionDenied
        if check.status != JobStatus.DONE:
            raise ServiceError(_("The check of this workbook has not finished."), code="not_checked")
        if check.result.get("error_count"):
            raise ServiceError(
                _("The check refused %(count)s cells; correct the workbook and upload it again.")
                % {"count": check.result["error_count"]},
                code="refused_rows",
            )
        if _commits_of(check).exclude(status=JobStatus.FAILED).exists():
            raise Conflict(_("This workbook is already being imported or has been imported."), code="committed")
        job = create_job(
            kind=COMMIT_KIND,
            area_code=check.area_code,
            actor=actor,
            params={
                "check_job": check.pk,
                "file_name": check.params.get("file_name", ""),
                "next_url": reverse("households:import_result", kwargs={"pk": check.pk}),
            },
            task=run_import_commit,
        )
        record_change(
            actor=actor,
            obj=job,
            action=ChangeAction.CREATE,
            area_code=check.area_code,
            after={"kind": COMMIT_KIND, "check_job": check.pk, "file": check.params.get("file_name", "")},
        )
    return job


def _commits_of(check: Job):
    return Job.objects.filter(kind=COMMIT_KIND, params__check_job=check.pk)


# --- what the pages and the API show -------------------------------------------------------------


class ImportStatus:
    """A check job with its latest commit job, as the result page and the API show them."""

    def __init__(self, check: Job, commit: Job | None):
        self.check = check
        self.commit = commit

    @property
    def result(self) -> dict[str, Any]:
        return self.check.result or {}

    @property
    def counts(self) -> dict[str, int]:
        return self.result.get("counts", {})

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.result.get("errors", [])

    @property
    def committed(self) -> dict[str, Any] | None:
        return self.result.get("commit")

    @property
    def can_commit(self) -> bool:
        busy = self.commit is not None and self.commit.status != JobStatus.FAILED
        return self.check.status == JobStatus.DONE and not self.result.get("error_count") and not busy

    def as_dict(self) -> dict[str, Any]:
        from core.job_views import JobSerializer

        return {
            "check": JobSerializer(self.check).data,
            "commit": JobSerializer(self.commit).data if self.commit else None,
            "counts": self.counts,
            "error_count": self.result.get("error_count", 0),
            "errors": self.errors,
            "annotated_workbook": bool(self.check.file),
            "can_commit": self.can_commit,
            "committed": self.committed,
        }


def import_status(*, actor, check_id: int) -> ImportStatus:
    """The actor's own check job (404 for anyone else's) and its latest commit."""
    check = _check_job(actor, check_id)
    return ImportStatus(check, _commits_of(check).order_by("-created_at", "-id").first())


def recent_checks(actor, area: Area, limit: int = 10) -> list[Job]:
    return list(jobs_visible_to(actor).filter(kind=CHECK_KIND, area_code=area.code).order_by("-created_at")[:limit])


# --- staging: checked rows on disk between the check and the commit --------------------------------


def _stage(row: HouseholdRow, outcome: Outcome) -> str:
    return json.dumps(
        {
            "key": row.key,
            "row": row.row,
            "no": row.household_no,
            "village": row.village_code,
            "group": row.group_code,
            "values": row.values,
            "members": [[m.row, list(m.values), m.birth_date] for m in row.members],
            "plan": list(outcome.plan),
        },
        ensure_ascii=False,
        default=str,  # decimals and dates, restored by _unstage
    )


def _unstage(line: str) -> tuple[HouseholdRow, list]:
    data = json.loads(line)
    values = data["values"]
    for name in _DECIMAL_FIELDS & values.keys():
        if values[name] is not None:
            values[name] = Decimal(values[name])
    members = [
        MemberRow(number, tuple(member_values), datetime.date.fromisoformat(born) if born else None, False)
        for number, member_values, born in data["members"]
    ]
    row = HouseholdRow(data["key"], data["row"], data["no"], data["village"], data["group"], values, members)
    return row, data["plan"]


def _staged_batches(path: Path) -> Iterator[list[tuple[HouseholdRow, list]]]:
    batch = []
    with gzip.open(path, "rt", encoding="utf-8") as staged:
        for line in staged:
            batch.append(_unstage(line))
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _digest_line(digest, outcome: Outcome) -> None:
    digest.update(json.dumps(list(outcome.plan)).encode())


# --- the check (runs in a worker) ----------------------------------------------------------------


def _column_key(positions: dict[str, dict[str, int]], sheet: str, key: str) -> str:
    if key in positions[sheet]:
        return key
    fallback = _FALLBACK_COLUMNS.get(key)
    return fallback if fallback in positions[sheet] else "row_key"


def _label(sheet: str, key: str) -> str:
    return next(column.label for column in SHEET_COLUMNS[sheet] if column.key == key)


def _collect(read: list[Problem], ruled: list[Problem], positions) -> dict[tuple[str, int, int], list[tuple]]:
    """Refused cells → their (message, code)s, in sheet, row and column order. A cell refused while
    reading keeps only that reason: the rules saw a blank there and would only confuse."""
    cells: dict[tuple[str, int, int], list[tuple[str, str, str]]] = {}
    unreadable = set()
    for problems, reading in ((read, True), (ruled, False)):
        for problem in problems:
            key = _column_key(positions, problem.sheet, problem.key)
            cell = (problem.sheet, problem.row, positions[problem.sheet][key])
            if reading:
                unreadable.add(cell)
            elif cell in unreadable:
                continue
            entries = cells.setdefault(cell, [])
            if all(message != problem.message for message, _code, _key in entries):
                entries.append((problem.message, problem.code, key))
    return dict(sorted(cells.items(), key=lambda item: (SHEET_ORDER[item[0][0]], item[0][1], item[0][2])))


def check_handler(job: Job) -> dict[str, Any]:
    """Check the uploaded workbook of ``job``; returns the result the job stores. Writes nothing to
    households. Safe to run twice: the staged rows and the annotated copy are replaced whole."""
    actor = job.requested_by
    area = Area.objects.get(code=job.area_code)
    path = job_file_path(job.params["upload"])
    if not path.exists():
        raise ServiceError(_("The uploaded file is no longer there; upload it again."), code="gone")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        if digest.hexdigest() != job.params["sha256"]:
            raise ServiceError(_("The uploaded file has changed since it was received; upload it again."))
        try:
            check_xlsx(handle)
        except WorkbookError as exc:
            raise ServiceError(exc.message, code=exc.code) from exc

    staged_relative = f"{IMPORT_DIR}/job-{job.pk}.staged.jsonl.gz"
    staged_path = job_file_path(staged_relative)
    temporary = staged_path.with_suffix(".part")
    session = ImportSession(actor=actor, area=area)
    counts: Counter[str] = Counter()
    new_by_village: Counter[str] = Counter()
    ruled: list[Problem] = []
    plan_digest = hashlib.sha256()
    warnings = members = 0
    try:
        with ImportReader(path, causes=dict(cause_options(area.code))) as reader:
            report_progress(job, 0, reader.household_rows_estimate)
            members = reader.read_members()
            with gzip.open(temporary, "wt", encoding="utf-8", compresslevel=1) as staged:
                for batch in reader.iter_households(BATCH):
                    for outcome in session.plan(batch):
                        counts[outcome.action] += 1
                        warnings += outcome.warnings
                        ruled.extend(outcome.problems)
                        _digest_line(plan_digest, outcome)
                        if outcome.action != REFUSED:
                            staged.write(_stage(outcome.row, outcome) + "\n")
                        if outcome.action == NEW:
                            new_by_village[outcome.row.village_code] += 1
                    report_progress(job, sum(counts.values()))
            reader.report_orphans()
            positions = reader.positions()
            read = reader.problems
    except WorkbookError as exc:
        temporary.unlink(missing_ok=True)
        raise ServiceError(exc.message, code=exc.code) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if not sum(counts.values()):
        temporary.unlink(missing_ok=True)
        raise ServiceError(
            _("The workbook has no households: sheet 户 has no rows under its header."), code="empty_workbook"
        )

    cells = _collect(read, ruled, positions)
    errors = []
    for (sheet, row, column), entries in cells.items():
        for message, code, key in entries:
            letter = get_column_letter(column + 1)
            errors.append(
                {
                    "sheet": sheet,
                    "row": row,
                    "column": _label(sheet, key),
                    "cell": f"{letter}{row}",
                    "message": message,
                    "code": code,
                }
            )
    result: dict[str, Any] = {
        "counts": {
            "households": sum(counts.values()),
            "members": members,
            "new": counts["new"],
            "changed": counts["changed"],
            "unchanged": counts["unchanged"],
            "refused": counts[REFUSED],
            "warnings": warnings,
        },
        "error_count": len(errors),
        "errors": errors[:ERRORS_KEPT],
        "digest": plan_digest.hexdigest(),
        "new_by_village": dict(new_by_village),
    }
    if errors:
        temporary.unlink(missing_ok=True)
        marks = {cell: [message for message, _code, _key in entries] for cell, entries in cells.items()}
        stem = Path(job.params.get("file_name") or "workbook.xlsx").stem
        publish_file(job, lambda target: write_annotated_copy(path, target, marks, positions), f"{stem}-检查结果.xlsx")
    else:
        os.replace(temporary, staged_path)
        result["staged"] = staged_relative
    return result


# --- the commit (runs in a worker) ---------------------------------------------------------------


def commit_handler(job: Job) -> dict[str, Any]:
    """Write every checked row of the check job ``job.params["check_job"]`` in one transaction, or
    none: each staged row is validated again against the registry as it stands, and the commit
    stops unless every household imports exactly as the check said (new, changed at the same
    version, unchanged). Safe to run twice: the check records its commit in the same transaction,
    and a second run returns that record."""
    actor = job.requested_by
    area = Area.objects.get(code=job.area_code)
    check = Job.objects.get(pk=job.params["check_job"], kind=CHECK_KIND)
    if (check.result.get("commit") or {}).get("job") == job.pk:
        return check.result["commit"]
    staged = check.result.get("staged")
    if check.result.get("error_count") or not staged:
        raise ServiceError(_("The check refused cells; nothing can be imported from this workbook."))
    path = job_file_path(staged)
    if not path.exists():
        raise ServiceError(_("The checked rows are no longer there; upload the workbook again."), code="gone")
    counts: Counter[str] = Counter()
    total = check.result["counts"]["households"]
    report_progress(job, 0, total)  # the rows become visible at once, when the transaction commits
    reason = _("Imported from %(file)s (check %(job)s)") % {"file": check.params.get("file_name", ""), "job": check.pk}
    try:
        with transaction.atomic():
            check = Job.objects.select_for_update().get(pk=check.pk)
            done = check.result.get("commit")
            if done:
                if done.get("job") == job.pk:
                    return done
                raise Conflict(_("This workbook was already imported."), code="committed")
            if not may(actor, Action.CAPTURE, area.code):
                raise ServiceError(_("Your role no longer allows importing households here."), code="permission")
            session = ImportSession(actor=actor, area=area, lock=True)
            for village, count in sorted(check.result.get("new_by_village", {}).items()):
                session.numbers[village] = reserve_numbers(village, count)
            plan_digest = hashlib.sha256()
            for batch in _staged_batches(path):
                rows = [row for row, _plan in batch]
                outcomes = session.plan(rows)
                _refuse_if_changed(outcomes, [plan for _row, plan in batch])
                session.write(outcomes, reason=reason)
                for outcome in outcomes:
                    counts[outcome.action] += 1
                    _digest_line(plan_digest, outcome)
            if plan_digest.hexdigest() != check.result["digest"]:
                raise ServiceError(_("The checked rows are incomplete; upload the workbook again."), code="changed")
            outcome = {
                "job": job.pk,
                "new": counts["new"],
                "changed": counts["changed"],
                "unchanged": counts["unchanged"],
            }
            check.result = {**check.result, "commit": outcome}
            check.save(update_fields=["result"])
            transaction.on_commit(lambda: _discard_upload(check))
    except IntegrityError as exc:  # a concurrent save registered one of the people a moment ago
        raise ServiceError(
            _("An ID number was registered elsewhere a moment ago; check the workbook again."), code="duplicate_id"
        ) from exc
    return outcome


def _refuse_if_changed(outcomes: list[Outcome], plans: list[list]) -> None:
    changed = [o for o, plan in zip(outcomes, plans, strict=True) if o.action == REFUSED or list(o.plan) != plan]
    if not changed:
        return
    first = changed[0]
    planned = plans[outcomes.index(first)]
    if first.problems:
        problem = first.problems[0].message
    elif first.action == planned[1] and first.plan[2] == planned[2]:
        problem = _("household %(number)s was saved by someone else since the check") % {
            "number": first.household.household_no
        }
    else:
        problem = _("it now matches a different registered household")
    raise ServiceError(
        _(
            "The registry changed since the check: %(count)s households no longer import as checked (row "
            "%(row)s of sheet 户: %(problem)s). Upload the workbook again to check it anew; nothing was imported."
        )
        % {"count": len(changed), "row": first.row.row, "problem": problem},
        code="changed",
    )


def _discard_upload(check: Job) -> None:
    """Personal data is not kept twice: once imported, the upload and its staged rows go."""
    for relative in (check.params.get("upload"), check.result.get("staged")):
        if relative:
            job_file_path(relative).unlink(missing_ok=True)


def purge_stale_uploads(days: int = KEEP_UPLOADS_DAYS) -> int:
    """Delete the uploaded workbooks and staged rows of checks older than ``days`` (imported ones
    lost theirs at the commit): personal data is not kept on disk for a commit that never comes.
    The checks stay, with their counts and refused cells; committing one now says to upload again.
    Returns the number of files deleted."""
    from django.utils import timezone

    deleted = 0
    cutoff = timezone.now() - datetime.timedelta(days=days)
    for check in Job.objects.filter(kind=CHECK_KIND, created_at__lt=cutoff).only("params", "result"):
        for relative in (check.params.get("upload"), (check.result or {}).get("staged")):
            path = job_file_path(relative) if relative else None
            if path is not None and path.exists():
                path.unlink()
                deleted += 1
    return deleted
