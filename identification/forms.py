"""Forms of the identification pages. They parse input into the values the services take; every
rule (who may, which step, quotas, votes, periods) is in identification.services and rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from identification.choices import CampaignKind, CaseState, NoticeKind, ObjectionChannel, RuleKind
from identification.models import ScoreCard
from identification.scoring import DEFAULT_WEIGHTS
from identification.services import HOME_CHECK_ITEMS

__all__ = [
    "APPRAISAL_LABELS",
    "ApplyForm",
    "AppraisalMeetingForm",
    "BulkStepForm",
    "CaseIdsField",
    "CampaignForm",
    "CaseFilterForm",
    "ConfirmForm",
    "DEADLINE_STEPS",
    "GroupDiscussionForm",
    "HOME_CHECK_LABELS",
    "HomeCheckForm",
    "NoticeCreateForm",
    "NoticePostForm",
    "ObjectionForm",
    "OverrideForm",
    "QuotaForm",
    "RejectForm",
    "ResolveObjectionForm",
    "ReturnForm",
    "RuleForm",
    "RuleStateForm",
    "SIGNATURE_ROLES",
    "ScoreCardForm",
    "SpotCheckDrawForm",
    "SpotCheckRecordForm",
    "TownshipReviewForm",
    "VillageAppraisalForm",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


def _count(label, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


#: the steps a campaign may set a last day for (the state a case is in once the step is done)
DEADLINE_STEPS = [
    CaseState.GROUP_DISCUSSED,
    CaseState.VILLAGE_APPRAISED,
    CaseState.HOME_CHECKED,
    CaseState.FIRST_PUBLICIZED,
    CaseState.TOWNSHIP_REVIEWED,
    CaseState.SECOND_PUBLICIZED,
    CaseState.COUNTY_CONFIRMED,
    CaseState.ANNOUNCED,
    CaseState.SPOT_CHECKED,
]

#: the items of the home check (identification.services.HOME_CHECK_ITEMS), as people read them
HOME_CHECK_LABELS = {
    "income_verified": _("Income verified against the form"),
    "housing_verified": _("Housing verified against the form"),
    "members_verified": _("Members verified (living together, sharing income)"),
    "food_clothing": _("Food and clothing secured"),
    "education": _("Compulsory education secured"),
    "medical": _("Basic medical care secured"),
    "housing_safety": _("Housing safe"),
    "water": _("Drinking water safe"),
}

#: who signs the home check record
SIGNATURE_ROLES = {
    "head": _("Head of household"),
    "surveyor": _("Surveyor"),
    "team_leader": _("Work team leader"),
}

APPRAISAL_LABELS = {
    "meeting_date": _("Meeting date"),
    "representatives": _("Representatives of the assembly"),
    "present": _("Representatives present"),
    "comparison_read": _("The data-comparison results were read out before the vote"),
}


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2014, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=100)
    opens_on = _date(_("Opens on"))
    publicity_days = forms.IntegerField(
        label=_("Days of each publicity"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Leave empty for the default of the system."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for step in DEADLINE_STEPS:
            self.fields[f"deadline_{step}"] = _date(CaseState(step).label, required=False)

    def deadline_fields(self):
        return [self[f"deadline_{step}"] for step in DEADLINE_STEPS]

    def main_fields(self):
        return [self[name] for name in ("kind", "year", "title", "opens_on", "publicity_days")]

    def service_values(self) -> dict:
        data = self.cleaned_data
        deadlines = {
            str(step): data[f"deadline_{step}"].isoformat() for step in DEADLINE_STEPS if data.get(f"deadline_{step}")
        }
        return {
            "kind": data["kind"],
            "year": data["year"],
            "title": data["title"],
            "opens_on": data["opens_on"],
            "publicity_days": data.get("publicity_days"),
            "deadlines": deadlines,
        }


def _area_field() -> forms.CharField:
    """An area code picked from a list; the list holds the areas the user may act on, but which
    area the user may act on is the service's to decide (404 outside the scope, 403 without the
    action), so any code parses."""
    return forms.CharField(label=_("Area"), max_length=15, widget=forms.Select)


class QuotaForm(forms.Form):
    area = _area_field()
    households = _count(_("Households"))
    people = _count(_("People"))

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].widget.choices = areas


class CaseFilterForm(forms.Form):
    ORDERS = [
        ("", _("village, then score")),
        ("-score", _("score, highest first")),
        ("score", _("score, lowest first")),
    ]

    state = forms.ChoiceField(label=_("Step"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    order = forms.ChoiceField(label=_("Order"), required=False, choices=ORDERS)

    def __init__(self, *args, villages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("every step")), *CaseState.choices]
        self.fields["village"].choices = [("", _("every village")), *villages]


class CaseIdsField(forms.Field):
    """A list of case numbers (checkboxes of a list page); which ones the user may act on is the
    service's to say."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Select cases of the list.")) from exc


