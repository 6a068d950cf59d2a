"""Checking and writing thousands of households at once (the Excel import) with the rules of the form.

Every rule is the form's own: services' helpers check each household's fields
(``check_household_fields``), its group (``group_for``), each member's ID number
(``check_member_id``), and the wording of a duplicate (``describe_duplicate``); quality.py's
``evaluate`` checks the household as a whole. What differs from ``save_household`` is only how
the database is used, since one query per household would take minutes for a county:

- ID numbers are looked up in batched IN queries, once for duplicates and for matching a
  registered household by its head;
- household numbers are reserved per village with one counter update for the whole import;
- households, members, findings and audit rows are inserted with ``bulk_create``.

An import refuses a household on any error the form would refuse on save, and also on any
data-quality error (two heads, no head, an other cause repeating the main one): a workbook is a
finished survey, not a draft to come back to. Warnings are stored as findings.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action
from areas.models import Area
from areas.scopes import may
from core.audit import audit_row, diff, json_value
from core.errors import Conflict, ServiceError
from core.middleware import current_request_id
from core.models import ChangeAction, ObjectChange
from households import services
from households.choices import EntryState, Relation
from households.excel import HOUSEHOLD_SHEET, MEMBER_SHEET, HouseholdRow, Problem
from households.holds import held_message, holds_of, identity_changed
from households.idnumbers import mask_id_number
from households.income import compute_income
from households.lines import poverty_line_for
from households.models import INCOME_FIELDS, Household, HouseholdCounter, Member, QualityFinding
from households.quality import ERROR, WARNING, Finding, RuleContext, evaluate
from households.services import (
    HOUSEHOLD_INPUT_FIELDS,
    MEMBER_INPUT_FIELDS,
    SNAPSHOT_MEMBER_FIELDS,
    check_household_fields,
    check_member_id,
    describe_duplicate,
    group_for,
    household_area,
)

__all__ = ["CHANGED", "NEW", "REFUSED", "UNCHANGED", "ImportSession", "Outcome", "reserve_numbers"]

NEW, CHANGED, UNCHANGED, REFUSED = "new", "changed", "unchanged", "refused"
#: rows per INSERT / UPDATE statement and values per IN list (below SQLite's parameter limits)
WRITE_BATCH = 500
IN_BATCH = 900

_HOUSEHOLD_UPDATE_FIELDS = [
    *HOUSEHOLD_INPUT_FIELDS,
    "entry_state",
    "village_group",
    "head_name",
    "household_size",
    "net_income",
    "net_income_per_capita",
    "quality_errors",
    "quality_warnings",
    "updated_at",
    "updated_by",
]
_MEMBER_UPDATE_FIELDS = [*MEMBER_INPUT_FIELDS, "birth_date", "position"]
_AUDIT_HOUSEHOLD_FIELDS = ["village", "village_group", "status", "entry_state", *HOUSEHOLD_INPUT_FIELDS]


# --- stopgap: the cause list, read once per batch -------------------------------------------------
# services.check_household_fields reads the province's cause list from the database on every call
# (two queries, about 0.6 ms): 6 s for 10,000 households, twice (check and commit). Until it takes
# the list as an argument, the list is kept for the length of one batch, in the importing thread
# only; every other caller, in any thread, still reads the database.

_original_valid_causes = services._valid_causes
_cause_cache = threading.local()
_cache_users = 0
_cache_lock = threading.Lock()


def _valid_causes_per_batch(village_code: str) -> set[str]:
    cache = getattr(_cause_cache, "lists", None)
    if cache is None:
        return _original_valid_causes(village_code)
    province = village_code[:2]
    if province not in cache:
        cache[province] = _original_valid_causes(village_code)
    return cache[province]


@contextmanager
def _cause_lists_cached() -> Iterator[None]:
    global _cache_users
    with _cache_lock:
        if _cache_users == 0:
            services._valid_causes = _valid_causes_per_batch
        _cache_users += 1
    _cause_cache.lists = {}
    try:
        yield
    finally:
        _cause_cache.lists = None
        with _cache_lock:
            _cache_users -= 1
            if _cache_users == 0:
                services._valid_causes = _original_valid_causes


# --- outcomes ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the import does with one household row, and why not when it is refused."""

    row: HouseholdRow
    action: str
    problems: list[Problem] = field(default_factory=list)
    household: Household | None = None
    members: list[Member] = field(default_factory=list)  # the active members, in file order
    others: list[Member] = field(default_factory=list)  # members who left earlier (kept for the audit)
    findings: list[Finding] = field(default_factory=list)
    before: dict[str, Any] | None = None  # the audit snapshot of a registered household
    version: int | None = None

    @property
    def plan(self) -> tuple[str, str, int | None, int | None]:
        """What the commit must find again: the row, its action, the household and its version."""
        household_id = self.household.pk if self.household is not None and self.action != NEW else None
        return (self.row.key, self.action, household_id, self.version)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == WARNING)


