"""Forms of the areas pages. They parse input only; the rules are in areas.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.choices import Action, Level, Role
from areas.models import Area

__all__ = [
    "AreaChildForm",
    "AreaImportForm",
    "AreaRenameForm",
    "AreaRevokeForm",
    "GrantForm",
    "PasswordResetForm",
    "PersonForm",
]


class AreaChildForm(forms.Form):
    code = forms.CharField(
        label=_("Division code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), max_length=100)


class AreaRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AreaRevokeForm(forms.Form):
    successor = forms.CharField(
        label=_("Successor code"),
        required=False,
        max_length=15,
        help_text=_("The code of the village or group that takes its place, if any."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AreaImportForm(forms.Form):
    file = forms.FileField(label=_("List of villages and groups (.xlsx or .csv)"))


def _grantable_areas(user) -> list[tuple[str, str]]:
    """Areas where ``user`` manages people, down to villages: the choices of the area drop-down."""
    areas = (
        Area.objects.visible_to(user, Action.MANAGE_PEOPLE)
        .active()
        .exclude(level=Level.GROUP)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    if user.is_superuser:  # a superuser's list would be the whole country; they use the command or admin
        areas = areas.filter(level__in=[Level.PROVINCE, Level.CITY])
    indent = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 0, Level.TOWNSHIP: 1, Level.VILLAGE: 2}
    return [(code, "\u3000" * indent.get(level, 0) + f"{name}（{code}）") for code, name, level in areas]


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area = forms.ChoiceField(label=_("Area"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _grantable_areas(user)

    def cleaned_data_for_service(self) -> dict[str, str]:
        return {"role": self.cleaned_data["role"], "area_code": self.cleaned_data["area"]}


class PersonForm(GrantForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput(render_value=False), min_length=8
    )

    field_order = ["username", "full_name", "password", "role", "area"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(render_value=False), min_length=8)
