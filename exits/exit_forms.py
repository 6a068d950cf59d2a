"""Forms of the exit pages and API: each parses input into the keyword values of one service of
exits.exit_services or exits.exit_areas; every rule stays in the services. The API validates
its JSON through the same forms, so pages and API cannot drift apart."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import InvalidParameter, object_id
from exits.exit_services import CHECKLIST_ITEMS
from identification.forms import DateInput
from identification.services import Vote

__all__ = [
    "CHECKLIST_LABELS",
    "STEP_FORMS",
    "AcknowledgementForm",
    "BulkExitForm",
    "LevelCheckForm",
    "ProposeManyForm",
    "PublicityForm",
]

CHECKLIST_LABELS = {
    "food": _("Food: staple food sufficient, meat at least monthly"),
    "clothing": _("Clothing for each season"),
    "education": _("No child aged 6-15 out of compulsory school"),
    "medical": _("Every member in basic medical insurance"),
    "housing": _("Safe housing (grade A or B, or a safe relocated home)"),
    "water": _("Safe drinking water"),
}


def _date(label) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


class _StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class VillageAppraisalForm(_StepForm):
    meeting_date = _date(_("Meeting date"))
    representatives = forms.IntegerField(label=_("Representatives"), min_value=0)
    present = forms.IntegerField(label=_("Present"), min_value=0)
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        vote = Vote(data["representatives"], data["present"], data["votes_for"], data["votes_against"])
        return {"meeting_date": data["meeting_date"], "vote": vote, "version": data.get("version")}


class HomeVerificationForm(_StepForm):
    visited_on = _date(_("Visited on"))
    income_per_capita = forms.DecimalField(
        label=_("Per-capita net income found (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    verifiers = forms.CharField(label=_("Verified by (village committee, work team)"), max_length=200)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in CHECKLIST_ITEMS:
            self.fields[f"check_{item}"] = forms.BooleanField(label=CHECKLIST_LABELS[item], required=False)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["checklist"] = {item: bool(data.pop(f"check_{item}")) for item in CHECKLIST_ITEMS}
        return data


class AcknowledgementForm(_StepForm):
    signed_by = forms.CharField(label=_("Signed for the household by"), max_length=50)
    signed_on = _date(_("Signed on"))
    scan = forms.FileField(label=_("Scanned acknowledgement (optional)"), required=False)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("scan", None)
        return data


class TownshipReviewForm(_StepForm):
    reviewed_on = _date(_("Reviewed on"))
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}))
    checked_in_field = forms.BooleanField(label=_("Checked in the field"), required=False)


class ApproveForm(_StepForm):
    opinion = forms.CharField(label=_("Opinion"), required=False, max_length=500)


class AnnounceForm(_StepForm):
    announced_on = _date(_("Announced on"))


class CityFilingForm(_StepForm):
    filed_on = _date(_("Filed with the city on"))


class ProvinceFilingForm(_StepForm):
    filed_on = _date(_("Filed with the province on"))


class WithdrawForm(_StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


#: the form of each step of a household case taken one case at a time
STEP_FORMS: dict[str, type[_StepForm]] = {
    "record_village_appraisal": VillageAppraisalForm,
    "record_home_verification": HomeVerificationForm,
    "record_acknowledgement": AcknowledgementForm,
    "record_township_review": TownshipReviewForm,
    "approve": ApproveForm,
    "announce": AnnounceForm,
    "record_city_filing": CityFilingForm,
    "record_province_filing": ProvinceFilingForm,
    "withdraw": WithdrawForm,
}


class _Ids(forms.Field):
    """A list of ids, from repeated form fields or a JSON list."""

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:  # ASCII digits within the ids' range: int() takes "١٢", and SQLite no id past a bigint
            ids = [object_id(v if isinstance(v, str) else str(v), "case_ids") for v in values]
        except InvalidParameter as exc:
            raise forms.ValidationError(_("Give case numbers.")) from exc
        if None in ids:
            raise forms.ValidationError(_("Give case numbers."))
        return ids


class IdsWidget(forms.MultipleHiddenInput):
    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        return getlist(name) if getlist else data.get(name)


def ids_field(label) -> _Ids:
    return _Ids(label=label, widget=IdsWidget)


class ProposeManyForm(forms.Form):
    year = forms.IntegerField(label=_("Exit year"), min_value=2014, max_value=2100)
    household_ids = ids_field(_("Households"))
    plan_note = forms.CharField(label=_("Measures planned"), required=False, max_length=1000)

    def clean_household_ids(self):
        ids = self.cleaned_data["household_ids"]
        if not ids:
            raise forms.ValidationError(_("Choose at least one household."))
        return ids


class BulkExitForm(forms.Form):
    """The same step on many cases at once; the step's own fields come with it."""

    STEPS = [
        ("record_township_review", _("Township review")),
        ("approve", _("County approval")),
        ("announce", _("County announcement")),
        ("record_city_filing", _("Filing with the city")),
        ("record_province_filing", _("Filing with the province")),
    ]
    step = forms.ChoiceField(label=_("Step"), choices=STEPS)
    case_ids = ids_field(_("Cases"))

    def clean_case_ids(self):
        ids = self.cleaned_data["case_ids"]
        if not ids:
            raise forms.ValidationError(_("Choose at least one case."))
        return ids


class PublicityForm(forms.Form):
    """Draft the village's exit publicity notice (posted, objected to and concluded on the notice)."""

    village = forms.CharField(label=_("Village"), max_length=12)
    year = forms.IntegerField(label=_("Exit year"), min_value=2014, max_value=2100)
    issued_by = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    contact = forms.CharField(
        label=_("Phones for objections"),
        help_text=_("Township leaders, discipline secretary"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    #: none: every acknowledged case of the village
    case_ids = _Ids(label=_("Cases"), widget=IdsWidget, required=False)


class AreaYearForm(forms.Form):
    code = forms.CharField(label=_("Area"), max_length=12)
    year = forms.IntegerField(label=_("Exit year"), min_value=2014, max_value=2100)


class VillagePublicityForm(forms.Form):
    starts_on = _date(_("Posted on"))
    posted_place = forms.CharField(label=_("Posted at"), max_length=200)


class LevelCheckForm(forms.Form):
    checked_on = _date(_("Checked on"))
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}))
