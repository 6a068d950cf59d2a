"""Detailed register (建档立卡户明细): every household of the area with the columns of DOMAIN.md
section 3.1, and every member in the household with those of section 3.2, ID numbers masked.

Unlike the other reports it is not a table by child area: its workbook is written by ``write``
(registered with the report), which streams the rows from the database in chunks into an openpyxl
write-only workbook, so memory stays flat whatever the area (a province has millions of members).
The job's result keeps only the small summary table ``build`` returns (rows per child area).

The open year reads the live registry; a frozen year (年度定案) reads its snapshot: each
household's fields from HouseholdYear's JSON ``data`` and each member's from exits.MemberYear's,
typed back by the model's field (amounts to Decimal, dates to date) and shown through the same
converters, so a frozen year's workbook looks as the live one did when the year was frozen.
Village and group names are the areas' present names (the snapshot keeps their codes).

Sensitive values never appear whole: ID numbers and disability certificate numbers (which embed
the holder's ID number) go through households.idnumbers.mask_id_number, bank accounts likewise,
phones keep their first 3 and last 4 digits, and the birth date is shown as year and month only,
since the full date with the masked number's first 6 and last 4 characters rebuilds the number.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, DateField, DecimalField, IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from areas.choices import Action
from areas.models import Area
from core.excel import safe_cell
from exits.models import MemberYear
from households import choices
from households.idnumbers import mask_id_number
from households.models import Household, HouseholdYear, Member
from reporting.excel import _sheet_title, _write_cover
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key
from reporting.tables import Column, ReportTable

__all__ = [
    "HOUSEHOLD_COLUMNS",
    "MEMBER_COLUMNS",
    "build",
    "detail_rows",
    "frozen_rows",
    "household_rows",
    "member_rows",
    "write",
]

#: rows fetched from the database at a time (a server-side cursor on PostgreSQL)
CHUNK = 2000


def _labels(choice_list) -> Callable[[Any], str]:
    names = dict(choice_list)
    return lambda code: names.get(code, code or "")


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _causes(codes) -> str:
    names = dict(choices.CAUSES)
    return "、".join(names.get(code, code) for code in (codes or []))


def _phone(number: str) -> str:
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def _month(date) -> str:
    return f"{date:%Y-%m}" if date else ""


def _text(value) -> str:
    return value or ""


_CAUSE = _labels(choices.CAUSES)
_BOOL = _yes_no

#: (Chinese header from DOMAIN.md 3.1, field path for values_list, converter or None)
HOUSEHOLD_COLUMNS: list[tuple[str, str, Callable | None]] = [
    ("户编号", "household_no", None),
    ("户主姓名", "head_name", None),
    ("所在村", "village__name", None),
    ("所在村代码", "village_id", None),
    ("所在组", "village_group__name", _text),
    ("家庭人口数", "household_size", None),
    ("联系电话", "phone", _phone),
    ("开户银行", "bank_name", None),
    ("银行账号", "bank_account", mask_id_number),
    ("识别标准", "identification_standard", _labels(choices.IdentificationStandard.choices)),
    ("贫困户属性", "poverty_attribute", _labels(choices.PovertyAttribute.choices)),
    ("是否军烈属", "is_military_martyr_family", _BOOL),
    ("是否独生子女户", "is_single_child_family", _BOOL),
    ("是否双女户", "is_two_daughter_family", _BOOL),
    ("主要致贫原因", "main_cause", _CAUSE),
    ("其他致贫原因", "other_causes", _causes),
    ("致贫原因说明", "cause_note", None),
    ("脱贫属性", "status", _labels(choices.HouseholdStatus.choices)),
    ("脱贫年度", "exit_year", lambda year: year or ""),
    ("工资性收入", "wage_income", None),
    ("生产经营性收入", "business_income", None),
    ("资产收益扶贫分红收入", "asset_dividend_income", None),
    ("其他财产性收入", "other_property_income", None),
    ("计划生育金", "family_planning_subsidy", None),
    ("低保金", "dibao_allowance", None),
    ("特困供养金", "tekun_allowance", None),
    ("养老保险金", "pension_income", None),
    ("生态补偿金", "ecological_compensation", None),
    ("其他转移性收入", "other_transfer_income", None),
    ("生产经营性支出", "business_expense", None),
    ("人均纯收入", "net_income_per_capita", None),
    ("耕地面积", "cultivated_land_mu", None),
    ("有效灌溉面积", "irrigated_land_mu", None),
    ("林地", "forest_land_mu", None),
    ("退耕还林", "grain_to_green_mu", None),
    ("林果", "orchard_mu", None),
    ("牧草地", "pasture_mu", None),
    ("水面面积", "water_surface_mu", None),
    ("通生产用电", "has_production_power", _BOOL),
    ("通生活用电", "has_household_power", _BOOL),
    ("通广播电视", "has_radio_tv", _BOOL),
    ("与村主干路距离", "distance_to_main_road_km", None),
    ("入户路类型", "access_road_type", _labels(choices.AccessRoad.choices)),
    ("住房面积", "housing_area_m2", None),
    ("住房安全", "housing_safety", _labels(choices.HousingSafety.choices)),
    ("饮水是否困难", "drinking_water_difficult", _BOOL),
    ("饮水是否安全", "drinking_water_safe", _BOOL),
    ("主要燃料类型", "main_fuel", _labels(choices.Fuel.choices)),
    ("有无卫生厕所", "has_sanitary_toilet", _BOOL),
    ("是否加入农民专业合作社", "joined_cooperative", _BOOL),
    ("龙头企业带动", "led_by_enterprise", _BOOL),
    ("致富带头人带动", "led_by_entrepreneur", _BOOL),
    ("是否易地扶贫搬迁户", "is_relocated", _BOOL),
    ("搬迁方式", "relocation_mode", _labels(choices.RelocationMode.choices)),
    ("安置方式", "resettlement_type", _labels(choices.ResettlementType.choices)),
    ("安置地", "resettlement_place", _labels(choices.ResettlementPlace.choices)),
] + [
    # the exclusion facts (DOMAIN.md 7.2) under the labels of the survey form
    (str(Household._meta.get_field(name).verbose_name), name, _BOOL)
    for name in (
        "excl_public_salary", "excl_village_cadre", "excl_town_property", "excl_private_car",
        "excl_large_machinery", "excl_runs_business", "excl_split_to_qualify", "excl_not_resident",
        "excl_study_abroad_or_commercial_insurance", "excl_unexplained_complaint",
    )
]  # fmt: skip

#: (Chinese header from DOMAIN.md 3.2, field path, converter or None); the household number first
MEMBER_COLUMNS: list[tuple[str, str, Callable | None]] = [
    ("户编号", "household__household_no", None),
    ("序号", "position", None),
    ("姓名", "name", None),
    ("性别", "gender", _labels(choices.Gender.choices)),
    ("证件类型", "id_type", _labels(choices.IdType.choices)),
    ("证件号码", "id_number", mask_id_number),
    ("出生年月", "birth_date", _month),
    ("与户主关系", "relation", _labels(choices.Relation.choices)),
    ("民族", "ethnicity", _labels(choices.Ethnicity.choices)),
    ("政治面貌", "political_status", _labels(choices.PoliticalStatus.choices)),
    ("文化程度", "education", _labels(choices.Education.choices)),
    ("在校生状况", "school_status", _labels(choices.SchoolStatus.choices)),
    ("健康状况", "health", _labels(choices.Health.choices)),
    ("残疾证号", "disability_cert_no", mask_id_number),
    ("劳动技能", "labor_skill", _labels(choices.LaborSkill.choices)),
    ("务工状况", "work_status", _labels(choices.WorkStatus.choices)),
    ("务工时间(月)", "work_months", None),
    ("是否现役军人", "is_active_soldier", _BOOL),
    ("是否参加城乡居民基本医疗保险", "has_medical_insurance", _BOOL),
    ("是否参加大病保险", "has_critical_illness_insurance", _BOOL),
    ("是否参加城乡居民基本养老保险", "has_resident_pension", _BOOL),
    ("是否参加城镇职工基本养老保险", "has_employee_pension", _BOOL),
    ("是否享受低保", "receives_dibao", _BOOL),
    ("是否特困供养", "receives_tekun", _BOOL),
    ("人员变更原因", "change_reason", _labels(choices.ChangeReason.choices)),
]


def _households(context: ReportContext):
    if context.snapshot:
        return _frozen_households(context)
    return context.scoped(Household.objects.all())


def _members(context: ReportContext):
    if context.snapshot:
        return _frozen_members(context)
    return context.scoped(Member.objects.filter(is_active=True))


def _frozen_households(context: ReportContext):
    """The year's HouseholdYear rows of the area within the requester's scope (as
    reporting.sources.households_for), with the village's and group's names."""
    rows = HouseholdYear.objects.filter(year=context.year, area_code__startswith=context.prefix)
    if context.actor is not None:
        rows = rows.filter(household__in=Household.objects.visible_to(context.actor, Action.VIEW).values("pk"))
    return rows.annotate(
        r_group_code=Cast(KeyTextTransform("village_group_id", "data"), CharField()),
        r_village=Subquery(Area.objects.filter(code=OuterRef("area_code")).values("name")[:1]),
        r_group=Subquery(Area.objects.filter(code=OuterRef("r_group_code")).values("name")[:1]),
    )


def _frozen_members(context: ReportContext):
    """The year's active MemberYear rows of the area within the requester's scope, with their
    household's number in the same year's snapshot."""
    rows = MemberYear.objects.filter(year=context.year, area_code__startswith=context.prefix, is_active=True)
    if context.actor is not None:
        rows = rows.filter(household_id__in=Household.objects.visible_to(context.actor, Action.VIEW).values("pk"))
    number = HouseholdYear.objects.filter(year=context.year, household_id=OuterRef("household_id")).values(
        no=Cast(KeyTextTransform("household_no", "data"), CharField())
    )
    return rows.annotate(
        r_household_no=Subquery(number[:1]),
        r_position=Cast(KeyTextTransform("position", "data"), IntegerField()),
    )


#: a frozen row's values: the JSON ``data`` of the snapshot holds each field under its model
#: name, as JSON (amounts and dates as text); names reached through a relation are annotated
_FROZEN_PATHS = {
    "village__name": "r_village",
    "village_group__name": "r_group",
    "household__household_no": "r_household_no",
}


def _from_json(model, path: str) -> Callable[[Any], Any]:
    """How a snapshot's JSON value of ``path`` becomes the value the live query gives."""
    field = model._meta.get_field(path)
    if isinstance(field, DecimalField):
        return lambda value: None if value is None else Decimal(value)
    if isinstance(field, DateField):
        return lambda value: datetime.date.fromisoformat(value) if value else None
    return lambda value: value


