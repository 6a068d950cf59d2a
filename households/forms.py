"""Forms of the survey (the national collection form): they parse input; the rules are in
households.services and households.quality."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from areas.choices import Level
from areas.models import Area
from households.choices import ChangeReason
from households.models import CauseCode, Household, Member
from households.services import HOUSEHOLD_INPUT_FIELDS, MEMBER_INPUT_FIELDS

__all__ = ["SECTIONS", "HouseholdForm", "MemberForm", "MemberFormSet"]

#: the sections of the form and their fields, in the order of the paper form
SECTIONS = [
    ("basic", "基本情况", [
        "village_group", "phone", "bank_name", "bank_account", "identification_standard", "poverty_attribute",
        "is_military_martyr_family", "is_single_child_family", "is_two_daughter_family", "main_cause",
        "other_causes", "cause_note",
    ]),
    ("income", "收入情况", [
        "wage_income", "business_income", "asset_dividend_income", "other_property_income",
        "family_planning_subsidy", "dibao_allowance", "tekun_allowance", "pension_income",
        "ecological_compensation", "other_transfer_income", "business_expense",
    ]),
    ("production", "生产条件", [
        "cultivated_land_mu", "irrigated_land_mu", "forest_land_mu", "grain_to_green_mu", "orchard_mu",
        "pasture_mu", "water_surface_mu", "has_production_power", "joined_cooperative", "led_by_enterprise",
        "led_by_entrepreneur",
    ]),
    ("living", "生活条件", [
        "has_household_power", "has_radio_tv", "distance_to_main_road_km", "access_road_type", "housing_area_m2",
        "housing_safety", "drinking_water_difficult", "drinking_water_safe", "main_fuel", "has_sanitary_toilet",
        "has_enough_food", "has_seasonal_clothing",
    ]),
    ("relocation", "易地扶贫搬迁", ["is_relocated", "relocation_mode", "resettlement_type", "resettlement_place"]),
    ("exclusion", "识别排除情形（四进七不进）", [
        "excl_public_salary", "excl_village_cadre", "excl_town_property", "excl_private_car", "excl_large_machinery",
        "excl_runs_business", "excl_split_to_qualify", "excl_not_resident",
        "excl_study_abroad_or_commercial_insurance", "excl_unexplained_complaint",
    ]),
]  # fmt: skip


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    village_group = forms.ChoiceField(label="所在组", required=False)
    main_cause = forms.ChoiceField(label="主要致贫原因", required=False)
    other_causes = forms.MultipleChoiceField(
        label="其他致贫原因（最多两项）", required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Household
        fields = [name for name in HOUSEHOLD_INPUT_FIELDS if name not in ("main_cause", "other_causes")]
        widgets = {"cause_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, village: Area, **kwargs):
        super().__init__(*args, **kwargs)
        groups = Area.objects.filter(parent=village, level=Level.GROUP, is_revoked=False).order_by("code")
        self.fields["village_group"].choices = [("", "—")] + [(g.code, g.name) for g in groups]
        province = village.code[:2].ljust(12, "0")
        causes = CauseCode.objects.filter(province__isnull=True) | CauseCode.objects.filter(province_id=province)
        cause_choices = [(c.code, f"{c.code} {c.name}") for c in causes.order_by("code")]
        self.fields["main_cause"].choices = [("", "—")] + cause_choices
        self.fields["other_causes"].choices = cause_choices
        if self.instance.pk:
            self.initial.setdefault("village_group", self.instance.village_group_id or "")
            self.initial.setdefault("main_cause", self.instance.main_cause)
            self.initial.setdefault("other_causes", self.instance.other_causes)
            self.initial.setdefault("version", self.instance.version)
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.required = False  # an empty amount is 0 (the road distance is checked as a rule)
                field.widget.attrs.update({"inputmode": "decimal", "min": "0", "step": "0.01"})
                if name in INCOME_FIELD_NAMES:
                    field.widget.attrs["data-income"] = "1"

    def _post_clean(self):
        # the model's own validation runs in the service, with everything else; no partial save here
        pass

    def service_fields(self) -> dict:
        """The cleaned values as the service takes them: empty amounts count as 0, except the road
        distance, whose absence is a data-quality error of its own."""
        data = {}
        for name in HOUSEHOLD_INPUT_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None and name != "distance_to_main_road_km":
                value = Household._meta.get_field(name).get_default()
            data[name] = value
        data["main_cause"] = self.cleaned_data.get("main_cause") or ""
        data["other_causes"] = list(self.cleaned_data.get("other_causes") or [])
        return data


INCOME_FIELD_NAMES = set(SECTIONS[1][2])


class MemberForm(forms.ModelForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    remove = forms.BooleanField(label=_("Leaves the household"), required=False)
    change_reason = forms.ChoiceField(label="人员变更原因", required=False, choices=[("", "—"), *ChangeReason.choices])
    confirm_conversion = forms.BooleanField(label=_("I checked the converted 18-digit number"), required=False)

    class Meta:
        model = Member
        fields = MEMBER_INPUT_FIELDS
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 20, "spellcheck": "false"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].required = False
        self.fields["gender"].choices = [("", "按证件号码")] + list(self.fields["gender"].choices)[1:]
        for name in ("education", "labor_skill", "work_status", "disability_cert_no", "work_months"):
            self.fields[name].required = False

    def _post_clean(self):
        pass

    def service_row(self) -> dict:
        row = {name: self.cleaned_data.get(name) for name in MEMBER_INPUT_FIELDS}
        row["gender"] = row.get("gender") or ""
        row["work_months"] = row.get("work_months") or 0
        for name in ("education", "labor_skill", "work_status", "disability_cert_no"):
            row[name] = row.get(name) or ""
        row["id"] = self.cleaned_data.get("id")
        row["remove"] = self.cleaned_data.get("remove")
        row["change_reason"] = self.cleaned_data.get("change_reason") or ""
        row["confirm_conversion"] = self.cleaned_data.get("confirm_conversion")
        return row


MemberFormSet = formset_factory(MemberForm, extra=0, max_num=30, validate_max=True)
