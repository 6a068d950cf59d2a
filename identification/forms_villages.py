"""Forms of the poor-village pages: a village's yearly figures, the township's cadre vote, the one
publicity, and the villages chosen for a proposal or the county's announcement."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from areas.models import VillageFigures
from identification.forms import DateInput
from identification.villages import FIGURE_FIELDS

__all__ = ["CadreVoteForm", "VillageFiguresForm", "VillagePickForm", "VillagePublicityForm"]


class VillageFiguresForm(forms.Form):
    """The village form's figures for one year, with the model's labels and types; the service
    checks the rest (no negative figure, no more poor people than rural registered population),
    so the refusal shows next to the figure at fault."""

    def __init__(self, *args, instance: VillageFigures | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", model_to_dict(instance, fields=FIGURE_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(VillageFigures, fields=FIGURE_FIELDS))

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIGURE_FIELDS}


def _count(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class CadreVoteForm(forms.Form):
    meeting_date = forms.DateField(label=_("Meeting date"), widget=DateInput())
    representatives = _count(_("Village cadres of the township"))
    present = _count(_("Cadres present"))
    votes_for = _count(_("Votes for"))
    votes_against = _count(_("Votes against"))


class VillagePublicityForm(forms.Form):
    starts_on = forms.DateField(label=_("First day of the publicity"), widget=DateInput())
    posted_place = forms.CharField(label=_("Where the notice is posted"), max_length=200)


class VillagePickForm(forms.Form):
    """Villages (codes) or village cases (ids) ticked on the list."""

    villages = forms.MultipleChoiceField(required=False)
    cases = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, villages=(), cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(code, code) for code in villages]
        self.fields["cases"].choices = [(pk, pk) for pk in cases]
