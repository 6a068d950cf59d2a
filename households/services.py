"""Every change to households and members: create, update (with a version check), submit for
review, reveal an ID number. Plain functions taking the acting user; each checks role and scope,
runs in one transaction and writes the audit trail (DESIGN.md, "Layout")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import diff, record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction, ObjectChange
from households.choices import CAUSES, EntryState, IdType, Relation
from households.holds import held_message, holds_of, identity_changed
from households.idnumbers import check_id_number, mask_id_number
from households.income import compute_income
from households.lines import poverty_line_for
from households.models import (
    EXCLUSION_FIELDS,
    INCOME_FIELDS,
    CauseCode,
    Household,
    HouseholdCounter,
    Member,
    QualityFinding,
)
from households.quality import ERROR, WARNING, Finding, RuleContext, evaluate

__all__ = [
    "HOUSEHOLD_INPUT_FIELDS",
    "HouseholdInvalid",
    "MASKED_MEMBER_FIELDS",
    "MEMBER_INPUT_FIELDS",
    "SaveResult",
    "describe_duplicate",
    "finding_key",
    "reveal_id_number",
    "rule_context",
    "run_quality_rules",
    "store_findings",
    "save_household",
]

#: household fields a form, a workbook or the API may set
HOUSEHOLD_INPUT_FIELDS = [
    "phone", "bank_name", "bank_account", "identification_standard", "poverty_attribute",
    "is_military_martyr_family", "is_single_child_family", "is_two_daughter_family",
    "main_cause", "other_causes", "cause_note", *INCOME_FIELDS,
    "cultivated_land_mu", "irrigated_land_mu", "forest_land_mu", "grain_to_green_mu", "orchard_mu", "pasture_mu",
    "water_surface_mu", "has_production_power", "joined_cooperative", "led_by_enterprise", "led_by_entrepreneur",
    "has_household_power", "has_radio_tv", "distance_to_main_road_km", "access_road_type", "housing_area_m2",
    "housing_safety", "drinking_water_difficult", "drinking_water_safe", "main_fuel", "has_sanitary_toilet",
    "has_enough_food", "has_seasonal_clothing", "is_relocated", "relocation_mode", "resettlement_type",
    "resettlement_place", *EXCLUSION_FIELDS,
]  # fmt: skip

#: member fields a form, a workbook or the API may set
MEMBER_INPUT_FIELDS = [
    "name", "gender", "id_type", "id_number", "relation", "ethnicity", "political_status", "education",
    "school_status", "health", "disability_cert_no", "labor_skill", "work_status", "work_months",
    "is_active_soldier", "has_medical_insurance", "has_critical_illness_insurance", "has_resident_pension",
    "has_employee_pension", "receives_dibao", "receives_tekun",
]  # fmt: skip

SNAPSHOT_MEMBER_FIELDS = [
    "id",
    "position",
    "is_active",
    *MEMBER_INPUT_FIELDS,
    "birth_date",
    "change_reason",
    "changed_on",
]


class HouseholdInvalid(ServiceError):
    """The input cannot be stored: ``errors`` by household field, ``member_errors`` by member row
    (0-based index of the input) and field."""

    def __init__(self, errors: dict[str, list[str]], member_errors: dict[int, dict[str, list[str]]]):
        count = sum(len(v) for v in errors.values()) + sum(
            len(v) for row in member_errors.values() for v in row.values()
        )
        super().__init__(
            _("The form has %(count)s errors; nothing was saved.") % {"count": count},
            code="invalid",
            details={"fields": errors, "members": {str(k): v for k, v in member_errors.items()}},
        )
        self.errors = errors
        self.member_errors = member_errors


@dataclass
class SaveResult:
    household: Household
    findings: list[Finding] = field(default_factory=list)
    created: bool = False
    submitted: bool = False
    #: the form had been submitted for review and this change sent it back to draft
    reopened: bool = False


def finding_key(finding) -> str:
    """A stable name for a finding, under which the clerk's confirming note is sent."""
    position = "" if finding.member_position is None else str(finding.member_position)
    return f"{finding.rule}:{finding.field}:{position}"


def _today() -> datetime.date:
    return timezone.localdate()


def _valid_causes(village_code: str) -> set[str]:
    province = village_code[:2].ljust(12, "0")
    codes = set(CauseCode.objects.filter(province__isnull=True).values_list("code", flat=True))
    codes |= set(CauseCode.objects.filter(province_id=province).values_list("code", flat=True))
    return codes or {code for code, _name in CAUSES}