class BulkStepForm(forms.Form):
    """One step for many selected cases; ``field`` lists the cases that were checked in the field."""

    STEPS = [
        ("record_group_discussion", _("Group discussion")),
        ("record_township_review", _("Township review")),
        ("confirm", _("County confirmation")),
    ]

    step = forms.ChoiceField(label=_("Step"), choices=STEPS)
    cases = CaseIdsField(label=_("Cases"), error_messages={"required": _("Select at least one case.")})
    field = CaseIdsField(label=_("Checked in the field"), required=False)
    finding = forms.CharField(label=_("Finding"), required=False, max_length=1000)
    # one meeting of a village group recommends all the cases ticked (小组议)
    meeting_date = _date(_("Meeting date"), required=False)
    attendance = _count(_("Household representatives present"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("step") == "record_group_discussion":
            for name in ("meeting_date", "attendance"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required for the group discussion."))
        return data


class ApplyForm(forms.Form):
    households = forms.TypedMultipleChoiceField(
        label=_("Households"), coerce=int, widget=forms.CheckboxSelectMultiple, choices=()
    )
    informed_on = _date(_("Informed of the criteria and procedure on"))
    self_assessment = forms.CharField(
        label=_("Income self-assessment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, households: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = households


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GroupDiscussionForm(_Versioned):
    meeting_date = _date(_("Meeting date"))
    attendance = _count(_("Household representatives present"))
    recommended = forms.BooleanField(label=_("The meeting recommends the household"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.FileField(label=_("Minutes (photo or PDF)"), required=False)


class VillageAppraisalForm(_Versioned):
    meeting_date = _date(APPRAISAL_LABELS["meeting_date"])
    representatives = _count(APPRAISAL_LABELS["representatives"])
    present = _count(APPRAISAL_LABELS["present"])
    votes_for = _count(_("Votes for"))
    votes_against = _count(_("Votes against"))
    comparison_read = forms.BooleanField(label=APPRAISAL_LABELS["comparison_read"], required=False)
    minutes = forms.FileField(label=_("Minutes (photo or PDF)"), required=False)


class HomeCheckForm(_Versioned):
    visited_on = _date(_("Visited on"))
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label=_("Photo or scan of the signed form"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in HOME_CHECK_ITEMS:
            self.fields[f"check_{item}"] = forms.BooleanField(label=HOME_CHECK_LABELS.get(item, item), required=False)
        for role, label in SIGNATURE_ROLES.items():
            self.fields[f"{role}_name"] = forms.CharField(
                label=_("%(who)s: name") % {"who": label}, required=False, max_length=50
            )
            self.fields[f"{role}_date"] = _date(_("%(who)s: date") % {"who": label}, required=False)

    def check_fields(self):
        return [self[f"check_{item}"] for item in HOME_CHECK_ITEMS]

    def signature_fields(self):
        return [(label, self[f"{role}_name"], self[f"{role}_date"]) for role, label in SIGNATURE_ROLES.items()]

    def checklist(self) -> dict[str, bool]:
        return {item: bool(self.cleaned_data.get(f"check_{item}")) for item in HOME_CHECK_ITEMS}

    def signatures(self) -> dict[str, dict[str, str]]:
        result = {}
        for role in SIGNATURE_ROLES:
            signed_on = self.cleaned_data.get(f"{role}_date")
            result[role] = {
                "name": (self.cleaned_data.get(f"{role}_name") or "").strip(),
                "date": signed_on.isoformat() if signed_on else "",
            }
        return result


class TownshipReviewForm(_Versioned):
    checked_in_field = forms.BooleanField(label=_("Checked in the field"), required=False)
    finding = forms.CharField(
        label=_("Finding"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(_Versioned):
    checked_in_field = forms.BooleanField(label=_("Checked in the field"), required=False)


class _OwnIds:
    """Forms shown together on the case page keep their HTML ids apart (the names stay plain)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class OverrideForm(_OwnIds, forms.Form):
    id_prefix = "override"

    reason = forms.CharField(
        label=_("Reason for letting the case through"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(_OwnIds, _Versioned):
    id_prefix = "return"

    to_state = forms.ChoiceField(label=_("Back to"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, targets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [(state, CaseState(state).label) for state in targets]


class RejectForm(_OwnIds, _Versioned):
    id_prefix = "reject"

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AppraisalMeetingForm(forms.Form):
    """The assembly meeting of one village, with the votes for and against each case on it."""

    meeting_date = _date(APPRAISAL_LABELS["meeting_date"])
    representatives = _count(APPRAISAL_LABELS["representatives"])
    present = _count(APPRAISAL_LABELS["present"])
    comparison_read = forms.BooleanField(label=APPRAISAL_LABELS["comparison_read"], required=False)

    def __init__(self, *args, case_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.case_ids = case_ids
        for case_id in case_ids:
            self.fields[f"for_{case_id}"] = _count(_("Votes for"), required=False)
            self.fields[f"against_{case_id}"] = _count(_("Votes against"), required=False)
            self.fields[f"version_{case_id}"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def votes(self) -> list[tuple[int, int, int, int | None]]:
        """(case, for, against, version) of each case with a vote entered; a blank count is 0."""
        result = []
        for case_id in self.case_ids:
            votes_for = self.cleaned_data.get(f"for_{case_id}")
            against = self.cleaned_data.get(f"against_{case_id}")
            if votes_for is None and against is None:
                continue
            result.append((case_id, votes_for or 0, against or 0, self.cleaned_data.get(f"version_{case_id}")))
        return result


class NoticeCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoticeKind.choices)
    area = _area_field()
    issued_by = forms.CharField(label=_("Issued by"), max_length=100)
    contact = forms.CharField(
        label=_("Phones for objections"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Township leaders, the discipline secretary and others people may call."),
    )

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].widget.choices = areas


class NoticePostForm(forms.Form):
    starts_on = _date(_("Posted from"))
    posted_place = forms.CharField(label=_("Posted at"), max_length=200)
    photo = forms.FileField(label=_("Photo of the posted notice"), required=False)


class ObjectionForm(forms.Form):
    case = forms.TypedChoiceField(label=_("Household"), coerce=int)
    raised_by = forms.CharField(label=_("Raised by"), max_length=50)
    received_on = _date(_("Received on"))
    channel = forms.ChoiceField(label=_("Channel"), choices=ObjectionChannel.choices)
    content = forms.CharField(label=_("Content"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, cases: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = cases


class ResolveObjectionForm(forms.Form):
    DECISIONS = [("uphold", _("Upheld: the case goes back")), ("reject", _("Rejected: the case stays"))]
    RETURN_TO = [CaseState.APPLIED, CaseState.GROUP_DISCUSSED, CaseState.VILLAGE_APPRAISED]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    return_to = forms.ChoiceField(
        label=_("Send the case back to"),
        required=False,
        choices=[(state.value, state.label) for state in RETURN_TO],
        initial=CaseState.GROUP_DISCUSSED,
    )
    resolution = forms.CharField(
        label=_("What the verification found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SpotCheckDrawForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Share of announced cases to check (%)"),
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
        initial=Decimal("10"),
    )

    def share(self) -> Decimal:
        return (self.cleaned_data["percent"] / Decimal("100")).quantize(Decimal("0.001"))


class SpotCheckRecordForm(forms.Form):
    finding = forms.CharField(
        label=_("Finding"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    has_problem = forms.BooleanField(label=_("A problem was found: send the case back"), required=False)


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    key = forms.CharField(
        label=_("Key"),
        max_length=60,
        help_text=_("Lower-case letters, digits and underscores; the key of a default rule replaces it here."),
    )
    label = forms.CharField(label=_("Rule"), max_length=200)
    household_field = forms.ChoiceField(label=_("Fact of the household form it checks"), required=False)

    def __init__(self, *args, flags: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household_field"].choices = [("", "—"), *flags]


class RuleStateForm(forms.Form):
    kind = forms.ChoiceField(choices=RuleKind.choices)
    key = forms.CharField(max_length=60)
    active = forms.TypedChoiceField(choices=[("0", "0"), ("1", "1")], coerce=lambda value: value == "1")


class ScoreCardForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DEFAULT_WEIGHTS:
            self.fields[name] = forms.DecimalField(
                label=ScoreCard._meta.get_field(name).verbose_name, max_digits=5, decimal_places=2
            )

    def weights(self) -> dict[str, Decimal]:
        return {name: self.cleaned_data[name] for name in DEFAULT_WEIGHTS}
