"""Every change in identification: campaigns, quotas, cases and their steps, notices and
objections, exclusion overrides, spot-checks. Keyword-only functions taking the acting user;
each checks role and scope (404 out of scope, 403 without the action), runs in one transaction,
moves state by compare-and-set and records who, when, why and what the step requires."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may
from core.audit import record_change, snapshot
from core.errors import Conflict, ServiceError
from core.models import ChangeAction
from households.choices import EntryState, HouseholdStatus
from households.models import Household
from identification.choices import (
    BORROWING_KINDS,
    CampaignKind,
    CaseState,
    NoticeKind,
    NoticeState,
    ObjectionChannel,
    ObjectionState,
    RuleKind,
)
from identification.models import (
    Attachment,
    Campaign,
    Case,
    CaseEvent,
    IdentificationRule,
    Notice,
    NoticeEntry,
    Objection,
    Quota,
    SpotCheck,
    SpotCheckItem,
)
from identification.scoring import score_household, weights_for
from identification.workflow import next_action, return_targets, transition

__all__ = [
    "HOME_CHECK_ITEMS",
    "Vote",
    "advance_many",
    "check_vote",
    "BulkResult",
    "apply",
    "blocking_exclusions",
    "exclusion_rules",
    "campaigns_visible_to",
    "conclude_notice",
    "confirm",
    "create_campaign",
    "create_notice",
    "draw_spot_check",
    "override_exclusion",
    "post_notice",
    "record_group_discussion",
    "record_home_check",
    "record_objection",
    "record_spot_check",
    "record_township_review",
    "record_village_appraisal",
    "reject_case",
    "resolve_objection",
    "return_case",
    "set_quota",
]

ATTACHMENT_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def _today() -> datetime.date:
    return timezone.localdate()


def campaigns_visible_to(user):
    """Campaigns of the counties in the user's view scope, and of the county a clerk's or
    reviewer's village lies in (a village clerk files applications in the county's campaign)."""
    from areas.scopes import prefixes_for

    if user.is_superuser:
        return Campaign.objects.all()
    prefixes = prefixes_for(user, Action.VIEW)
    if not prefixes:
        return Campaign.objects.none()
    # a prefix of 6 digits or more names a county (or an area inside one): that county's campaigns;
    # a shorter one (a city, a province) covers every county under it
    condition = Q()
    for prefix in prefixes:
        condition |= Q(county__code__startswith=prefix[:6])
    return Campaign.objects.filter(condition)


def _area(actor, code: str, action: str) -> Area:
    area = Area.objects.visible_to(actor, Action.VIEW).filter(code=code).first()
    if area is None:
        raise Http404
    if not may(actor, action, area.code):
        raise PermissionDenied
    return area


# --- campaigns and quotas -----------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor,
    county_code: str,
    kind: str,
    year: int,
    title: str,
    opens_on: datetime.date,
    deadlines: dict[str, str] | None = None,
    publicity_days: int | None = None,
) -> Campaign:
    """Open a round of identification for a county (county officers)."""
    county = _area(actor, county_code, Action.APPROVE)
    if county.level != Level.COUNTY:
        raise ServiceError(_("A campaign is opened for a county."), field="county")
    if kind not in CampaignKind.values:
        raise ServiceError(_("Unknown campaign kind."), field="kind")
    _check_deadlines(opens_on, deadlines or {})
    days = publicity_days or settings.PUBLICITY_DAYS
    if days < settings.PUBLICITY_MIN_DAYS:
        raise ServiceError(
            _("Publicity lasts at least %(days)s days.") % {"days": settings.PUBLICITY_MIN_DAYS},
            field="publicity_days",
            code="too_short",
        )
    campaign = Campaign.objects.create(
        county=county,
        kind=kind,
        year=year,
        title=title.strip() or f"{year}",
        opens_on=opens_on,
        deadlines=deadlines or {},
        publicity_days=days,
        created_by=actor,
    )
    record_change(
        actor=actor, obj=campaign, action=ChangeAction.CREATE, area_code=county.code, after=snapshot(campaign)
    )
    return campaign


def _check_deadlines(opens_on: datetime.date, deadlines: dict[str, str]) -> None:
    """Step deadlines fall on or after the opening day and follow the order of the steps (a later
    step cannot be due before an earlier one)."""
    order = [state.value for state in CaseState]
    unknown = sorted(set(deadlines) - set(order))
    if unknown:
        raise ServiceError(
            _("Unknown steps: %(steps)s.") % {"steps": ", ".join(unknown)}, field="deadlines", code="unknown_step"
        )
    previous: tuple[str, datetime.date] | None = None
    for step in sorted(deadlines, key=order.index):
        try:
            day = datetime.date.fromisoformat(str(deadlines[step]))
        except ValueError as exc:
            raise ServiceError(_("A deadline is not a date."), field="deadlines", code="bad_deadline") from exc
        if day < opens_on:
            raise ServiceError(
                _("The deadline of %(step)s falls before the campaign opens (%(date)s).")
                % {"step": CaseState(step).label, "date": opens_on.isoformat()},
                field="deadlines",
                code="before_opening",
                details={"step": step},
            )
        if previous is not None and day < previous[1]:
            raise ServiceError(
                _("The deadline of %(step)s falls before that of %(earlier)s.")
                % {"step": CaseState(step).label, "earlier": CaseState(previous[0]).label},
                field="deadlines",
                code="out_of_order",
                details={"step": step},
            )
        previous = (step, day)


def _campaign(actor, campaign_id: int) -> Campaign:
    campaign = campaigns_visible_to(actor).select_related("county").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


@transaction.atomic
def set_quota(*, actor, campaign_id: int, area_code: str, households: int, people: int) -> Quota:
    """Set or change an area's quota. Only the level above may: the actor needs ``set_quota`` on
    the parent area. The children of an area never sum above it; a quota never drops below what
    is already confirmed or given to its children."""
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    area = Area.objects.filter(code=area_code).select_related("parent").first()
    if area is None or area.parent is None or not area.code.startswith(campaign.county_id[:6]):
        raise Http404
    parent_area = area.parent
    if not (may(actor, Action.VIEW, area.code) or may(actor, Action.VIEW, parent_area.code)):
        raise Http404
    # a level above sets a quota: the county office splits its own among townships and villages
    # (townships hold no quota role), the city among counties, the province among cities
    if not may(actor, Action.SET_QUOTA, parent_area.code):
        raise PermissionDenied
    if households < 0 or people < 0 or people < households:
        raise ServiceError(_("A quota has at least one person per household and no negative numbers."), field="people")
    parent = None
    if area.code != campaign.county_id:
        parent = Quota.objects.select_for_update().filter(campaign=campaign, area_id=parent_area.code).first()
        if parent is None:
            raise ServiceError(
                _("Set the quota of %(parent)s first: the quotas below are split from it.")
                % {"parent": parent_area.name},
                code="no_parent_quota",
            )
        siblings = (
            Quota.objects.filter(parent=parent)
            .exclude(area_id=area.code)
            .aggregate(h=Sum("households"), p=Sum("people"))
        )
        if (siblings["h"] or 0) + households > parent.households or (siblings["p"] or 0) + people > parent.people:
            raise ServiceError(
                _(
                    "The quotas of the areas under %(parent)s would add up to more than its own "
                    "(%(households)s households, %(people)s people)."
                )
                % {"parent": parent_area.name, "households": parent.households, "people": parent.people},
                code="over_parent",
            )
    quota = Quota.objects.select_for_update().filter(campaign=campaign, area=area).first()
    if quota is not None:
        given = Quota.objects.filter(parent=quota).aggregate(h=Sum("households"), p=Sum("people"))
        if households < max(quota.used_households, given["h"] or 0) or people < max(quota.used_people, given["p"] or 0):
            raise ServiceError(
                _("The quota cannot drop below what is already confirmed or split to the areas below."),
                code="below_used",
            )
        before = snapshot(quota, ["households", "people"])
        quota.households, quota.people, quota.set_by, quota.set_at = households, people, actor, timezone.now()
        quota.save(update_fields=["households", "people", "set_by", "set_at"])
        record_change(
            actor=actor,
            obj=quota,
            action=ChangeAction.UPDATE,
            area_code=area.code,
            before=before,
            after=snapshot(quota, ["households", "people"]),
        )
        return quota
    quota = Quota.objects.create(
        campaign=campaign, area=area, parent=parent, households=households, people=people, set_by=actor
    )
    record_change(
        actor=actor,
        obj=quota,
        action=ChangeAction.CREATE,
        area_code=area.code,
        after=snapshot(quota, ["households", "people"]),
    )
    return quota


# --- cases --------------------------------------------------------------------------------------


def _case_for(actor, case_id: int, action: str | None, *, lock: bool = False) -> Case:
    cases = Case.objects.visible_to(actor, Action.VIEW).select_related("campaign", "household")
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if action is not None and not may(actor, action, case.area_code):
        raise PermissionDenied
    return case


#: the steps a case of a monitoring campaign takes here (exits/monitoring_services.py owns the rest)
_MONITORING_PUBLICITY_STEPS = ("post_first_publicity", "conclude_first_publicity")


def _advance(
    case: Case,
    *,
    actor,
    name: str,
    record: dict | None = None,
    reason: str = "",
    expected_version: int | None = None,
    attachments=(),
) -> Case:
    """Move the case along ``name`` from the state it must be in, or refuse: compare-and-set on
    (state, version), so a second person acting on the same case at the same time is told."""
    step = transition(name)
    if name not in _MONITORING_PUBLICITY_STEPS and case.campaign.kind in BORROWING_KINDS:
        # a monitoring or exit campaign's cases only borrow the village publicity: the rest of
        # their procedure is exits.monitoring_services' or exits.exit_services'
        if case.campaign.kind == CampaignKind.EXIT:
            raise ServiceError(
                _("An exiting household's case only takes the village publicity here."), code="wrong_step"
            )
        raise ServiceError(_("A monitored household's case only takes the village publicity here."), code="wrong_step")
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            _("Someone else took a step on this case a moment ago; reload it to see where it stands."), code="stale"
        )
    for attachment in attachments:
        if not (case.area_code.startswith(attachment.area_code) or attachment.area_code.startswith(case.area_code)):
            raise ServiceError(
                _("An attachment belongs to another area."), field="attachments", code="foreign_attachment"
            )
    if case.state not in step.sources:
        raise ServiceError(
            _("This step (%(step)s) is not possible now: the case is at %(state)s.")
            % {"step": step.label, "state": case.get_state_display()},
            code="wrong_step",
        )
    version = case.version if expected_version is None else expected_version
    won = Case.objects.filter(pk=case.pk, state=case.state, version=version).update(
        state=step.target, version=version + 1, updated_at=timezone.now()
    )
    if not won:
        raise Conflict(
            _("Someone else took a step on this case a moment ago; reload it to see where it stands."), code="stale"
        )
    event = CaseEvent.objects.create(
        case=case,
        transition=name,
        from_state=case.state,
        to_state=step.target,
        actor=actor,
        reason=reason,
        record=record or {},
    )
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.TRANSITION,
        area_code=case.area_code,
        before={"state": case.state},
        after={"state": step.target},
        reason=reason,
    )
    if attachments:
        event.attachments.set(attachments)
    case.state, case.version = step.target, version + 1
    return case


def _household_members(household: Household):
    return list(household.members.filter(is_active=True))


@transaction.atomic
def apply(*, actor, campaign_id: int, household_id: int, informed_on: datetime.date, self_assessment: str = "") -> Case:
    """户申报: the household's written application, after it was told the criteria and procedure
    (一告知). Village clerks; the household's survey form must have been submitted."""
    campaign = _campaign(actor, campaign_id)
    if campaign.is_closed:
        raise ServiceError(_("The campaign is closed."), code="closed")
    if campaign.kind == CampaignKind.MONITORING:
        raise ServiceError(_("Monitored households start with an alert under monitoring."), code="monitoring")
    if campaign.kind == CampaignKind.EXIT:
        raise ServiceError(_("Households exit through the exit procedure, not by application."), code="exit")
    household = Household.objects.visible_to(actor, Action.VIEW).filter(pk=household_id).first()
    if household is None or not household.village_id.startswith(campaign.county_id[:6]):
        raise Http404
    if not may(actor, Action.CAPTURE, household.village_id):
        raise PermissionDenied
    from exits.status import check_open_year

    check_open_year(campaign.county_id, campaign.year)  # a frozen year takes no new case
    if household.entry_state != EntryState.SUBMITTED:
        raise ServiceError(
            _("Submit the household's survey form for review before it applies."), code="form_not_submitted"
        )
    expected_status = HouseholdStatus.EXITED if campaign.kind == CampaignKind.RETURN else HouseholdStatus.APPLICANT
    if household.status not in (expected_status, HouseholdStatus.APPLICANT):
        raise ServiceError(
            _("This household cannot apply in this campaign: it is %(status)s.")
            % {"status": household.get_status_display()},
            code="wrong_status",
        )
    if informed_on > _today():
        raise ServiceError(_("The date the household was informed cannot be in the future."), field="informed_on")
    members = _household_members(household)
    case = Case(
        campaign=campaign,
        household=household,
        area_code=household.village_id,
        group_code=household.village_group_id or "",
        household_size=len(members),
        score=score_household(household, members, weights_for(campaign.county_id), _today()),
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise ServiceError(_("This household has already applied in this campaign."), code="duplicate") from exc
    CaseEvent.objects.create(
        case=case,
        transition="apply",
        from_state="",
        to_state=CaseState.APPLIED,
        actor=actor,
        record={"informed_on": informed_on.isoformat(), "self_assessment": self_assessment},
    )
    record_change(
        actor=actor,
        obj=case,
        action=ChangeAction.CREATE,
        area_code=case.area_code,
        after={"state": case.state, "campaign": campaign.pk},
    )
    return case


def _meeting_date(value: datetime.date) -> str:
    if value > _today():
        raise ServiceError(_("The meeting date cannot be in the future."), field="meeting_date")
    return value.isoformat()


@transaction.atomic
def record_group_discussion(
    *,
    actor,
    case_id: int,
    meeting_date: datetime.date,
    attendance: int,
    recommended: bool,
    note: str = "",
    version: int | None = None,
    attachments=(),
) -> Case:
    """小组议: the meeting of household representatives of the village group recommends (or not)."""
    case = _case_for(actor, case_id, Action.CAPTURE)
    if attendance < 1:
        raise ServiceError(_("Give how many household representatives attended."), field="attendance")
    if not recommended:
        raise ServiceError(
            _("The group did not recommend the household: reject the case with the reason instead."),
            code="not_recommended",
        )
    record = {"meeting_date": _meeting_date(meeting_date), "attendance": attendance, "recommended": True, "note": note}
    return _advance(
        case,
        actor=actor,
        name="record_group_discussion",
        record=record,
        expected_version=version,
        attachments=attachments,
    )


@dataclass(frozen=True)
class Vote:
    representatives: int
    present: int
    votes_for: int
    votes_against: int


def check_vote(vote: Vote) -> None:
    """The villagers' representative assembly: two thirds of representatives present, votes not
    more than those present, and more than half of those present in favour."""
    if min(vote.representatives, vote.present, vote.votes_for, vote.votes_against) < 0:
        raise ServiceError(_("Numbers of representatives and votes cannot be negative."), field="votes_for")
    if vote.present > vote.representatives:
        raise ServiceError(
            _("More representatives present than there are representatives."), field="present", code="more_present"
        )
    if vote.votes_for + vote.votes_against > vote.present:
        raise ServiceError(
            _("%(votes)s votes were counted but only %(present)s representatives were present.")
            % {"votes": vote.votes_for + vote.votes_against, "present": vote.present},
            field="votes_for",
            code="too_many_votes",
        )
    if vote.present * 3 < vote.representatives * 2:
        raise ServiceError(
            _("The assembly needs two thirds of its %(total)s representatives present; %(present)s were.")
            % {"total": vote.representatives, "present": vote.present},
            field="present",
            code="no_quorum",
        )


@transaction.atomic
def record_village_appraisal(
    *,
    actor,
    case_id: int,
    meeting_date: datetime.date,
    vote: Vote,
    comparison_read: bool,
    version: int | None = None,
    attachments=(),
) -> Case:
    """村评定: the representative assembly's vote on one case (the data-comparison results were
    read out first). Passes with more than half of those present in favour; a case that fails
    the vote is rejected with the vote recorded."""
    case = _case_for(actor, case_id, Action.CAPTURE)
    check_vote(vote)
    if not comparison_read:
        raise ServiceError(_("Read out the data-comparison results before the vote."), field="comparison_read")
    record = {
        "meeting_date": _meeting_date(meeting_date),
        "representatives": vote.representatives,
        "present": vote.present,
        "votes_for": vote.votes_for,
        "votes_against": vote.votes_against,
        "score": str(case.score),
    }
    if vote.votes_for * 2 <= vote.present:
        record["passed"] = False
        _close(
            case,
            actor=actor,
            reason=_("Not passed by the villagers' representative assembly (%(for)s for, %(present)s present).")
            % {"for": vote.votes_for, "present": vote.present},
            record=record,
            action=Action.CAPTURE,
            expected_version=version,
        )
        return case
    record["passed"] = True
    return _advance(
        case,
        actor=actor,
        name="record_village_appraisal",
        record=record,
        expected_version=version,
        attachments=attachments,
    )


HOME_CHECK_ITEMS = [
    "income_verified",
    "housing_verified",
    "members_verified",
    "food_clothing",
    "education",
    "medical",
    "housing_safety",
    "water",
]


@transaction.atomic
def record_home_check(
    *,
    actor,
    case_id: int,
    visited_on: datetime.date,
    checklist: dict[str, bool],
    findings: str,
    signatures: dict[str, dict[str, str]],
    version: int | None = None,
    attachments=(),
) -> Case:
    """入户查: the village committee and work team visit, verify the form, and sign: the head of
    household, the surveyor and the team leader, each with name and date."""
    case = _case_for(actor, case_id, Action.CAPTURE)
    missing = [item for item in HOME_CHECK_ITEMS if item not in checklist]
    if missing:
        raise ServiceError(
            _("Answer every item of the home check."),
            field="checklist",
            code="checklist_incomplete",
            details={"missing": missing},
        )
    for role in ("head", "surveyor", "team_leader"):
        signed = signatures.get(role) or {}
        if not (signed.get("name") or "").strip() or not signed.get("date"):
            raise ServiceError(
                _(
                    "The home check is signed by the head of household, the surveyor and the team leader, "
                    "each with a date."
                ),
                field="signatures",
                code="unsigned",
            )
    record = {
        "visited_on": _meeting_date(visited_on),
        "checklist": checklist,
        "findings": findings,
        "signatures": signatures,
    }
    return _advance(
        case, actor=actor, name="record_home_check", record=record, expected_version=version, attachments=attachments
    )


@transaction.atomic
def record_township_review(
    *, actor, case_id: int, checked_in_field: bool, finding: str = "", version: int | None = None
) -> Case:
    """逐级核: the township reviews the case, in the field for at least the share of cases
    PUBLICITY settings require (TOWNSHIP_FIELD_CHECK_SHARE, 20 %), checked when the second
    publicity is posted."""
    case = _case_for(actor, case_id, Action.REVIEW)
    return _advance(
        case,
        actor=actor,
        name="record_township_review",
        record={"checked_in_field": checked_in_field, "finding": finding},
        expected_version=version,
    )


def blocking_exclusions(case: Case, rules: list[IdentificationRule] | None = None) -> list[str]:
    """The labels of the active exclusion conditions the household meets (DOMAIN.md 7.2).
    ``rules``: the county's exclusion rules read once (exclusion_rules) when many cases of one
    county are checked, so a list page does not query per case."""
    if rules is None:
        rules = exclusion_rules(case.campaign.county_id)
    household = case.household
    return [rule.label for rule in rules if rule.household_field and getattr(household, rule.household_field, False)]


def exclusion_rules(county_code: str) -> list[IdentificationRule]:
    """The active exclusion conditions of a county (its own rows replace the defaults)."""
    return _rules(county_code, RuleKind.EXCLUSION)


def _rules(county_code: str, kind: str) -> list[IdentificationRule]:
    rows = IdentificationRule.objects.filter(kind=kind).filter(Q(county__isnull=True) | Q(county_id=county_code))
    by_key: dict[str, IdentificationRule] = {}
    for rule in rows.order_by("position"):
        if rule.key not in by_key or rule.county_id:  # the county's own row replaces the default
            by_key[rule.key] = rule
    return [rule for rule in by_key.values() if rule.is_active]


@transaction.atomic
def override_exclusion(*, actor, case_id: int, reason: str) -> Case:
    """The county lets a case through despite an exclusion fact, with the reason recorded."""
    case = _case_for(actor, case_id, Action.APPROVE)
    if not reason.strip():
        raise ServiceError(
            _("Give the reason for letting the case through despite the exclusion condition."),
            field="reason",
            code="reason_required",
        )
    Case.objects.filter(pk=case.pk).update(exclusion_override=reason.strip())
    CaseEvent.objects.create(
        case=case,
        transition="override_exclusion",
        from_state=case.state,
        to_state=case.state,
        actor=actor,
        reason=reason.strip(),
        record={"exclusions": blocking_exclusions(case)},
    )
    case.exclusion_override = reason.strip()
    return case


@transaction.atomic
def confirm(*, actor, case_id: int, checked_in_field: bool = False, version: int | None = None) -> Case:
    """县确认: confirm a case within the village's quota. The quota is taken by one conditional
    UPDATE (limits held by CHECK constraints), so concurrent confirmations never overshoot."""
    case = _case_for(actor, case_id, Action.APPROVE)
    if case.state != CaseState.SECOND_PUBLICIZED:
        _advance(case, actor=actor, name="confirm", expected_version=version)  # raises the wrong-step refusal
    exclusions = blocking_exclusions(case)
    if exclusions and not case.exclusion_override:
        raise ServiceError(
            _(
                "The household meets an exclusion condition (%(conditions)s); "
                "the county must record a reason to let it through."
            )
            % {"conditions": "；".join(exclusions)},
            code="excluded",
        )
    quota = Quota.objects.filter(campaign=case.campaign, area_id=case.area_code).first()
    if quota is None:
        raise ServiceError(
            _("%(village)s has no quota in this campaign.") % {"village": _village_label(case.area_code)},
            code="no_quota",
        )
    size = case.household.household_size
    taken = Quota.objects.filter(
        pk=quota.pk, used_households__lt=F("households"), used_people__lte=F("people") - size
    ).update(used_households=F("used_households") + 1, used_people=F("used_people") + size)
    if not taken:
        raise Conflict(
            _("The quota of %(village)s is used up (%(households)s households, %(people)s people).")
            % {"village": _village_label(case.area_code), "households": quota.households, "people": quota.people},
            code="quota_exhausted",
        )
    Case.objects.filter(pk=case.pk).update(quota=quota, household_size=size)
    return _advance(
        case,
        actor=actor,
        name="confirm",
        record={"checked_in_field": checked_in_field, "household_size": size},
        expected_version=version,
    )


def _village_label(code: str) -> str:
    """A village as a clerk knows it: its name, with the code to tell namesakes apart."""
    name = Area.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{name}（{code}）" if name else code


def _release_quota(case: Case) -> None:
    if case.quota_id:
        Quota.objects.filter(pk=case.quota_id).update(
            used_households=F("used_households") - 1, used_people=F("used_people") - case.household_size
        )
        Case.objects.filter(pk=case.pk).update(quota=None)
        case.quota_id = None


def _close(
    case: Case, *, actor, reason: str, record: dict | None = None, action: str, expected_version: int | None = None
) -> None:
    version = case.version if expected_version is None else expected_version
    won = Case.objects.filter(pk=case.pk, state=case.state, version=version).update(
        state=CaseState.REJECTED, version=version + 1, closing_reason=reason, updated_at=timezone.now()
    )
    if not won:
        raise Conflict(
            _("Someone else took a step on this case a moment ago; reload it to see where it stands."), code="stale"
        )
    _release_quota(case)
    CaseEvent.objects.create(
        case=case,
        transition="reject",
        from_state=case.state,
        to_state=CaseState.REJECTED,
        actor=actor,
        reason=reason,
        record=record or {},
    )
    case.state, case.version, case.closing_reason = CaseState.REJECTED, version + 1, reason


@transaction.atomic
def reject_case(*, actor, case_id: int, reason: str, version: int | None = None) -> Case:
    """Reject a case at any step, with the reason; whoever owns its next step may."""
    case = _case_for(actor, case_id, None)
    owner = next_action(case.state)
    if owner is None:
        raise ServiceError(_("This case is finished."), code="finished")
    if not may(actor, owner, case.area_code):
        raise PermissionDenied
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason")
    if version is not None and version != case.version:
        raise Conflict(
            _("Someone else took a step on this case a moment ago; reload it to see where it stands."), code="stale"
        )
    if case.state == CaseState.ANNOUNCED:
        Household.objects.filter(pk=case.household_id).update(status=HouseholdStatus.REMOVED)
    _close(case, actor=actor, reason=reason.strip(), action=owner)
    return case


@transaction.atomic
def return_case(*, actor, case_id: int, to_state: str, reason: str, version: int | None = None) -> Case:
    """Send a case back to an earlier step with the reason; whoever owns its next step may."""
    case = _case_for(actor, case_id, None)
    owner = next_action(case.state)
    if owner is None or not may(actor, owner, case.area_code):
        raise PermissionDenied
    if to_state not in return_targets(case.state):
        raise ServiceError(_("A case can only be sent back to an earlier step."), field="to_state", code="not_earlier")
    if not reason.strip():
        raise ServiceError(_("Give the reason."), field="reason", code="reason_required")
    return _send_back(case, actor=actor, to_state=to_state, reason=reason.strip(), version=version)


def _send_back(
    case: Case, *, actor, to_state: str, reason: str, version: int | None = None, transition_name: str = "return"
) -> Case:
    current = case.version if version is None else version
    won = Case.objects.filter(pk=case.pk, state=case.state, version=current).update(
        state=to_state, version=current + 1, updated_at=timezone.now()
    )
    if not won:
        raise Conflict(
            _("Someone else took a step on this case a moment ago; reload it to see where it stands."), code="stale"
        )
    if case.state in (CaseState.COUNTY_CONFIRMED, CaseState.ANNOUNCED, CaseState.SPOT_CHECKED):
        _release_quota(case)
    if case.state in (CaseState.ANNOUNCED, CaseState.SPOT_CHECKED):
        Household.objects.filter(pk=case.household_id).update(status=HouseholdStatus.APPLICANT)
    CaseEvent.objects.create(
        case=case, transition=transition_name, from_state=case.state, to_state=to_state, actor=actor, reason=reason
    )
    case.state, case.version = to_state, current + 1
    return case


# --- publicity ----------------------------------------------------------------------------------

_NOTICE_STEP = {
    NoticeKind.FIRST_PUBLICITY: ("post_first_publicity", CaseState.HOME_CHECKED, Level.VILLAGE, Action.REVIEW),
    NoticeKind.SECOND_PUBLICITY: ("post_second_publicity", CaseState.TOWNSHIP_REVIEWED, Level.TOWNSHIP, Action.REVIEW),
    NoticeKind.ANNOUNCEMENT: ("announce", CaseState.COUNTY_CONFIRMED, Level.COUNTY, Action.APPROVE),
}


@transaction.atomic
def create_notice(
    *,
    actor,
    campaign_id: int,
    kind: str,
    area_code: str,
    issued_by: str,
    contact: str,
    case_ids: list[int] | None = None,
) -> Notice:
    """Draft a notice for the cases of an area waiting for it (all of them, or those given)."""
    campaign = _campaign(actor, campaign_id)
    if kind not in _NOTICE_STEP:
        raise ServiceError(_("Unknown notice kind."), field="kind")
    if campaign.kind in BORROWING_KINDS and kind != NoticeKind.FIRST_PUBLICITY:
        raise ServiceError(_("A monitoring campaign has only the village publicity."), field="kind", code="wrong_kind")
    _name, waiting, level, action = _NOTICE_STEP[kind]
    area = _area(actor, area_code, action)
    if area.level != level:
        raise ServiceError(_("This notice is issued for a %(level)s.") % {"level": Level(level).label}, field="area")
    if not contact.strip():
        raise ServiceError(
            _("Give the phone numbers for objections (township leaders, discipline secretary)."), field="contact"
        )
    cases = Case.objects.filter(campaign=campaign, state=waiting, area_code__startswith=area.prefix)
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    cases = list(cases)
    if not cases:
        raise ServiceError(_("No case of this area is waiting for this notice."), code="nothing_to_publish")
    if campaign.kind == CampaignKind.EXIT:
        from exits.exit_publicity import refuse_unready

        refuse_unready(cases)
    if kind == NoticeKind.SECOND_PUBLICITY:
        _check_field_share(cases, "record_township_review", settings.TOWNSHIP_FIELD_CHECK_SHARE, _("The township"))
    if kind == NoticeKind.ANNOUNCEMENT:
        _check_field_share(cases, "confirm", settings.COUNTY_FIELD_CHECK_SHARE, _("The county"))
    title = {
        NoticeKind.FIRST_PUBLICITY: "{area}{year}年拟识别贫困户名单公示（第一次）",
        NoticeKind.SECOND_PUBLICITY: "{area}{year}年拟识别贫困户名单公示（第二次）",
        NoticeKind.ANNOUNCEMENT: "{area}{year}年识别贫困户名单公告",
    }[kind].format(area=area.name, year=campaign.year)
    if campaign.kind == CampaignKind.MONITORING:
        title = f"{area.name}{campaign.year}年拟纳入防返贫监测对象名单公示"
    if campaign.kind == CampaignKind.EXIT:
        title = f"{area.name}{campaign.year}年拟退出贫困户名单公示"
    notice = Notice.objects.create(
        campaign=campaign,
        kind=kind,
        area=area,
        title=title,
        issued_by=issued_by.strip() or area.name,
        contact=contact.strip(),
        created_by=actor,
    )
    NoticeEntry.objects.bulk_create(NoticeEntry(notice=notice, case=case) for case in cases)
    record_change(
        actor=actor,
        obj=notice,
        action=ChangeAction.CREATE,
        area_code=area.code,
        after={"title": title, "cases": len(cases)},
    )
    return notice


def _check_field_share(cases: list[Case], step: str, required: float, who: str) -> None:
    """At least ``required`` of the cases were checked in the field at ``step`` (the township
    20 %, the county 10 %: DOMAIN.md section 6; both are settings)."""
    events = CaseEvent.objects.filter(case__in=cases, transition=step)
    checked = len({event.case_id for event in events if event.record.get("checked_in_field")})
    share = Decimal(str(required))
    if checked < share * len(cases):
        raise ServiceError(
            _("%(who)s checked %(checked)s of %(total)s cases in the field; at least %(share)s%% must be.")
            % {"who": who, "checked": checked, "total": len(cases), "share": int(share * 100)},
            code="field_share",
        )


def _notice_for(actor, notice_id: int, *, lock: bool = False) -> Notice:
    notices = Notice.objects.visible_to(actor, Action.VIEW).select_related("campaign", "area")
    if lock:
        notices = notices.select_for_update(of=("self",))
    notice = notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    action = _NOTICE_STEP[notice.kind][3]
    if not may(actor, action, notice.area_id):
        raise PermissionDenied
    return notice


@transaction.atomic
def post_notice(
    *, actor, notice_id: int, starts_on: datetime.date, posted_place: str, photo: Attachment | None = None
) -> Notice:
    """Post a drafted notice: its cases enter the publicity (or, for an announcement, are
    announced and their households registered). The period is the campaign's publicity days."""
    notice = _notice_for(actor, notice_id, lock=True)
    if notice.state != NoticeState.DRAFT:
        raise ServiceError(_("This notice has already been posted."), code="already_posted")
    if not posted_place.strip():
        raise ServiceError(_("Say where the notice is posted."), field="posted_place")
    name = _NOTICE_STEP[notice.kind][0]
    entries = list(notice.entries.select_related("case", "case__household"))
    for entry in entries:
        _advance(entry.case, actor=actor, name=name, record={"notice": notice.pk})
    notice.state = NoticeState.POSTED
    notice.starts_on = starts_on
    notice.ends_on = starts_on + datetime.timedelta(days=notice.campaign.publicity_days - 1)
    notice.posted_place = posted_place.strip()
    notice.photo = photo
    if notice.campaign.kind == CampaignKind.EXIT:
        # the exit cases on the notice enter their publicity with it (and are checked again)
        from exits.exit_publicity import notice_posted

        notice_posted(actor=actor, notice=notice, cases=[entry.case for entry in entries])
    if notice.kind == NoticeKind.ANNOUNCEMENT:
        notice.state, notice.concluded_at = NoticeState.CONCLUDED, timezone.now()
        if notice.campaign.kind == CampaignKind.RETURN:
            # an exited household re-identified: its status history shows returned, then registered
            from exits.status import record_return

            record_return(actor=actor, cases=[entry.case for entry in entries], effective_on=starts_on)
        Household.objects.filter(pk__in=[e.case.household_id for e in entries]).update(
            status=HouseholdStatus.REGISTERED
        )
    notice.save()
    record_change(
        actor=actor,
        obj=notice,
        action=ChangeAction.TRANSITION,
        area_code=notice.area_id,
        after={"state": notice.state, "starts_on": starts_on.isoformat(), "ends_on": notice.ends_on.isoformat()},
    )
    return notice


@transaction.atomic
def conclude_notice(*, actor, notice_id: int, today: datetime.date | None = None) -> Notice:
    """End a publicity: not before its last day has passed, and not while an objection is open."""
    notice = _notice_for(actor, notice_id, lock=True)
    today = today or _today()
    if notice.state != NoticeState.POSTED:
        raise ServiceError(_("Only a posted publicity can be concluded."), code="not_posted")
    if today <= notice.ends_on:
        raise ServiceError(
            _("The publicity runs until %(date)s; it can be concluded from the next day.")
            % {"date": notice.ends_on.isoformat()},
            code="too_early",
        )
    open_count = notice.objections.filter(state=ObjectionState.OPEN).count()
    if open_count:
        raise ServiceError(
            _("%(count)s objections are still open; resolve them first.") % {"count": open_count},
            code="open_objections",
        )
    name = {
        NoticeKind.FIRST_PUBLICITY: "conclude_first_publicity",
        NoticeKind.SECOND_PUBLICITY: "conclude_second_publicity",
    }[notice.kind]
    in_publicity = {
        NoticeKind.FIRST_PUBLICITY: CaseState.FIRST_PUBLICITY,
        NoticeKind.SECOND_PUBLICITY: CaseState.SECOND_PUBLICITY,
    }[notice.kind]
    concluded = []
    for entry in notice.entries.select_related("case"):
        if entry.case.state == in_publicity:  # cases sent back by an upheld objection stay where they are
            concluded.append(_advance(entry.case, actor=actor, name=name, record={"notice": notice.pk}))
    if notice.campaign.kind == CampaignKind.EXIT:
        from exits.exit_publicity import notice_concluded

        notice_concluded(actor=actor, notice=notice, cases=concluded, today=today)
    notice.state, notice.concluded_at = NoticeState.CONCLUDED, timezone.now()
    notice.save(update_fields=["state", "concluded_at"])
    record_change(
        actor=actor, obj=notice, action=ChangeAction.TRANSITION, area_code=notice.area_id, after={"state": notice.state}
    )
    return notice


@transaction.atomic
def record_objection(
    *, actor, notice_id: int, case_id: int, raised_by: str, received_on: datetime.date, channel: str, content: str
) -> Objection:
    """Record an objection to a case on a posted publicity (township reviewers and clerks)."""
    notice = Notice.objects.visible_to(actor, Action.VIEW).filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    if not (may(actor, Action.REVIEW, notice.area_id) or may(actor, Action.CAPTURE, notice.area_id)):
        raise PermissionDenied
    if notice.state != NoticeState.POSTED or notice.kind == NoticeKind.ANNOUNCEMENT:
        raise ServiceError(_("Objections are recorded while a publicity is posted."), code="not_posted")
    entry = notice.entries.filter(case_id=case_id).select_related("case").first()
    if entry is None:
        raise ServiceError(_("This case is not on the notice."), field="case")
    if channel not in ObjectionChannel.values:
        raise ServiceError(_("Unknown channel."), field="channel")
    if received_on > _today():
        raise ServiceError(
            _("The objection cannot have been received in the future."), field="received_on", code="future_date"
        )
    if not raised_by.strip() or not content.strip():
        raise ServiceError(_("Record who raised the objection and what it says."), field="content")
    objection = Objection.objects.create(
        notice=notice,
        case=entry.case,
        raised_by=raised_by.strip(),
        received_on=received_on,
        channel=channel,
        content=content.strip(),
        recorded_by=actor,
    )
    record_change(
        actor=actor,
        obj=objection,
        action=ChangeAction.CREATE,
        area_code=entry.case.area_code,
        after={"channel": channel},
    )
    return objection


@transaction.atomic
def resolve_objection(
    *, actor, objection_id: int, uphold: bool, resolution: str, return_to: str = CaseState.GROUP_DISCUSSED
) -> Objection:
    """A township group verifies the objection: upheld sends the case back (by default to the
    village appraisal); rejected keeps it, with the reason recorded. Township reviewers."""
    objection = Objection.objects.select_for_update().select_related("notice", "case").filter(pk=objection_id).first()
    if objection is None or not may(actor, Action.VIEW, objection.case.area_code):
        raise Http404
    if not may(actor, Action.REVIEW, objection.case.area_code):
        raise PermissionDenied
    if objection.state != ObjectionState.OPEN:
        raise Conflict(_("This objection has already been resolved."), code="resolved")
    if not resolution.strip():
        raise ServiceError(_("Record what the verification found."), field="resolution", code="required")
    if uphold:
        case = Case.objects.select_related("campaign").get(pk=objection.case_id)
        if return_to not in (CaseState.APPLIED, CaseState.GROUP_DISCUSSED, CaseState.VILLAGE_APPRAISED):
            raise ServiceError(_("An upheld objection sends the case back to the village."), field="return_to")
        _send_back(case, actor=actor, to_state=return_to, reason=resolution.strip(), transition_name="objection_upheld")
        if case.campaign.kind == CampaignKind.EXIT:
            # the exit case goes back to the home verification with it
            from exits.exit_publicity import objection_upheld

            objection_upheld(actor=actor, objection=objection, reason=resolution.strip())
    objection.state = ObjectionState.UPHELD if uphold else ObjectionState.REJECTED
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution.strip(), actor, timezone.now()
    objection.save(update_fields=["state", "resolution", "resolved_by", "resolved_at"])
    record_change(
        actor=actor,
        obj=objection,
        action=ChangeAction.UPDATE,
        area_code=objection.case.area_code,
        before={"state": "open"},
        after={"state": objection.state},
        reason=resolution.strip(),
    )
    return objection


# --- city spot-check ----------------------------------------------------------------------------


@transaction.atomic
def draw_spot_check(*, actor, campaign_id: int, share: Decimal, seed: int | None = None) -> SpotCheck:
    """市抽查: a random sample of the campaign's announced cases (at least one), share set by the city."""
    campaign = Campaign.objects.filter(pk=campaign_id).select_related("county__parent").first()
    if campaign is None:
        raise Http404
    city = campaign.county.parent
    if not may(actor, Action.VIEW, campaign.county_id):
        raise Http404
    if not may(actor, Action.INSPECT, campaign.county_id):
        raise PermissionDenied
    if not Decimal("0") < share <= Decimal("1"):
        raise ServiceError(
            _("The share is between 0 and 1 (for example 0.1 for 10%)."), field="share", code="bad_share"
        )
    announced = list(
        Case.objects.filter(campaign=campaign, state=CaseState.ANNOUNCED).order_by("pk").values_list("pk", flat=True)
    )
    if not announced:
        raise ServiceError(_("No announced case to check."), code="nothing_to_check")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    count = max(1, int((share * len(announced)).to_integral_value(rounding="ROUND_CEILING")))
    sample = random.Random(seed).sample(announced, count)
    check = SpotCheck.objects.create(campaign=campaign, city=city, share=share, seed=seed, drawn_by=actor)
    SpotCheckItem.objects.bulk_create(SpotCheckItem(spot_check=check, case_id=case_id) for case_id in sorted(sample))
    record_change(
        actor=actor,
        obj=check,
        action=ChangeAction.CREATE,
        area_code=campaign.county_id,
        after={"share": str(share), "seed": seed, "cases": count},
    )
    return check


@transaction.atomic
def record_spot_check(*, actor, item_id: int, finding: str, has_problem: bool) -> SpotCheckItem:
    """Record the finding of one sampled case; a problem sends the case back for correction
    (to the home check), the household out of the register until it is confirmed again."""
    item = SpotCheckItem.objects.select_for_update().select_related("case", "spot_check").filter(pk=item_id).first()
    if item is None or not may(actor, Action.VIEW, item.case.area_code):
        raise Http404
    if not may(actor, Action.INSPECT, item.case.area_code):
        raise PermissionDenied
    if item.checked_at is not None:
        raise Conflict(_("This case of the sample has already been checked."), code="checked")
    if has_problem and not finding.strip():
        raise ServiceError(_("Describe the problem found."), field="finding")
    case = Case.objects.select_related("household").get(pk=item.case_id)
    if has_problem:
        _send_back(
            case,
            actor=actor,
            to_state=CaseState.HOME_CHECKED,
            reason=finding.strip(),
            transition_name="spot_check_problem",
        )
    else:
        _advance(case, actor=actor, name="record_spot_check", record={"finding": finding.strip()})
    item.finding, item.has_problem, item.checked_by, item.checked_at = (
        finding.strip(),
        has_problem,
        actor,
        timezone.now(),
    )
    item.save(update_fields=["finding", "has_problem", "checked_by", "checked_at"])
    return item


# --- many cases at once -------------------------------------------------------------------------


@dataclass
class BulkResult:
    succeeded: list[int]
    failed: dict[int, str]
    #: the error code of each failed case (quota_exhausted, stale, wrong_step, forbidden, not_found)
    codes: dict[int, str] = field(default_factory=dict)


def advance_many(*, actor, case_ids: list[int], step: str, **values: Any) -> BulkResult:
    """Take the same step on many cases; each case in its own transaction, so some may fail (on
    quota, rules or a race) while others pass. Returns the result per case."""
    functions = {
        "record_township_review": record_township_review,
        "confirm": confirm,
        "record_group_discussion": record_group_discussion,
    }
    if step not in functions:
        raise ServiceError(_("This step cannot be taken for many cases at once."), field="step")
    result = BulkResult(succeeded=[], failed={})
    for case_id in case_ids:
        try:
            functions[step](actor=actor, case_id=case_id, **values)
        except ServiceError as exc:
            result.failed[case_id] = exc.message
            result.codes[case_id] = exc.code
        except (PermissionDenied, Http404) as exc:
            result.failed[case_id] = _("Not allowed or not found.")
            result.codes[case_id] = "forbidden" if isinstance(exc, PermissionDenied) else "not_found"
        else:
            result.succeeded.append(case_id)
    return result
