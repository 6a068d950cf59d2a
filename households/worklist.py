"""The data-quality worklist (DOMAIN.md section 4.5): open findings counted by rule and by area,
listed for correction, warnings confirmed with a note, and the area-wide check run as a job.

Selectors read, services change state. Every function that takes ``actor`` checks role and
scope itself: an area or finding outside the actor's view scope raises Http404 (its existence
does not leak), one in scope without the needed action raises PermissionDenied. The rules
themselves live only in households/quality.py; storing their findings only in
households/services.py (``_store_findings``), which the area-wide check reuses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.codes import LEVEL_DIGITS, level_below
from areas.models import Area
from areas.scopes import may, prefixes_for
from core.audit import record_change
from core.errors import Conflict, ServiceError
from core.jobs import create_job, report_progress
from core.models import ChangeAction, Job
from core.params import InvalidParameter, ascii_digits, clean_text, object_id
from households.models import Household, Member, QualityFinding
from households.quality import ERROR, RULES, WARNING, Finding, RuleContext, evaluate, prefetch
from households.services import finding_key, rule_context, store_findings

__all__ = [
    "CHUNK_SIZE",
    "ChildCount",
    "FindingFilters",
    "NOTE_MAX_LENGTH",
    "RuleCount",
    "SCAN_KIND",
    "ScanResult",
    "WORKLIST_LEVELS",
    "WORK_ACTIONS",
    "confirm_finding",
    "counts_by_child",
    "counts_by_rule",
    "finding_for_confirmation",
    "findings_for",
    "may_start_scan",
    "rescan_area",
    "rule_title",
    "run_scan_job",
    "start_quality_scan",
    "worklist_area",
]

#: the Job.kind of the area-wide check
SCAN_KIND = "quality_scan"
#: levels that have a worklist: findings are counted per village, township and county
WORKLIST_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
#: any one of these lets a user start the area-wide check (it writes findings, not survey data)
WORK_ACTIONS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)
#: households read (with their members and open findings) per round trip of the check
CHUNK_SIZE = 200
NOTE_MAX_LENGTH = 1000


# --- selectors ----------------------------------------------------------------------------------


def rule_title(code: str) -> str:
    """The rule's title for people; the bare code for a finding of a rule no longer registered."""
    registered = RULES.get(code)
    return str(registered.title) if registered else code


def worklist_area(*, actor, area_code: str) -> Area:
    """The county, township or village ``area_code`` (with its parent), if the actor may view it.

    Raises Http404 when it is outside the actor's view scope, unknown, or of another level.
    """
    area = (
        Area.objects.visible_to(actor, Action.VIEW)
        .select_related("parent")
        .filter(code=area_code, level__in=WORKLIST_LEVELS)
        .first()
    )
    if area is None:
        raise Http404
    return area


def may_start_scan(actor, area_code: str) -> bool:
    """Whether the actor holds capture, review or approve on the area (the view scope is checked apart)."""
    return any(may(actor, action, area_code) for action in WORK_ACTIONS)


@dataclass(frozen=True)
class RuleCount:
    rule: str
    title: str
    severity: str
    findings: int
    households: int


@dataclass(frozen=True)
class ChildCount:
    """Open findings of one area below the worklist's area (a village of a township, a township of
    a county; for a village, the village itself). ``area`` is None for findings whose code matches
    no area row."""

    prefix: str
    area: Area | None
    findings: int
    errors: int
    warnings: int
    households: int

    @property
    def code(self) -> str:
        return self.area.code if self.area is not None else self.prefix.ljust(12, "0")

    @property
    def name(self) -> str:
        return self.area.name if self.area is not None else self.code


def _open_under(actor, area: Area) -> QuerySet:
    # the area was checked against the view scope; visible_to keeps the query scoped regardless
    return QualityFinding.objects.visible_to(actor, Action.VIEW).open().in_area(area.prefix)