def frozen_rows(queryset, model, columns: list[tuple[str, str, Callable | None]], order: list[str]) -> Iterator[list]:
    """``detail_rows`` for a snapshot (HouseholdYear or MemberYear annotated as above): one
    query streamed in chunks, each row's JSON typed back and converted as the live rows are."""
    annotated = [_FROZEN_PATHS[path] for _header, path, _convert in columns if path in _FROZEN_PATHS]
    readers = []
    for _header, path, convert in columns:
        if path in _FROZEN_PATHS:
            position = 1 + annotated.index(_FROZEN_PATHS[path])
            readers.append((position, None, convert))
        else:
            readers.append((0, (path, _from_json(model, path)), convert))
    rows = queryset.order_by(*order).values_list("data", *annotated)
    for values in rows.iterator(chunk_size=CHUNK):
        data = values[0]
        row = []
        for position, field, convert in readers:
            value = values[position] if field is None else field[1](data.get(field[0]))
            row.append(value if convert is None else convert(value))
        yield row


def detail_rows(queryset, columns: list[tuple[str, str, Callable | None]], order: list[str]) -> Iterator[list]:
    """The rows of one sheet, converted for display, streamed in chunks: one query, no per-row
    queries, only the columns written (a household row has about 90)."""
    converters = [convert for _header, _path, convert in columns]
    rows = queryset.order_by(*order).values_list(*[path for _header, path, _convert in columns])
    for values in rows.iterator(chunk_size=CHUNK):
        yield [value if convert is None else convert(value) for value, convert in zip(values, converters, strict=True)]


