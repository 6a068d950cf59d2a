"""Forms of the assistance pages: they parse input; the rules are in assistance.services and
assistance.units (a refusal shows next to the field it names)."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.choices import MEASURES, MeasureCode, MeasureKind, MeasureStatus, ProjectState

__all__ = [
    "AdvanceForm",
    "BeneficiariesForm",
    "BulkAssignForm",
    "BulkPlanCopyForm",
    "CadreEndForm",
    "CadreFilterForm",
    "CadreLoginForm",
    "CadreForm",
    "FundingRowForm",
    "FundingRowFormSet",
    "MeasureForm",
    "MeasureStatusForm",
    "PairingForm",
    "PaymentForm",
    "PlanCopyForm",
    "PlanForm",
    "ProjectFilterForm",
    "ProjectForm",
    "UnitEndForm",
    "UnitForm",
    "VisitForm",
    "WorkTeamForm",
]

CENTS = Decimal("0.01")
#: largest amount a form takes as a number (the service says what is too much for a measure)
_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date(label, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput)


def _amount(label, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **_AMOUNT,
    )


def _text(label, required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


def _year(label, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=2000, max_value=2100)


# --- cadres, work teams, units ----------------------------------------------------------------


class CadreForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    unit = forms.CharField(label="工作单位", max_length=100)
    position = forms.CharField(label="职务", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    starts_on = _date("帮扶开始")
    username = forms.CharField(
        label=_("Login name"),
        max_length=150,
        required=False,
        help_text=_("Optional: the login the cadre uses to see the households paired with them."),
    )


class CadreLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Login name"), max_length=150, required=False, help_text=_("Leave empty to unlink the login.")
    )


class CadreEndForm(forms.Form):
    ends_on = _date("帮扶结束")


class CadreFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or unit"), required=False, max_length=50)
    state = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("current", _("serving")), ("ended", _("ended")), ("all", _("all"))],
    )


class WorkTeamForm(forms.Form):
    dispatching_unit = forms.CharField(label="派出单位", max_length=100)
    leader = forms.CharField(label="队长", max_length=50)
    first_secretary = forms.CharField(label="第一书记", max_length=50)
    members = forms.CharField(
        label="队员",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name a line, or separated by 、 or commas."),
    )
    starts_on = _date("派驻开始")

    def member_names(self) -> list[str]:
        raw = self.cleaned_data.get("members") or ""
        for separator in ("、", "，", ",", "\r"):
            raw = raw.replace(separator, "\n")
        return [name.strip() for name in raw.split("\n") if name.strip()]


class UnitForm(forms.Form):
    unit_name = forms.CharField(label="帮扶单位", max_length=100)
    kind = forms.CharField(label="单位类别", max_length=50, required=False)
    starts_on = _date("开始日期")


class UnitEndForm(forms.Form):
    ends_on = _date("结束日期")


# --- a household: cadre, visits, plans, measures, payments ----------------------------------------


class PairingForm(forms.Form):
    """Change the household's responsible cadre (``cadres``: the county's, serving)."""

    cadre = forms.TypedChoiceField(label="帮扶责任人", coerce=int)
    starts_on = _date("开始日期")
    reason = forms.CharField(label="变更原因", max_length=200, required=False)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", "—")] + [(c.pk, str(c)) for c in cadres]
        self.fields["starts_on"].initial = timezone.localdate()


class BulkAssignForm(PairingForm):
    households = forms.TypedMultipleChoiceField(label=_("Households"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = [(h.pk, f"{h.household_no} {h.head_name}") for h in households]
        self.fields["households"].error_messages["required"] = _("Tick the households to give this cadre.")


class VisitForm(forms.Form):
    cadre = forms.TypedChoiceField(label="帮扶责任人", coerce=int)
    visited_on = _date("走访日期")
    found = _text("了解情况", rows=3)
    done = _text("帮扶内容", required=False, rows=3)

    def __init__(self, *args, cadres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [(c.pk, str(c)) for c in cadres]
        self.fields["visited_on"].initial = timezone.localdate()


class PlanForm(forms.Form):
    year = _year("计划年度")
    planned_exit_year = _year("计划脱贫年度")
    note = _text("说明", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlanCopyForm(forms.Form):
    from_year = _year(_("Copy the plan of"))
    to_year = _year(_("to the year"))


class BulkPlanCopyForm(PlanCopyForm):
    """Copy the plans of ``from_year`` of the ticked households to ``to_year``."""

    households = forms.TypedMultipleChoiceField(label=_("Households"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = [(h.pk, f"{h.household_no} {h.head_name}") for h in households]
        self.fields["households"].error_messages["required"] = _("Tick the households whose plans to copy.")


def measure_choices() -> list[tuple[str, str]]:
    """Each measure with whom it applies to: 到户 (the household) or 到人 (named members)."""
    return [
        (code, f"{code} {label}（{MeasureKind(MEASURES[code].applies_to).label}）")
        for code, label in MeasureCode.choices
    ]


class MeasureForm(forms.Form):
    code = forms.ChoiceField(label="措施", choices=measure_choices)
    year = _year("年度")
    content = _text("措施内容", required=False)
    cost = _amount("资金（元）", required=False)
    funding_source = forms.CharField(label="资金来源", max_length=100, required=False)
    status = forms.ChoiceField(label="状态", choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED)
    members = forms.TypedMultipleChoiceField(
        label="受益成员",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for measures for persons (到人); a measure for the household (到户) names none."),
    )
    project = forms.TypedChoiceField(label=_("Project of the library"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, members=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members]
        self.fields["project"].choices = [("", "—")] + [(p.pk, p.name) for p in projects]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "year": data["year"],
            "content": data.get("content") or "",
            "cost": data.get("cost") if data.get("cost") is not None else Decimal("0"),
            "funding_source": data.get("funding_source") or "",
            "status": data["status"],
            "member_ids": list(data.get("members") or []),
            "project_id": data.get("project"),
        }


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=MeasureStatus.choices)
    cost = _amount("资金（元）", required=False)
    content = _text("措施内容", required=False)


class PaymentForm(forms.Form):
    amount = _amount("金额（元）")
    paid_on = _date("发放日期")
    purpose = forms.CharField(label="用途", max_length=200)
    measure = forms.TypedChoiceField(label="帮扶措施", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "—")] + [(m["id"], m["label"]) for m in measures]


# --- projects -------------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "—"), *ProjectState.choices])
    area = forms.RegexField(label=_("Area code"), regex=r"^\d{2,12}$", required=False)
    q = forms.CharField(label="项目名称", required=False, max_length=60)


class ProjectForm(forms.Form):
    """A village's proposal (after its meeting and publicity). Funding sources are rows below."""

    name = forms.CharField(label="项目名称", max_length=120)
    category = forms.CharField(label="项目类别", max_length=60)
    construction_nature = forms.CharField(label="建设性质", max_length=30, required=False)
    responsible_unit = forms.CharField(label="责任单位", max_length=100)
    tasks = _text("建设任务", rows=3)
    budget = _amount("投资概算（元）")
    performance_targets = _text(
        "绩效目标", required=False, rows=3
    )  # required by the service, which says so next to the field
    mechanism = _text("带贫减贫机制", required=False, rows=3)
    planned_households = forms.IntegerField(label="计划受益户数", required=False, min_value=0)
    planned_people = forms.IntegerField(label="计划受益人数", required=False, min_value=0)
    meeting_date = _date(_("Date of the village meeting"), required=False)
    meeting_attendance = forms.IntegerField(label=_("Attendance"), required=False, min_value=0)
    publicity_starts_on = _date(_("Village publicity from"), required=False)
    publicity_place = forms.CharField(label=_("Publicity place"), max_length=100, required=False)

    def values(self, funding: dict[str, Decimal]) -> dict:
        data = self.cleaned_data
        keys = ("name", "category", "construction_nature", "responsible_unit", "tasks", "performance_targets")
        values = {key: data.get(key) or "" for key in keys}
        values["mechanism"] = data.get("mechanism") or ""
        values["planned_households"] = data.get("planned_households") or 0
        values["planned_people"] = data.get("planned_people") or 0
        values["budget"] = data["budget"]
        values["funding_sources"] = funding
        return values

    def meeting(self) -> dict[str, str]:
        data = self.cleaned_data
        meeting = {"date": data["meeting_date"].isoformat() if data.get("meeting_date") else ""}
        if data.get("meeting_attendance") is not None:
            meeting["attendance"] = str(data["meeting_attendance"])
        if data.get("publicity_starts_on"):
            meeting["publicity_starts_on"] = data["publicity_starts_on"].isoformat()
        if data.get("publicity_place"):
            meeting["publicity_place"] = data["publicity_place"]
        return meeting