def counts_by_rule(*, actor, area: Area) -> list[RuleCount]:
    """Open findings under ``area`` per rule: findings and households affected, errors first, then
    the largest counts. One query."""
    rows = (
        _open_under(actor, area)
        .values("rule", "severity")
        .annotate(findings=Count("id"), households=Count("household", distinct=True))
        .order_by()
    )
    counts = [RuleCount(r["rule"], rule_title(r["rule"]), r["severity"], r["findings"], r["households"]) for r in rows]
    return sorted(counts, key=lambda c: (c.severity != ERROR, -c.findings, c.rule))


def counts_by_child(*, actor, area: Area) -> list[ChildCount]:
    """Open findings under ``area`` per child area (villages of a township, townships of a county;
    a village has one row, itself), every child listed even with nothing open. Two queries."""
    child_level = Level.VILLAGE if area.level == Level.VILLAGE else level_below(area.level)
    digits = LEVEL_DIGITS[child_level]
    rows = (
        _open_under(actor, area)
        .annotate(child=Substr("area_code", 1, digits))
        .values("child")
        .annotate(
            findings=Count("id"),
            errors=Count("id", filter=Q(severity=ERROR)),
            warnings=Count("id", filter=Q(severity=WARNING)),
            households=Count("household", distinct=True),
        )
        .order_by()
    )
    by_prefix = {row["child"]: row for row in rows}
    children = [area] if area.level == Level.VILLAGE else list(area.children.filter(level=child_level))
    result: list[ChildCount] = []
    for child in sorted(children, key=lambda c: (c.is_revoked, c.code)):
        row = by_prefix.pop(child.prefix, None) or {}
        if child.is_revoked and not row:
            continue  # a retired code with nothing open is noise
        result.append(
            ChildCount(
                child.prefix,
                child,
                row.get("findings", 0),
                row.get("errors", 0),
                row.get("warnings", 0),
                row.get("households", 0),
            )
        )
    # findings under a code with no area row must still be counted somewhere
    for prefix, row in sorted(by_prefix.items()):
        result.append(ChildCount(prefix, None, row["findings"], row["errors"], row["warnings"], row["households"]))
    return result


@dataclass(frozen=True)
class FindingFilters:
    """Filters of a findings list; empty strings and None mean "any". ``state`` is open, resolved
    or all."""

    area: str = ""
    rule: str = ""
    severity: str = ""
    household: int | None = None
    state: str = "open"

    STATES = ("open", "resolved", "all")

    @classmethod
    def parse(cls, params, *, area: str = "") -> FindingFilters:
        """Filters from query parameters; a malformed value raises InvalidParameter (a
        ServiceError, code "invalid_parameter") naming the parameter."""
        area = area or ascii_digits(params.get("area"), "area", message=_("The area must be a division code."))
        severity = (params.get("severity") or "").strip()
        if severity and severity not in (ERROR, WARNING):
            raise InvalidParameter("severity", _("The severity is error or warning."))
        state = (params.get("state") or "open").strip()
        if state not in cls.STATES:
            raise InvalidParameter("state", _("The state is open, resolved or all."))
        household = object_id(params.get("household"), "household", message=_("The household is given by its id."))
        return cls(
            area=area,
            rule=clean_text(params.get("rule"), "rule", max_length=100),
            severity=severity,
            household=household,
            state=state,
        )


def findings_for(*, actor, filters: FindingFilters) -> QuerySet:
    """Findings in the actor's view scope matching ``filters``, with their household, ordered by
    area, household, rule and member.

    Raises Http404 when ``filters.area`` lies outside the view scope (like the area itself) and
    PermissionDenied for a user with no role at all, who has no list to see.
    """
    if filters.area and not may(actor, Action.VIEW, filters.area.ljust(12, "0")):
        raise Http404
    if not actor.is_superuser and not prefixes_for(actor, Action.VIEW):
        raise PermissionDenied
    findings = QualityFinding.objects.visible_to(actor, Action.VIEW)
    if filters.area:
        findings = findings.filter(area_code__startswith=filters.area)
    if filters.rule:
        findings = findings.filter(rule=filters.rule)
    if filters.severity:
        findings = findings.filter(severity=filters.severity)
    if filters.household is not None:
        findings = findings.filter(household_id=filters.household)
    if filters.state == "open":
        findings = findings.filter(resolved_at__isnull=True)
    elif filters.state == "resolved":
        findings = findings.filter(resolved_at__isnull=False)
    return findings.select_related("household").order_by(
        "area_code", "household__household_no", "rule", "member_position", "id"
    )