def household_rows(context: ReportContext) -> Iterator[list]:
    """The households' sheet, live or frozen, by household number."""
    if context.snapshot:
        number = Cast(KeyTextTransform("household_no", "data"), CharField())
        return frozen_rows(_households(context).annotate(r_no=number), Household, HOUSEHOLD_COLUMNS, ["r_no"])
    return detail_rows(_households(context), HOUSEHOLD_COLUMNS, ["household_no"])


def member_rows(context: ReportContext) -> Iterator[list]:
    """The members' sheet, live or frozen, by household and position."""
    if context.snapshot:
        return frozen_rows(_members(context), Member, MEMBER_COLUMNS, ["household_id", "r_position", "member_id"])
    return detail_rows(_members(context), MEMBER_COLUMNS, ["household_id", "position", "id"])


def build(context: ReportContext) -> list[ReportTable]:
    """The page's summary: households and members the workbook lists, per child area (two
    grouped queries); the rows themselves are written by ``write``."""
    values: dict[str, dict[str, Any]] = {}
    for key, queryset, field_name in (
        ("households", _households(context), "area_code" if context.snapshot else "village_id"),
        ("members", _members(context), "area_code"),
    ):
        grouped = queryset.annotate(child=child_key(context, field_name)).values("child").annotate(n=Count("pk"))
        for row in grouped.order_by():
            values.setdefault(row["child"], {})[key] = row["n"]
    columns = [
        Column("households", HOUSEHOLDS, _("Listed in the workbook")),
        Column("members", PEOPLE, _("Listed in the workbook")),
    ]
    rows = rows_by_child(context, values)
    return [
        ReportTable(
            title=_("Households and members listed"),
            first_label=_("Area"),
            columns=columns,
            rows=rows,
            totals=sum_totals(rows, columns),
            notes=[_("The workbook lists every household and every member in it; ID numbers are masked.")],
        )
    ]


