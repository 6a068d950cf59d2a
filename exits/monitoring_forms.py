"""Forms of the monitoring pages: they parse input only; the rules are exits.monitoring_services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from exits.monitoring_choices import EliminationMode, MonitoringChannel, MonitoringKind, RiskKind
from exits.monitoring_workflow import TRANSITIONS

__all__ = ["AlertForm", "CloseForm", "EliminateForm", "LineForm", "ReturnForm", "RiskForm", "StepForm"]

_DATE = forms.DateInput(attrs={"type": "date"})
_TEXT = forms.Textarea(attrs={"rows": 2})


class AlertForm(forms.Form):
    household_no = forms.CharField(label=_("Household number"), max_length=16)
    kind = forms.ChoiceField(label=_("Kind of monitored household"), choices=MonitoringKind.choices)
    channel = forms.ChoiceField(label=_("Found through"), choices=MonitoringChannel.choices)
    note = forms.CharField(label=_("What was noticed"), widget=_TEXT, max_length=2000)


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[(t.name, t.label) for t in TRANSITIONS], widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), required=False, widget=_DATE)
    note = forms.CharField(label=_("Found or decided"), widget=_TEXT, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReturnForm(forms.Form):
    to_state = forms.ChoiceField(label=_("Send back to"), choices=[])
    reason = forms.CharField(label=_("Reason"), widget=_TEXT, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, targets: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = list(targets)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=_TEXT, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of risk"), choices=RiskKind.choices)
    found_on = forms.DateField(label=_("Found on"), widget=_DATE)
    description = forms.CharField(label=_("Description"), widget=_TEXT, max_length=2000)
    measures = forms.MultipleChoiceField(
        label=_("Assistance measures"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [
            (str(m.pk), f"{m.year} {m.get_code_display()} {m.content[:30]}") for m in measures
        ]


class EliminateForm(forms.Form):
    mode = forms.ChoiceField(label=_("Eliminated by"), choices=EliminationMode.choices)
    note = forms.CharField(label=_("Found or decided"), widget=_TEXT, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LineForm(forms.Form):
    province = forms.ChoiceField(label=_("Province"), choices=[])
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Monitoring line (yuan per person per year)"), max_digits=8, decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [(p.code, p.name) for p in provinces]