def _attnames(model, names: list[str]) -> list[tuple[str, str]]:
    return [(name, model._meta.get_field(name).attname) for name in names]


_HOUSEHOLD_ATTNAMES = _attnames(Household, _AUDIT_HOUSEHOLD_FIELDS)
_MEMBER_ATTNAMES = _attnames(Member, SNAPSHOT_MEMBER_FIELDS)
_PLAIN = {str, int, bool, type(None)}


def _snapshot(obj, attnames: list[tuple[str, str]]) -> dict[str, Any]:
    # core.audit.snapshot's values, with the fields looked up once per model instead of per call:
    # it runs for every household and member of an import, twice for registered ones
    data = {}
    for name, attname in attnames:
        value = getattr(obj, attname)
        data[name] = value if type(value) in _PLAIN else json_value(value)
    return data


def audit_snapshot(household: Household, members: Iterable[Member]) -> dict[str, Any]:
    """The household as the audit trail records it (the keys of save_household's records). Two
    equal snapshots mean the import leaves the household unchanged."""
    data = _snapshot(household, _HOUSEHOLD_ATTNAMES)
    ordered = sorted(members, key=lambda m: (m.position, m.pk or 0))
    data["members"] = [_snapshot(member, _MEMBER_ATTNAMES) for member in ordered]
    return data


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reserve_numbers(village_code: str, count: int) -> deque[str]:
    """``count`` new household numbers of a village in one counter update (never reused, as in
    save_household: a rolled-back import gives its numbers back with the transaction)."""
    HouseholdCounter.objects.get_or_create(village_id=village_code)
    HouseholdCounter.objects.filter(village_id=village_code).update(last_number=F("last_number") + count)
    last = HouseholdCounter.objects.get(village_id=village_code).last_number
    if last > 9999:
        raise ServiceError(_("The village has used all 9,999 household numbers."))
    return deque(f"{village_code}{number:04d}" for number in range(last - count + 1, last + 1))


