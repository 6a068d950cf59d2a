"""Forms of the review pages: they parse input only; the rules are in exits.review, exits.status
and exits.frozen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from exits.models import ReviewFinding, ReviewForm
from households.choices import Relation

__all__ = [
    "CampaignForm",
    "CountyReviewForm",
    "FreezeForm",
    "IdentifyForm",
    "NaturalChangeForm",
    "ResultForm",
    "StatusForm",
    "TownshipCheckForm",
]

_DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2014, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    opens_on = forms.DateField(label=_("Opens on"), widget=_DATE)
    deadline = forms.DateField(label=_("Deadline"), widget=_DATE)


class ResultForm(forms.Form):
    form = forms.ChoiceField(label=_("Form"), choices=ReviewForm.choices)
    finding = forms.ChoiceField(label=_("Finding"), choices=ReviewFinding.choices)
    reason = forms.CharField(label=_("Findings of the visit"), widget=forms.Textarea(attrs={"rows": 3}))
    income_checked = forms.BooleanField(label=_("Income verified at home"), required=False)
    conditions_checked = forms.BooleanField(
        label=_("Housing, schooling, medical care and water verified"), required=False
    )
    head = forms.CharField(label=_("Head of household (signature)"), max_length=50, required=False)
    surveyor = forms.CharField(label=_("Surveyor (signature)"), max_length=50, required=False)
    team_leader = forms.CharField(label=_("Team leader (signature)"), max_length=50, required=False)
    deputy = forms.CharField(label=_("Deputy (signature)"), max_length=50, required=False)
    signed_on = forms.DateField(label=_("Signed on"), widget=_DATE)
    recorded_on = forms.DateField(label=_("Filled in on"), widget=_DATE, required=False)

    def signatures(self) -> dict:
        date = self.cleaned_data["signed_on"].isoformat()
        return {
            role: {"name": self.cleaned_data[role], "date": date}
            for role in ("head", "surveyor", "team_leader", "deputy")
        }

    def answers(self) -> dict:
        return {
            "income_checked": self.cleaned_data["income_checked"],
            "conditions_checked": self.cleaned_data["conditions_checked"],
        }


class TownshipCheckForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.TypedChoiceField(
        label=_("Township re-check"),
        choices=[("1", _("Agree with the village")), ("0", _("Send back to the village"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    on = forms.DateField(label=_("Date"), widget=_DATE, required=False)


class CountyReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("County review"),
        choices=[("1", _("Confirm the finding")), ("0", _("Do not confirm"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    on = forms.DateField(label=_("Date"), widget=_DATE, required=False)


class IdentifyForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("Identification campaign"), coerce=int)
    informed_on = forms.DateField(label=_("Informed of the criteria on"), widget=_DATE)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, str(c)) for c in campaigns]


class StatusForm(forms.Form):
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        choices=[
            ("remove", _("Remove (wrongly included)")),
            ("close", _("Close (household gone)")),
            ("reopen", _("Reopen a wrong exit")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_on = forms.DateField(label=_("Effective on"), widget=_DATE, required=False)
    documents = forms.CharField(
        label=_("Documents"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One document a line (minutes, verification report)."),
    )

    scan = forms.FileField(label=_("Scan of a document (photo or PDF)"), required=False)

    def documents_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["documents"].splitlines() if line.strip()]


class FreezeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2014, max_value=2100)


class NaturalChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind of change"),
        choices=[
            ("birth", _("Birth")),
            ("married_in", _("Married in")),
            ("other_in", _("Other move in")),
            ("death", _("Death")),
            ("married_out", _("Married out")),
            ("emigrated", _("Settled abroad")),
            ("imprisoned", _("Imprisoned")),
            ("other_out", _("Other move out")),
        ],
    )
    member = forms.TypedChoiceField(label=_("Member who leaves"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("Name of the person who joins"), max_length=50, required=False)
    id_number = forms.CharField(label=_("ID number of the person who joins"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices, required=False)
    changed_on = forms.DateField(label=_("Date of the change"), widget=_DATE, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *[(m.pk, m.name) for m in members]]

    def person(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {"name": data["name"], "id_number": data["id_number"], "relation": data["relation"], "gender": ""}