class FundingRowForm(forms.Form):
    source = forms.CharField(label="资金来源", max_length=60, required=False)
    amount = _amount("金额（元）", required=False)

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("amount") is None:
            self.add_error("amount", _("Give the amount from this source."))
        if data.get("amount") is not None and not data.get("source"):
            self.add_error("source", _("Name the source of this amount."))
        return data


class _FundingRows(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            source = (form.cleaned_data.get("source") or "").strip()
            if source in seen:
                raise forms.ValidationError(
                    _("Each funding source once: %(source)s is listed twice.") % {"source": source}
                )
            if source:
                seen.add(source)

    def sources(self) -> dict[str, Decimal]:
        return {
            form.cleaned_data["source"].strip(): form.cleaned_data["amount"].quantize(CENTS)
            for form in self.forms
            if form.cleaned_data.get("source")
        }


FundingRowFormSet = formset_factory(FundingRowForm, formset=_FundingRows, extra=4, max_num=12, validate_max=True)


class AdvanceForm(forms.Form):
    """One step of a project; entering the library (approved) and completion need their publicity."""

    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    publicity_starts_on = _date(_("Publicity from"), required=False)
    publicity_ends_on = _date(_("Publicity until"), required=False)
    publicity_place = forms.CharField(label=_("Publicity place"), max_length=100, required=False)

    def publicity(self) -> dict[str, str] | None:
        data = self.cleaned_data
        publicity = {
            "starts_on": data["publicity_starts_on"].isoformat() if data.get("publicity_starts_on") else "",
            "place": (data.get("publicity_place") or "").strip(),
        }
        if data.get("publicity_ends_on"):
            publicity["ends_on"] = data["publicity_ends_on"].isoformat()
        return publicity if any(publicity.values()) else None


class BeneficiariesForm(forms.Form):
    """A project's planned beneficiaries: the counts, and the poor households named by their
    household numbers (户编号), separated by spaces, commas or new lines."""

    planned_households = forms.IntegerField(label="计划受益户数", min_value=0)
    planned_people = forms.IntegerField(label="计划受益人数", min_value=0)
    household_numbers = forms.CharField(
        label=_("Poor households named (household numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_household_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("household_numbers") or ""
        numbers = list(dict.fromkeys(re.split(r"[\s,，、;；]+", raw.strip()))) if raw.strip() else []
        bad = [number for number in numbers if not re.fullmatch(r"\d{16}", number)]
        if bad:
            raise forms.ValidationError(
                _("Not a household number (16 digits): %(numbers)s") % {"numbers": "、".join(bad[:5])}
            )
        return numbers
