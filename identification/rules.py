"""A county's own identification rules and score card (DOMAIN.md 7.1-7.3).

Rows without a county are the defaults (seeded by migration 0002); a county officer adds rows of
their own. A county row with the same kind and key as a default replaces the default in that
county (identification.services._rules applies them), so "deactivating a default" stores a
deactivated county copy of it. Every change is audited; county officers only (``approve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change, snapshot
from core.errors import ServiceError
from core.models import ChangeAction
from households.models import Household
from identification.choices import RuleKind
from identification.models import IdentificationRule, ScoreCard
from identification.scoring import DEFAULT_WEIGHTS

__all__ = [
    "RuleRow",
    "household_flag_choices",
    "rules_for_county",
    "save_county_rule",
    "set_county_rule_active",
    "set_score_card",
]

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_RULE_FIELDS = ["label", "household_field", "is_active", "position"]


@dataclass(frozen=True)
class RuleRow:
    """One rule as a county sees it: the row in force, and whether it is the county's own."""

    rule: IdentificationRule
    is_own: bool
    replaces_default: bool

    @property
    def is_active(self) -> bool:
        return self.rule.is_active


def household_flag_choices() -> list[tuple[str, str]]:
    """The yes/no facts of the household form a rule may point at (the exclusion flags first)."""
    flags = [
        (field.name, str(field.verbose_name))
        for field in Household._meta.get_fields()
        if isinstance(field, models.BooleanField) and field.editable
    ]
    return sorted(flags, key=lambda item: (not item[0].startswith("excl_"), item[0]))


def rules_for_county(county_code: str) -> dict[str, list[RuleRow]]:
    """Every rule of each kind for the county: the defaults, each replaced by the county's own
    row of the same key when there is one, then the county's additions (one query)."""
    rows = IdentificationRule.objects.filter(Q(county__isnull=True) | Q(county_id=county_code)).order_by(
        "kind", "position", "key", "county_id"
    )
    defaults: dict[tuple[str, str], IdentificationRule] = {}
    own: dict[tuple[str, str], IdentificationRule] = {}
    for rule in rows:
        (own if rule.county_id else defaults)[(rule.kind, rule.key)] = rule
    result: dict[str, list[RuleRow]] = {kind: [] for kind in RuleKind.values}
    for key, rule in defaults.items():
        mine = own.get(key)
        result[key[0]].append(RuleRow(rule=mine or rule, is_own=mine is not None, replaces_default=mine is not None))
    for key, rule in own.items():
        if key not in defaults:
            result[key[0]].append(RuleRow(rule=rule, is_own=True, replaces_default=False))
    for rows_of_kind in result.values():
        rows_of_kind.sort(key=lambda row: (row.rule.position, row.rule.key))
    return result


def _county(actor, county_code: str) -> Area:
    county = Area.objects.visible_to(actor, Action.VIEW).filter(code=county_code).first()
    if county is None:
        raise Http404
    if not may(actor, Action.APPROVE, county.code):
        raise PermissionDenied
    if county.level != Level.COUNTY:
        raise ServiceError(_("Rules are set for a county."), field="county")
    return county


def _check_kind(kind: str) -> None:
    if kind not in RuleKind.values:
        raise ServiceError(_("Unknown kind of rule."), field="kind")


