"""Code lists of assistance (DOMAIN.md sections 3.4 and 10)."""

from dataclasses import dataclass

from django.db import models

__all__ = ["MEASURES", "MeasureCode", "MeasureKind", "MeasureStatus", "Nature", "ProjectState", "SUGGESTED_MEASURES"]


class MeasureCode(models.TextChoices):
    INDUSTRY = "M01", "产业扶持"
    EMPLOYMENT = "M02", "就业创业"
    SAFE_HOUSING = "M03", "安全住房"
    ECOLOGICAL = "M04", "生态补偿"
    EDUCATION = "M05", "教育支持"
    MEDICAL = "M06", "医疗救助"
    SOCIAL_FLOOR = "M07", "兜底保障"
    ASSET_INCOME = "M08", "资产收益扶贫"
    CONDITIONS = "M09", "改善生产生活条件"


class Nature(models.TextChoices):
    DEVELOPMENTAL = "developmental", "开发性"
    PROTECTIVE = "protective", "保障性"


class MeasureKind(models.TextChoices):
    HOUSEHOLD = "household", "到户"
    PERSON = "person", "到人"


@dataclass(frozen=True)
class MeasureInfo:
    applies_to: str
    nature: str


#: the 2018 rolling plan's list: whom each measure applies to and its nature
MEASURES: dict[str, MeasureInfo] = {
    MeasureCode.INDUSTRY: MeasureInfo(MeasureKind.HOUSEHOLD, Nature.DEVELOPMENTAL),
    MeasureCode.EMPLOYMENT: MeasureInfo(MeasureKind.PERSON, Nature.DEVELOPMENTAL),
    MeasureCode.SAFE_HOUSING: MeasureInfo(MeasureKind.HOUSEHOLD, Nature.PROTECTIVE),
    MeasureCode.ECOLOGICAL: MeasureInfo(MeasureKind.PERSON, Nature.PROTECTIVE),
    MeasureCode.EDUCATION: MeasureInfo(MeasureKind.PERSON, Nature.PROTECTIVE),
    MeasureCode.MEDICAL: MeasureInfo(MeasureKind.PERSON, Nature.PROTECTIVE),
    MeasureCode.SOCIAL_FLOOR: MeasureInfo(MeasureKind.PERSON, Nature.PROTECTIVE),
    MeasureCode.ASSET_INCOME: MeasureInfo(MeasureKind.HOUSEHOLD, Nature.DEVELOPMENTAL),
    MeasureCode.CONDITIONS: MeasureInfo(MeasureKind.HOUSEHOLD, Nature.DEVELOPMENTAL),
}

#: cause of poverty → measures that answer it (DOMAIN.md 4.5); a cause with none of them is a warning
SUGGESTED_MEASURES: dict[str, tuple[str, ...]] = {
    "01": (MeasureCode.MEDICAL, MeasureCode.SOCIAL_FLOOR),  # 因病
    "02": (MeasureCode.SOCIAL_FLOOR, MeasureCode.EMPLOYMENT, MeasureCode.ASSET_INCOME),  # 因残
    "03": (MeasureCode.EDUCATION,),  # 因学
    "04": (MeasureCode.SAFE_HOUSING, MeasureCode.CONDITIONS, MeasureCode.INDUSTRY),  # 因灾
    "05": (MeasureCode.INDUSTRY, MeasureCode.EMPLOYMENT, MeasureCode.ASSET_INCOME),  # 缺土地
    "06": (MeasureCode.CONDITIONS,),  # 缺水
    "07": (MeasureCode.EMPLOYMENT, MeasureCode.INDUSTRY),  # 缺技术
    "08": (MeasureCode.SOCIAL_FLOOR,),  # 缺劳动力
    "09": (MeasureCode.INDUSTRY, MeasureCode.ASSET_INCOME),  # 缺资金
    "10": (MeasureCode.CONDITIONS,),  # 交通条件落后
    "11": (MeasureCode.EMPLOYMENT, MeasureCode.INDUSTRY),  # 自身发展动力不足
}


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    UNDER_WAY = "under_way", "实施中"
    DONE = "done", "已完成"


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", "村申报"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇审核"
    COUNTY_APPRAISED = "county_appraised", "县级评审"
    APPROVED = "approved", "批复入库"
    UNDER_WAY = "under_way", "实施中"
    DONE = "done", "已完工"