def _header_cells(sheet, headers: list[str]) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        cells.append(cell)
    return cells


def write_rows(workbook: Workbook, title: str, heading: str, headers: list[str], rows: Iterable[list]) -> int:
    """Append ``rows`` under a title row and a header row, continuing on a further sheet (with
    both again) whenever a sheet holds REPORT_SHEET_MAX_ROWS rows. Strings are formula-safe and
    formatted as text (household numbers and codes stay text). Returns the rows written."""
    per_sheet = max(1, settings.REPORT_SHEET_MAX_ROWS - 2)
    used = {sheet.title for sheet in workbook.worksheets}
    sheet, written, total = None, per_sheet, 0
    for row in rows:
        if written == per_sheet:
            sheet = workbook.create_sheet(_sheet_title(title, used))
            sheet.freeze_panes = "B3"
            sheet.append([f"{heading}{title}"])
            sheet.append(_header_cells(sheet, headers))
            written = 0
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
                cell.number_format = "@"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        written += 1
        total += 1
    if sheet is None:  # nothing to list: the sheet with its header all the same
        sheet = workbook.create_sheet(_sheet_title(title, used))
        sheet.freeze_panes = "B3"
        sheet.append([f"{heading}{title}"])
        sheet.append(_header_cells(sheet, headers))
    return total


def write(
    path: Path, tables: list[ReportTable], *, context: ReportContext, title: str, cover: list, heading: str
) -> None:
    """The workbook: the cover, the households, the members (reporting.services publishes it
    once whole)."""
    source, scope = gettext_now("Source"), gettext_now("Scope")
    cover = [(label, value) for label, value in cover if str(label) not in (source, scope)]
    cover += [
        (source, gettext_now("Frozen year (年度定案)") if context.snapshot else gettext_now("Registry as it stands")),
        (scope, gettext_now("Every household and member of the area within the requester's scope.")),
        (gettext_now("ID numbers"), gettext_now("Masked: the first 6 and last 4 characters only.")),
    ]
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    _write_cover(workbook, cover, title, used)
    write_rows(
        workbook,
        gettext_now("Households (detail)"),
        heading,
        [header for header, _path, _convert in HOUSEHOLD_COLUMNS],
        household_rows(context),
    )
    write_rows(
        workbook,
        gettext_now("Members (detail)"),
        heading,
        [header for header, _path, _convert in MEMBER_COLUMNS],
        member_rows(context),
    )
    workbook.save(path)


# registered last, since the report names its own workbook writer defined above
register("register_detail", _("Detailed register of households"), order=15, write=write)(build)
