"""Code lists of monitoring (防返贫监测, DOMAIN.md section 8): kinds of monitored households, the
channels that find them, the steps of their identification, risks and the system's own flags."""

from django.db import models

__all__ = [
    "EliminationMode",
    "FlagKind",
    "MonitoringChannel",
    "MonitoringKind",
    "MonitoringState",
    "RiskKind",
]


class MonitoringKind(models.TextChoices):
    UNSTABLE_EXITED = "unstable_exited", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN_HARDSHIP = "sudden_hardship", "突发严重困难户"


class MonitoringChannel(models.TextChoices):
    SELF_REPORT = "self_report", "农户自主申报"
    CADRE_SCREENING = "cadre_screening", "基层干部排查"
    DEPARTMENT_ALERT = "department_alert", "部门筛查预警"
    COMPLAINT = "complaint", "信访举报"
    DATA_ANALYSIS = "data_analysis", "数据分析"


class MonitoringState(models.TextChoices):
    """The steps of DOMAIN.md section 8, each named after what has been done."""

    ALERTED = "alerted", "预警"
    HOME_CHECKED = "home_checked", "入户核实"
    COMMITTED = "committed", "承诺授权"
    DATA_COMPARED = "data_compared", "数据比对"
    VILLAGE_APPRAISED = "village_appraised", "村级评议"
    VILLAGE_PUBLICIZED = "village_publicized", "村级公示期满"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇审核"
    COUNTY_DECIDED = "county_decided", "县级确定"
    MONITORED = "monitored", "监测中"
    ELIMINATED = "eliminated", "风险已消除"
    REJECTED = "rejected", "未纳入监测"


class RiskKind(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    ACCIDENT = "accident", "因意外事故"
    EMPLOYMENT = "employment", "因务工就业不稳"
    BUSINESS = "business", "因产业经营失败"
    INCOME_FALL = "income_fall", "收入大幅缩减"
    HOUSING = "housing", "住房安全"
    WATER = "water", "饮水安全"
    OTHER = "other", "其他"


class EliminationMode(models.TextChoices):
    ASSISTANCE = "assistance", "帮扶消除"
    NATURAL = "natural", "自然消除"


class FlagKind(models.TextChoices):
    LOW_INCOME = "low_income", "人均纯收入低于监测线"
    INCOME_FALL = "income_fall", "收入大幅下降"
    NEW_ILLNESS = "new_illness", "成员新患大病或新增残疾"
    DANGEROUS_HOUSE = "dangerous_house", "住房为危房（C/D级）"
