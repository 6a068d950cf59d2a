"""Code lists of identification: campaign kinds, case steps, notices, objections."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "BORROWING_KINDS",
    "CampaignKind",
    "CaseState",
    "NoticeKind",
    "NoticeState",
    "ObjectionChannel",
    "ObjectionState",
    "RuleKind",
]


class CampaignKind(models.TextChoices):
    INITIAL = "initial", "建档立卡识别"
    NEW_POVERTY = "new_poverty", "新识别（年度新增）"
    RETURN = "return", "返贫识别"
    MONITORING = "monitoring", "监测对象识别"
    #: the village publicity of household exits (exits/exit_publicity.py): its cases only borrow the notices
    EXIT = "exit", "脱贫退出"


#: campaigns whose cases only borrow the village publicity (notices and objections): monitoring
#: (exits/monitoring_services.py) and household exits (exits/exit_publicity.py)
BORROWING_KINDS = (CampaignKind.MONITORING, CampaignKind.EXIT)


class CaseState(models.TextChoices):
    """The steps of DOMAIN.md section 6, each named after what has been done."""

    APPLIED = "applied", "户申报"
    GROUP_DISCUSSED = "group_discussed", "小组议"
    VILLAGE_APPRAISED = "village_appraised", "村评定"
    HOME_CHECKED = "home_checked", "入户查"
    FIRST_PUBLICITY = "first_publicity", "第一次公示中"
    FIRST_PUBLICIZED = "first_publicized", "第一次公示期满"
    TOWNSHIP_REVIEWED = "township_reviewed", "乡镇审核"
    SECOND_PUBLICITY = "second_publicity", "第二次公示中"
    SECOND_PUBLICIZED = "second_publicized", "第二次公示期满"
    COUNTY_CONFIRMED = "county_confirmed", "县确认"
    ANNOUNCED = "announced", "已公告"
    SPOT_CHECKED = "spot_checked", "市抽查"
    REJECTED = "rejected", "未通过"


class NoticeKind(models.TextChoices):
    FIRST_PUBLICITY = "first_publicity", "第一次公示（村）"
    SECOND_PUBLICITY = "second_publicity", "第二次公示（村、乡镇）"
    ANNOUNCEMENT = "announcement", "县级公告"


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CONCLUDED = "concluded", _("Concluded")


class ObjectionChannel(models.TextChoices):
    IN_PERSON = "in_person", "当面反映"
    PHONE = "phone", "电话"
    LETTER = "letter", "信件"
    HOTLINE = "hotline", "监督电话"
    OTHER = "other", "其他"


class ObjectionState(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class RuleKind(models.TextChoices):
    EXCLUSION = "exclusion", "排除条件"
    MUST_INCLUDE = "must_include", "必须纳入条件"
    PRIORITY = "priority", "优先条件"
