"""Data-quality rules (DOMAIN.md section 4.5): complete, standard, logical, reasonable.

Each rule is defined once here, with its code, severity and message, and runs on every save
(households.services) and over whole areas as a job (households.tasks). Errors block submission
for review; warnings need a confirming note. Other apps add their rules with ``@rule`` (the
assistance app adds the cause-without-measure warnings).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from households.choices import Health, HouseholdStatus, LaborSkill, PovertyAttribute, Relation
from households.idnumbers import age_on, check_id_number

__all__ = [
    "ERROR",
    "Finding",
    "PREFETCHERS",
    "RULES",
    "Rule",
    "RuleContext",
    "WARNING",
    "evaluate",
    "prefetch",
    "prefetcher",
    "rule",
]

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    field: str = ""
    member_position: int | None = None

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.rule, self.field, self.member_position)


@dataclass
class RuleContext:
    """What rules may need beyond the household itself, looked up once per run."""

    today: datetime.date
    poverty_line: Decimal | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    check: Callable


RULES: dict[str, Rule] = {}
#: functions (households, extra) that read in one query what rules would otherwise read per
#: household, for checks over many households at once (households.worklist)
PREFETCHERS: list[Callable] = []


def prefetcher(function: Callable) -> Callable:
    PREFETCHERS.append(function)
    return function


def prefetch(households: list, extra: dict) -> None:
    """Fill ``extra`` (shared by the contexts of one batch) for every registered rule's needs."""
    for function in PREFETCHERS:
        function(households, extra)


def rule(code: str, severity: str, title):
    """Register a rule: a function (household, members, context) yielding Findings."""

    def register(check: Callable) -> Callable:
        RULES[code] = Rule(code, severity, title, check)
        return check

    return register


def evaluate(household, members: list, context: RuleContext) -> list[Finding]:
    """Every finding of every rule for one household and its active members."""
    active = [member for member in members if member.is_active]
    findings: list[Finding] = []
    for registered in RULES.values():
        findings.extend(registered.check(household, active, context) or ())
    return findings


def _finding(code: str, message, *, field: str = "", member=None) -> Finding:
    registered = RULES[code]
    return Finding(code, registered.severity, str(message), field, getattr(member, "position", None))


def _age(member, today: datetime.date) -> int | None:
    return age_on(member.birth_date, today) if member.birth_date else None


# --- errors -------------------------------------------------------------------------------------


@rule("head_count", ERROR, _("Exactly one head of household"))
def _head_count(household, members, context) -> Iterable[Finding]:
    heads = [m for m in members if m.relation == Relation.HEAD]
    if not members:
        yield _finding("head_count", _("The household has no members."), field="members")
    elif len(heads) == 0:
        yield _finding("head_count", _("No member is the head of household (relation 01)."), field="members")
    elif len(heads) > 1:
        yield _finding(
            "head_count",
            _("%(count)s members are marked as head of household; there must be one.") % {"count": len(heads)},
            field="members",
        )


@rule("id_number", ERROR, _("Valid ID numbers, unique in the household"))
def _id_numbers(household, members, context) -> Iterable[Finding]:
    seen: dict[str, int] = {}
    for member in members:
        number = member.id_number
        if member.id_type == "resident_id":
            check = check_id_number(number, today=context.today)
            if not check.is_valid:
                yield _finding("id_number", check.errors[0], field="id_number", member=member)
                continue
        if number in seen:
            yield _finding(
                "id_number",
                _("The same ID number as member %(position)s.") % {"position": seen[number]},
                field="id_number",
                member=member,
            )
        seen.setdefault(number, member.position)


@rule("id_agreement", ERROR, _("Gender and birth date agree with the ID number"))
def _id_agreement(household, members, context) -> Iterable[Finding]:
    for member in members:
        if member.id_type != "resident_id":
            continue
        check = check_id_number(member.id_number, today=context.today)
        if not check.is_valid:
            continue
        if member.gender in ("1", "2") and member.gender != check.gender:
            yield _finding(
                "id_agreement", _("The gender does not agree with the ID number."), field="gender", member=member
            )
        if member.birth_date and member.birth_date != check.birth_date:
            yield _finding(
                "id_agreement",
                _("The birth date does not agree with the ID number."),
                field="birth_date",
                member=member,
            )


@rule("main_cause", ERROR, _("Main cause of poverty given"))
def _main_cause(household, members, context) -> Iterable[Finding]:
    if not household.main_cause:
        yield _finding("main_cause", _("Choose the main cause of poverty."), field="main_cause")


@rule("other_causes", ERROR, _("At most two other causes, distinct, not the main one"))
def _other_causes(household, members, context) -> Iterable[Finding]:
    others = list(household.other_causes or [])
    if len(others) > 2:
        yield _finding("other_causes", _("At most two other causes may be given."), field="other_causes")
    if len(set(others)) != len(others):
        yield _finding("other_causes", _("The other causes repeat each other."), field="other_causes")
    if household.main_cause and household.main_cause in others:
        yield _finding("other_causes", _("An other cause repeats the main cause."), field="other_causes")