class ImportSession:
    """One import's run over its households, batch by batch: what is looked up once (villages,
    groups, poverty lines) and what must hold across the whole file (ID numbers and household
    numbers seen so far). ``lock`` takes row locks on the registered households it matches (the
    commit, inside its transaction)."""

    def __init__(self, *, actor, area: Area, lock: bool = False):
        self.actor = actor
        self.area = area
        self.lock = lock
        self.today = services._today()
        self.numbers: dict[str, deque[str]] = {}
        self._villages: dict[str, tuple[Area | None, str | None]] = {}
        self._groups: dict[tuple[str, str], tuple[Area | None, dict[str, list[str]]]] = {}
        self._lines: dict[tuple, Any] = {}
        self._seen_ids: dict[str, tuple[str, int]] = {}  # ID number → (户序号, row in 成员)
        self._seen_household_nos: dict[str, int] = {}  # 户编号 → row in 户
        self._claimed: dict[int, int] = {}  # registered household → the row in 户 that updates it
        self._frozen_counties: dict[str, bool] = {}  # county prefix → this year frozen there

    # -- lookups, once per import -----------------------------------------------------------------

    def village(self, code: str) -> tuple[Area | None, str | None]:
        """The village, or why the actor cannot import into it (naming only the code)."""
        if code not in self._villages:
            try:
                village, _household = household_area(self.actor, village_code=code, household_id=None)
            except (Http404, PermissionDenied):
                # the same words whether the village exists elsewhere or not at all: nothing leaks
                self._villages[code] = (None, _("You may not enter households in area %(code)s.") % {"code": code})
            except ServiceError as exc:  # a revoked village
                self._villages[code] = (None, exc.message)
            else:
                if not code.startswith(self.area.prefix):
                    message = _("Village %(code)s is not in %(area)s, where this import was started.") % {
                        "code": code,
                        "area": self.area.name,
                    }
                    self._villages[code] = (None, message)
                else:
                    self._villages[code] = (village, None)
        return self._villages[code]

    def _frozen(self, village_code: str) -> bool:
        """Whether the village's county has frozen this year (年度定案): asked once per county."""
        from exits.frozen import is_frozen

        county = village_code[:6]
        if county not in self._frozen_counties:
            self._frozen_counties[county] = is_frozen(village_code, self.today.year)
        return self._frozen_counties[county]

    def _group(self, village: Area, code: str, errors: dict[str, list[str]]) -> Area | None:
        key = (village.code, code)
        if key not in self._groups:
            found: dict[str, list[str]] = {}
            self._groups[key] = (group_for(village, code, found), found)
        group, found = self._groups[key]
        for name, messages in found.items():
            errors.setdefault(name, []).extend(messages)
        return group

    def _context(self, household: Household) -> RuleContext:
        key = (household.survey_year, household.identification_standard, household.village_id[:4])
        if key not in self._lines:
            line = poverty_line_for(household.survey_year, household.identification_standard, household.village_id)
            self._lines[key] = line.amount if line else None
        return RuleContext(today=self.today, poverty_line=self._lines[key])

    # -- planning a batch -------------------------------------------------------------------------

    def plan(self, rows: list[HouseholdRow]) -> list[Outcome]:
        """Check a batch of household rows against the rules and the registry; decide for each
        whether it is new, changed, unchanged or refused. Writes nothing."""
        with _cause_lists_cached():
            prepared = [self._prepare_members(row) for row in rows]
            numbers = {m.id_number for members in prepared for m, errors in members if m.id_number and not errors}
            holders = self._active_holders(numbers)
            registered = self._registered(rows, prepared, holders)
            held = holds_of(h.pk for h in registered.values() if isinstance(h, Household))
            return [
                self._plan_one(row, members, holders, registered.get(row.key), held)
                for row, members in zip(rows, prepared, strict=True)
            ]

    def _prepare_members(self, row: HouseholdRow) -> list[tuple[Member, dict[str, list[str]]]]:
        prepared = []
        for index, member_row in enumerate(row.members):
            member = Member(**row.member_values(index))
            errors: dict[str, list[str]] = {}
            check_member_id(member, {}, errors)
            if member_row.birth_date is not None and not errors:
                # a birth-date column is checked against the ID number by the id_agreement rule
                member.birth_date = member_row.birth_date
            prepared.append((member, errors))
        return prepared

    def _active_holders(self, numbers: set[str]) -> dict[str, list[Member]]:
        """Active members anywhere in the registry holding one of these ID numbers."""
        holders: dict[str, list[Member]] = {}
        # only what matching and describe_duplicate read: a re-import finds every person registered
        fields = ["id_number", "relation", "area_code", "household", "household__household_no", "household__head_name"]
        for chunk in _chunks(sorted(numbers), IN_BATCH):
            found = Member.objects.active().filter(id_number__in=chunk).select_related("household").only(*fields)
            for member in found:
                holders.setdefault(member.id_number, []).append(member)
        return holders

    def _registered(self, rows, prepared, holders) -> dict[str, Household | str]:
        """Row key → the registered household it updates (by 户编号, else by its head's ID number),
        or a message when the 户编号 cannot be used."""
        found: dict[str, Household | str] = {}
        by_number = {row.household_no for row in rows if row.household_no}
        households = {}
        for chunk in _chunks(sorted(by_number), IN_BATCH):
            households.update({h.household_no: h for h in Household.objects.filter(household_no__in=chunk)})
        for row, members in zip(rows, prepared, strict=True):
            if row.household_no:
                household = households.get(row.household_no)
                if household is None or not may(self.actor, Action.CAPTURE, household.village_id):
                    found[row.key] = _("No household numbered %(number)s in your areas.") % {"number": row.household_no}
                elif household.village_id != row.village_code:
                    found[row.key] = _(
                        "Household %(number)s is registered in village %(code)s; an import does not move households."
                    ) % {"number": row.household_no, "code": household.village_id}
                else:
                    found[row.key] = household
                continue
            head = next((m for m, errors in members if m.relation == Relation.HEAD and not errors), None)
            for holder in holders.get(head.id_number, []) if head else []:
                if (
                    holder.relation == Relation.HEAD
                    and holder.area_code == row.village_code
                    and may(self.actor, Action.CAPTURE, row.village_code)
                ):
                    found[row.key] = holder.household
        for row in rows:  # one row per registered household, or the rows would overwrite each other
            household = found.get(row.key)
            if isinstance(household, Household):
                first = self._claimed.setdefault(household.pk, row.row)
                if first != row.row:
                    found[row.key] = _("Household %(number)s is already updated by row %(row)s.") % {
                        "number": household.household_no,
                        "row": first,
                    }
        # the households to update, with all their members, locked for the commit
        ids = [h.pk for h in found.values() if isinstance(h, Household)]
        loaded = {}
        for chunk in _chunks(ids, IN_BATCH):
            query = Household.objects.filter(pk__in=chunk)
            if self.lock:
                query = query.select_for_update()
            loaded.update({h.pk: h for h in query.prefetch_related("members")})
        return {key: loaded[h.pk] if isinstance(h, Household) else h for key, h in found.items()}

    def _plan_one(self, row, prepared, holders, registered, held: dict[int, str]) -> Outcome:
        problems: list[Problem] = []

        def on_household(key: str, messages: Iterable[str], code: str = "invalid") -> None:
            problems.extend(Problem(HOUSEHOLD_SHEET, row.row, key, message, code) for message in messages)

        def on_member(index: int, key: str, messages: Iterable[str], code: str = "invalid") -> None:
            problems.extend(Problem(MEMBER_SHEET, row.members[index].row, key, m, code) for m in messages)

        village, refusal = self.village(row.village_code)
        if refusal:
            on_household("village", [refusal], "out_of_scope")
        elif village is not None and self._frozen(village.code):
            on_household("village", [_("%(year)s is frozen for this county; record the change in the open year.") % {
                "year": self.today.year}], "frozen_year")  # fmt: skip
        errors: dict[str, list[str]] = {}
        group = None
        if village is not None:
            check_household_fields(row.values, village, errors)
            group = self._group(village, row.group_code, errors)
        if row.household_no:
            first = self._seen_household_nos.setdefault(row.household_no, row.row)
            if first != row.row:
                on_household("household_no", [_("户编号 %(number)s is also on row %(row)s.") % {
                    "number": row.household_no, "row": first}], "duplicate_key")  # fmt: skip
        if isinstance(registered, str):
            on_household("household_no", [registered], "unknown_household")
            registered = None

        if registered is not None:
            household = registered
            stored = list(household.members.all())
            before = audit_snapshot(household, stored)
            version = household.version
        else:
            household = Household(village_id=row.village_code, survey_year=self.today.year, created_by=self.actor)
            stored, before, version = [], None, None
        for name in HOUSEHOLD_INPUT_FIELDS:
            setattr(household, name, row.values[name])
        household.village_group = group

        current = {m.id_number: m for m in stored if m.is_active}
        members: list[Member] = []
        for index, (member, member_errors) in enumerate(prepared):
            for name, messages in member_errors.items():
                on_member(index, name, messages)
            target = current.pop(member.id_number, None) if not member_errors else None
            if target is not None:  # a registered member: the row updates it
                for name in [*MEMBER_INPUT_FIELDS, "birth_date"]:
                    setattr(target, name, getattr(member, name))
                member = target
            else:
                member.household = household if registered is not None else None
                member.area_code = row.village_code
            member.position = index + 1
            members.append(member)
            if member.id_number and not member_errors:
                self._check_duplicate(row, index, member, registered, holders, on_member)
        for missing in current.values():
            on_household(
                "members",
                [_("Member %(name)s (%(number)s) of household %(household)s is not in the workbook. Members leave a "
                   "household through its form, with the reason.") % {
                    "name": missing.name, "number": mask_id_number(missing.id_number),
                    "household": household.household_no}],
                "missing_member",
            )  # fmt: skip

        figures = compute_income({name: getattr(household, name) for name in INCOME_FIELDS}, len(members))
        household.household_size = figures.household_size
        household.net_income = figures.net_income
        household.net_income_per_capita = figures.net_income_per_capita
        head = next((m for m in members if m.relation == Relation.HEAD), None)
        household.head_name = head.name if head else ""
        for name, messages in errors.items():  # the form's own checks first, then the rules
            on_household(name, messages)
        findings = evaluate(household, members, self._context(household))
        for finding in findings:
            if finding.severity != ERROR:
                continue
            if finding.member_position is not None and 0 < finding.member_position <= len(members):
                on_member(finding.member_position - 1, finding.field or "id_number", [finding.message], finding.rule)
            else:
                on_household(finding.field or "members", [finding.message], finding.rule)

        if registered is not None and registered.pk in held and identity_changed(before["members"], members):
            # as on the form: a procedure holding the household keeps who belongs to it
            on_household("members", [held_message(held[registered.pk])], "held_by_procedure")

        if problems or row.refused:
            return Outcome(row, REFUSED, problems)
        others = [m for m in stored if not m.is_active]
        if registered is None:
            action = NEW
        else:
            action = UNCHANGED if audit_snapshot(household, [*members, *others]) == before else CHANGED
            if action == CHANGED and household.entry_state == EntryState.SUBMITTED:
                household.entry_state = EntryState.DRAFT  # as on the form: submitted again after a change
        return Outcome(row, action, problems, household, members, others, findings, before, version)

    def _check_duplicate(self, row, index, member, registered, holders, on_member) -> None:
        """A person is an active member of one household: not twice in the file, not elsewhere."""
        first = self._seen_ids.setdefault(member.id_number, (row.key, row.members[index].row))
        if first[0] != row.key:  # twice in one household is the id_number rule's to report
            on_member(
                index,
                "id_number",
                [_("The same ID number is on row %(row)s of sheet 成员.") % {"row": first[1]}],
                "duplicate_id",
            )
        for holder in holders.get(member.id_number, []):
            if registered is None or holder.household_id != registered.pk:
                on_member(index, "id_number", [describe_duplicate(self.actor, holder)], "duplicate_id")

    # -- writing a batch --------------------------------------------------------------------------

    def write(self, outcomes: list[Outcome], *, reason: str) -> None:
        """Insert the new households and update the changed ones of a planned batch, with their
        members, findings and audit rows. Call inside the commit's transaction, after ``plan`` with
        ``lock`` and after reserving numbers into ``self.numbers``."""
        now = timezone.now()
        new = [o for o in outcomes if o.action == NEW]
        changed = [o for o in outcomes if o.action == CHANGED]
        for outcome in new:
            household = outcome.household
            household.household_no = self.numbers[household.village_id].popleft()
            household.created_at = household.updated_at = now
            household.created_by = household.updated_by = self.actor
            household.quality_errors = sum(1 for f in outcome.findings if f.severity == ERROR)
            household.quality_warnings = outcome.warnings
        Household.objects.bulk_create([o.household for o in new], batch_size=WRITE_BATCH)

        for outcome in changed:
            # compare-and-set, as save_household: a household edited since the check stops the import
            household = outcome.household
            won = Household.objects.filter(pk=household.pk, version=outcome.version).update(version=F("version") + 1)
            if not won:
                raise Conflict(
                    _("Household %(number)s was changed by someone else during the import; check the file again.")
                    % {"number": household.household_no},
                    code="stale",
                )
            household.version = outcome.version + 1
            household.updated_at, household.updated_by = now, self.actor
        if changed:
            Household.objects.bulk_update([o.household for o in changed], _HOUSEHOLD_UPDATE_FIELDS, WRITE_BATCH)

        inserted, updated = [], []
        for outcome in [*new, *changed]:
            for member in outcome.members:
                if member.pk is None:
                    member.household = outcome.household
                    member.area_code = outcome.household.village_id
                    inserted.append(member)
                else:
                    updated.append(member)
        Member.objects.bulk_create(inserted, batch_size=WRITE_BATCH)
        if updated:
            Member.objects.bulk_update(updated, _MEMBER_UPDATE_FIELDS, WRITE_BATCH)

        # new households have no findings yet; changed ones keep theirs in step as on the form
        QualityFinding.objects.bulk_create(
            [
                QualityFinding(
                    household=o.household,
                    area_code=o.household.village_id,
                    rule=f.rule,
                    severity=f.severity,
                    field=f.field,
                    member_position=f.member_position,
                    message=f.message[:300],
                )
                for o in new
                for f in o.findings
            ],
            batch_size=WRITE_BATCH,
        )
        for outcome in changed:
            services.store_findings(outcome.household, outcome.findings, {})

        content_type = ContentType.objects.get_for_model(Household)
        request_id = current_request_id()
        rows = []
        for outcome in [*new, *changed]:
            household = outcome.household
            after = audit_snapshot(household, [*outcome.members, *outcome.others])
            before = outcome.before
            if before is not None:
                before, after = diff(before, after)
            rows.append(
                audit_row(
                    actor=self.actor,
                    request_id=request_id,
                    action=ChangeAction.IMPORT,
                    content_type=content_type,
                    object_pk=str(household.pk),
                    object_repr=str(household),
                    area_code=household.village_id,
                    before=before,
                    after=after,
                    reason=reason,
                )
            )
        ObjectChange.objects.bulk_create(rows, batch_size=WRITE_BATCH)