def finding_for_confirmation(*, actor, finding_id: int, lock: bool = False) -> QualityFinding:
    """The finding, if the actor views it (Http404 otherwise) and may capture in its village
    (PermissionDenied otherwise); locked for update when ``lock``."""
    findings = QualityFinding.objects.visible_to(actor, Action.VIEW).select_related("household")
    if lock:
        findings = findings.select_for_update(of=("self",))
    finding = findings.filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    if not may(actor, Action.CAPTURE, finding.area_code):
        raise PermissionDenied
    return finding


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def confirm_finding(*, actor, finding_id: int, note: str) -> QualityFinding:
    """Store the clerk's confirming note on an open warning and record the change.

    Refuses (ServiceError, nothing written) an empty or overlong note and a finding that is an
    error (errors are corrected, not confirmed); a finding resolved meanwhile is a Conflict.
    """
    finding = finding_for_confirmation(actor=actor, finding_id=finding_id, lock=True)
    if finding.severity != WARNING:
        raise ServiceError(
            _("Only a warning can be confirmed with a note; an error must be corrected in the form."),
            code="not_a_warning",
        )
    if finding.resolved_at is not None:
        raise Conflict(_("This finding was resolved in the meantime; there is nothing to confirm."), code="resolved")
    text = (note or "").strip()
    if not text:
        raise ServiceError(
            _("Write a note that explains why the data is right despite the warning."),
            code="note_required",
            field="note",
        )
    if len(text) > NOTE_MAX_LENGTH:
        raise ServiceError(
            _("The note can be at most %(count)s characters long.") % {"count": NOTE_MAX_LENGTH},
            code="note_too_long",
            field="note",
        )
    if text == finding.note:
        return finding
    before = finding.note
    finding.note = text
    finding.save(update_fields=["note"])
    record_change(
        actor=actor,
        obj=finding,
        action=ChangeAction.UPDATE,
        area_code=finding.area_code,
        before={"note": before, "household": finding.household.household_no, "rule": finding.rule},
        after={"note": text, "household": finding.household.household_no, "rule": finding.rule},
    )
    return finding


@transaction.atomic
def start_quality_scan(*, actor, area_code: str) -> Job:
    """Create the job that re-runs every rule over the households under the area, and queue its
    task once the transaction commits. The start is recorded in the audit trail.

    Needs view scope on the area (Http404 otherwise) and capture, review or approve there
    (PermissionDenied otherwise).
    """
    from households.quality_tasks import run_quality_scan  # the task module imports this one

    area = worklist_area(actor=actor, area_code=area_code)
    if not may_start_scan(actor, area.code):
        raise PermissionDenied
    job = create_job(
        kind=SCAN_KIND,
        area_code=area.code,
        actor=actor,
        params={
            "prefix": area.prefix,
            "area_name": area.name,
            "next_url": reverse("households:worklist", kwargs={"code": area.code}),
        },
        task=run_quality_scan,
    )
    record_change(
        actor=actor,
        obj=job,
        action=ChangeAction.CREATE,
        area_code=area.code,
        after={"kind": SCAN_KIND, "area": area.code},
    )
    return job


# --- the area-wide check (runs in a worker) ------------------------------------------------------


@dataclass
class ScanResult:
    households: int = 0
    changed: int = 0
    added: int = 0
    resolved: int = 0
    skipped: int = 0  # saved by someone while the check ran: that save ran the rules itself