@rule("amounts", ERROR, _("Amounts and areas not negative; irrigated land within cultivated land"))
def _amounts(household, members, context) -> Iterable[Finding]:
    from households.models import INCOME_FIELDS

    for name in [*INCOME_FIELDS, "cultivated_land_mu", "irrigated_land_mu", "housing_area_m2"]:
        value = getattr(household, name)
        if value is not None and value < 0:
            yield _finding("amounts", _("The amount cannot be negative."), field=name)
    if household.irrigated_land_mu > household.cultivated_land_mu:
        yield _finding("amounts", _("Irrigated land cannot exceed cultivated land."), field="irrigated_land_mu")


@rule("work_months", ERROR, _("Months of work between 0 and 12"))
def _work_months(household, members, context) -> Iterable[Finding]:
    for member in members:
        if not 0 <= (member.work_months or 0) <= 12:
            yield _finding("work_months", _("Months of work are between 0 and 12."), field="work_months", member=member)


@rule("education_age", ERROR, _("Education and school status fit the age"))
def _education_age(household, members, context) -> Iterable[Finding]:
    for member in members:
        age = _age(member, context.today)
        if age is None:
            continue
        if member.education == "06" and age >= 7:
            yield _finding("education_age", _("学龄前儿童 only applies under age 7."), field="education", member=member)
        if member.school_status in ("03", "04", "05", "06") and not 5 <= age <= 17:
            yield _finding(
                "education_age",
                _("Primary or junior-middle school status only applies at ages 5 to 17."),
                field="school_status",
                member=member,
            )


@rule("attribute_consistency", ERROR, _("Dibao and tekun households receive their allowance"))
def _attribute(household, members, context) -> Iterable[Finding]:
    if household.poverty_attribute == PovertyAttribute.DIBAO:
        if not any(m.receives_dibao for m in members) or not household.dibao_allowance > 0:
            yield _finding(
                "attribute_consistency",
                _("A dibao household needs a member receiving dibao and a dibao allowance above 0."),
                field="poverty_attribute",
            )
    if household.poverty_attribute == PovertyAttribute.TEKUN:
        if not any(m.receives_tekun for m in members) or not household.tekun_allowance > 0:
            yield _finding(
                "attribute_consistency",
                _("A tekun household needs a member receiving tekun support and a tekun allowance above 0."),
                field="poverty_attribute",
            )


@rule("road_distance", ERROR, _("Distance to the main road given"))
def _road_distance(household, members, context) -> Iterable[Finding]:
    if household.distance_to_main_road_km is None:
        yield _finding(
            "road_distance", _("Enter the distance to the village's main road."), field="distance_to_main_road_km"
        )


# --- warnings -----------------------------------------------------------------------------------


@rule("income_above_line", WARNING, _("Income above the poverty line for a household being registered"))
def _income_above_line(household, members, context) -> Iterable[Finding]:
    if household.status == HouseholdStatus.APPLICANT and context.poverty_line is not None:
        if household.net_income_per_capita > context.poverty_line:
            yield _finding(
                "income_above_line",
                _("Per-capita net income %(income)s is above the poverty line %(line)s.")
                % {"income": household.net_income_per_capita, "line": context.poverty_line},
                field="net_income_per_capita",
            )


@rule("family_ages", WARNING, _("Plausible ages within the family"))
def _family_ages(household, members, context) -> Iterable[Finding]:
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    head_age = _age(head, context.today) if head else None
    for member in members:
        age = _age(member, context.today)
        if age is None:
            continue
        if member.relation in (Relation.SON, Relation.DAUGHTER) and head_age is not None and head_age - age < 12:
            yield _finding(
                "family_ages",
                _("A child is less than 12 years younger than the head."),
                field="birth_date",
                member=member,
            )
        if member.relation == Relation.SPOUSE and age < 20:
            yield _finding("family_ages", _("The spouse is under 20."), field="birth_date", member=member)


@rule("disability_certificate", WARNING, _("Disabled members have a certificate number"))
def _disability(household, members, context) -> Iterable[Finding]:
    for member in members:
        if member.health == Health.DISABLED and not member.disability_cert_no:
            yield _finding(
                "disability_certificate",
                _("Disabled, but no disability certificate number."),
                field="disability_cert_no",
                member=member,
            )


@rule("work_without_labour", WARNING, _("Working away only with labour capacity"))
def _work_labour(household, members, context) -> Iterable[Finding]:
    for member in members:
        if member.work_status and member.labor_skill in (LaborSkill.LOST, LaborSkill.NONE):
            yield _finding(
                "work_without_labour", _("Works away, but has no labour capacity."), field="work_status", member=member
            )


@rule("exited_without_insurance", WARNING, _("Exited households keep medical insurance"))
def _exit_insurance(household, members, context) -> Iterable[Finding]:
    if household.status == HouseholdStatus.EXITED:
        for member in members:
            if not member.has_medical_insurance:
                yield _finding(
                    "exited_without_insurance",
                    _("Exited, but this member has no basic medical insurance."),
                    field="has_medical_insurance",
                    member=member,
                )