def describe_duplicate(actor, member: Member) -> str:
    """Where a person is already registered, in words that leak nothing outside the actor's scope:
    the household when the actor sees it; otherwise only that the number cannot be used here,
    with neither household nor area (a code would tell, number by number, where anyone lives)."""
    if may(actor, Action.VIEW, member.area_code):
        return _("This ID number is already registered in household %(number)s (%(head)s).") % {
            "number": member.household.household_no,
            "head": member.household.head_name,
        }
    return _("This ID number cannot be used here; the county office resolves it.")


def household_area(actor, *, village_code: str | None, household_id: int | None) -> tuple[Area, Household | None]:
    if household_id is not None:
        household = (
            Household.objects.visible_to(actor, Action.VIEW).select_related("village").filter(pk=household_id).first()
        )
        if household is None:
            raise Http404
        if not may(actor, Action.CAPTURE, household.village_id):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return household.village, household
    village = Area.objects.visible_to(actor, Action.VIEW).filter(code=village_code or "", level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    if not may(actor, Action.CAPTURE, village.code):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if village.is_revoked:
        raise ServiceError(
            _("%(village)s has been revoked; register the household in its successor.") % {"village": village.name}
        )
    return village, None


def _check_open_year(village_code: str) -> None:
    """A change made today belongs to this year; once the county has frozen it (年度定案), the
    register is read-only and corrections go to the open year."""
    from exits.frozen import is_frozen

    year = _today().year
    if is_frozen(village_code, year):
        raise ServiceError(
            _("%(year)s is frozen for this county; record the change in the open year.") % {"year": year},
            code="frozen_year",
        )


def check_household_fields(data: dict, village: Area, errors: dict[str, list[str]]) -> None:
    causes = _valid_causes(village.code)
    main = data.get("main_cause") or ""
    if main and main not in causes:
        errors.setdefault("main_cause", []).append(_("Unknown cause code %(code)s.") % {"code": main})
    others = data.get("other_causes") or []
    if not isinstance(others, list) or any(code not in causes for code in others):
        errors.setdefault("other_causes", []).append(_("Unknown cause code among the other causes."))
    for name in [
        *INCOME_FIELDS,
        "cultivated_land_mu",
        "irrigated_land_mu",
        "housing_area_m2",
        "distance_to_main_road_km",
    ]:
        value = data.get(name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("The amount cannot be negative."))
    if (data.get("irrigated_land_mu") or 0) > (data.get("cultivated_land_mu") or 0):
        errors.setdefault("irrigated_land_mu", []).append(_("Irrigated land cannot exceed cultivated land."))
    if data.get("is_relocated") and not data.get("relocation_mode"):
        errors.setdefault("relocation_mode", []).append(_("Choose how the household was relocated."))


def group_for(village: Area, group_code: str | None, errors: dict) -> Area | None:
    if not group_code:
        return None
    group = Area.objects.filter(code=group_code, parent_id=village.code, level=Level.GROUP, is_revoked=False).first()
    if group is None:
        errors.setdefault("village_group", []).append(
            _("This group is not a group of %(village)s.") % {"village": village.name}
        )
    return group


def _build_members(
    actor, household: Household | None, rows: list[dict], village: Area, member_errors: dict[int, dict[str, list[str]]]
) -> tuple[list[Member], list[Member]]:
    """Unsaved Member objects from the input rows (existing ones updated in memory), and the
    members the input removes. Checks ID numbers, within the household and system-wide."""
    today = _today()
    existing = {m.pk: m for m in household.members.all()} if household is not None and household.pk else {}
    kept: list[Member] = []
    removed: list[Member] = []
    numbers: dict[str, int] = {}
    for index, row in enumerate(rows):
        errors: dict[str, list[str]] = {}
        member_id = row.get("id")
        if member_id:
            member = existing.get(int(member_id))
            if member is None:
                errors.setdefault("id", []).append(_("This member does not belong to the household."))
                member_errors[index] = errors
                continue
        else:
            member = Member(household=household, area_code=village.code)
        if row.get("remove"):
            if member.pk is None:
                continue  # a row added and removed before saving
            if not row.get("change_reason"):
                errors.setdefault("change_reason", []).append(_("Give the reason the member left the household."))
            else:
                member.is_active = False
                member.change_reason = row["change_reason"]
                member.changed_on = row.get("changed_on") or today
                removed.append(member)
            if errors:
                member_errors[index] = errors
            continue
        for name in MEMBER_INPUT_FIELDS:
            if name in row and not _masked_unchanged(member, name, row[name]):
                setattr(member, name, row[name] if row[name] is not None else getattr(member, name))
        if not (member.name or "").strip():
            errors.setdefault("name", []).append(_("Enter the name."))
        member.name = (member.name or "").strip()
        if member.pk is None and row.get("change_reason"):
            member.change_reason = row["change_reason"]
            member.changed_on = today
        check_member_id(member, row, errors)
        if member.id_number:
            if member.id_number in numbers:
                errors.setdefault("id_number", []).append(
                    _("The same ID number as member %(position)s.") % {"position": numbers[member.id_number] + 1}
                )
            numbers.setdefault(member.id_number, index)
        if errors:
            member_errors[index] = errors
        kept.append(member)
    # members of the household that the input does not mention stay as they are
    mentioned = {int(row["id"]) for row in rows if row.get("id")}
    untouched = [m for pk, m in existing.items() if pk not in mentioned and m.is_active]
    for position, member in enumerate([*kept, *untouched], start=1):
        member.position = position
    if not member_errors:
        _check_duplicates(actor, household, kept, rows, member_errors)
    return [*kept, *untouched], removed


#: member fields that forms and the API show masked: the masked value sent back means "unchanged"
MASKED_MEMBER_FIELDS = ("id_number", "disability_cert_no")


def _masked_unchanged(member: Member, name: str, value: Any) -> bool:
    """Whether ``value`` is the masked form of the stored number, sent back as it was shown (the
    edit form and the API never show the full number). A mask has asterisks, so it is never a
    number a person typed: it keeps the stored number instead of replacing it with the mask."""
    if name not in MASKED_MEMBER_FIELDS or member.pk is None or not value:
        return False
    stored = getattr(member, name) or ""
    return bool(stored) and value == mask_id_number(stored)


def check_member_id(member: Member, row: dict, errors: dict[str, list[str]]) -> None:
    raw = (member.id_number or "").strip()
    if member.id_type == IdType.DISABILITY_CERT:
        # a disability certificate number is the holder's resident ID number and two digits
        check = check_id_number(raw[:18])
        if len(raw) != 20 or not raw[18:].isdigit() or not check.is_valid:
            errors.setdefault("id_number", []).append(
                _("A disability certificate number is the 18-character ID number followed by 2 digits.")
            )
            return
        member.id_number = check.number + raw[18:]
    else:
        check = check_id_number(raw)
        if not check.is_valid:
            errors.setdefault("id_number", []).extend(check.errors)
            return
        if check.converted_from_15 and not row.get("confirm_conversion"):
            errors.setdefault("id_number", []).append(
                _("An old 15-digit number becomes %(number)s. Check it against the card and confirm the conversion.")
                % {"number": check.number}
            )
            return
        member.id_number = check.number
    member.birth_date = check.birth_date
    if not member.gender or member.gender == "9":
        member.gender = check.gender
    elif member.gender != check.gender:
        errors.setdefault("gender", []).append(_("The gender does not agree with the ID number."))


def _check_duplicates(
    actor, household: Household | None, members: list[Member], rows: list[dict], member_errors: dict
) -> None:
    numbers = {m.id_number: index for index, m in enumerate(members) if m.id_number and m.is_active}
    if not numbers:
        return
    others = Member.objects.active().filter(id_number__in=numbers).select_related("household")
    if household is not None and household.pk:
        others = others.exclude(household=household)
    for other in others:
        index = numbers[other.id_number]
        member_errors.setdefault(index, {}).setdefault("id_number", []).append(describe_duplicate(actor, other))


def _snapshot_household(household: Household) -> dict[str, Any]:
    data = snapshot(household, ["village", "village_group", "status", "entry_state", *HOUSEHOLD_INPUT_FIELDS])
    data["members"] = [snapshot(m, SNAPSHOT_MEMBER_FIELDS) for m in household.members.order_by("position", "id")]
    return data


def _next_household_no(village: Area) -> str:
    """Village code + a 4-digit sequence, never reused: the counter row is updated in place, which
    serialises concurrent registrations in one village."""
    HouseholdCounter.objects.get_or_create(village=village)
    HouseholdCounter.objects.filter(village=village).update(last_number=F("last_number") + 1)
    number = HouseholdCounter.objects.get(village=village).last_number
    if number > 9999:
        raise ServiceError(_("The village has used all 9,999 household numbers."))
    return f"{village.code}{number:04d}"


def _conflict_message(household: Household, expected_version: int) -> str:
    """Who changed the household since the form was opened, and which parts."""
    change = (
        ObjectChange.objects.filter(content_type__model="household", object_pk=str(household.pk))
        .order_by("-time", "-id")
        .first()
    )
    if change is None:
        return _("Someone else saved this household first. Your entries are kept below; reload to see the new version.")
    labels = []
    for key in change.after or {}:
        if key == "members":
            labels.append(_("members"))
        else:
            try:
                labels.append(str(Household._meta.get_field(key).verbose_name))
            except Exception:  # a key that is not a field (kept in older trails)
                labels.append(key)
    return _(
        "%(user)s changed this household at %(time)s (%(fields)s) after you opened it. Your entries are kept below; "
        "compare them with the new version and save again."
    ) % {
        "user": change.actor_username,
        "time": timezone.localtime(change.time).strftime("%H:%M"),
        "fields": "、".join(labels[:6]) or "—",
    }


def rule_context(household: Household, village: Area) -> RuleContext:
    """What the rules need for one household: today and the poverty line of its standard and year."""
    line = poverty_line_for(household.survey_year, household.identification_standard, village.code)
    return RuleContext(today=_today(), poverty_line=line.amount if line else None)


@transaction.atomic
def save_household(
    *,
    actor,
    fields: dict[str, Any],
    members: list[dict[str, Any]],
    village_code: str | None = None,
    household_id: int | None = None,
    group_code: str | None = None,
    expected_version: int | None = None,
    submit: bool = False,
    notes: dict[str, str] | None = None,
) -> SaveResult:
    """Create a household (``village_code``) or update one (``household_id``, ``expected_version``).

    Anything that cannot be stored (a wrong ID number, a person already registered elsewhere, a
    negative amount) refuses the whole save. Data-quality errors refuse only ``submit``; warnings
    must then carry a confirming note in ``notes`` (keyed by ``finding_key``).
    """
    village, household = household_area(actor, village_code=village_code, household_id=household_id)
    _check_open_year(village.code)
    created = household is None
    if created and expected_version is not None:
        raise ServiceError(_("A new household has no version yet."))
    if not created and expected_version is None:
        raise ServiceError(_("Send the version of the household you edited."), code="version_required", field="version")
    errors: dict[str, list[str]] = {}
    member_errors: dict[int, dict[str, list[str]]] = {}
    check_household_fields(fields, village, errors)
    group = group_for(village, group_code, errors)
    if created:
        household = Household(village=village, survey_year=_today().year, created_by=actor)
    before = None if created else _snapshot_household(household)
    kept, removed = _build_members(actor, household, members, village, member_errors)
    if errors or member_errors:
        raise HouseholdInvalid(errors, member_errors)
    if not created:
        _check_not_held(household, before, kept)

    for name in HOUSEHOLD_INPUT_FIELDS:
        if name in fields:
            setattr(household, name, fields[name])
    household.village_group = group
    active = [m for m in kept if m.is_active]
    figures = compute_income({name: getattr(household, name) for name in INCOME_FIELDS}, len(active))
    household.household_size = figures.household_size
    household.net_income = figures.net_income
    household.net_income_per_capita = figures.net_income_per_capita
    head = next((m for m in active if m.relation == Relation.HEAD), None)
    household.head_name = head.name if head else ""
    findings = evaluate(household, active, rule_context(household, village))

    if submit:
        _check_submission(household, findings, notes or {})
        household.entry_state = EntryState.SUBMITTED
    household.updated_by = actor
    household.updated_at = timezone.now()

    if created:
        household.household_no = _next_household_no(village)
        household.save(force_insert=True)
    else:
        # compare-and-set: exactly one of two concurrent saves of the same version wins
        won = Household.objects.filter(pk=household.pk, version=expected_version).update(version=expected_version + 1)
        if not won:
            raise Conflict(_conflict_message(household, expected_version), code="stale")
        household.version = expected_version + 1
        household.save()
    try:
        with transaction.atomic():
            for member in [*removed, *kept]:
                member.household = household
                member.area_code = village.code
                member.save()
    except IntegrityError as exc:  # a concurrent save registered the same person a moment ago
        raise ServiceError(
            _("An ID number was registered elsewhere a moment ago; check the members and save again."),
            code="duplicate_id",
        ) from exc
    store_findings(household, findings, notes or {})
    after = _snapshot_household(household)
    reopened = False
    if not created and not submit and before["entry_state"] == EntryState.SUBMITTED and diff(before, after) != ({}, {}):
        # A submitted form awaits review (the procedures take it as it stands): a change, whoever
        # makes it and whatever the household's status, sends it back to draft, so it is checked
        # and submitted again. The audit row below carries the step back with the change.
        Household.objects.filter(pk=household.pk).update(entry_state=EntryState.DRAFT)
        household.entry_state = after["entry_state"] = EntryState.DRAFT
        reopened = True
    record_change(
        actor=actor,
        obj=household,
        action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
        area_code=village.code,
        before=before,
        after=after,
    )
    return SaveResult(household=household, findings=findings, created=created, submitted=submit, reopened=reopened)


def _check_not_held(household: Household, before: dict[str, Any], members: list[Member]) -> None:
    """Refuse to change who belongs to a household while a procedure holds it (households.holds):
    its case stands on the household as verified at home, signed and publicized."""
    if not identity_changed(before["members"], members):
        return
    procedure = holds_of([household.pk]).get(household.pk)
    if procedure:
        raise ServiceError(held_message(procedure), code="held_by_procedure", field="members")


def _check_submission(household: Household, findings: list[Finding], notes: dict[str, str]) -> None:
    blocking = [f for f in findings if f.severity == ERROR]
    stored = {}
    if household.pk:
        stored = {
            finding_key(f): f.note
            for f in QualityFinding.objects.filter(
                household=household, severity=WARNING, resolved_at__isnull=True
            ).exclude(note="")
        }
    unconfirmed = [
        f
        for f in findings
        if f.severity == WARNING and not (notes.get(finding_key(f)) or stored.get(finding_key(f)) or "").strip()
    ]
    if blocking or unconfirmed:
        raise ServiceError(
            _("It cannot be submitted yet: %(errors)s errors to correct, %(warnings)s warnings to confirm with a note.")
            % {"errors": len(blocking), "warnings": len(unconfirmed)},
            code="not_submittable",
            details={
                "errors": [
                    {
                        "key": finding_key(f),
                        "rule": f.rule,
                        "field": f.field,
                        "member": f.member_position,
                        "message": f.message,
                    }
                    for f in blocking
                ],
                "warnings": [
                    {
                        "key": finding_key(f),
                        "rule": f.rule,
                        "field": f.field,
                        "member": f.member_position,
                        "message": f.message,
                    }
                    for f in unconfirmed
                ],
            },
        )


def store_findings(household: Household, findings: list[Finding], notes: dict[str, str]) -> None:
    """Keep the open findings in step with the data: new ones are added, those no longer found are
    resolved, and confirming notes stay with warnings that persist."""
    now = timezone.now()
    current = {finding_key(f): f for f in findings}
    open_rows = {
        finding_key(row): row for row in QualityFinding.objects.filter(household=household, resolved_at__isnull=True)
    }
    for key, row in open_rows.items():
        if key not in current:
            row.resolved_at = now
            row.save(update_fields=["resolved_at"])
        else:
            changed = []
            if notes.get(key) and notes[key].strip() != row.note:
                row.note = notes[key].strip()
                changed.append("note")
            message = current[key].message[:300]
            if message != row.message:  # the same finding with new figures (an income that changed)
                row.message = message
                changed.append("message")
            if changed:
                row.save(update_fields=changed)
    QualityFinding.objects.bulk_create(
        QualityFinding(
            household=household,
            area_code=household.village_id,
            rule=f.rule,
            severity=f.severity,
            field=f.field,
            member_position=f.member_position,
            message=f.message[:300],
            note=(notes.get(key) or "").strip(),
        )
        for key, f in current.items()
        if key not in open_rows
    )
    Household.objects.filter(pk=household.pk).update(
        quality_errors=sum(1 for f in findings if f.severity == ERROR),
        quality_warnings=sum(1 for f in findings if f.severity == WARNING),
    )
    household.quality_errors = sum(1 for f in findings if f.severity == ERROR)
    household.quality_warnings = sum(1 for f in findings if f.severity == WARNING)


def run_quality_rules(household: Household, members: list[Member] | None = None) -> list[Finding]:
    """Re-run every rule on a stored household and store the findings; ``members`` may be given
    when they were fetched in bulk with the household."""
    if members is None:
        members = list(household.members.filter(is_active=True))
    findings = evaluate(household, members, rule_context(household, household.village))
    store_findings(household, findings, {})
    return findings


def reveal_id_number(*, actor, member_id: int) -> str:
    """The full ID number of a member, for a role in scope that may reveal; each reveal is logged
    (who, whose, when; never the number itself)."""
    member = Member.objects.visible_to(actor, Action.VIEW).select_related("household").filter(pk=member_id).first()
    if member is None:
        raise Http404
    if not may(actor, Action.REVEAL, member.area_code):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    record_change(
        actor=actor,
        obj=member,
        action=ChangeAction.REVEAL,
        area_code=member.area_code,
        after={"id_number": mask_id_number(member.id_number), "household": member.household.household_no},
    )
    return member.id_number


# the names the other modules used before these became public
_context_for = rule_context
_store_findings = store_findings
