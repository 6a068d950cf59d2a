"""States of the exit procedures (DOMAIN.md section 8), each named after what has been done."""

from django.db import models

__all__ = ["CountyExitState", "ExitState", "VillageExitState"]


class ExitState(models.TextChoices):
    PROPOSED = "proposed", "拟退出（预脱贫）"
    VILLAGE_APPRAISED = "village_appraised", "村评议"
    HOME_VERIFIED = "home_verified", "入户核实"
    ACKNOWLEDGED = "acknowledged", "户认可签字"
    IN_PUBLICITY = "in_publicity", "村内公示中"
    PUBLICIZED = "publicized", "公示期满"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇审核"
    COUNTY_APPROVED = "county_approved", "县审定"
    ANNOUNCED = "announced", "已公告退出"
    CITY_FILED = "city_filed", "市备案"
    FILED = "filed", "市、省备案"
    WITHDRAWN = "withdrawn", "本年不退出"


class VillageExitState(models.TextChoices):
    PROPOSED = "proposed", "乡镇拟退出"
    IN_PUBLICITY = "in_publicity", "乡镇公示中"
    PUBLICIZED = "publicized", "公示期满"
    ANNOUNCED = "announced", "县级公告退出"


class CountyExitState(models.TextChoices):
    PROPOSED = "proposed", "县申请摘帽"
    CITY_CHECKED = "city_checked", "市初审"
    ANNOUNCED = "announced", "省核查并公告"