@transaction.atomic
def save_county_rule(
    *,
    actor,
    county_code: str,
    kind: str,
    key: str,
    label: str,
    household_field: str = "",
    is_active: bool = True,
) -> IdentificationRule:
    """Add a rule of the county or change its own one. With the key of a default rule it replaces
    that default in the county. An exclusion needs the household fact it checks."""
    county = _county(actor, county_code)
    _check_kind(kind)
    key, label, household_field = key.strip(), label.strip(), household_field.strip()
    if not _KEY.match(key):
        raise ServiceError(
            _("The key is 2 to 60 lower-case letters, digits or underscores, starting with a letter."),
            field="key",
            code="bad_key",
        )
    if not label:
        raise ServiceError(_("Write the rule as people will read it."), field="label", code="required")
    if household_field and household_field not in dict(household_flag_choices()):
        raise ServiceError(_("Choose a yes/no fact of the household form."), field="household_field", code="bad_field")
    if kind == RuleKind.EXCLUSION and not household_field:
        raise ServiceError(
            _("An exclusion rule names the fact of the household form it checks."),
            field="household_field",
            code="required",
        )
    rule = IdentificationRule.objects.select_for_update().filter(kind=kind, county=county, key=key).first()
    if rule is None:
        default = IdentificationRule.objects.filter(kind=kind, county__isnull=True, key=key).first()
        position = (
            default.position
            if default
            else (IdentificationRule.objects.filter(kind=kind).aggregate(top=models.Max("position"))["top"] or 0) + 1
        )
        rule = IdentificationRule.objects.create(
            kind=kind,
            county=county,
            key=key,
            label=label,
            household_field=household_field,
            is_active=is_active,
            position=position,
        )
        record_change(
            actor=actor,
            obj=rule,
            action=ChangeAction.CREATE,
            area_code=county.code,
            after=snapshot(rule, ["kind", "key", *_RULE_FIELDS]),
        )
        return rule
    before = snapshot(rule, _RULE_FIELDS)
    rule.label, rule.household_field, rule.is_active = label, household_field, is_active
    rule.save(update_fields=["label", "household_field", "is_active"])
    record_change(
        actor=actor,
        obj=rule,
        action=ChangeAction.UPDATE,
        area_code=county.code,
        before=before,
        after=snapshot(rule, _RULE_FIELDS),
    )
    return rule


@transaction.atomic
def set_county_rule_active(*, actor, county_code: str, kind: str, key: str, active: bool) -> IdentificationRule:
    """Switch a rule off (or on again) in the county. A default is switched off by a county copy
    of it that is inactive; the default itself stays as it is for the other counties."""
    county = _county(actor, county_code)
    _check_kind(kind)
    rule = IdentificationRule.objects.select_for_update().filter(kind=kind, county=county, key=key).first()
    if rule is None:
        default = IdentificationRule.objects.filter(kind=kind, county__isnull=True, key=key).first()
        if default is None:
            raise Http404
        if default.is_active == active:
            return default
        rule = IdentificationRule.objects.create(
            kind=kind,
            county=county,
            key=key,
            label=default.label,
            household_field=default.household_field,
            is_active=active,
            position=default.position,
        )
        record_change(
            actor=actor,
            obj=rule,
            action=ChangeAction.CREATE,
            area_code=county.code,
            after=snapshot(rule, ["kind", "key", *_RULE_FIELDS]),
        )
        return rule
    if rule.is_active == active:
        return rule
    rule.is_active = active
    rule.save(update_fields=["is_active"])
    record_change(
        actor=actor,
        obj=rule,
        action=ChangeAction.UPDATE,
        area_code=county.code,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return rule


_WEIGHT_LIMIT = Decimal("100")


@transaction.atomic
def set_score_card(*, actor, county_code: str, weights: dict[str, Decimal]) -> ScoreCard:
    """Set the county's weights of the score card (四看). Each weight is between 0 and 100 and
    together they make 100, so a score reads as points out of 100. Applications filed from now
    on are scored with them; scores already given stay as they were."""
    county = _county(actor, county_code)
    if set(weights) != set(DEFAULT_WEIGHTS):
        raise ServiceError(_("Give a weight for each part of the score card."), field="weights")
    values: dict[str, Decimal] = {}
    for name, value in weights.items():
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ServiceError(_("A weight is a number."), field=name) from exc
        if not Decimal("0") <= amount <= _WEIGHT_LIMIT:
            raise ServiceError(_("A weight is between 0 and 100."), field=name)
        values[name] = amount
    total = sum(values.values(), Decimal("0"))
    if total != _WEIGHT_LIMIT:
        raise ServiceError(
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": total},
            field="weights",
            code="bad_weights",
        )
    card = ScoreCard.objects.select_for_update().filter(county=county).first()
    if card is None:
        card = ScoreCard.objects.create(county=county, **values)
        record_change(
            actor=actor, obj=card, action=ChangeAction.CREATE, area_code=county.code, after=snapshot(card, list(values))
        )
        return card
    before = snapshot(card, list(values))
    for name, amount in values.items():
        setattr(card, name, amount)
    card.save(update_fields=list(values))
    record_change(
        actor=actor,
        obj=card,
        action=ChangeAction.UPDATE,
        area_code=county.code,
        before=before,
        after=snapshot(card, list(values)),
    )
    return card