def _differs(household: Household, findings: list[Finding], open_keys: set[str]) -> bool:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    return (
        {finding_key(f) for f in findings} != open_keys
        or household.quality_errors != errors
        or household.quality_warnings != warnings
    )


def _write_changes(candidates: list[tuple[Household, list[Finding]]], result: ScanResult) -> None:
    """Store the findings of the households whose stored findings differ, under a row lock.

    The lock orders this write with a concurrent save of the same household (which takes the row
    by its version update) and with a second check of an overlapping area: a household saved
    since it was read is skipped, and the open findings are read again after the lock, so a
    finding is never added twice.
    """
    with transaction.atomic():
        versions = dict(
            Household.objects.select_for_update()
            .filter(pk__in=[household.pk for household, _findings in candidates])
            .order_by("pk")  # one lock order for every writer: two overlapping checks cannot deadlock
            .values_list("pk", "version")
        )
        open_keys: dict[int, set[str]] = {}
        for row in QualityFinding.objects.open().filter(household_id__in=list(versions)):
            open_keys.setdefault(row.household_id, set()).add(finding_key(row))
        for household, findings in candidates:
            if versions.get(household.pk) != household.version:
                result.skipped += 1
                continue
            stored = open_keys.get(household.pk, set())
            if not _differs(household, findings, stored):
                continue
            current = {finding_key(f) for f in findings}
            result.added += len(current - stored)
            result.resolved += len(stored - current)
            result.changed += 1
            store_findings(household, findings, {})


def rescan_area(
    *, prefix: str, progress: Callable[[int, int], None] | None = None, chunk_size: int = CHUNK_SIZE
) -> ScanResult:
    """Re-run every rule over every household whose village code starts with ``prefix``, resolving
    findings that no longer hold and adding new ones; confirming notes stay with warnings that
    persist. Idempotent: a second run over unchanged data writes nothing.

    Households are read in chunks by key, with their active members and open findings prefetched
    (three queries a chunk); only households whose findings changed are written. Authorization
    happened when the job was created: this runs as the job, not as a user.
    """
    households = Household.objects.in_area(prefix).order_by("pk")
    total = households.count()
    if progress:
        progress(0, total)
    result = ScanResult()
    contexts: dict[tuple, RuleContext] = {}
    last_pk = 0
    while True:
        chunk = list(
            households.filter(pk__gt=last_pk)
            .select_related("village")
            .prefetch_related(
                Prefetch("members", queryset=Member.objects.filter(is_active=True), to_attr="active_members"),
                Prefetch("findings", queryset=QualityFinding.objects.open(), to_attr="open_findings"),
            )[:chunk_size]
        )
        if not chunk:
            break
        candidates = []
        shared: dict = {}
        prefetch(chunk, shared)  # what other apps' rules read (measures), for the whole chunk at once
        for context in contexts.values():
            context.extra = shared
        for household in chunk:
            # the poverty line depends on the year, the standard and the village: one lookup per
            # village, year and standard, not one per household
            key = (household.survey_year, household.identification_standard, household.village_id)
            if key not in contexts:
                contexts[key] = rule_context(household, household.village)
                contexts[key].extra = shared
            findings = evaluate(household, household.active_members, contexts[key])
            if _differs(household, findings, {finding_key(f) for f in household.open_findings}):
                candidates.append((household, findings))
        if candidates:
            _write_changes(candidates, result)
        result.households += len(chunk)
        last_pk = chunk[-1].pk
        if progress:
            progress(result.households, max(total, result.households))
    return result


def run_scan_job(job: Job) -> dict:
    """The handler of a quality_scan job (core.jobs.run_job): the check over the job's area,
    progress written to the job row; returns the counts stored as the job's result."""
    prefix = job.params.get("prefix") or Area.objects.get(code=job.area_code).prefix

    def progress(done: int, total: int) -> None:
        report_progress(job, done, total)

    started = time.monotonic()
    result = rescan_area(prefix=prefix, progress=progress)
    return {**asdict(result), "seconds": round(time.monotonic() - started, 2)}
