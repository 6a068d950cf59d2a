"""Code lists of the areas app: levels of administrative units, roles and the actions roles allow."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Action", "Level", "Role"]


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    GROUP = "group", _("Village group")


class Role(models.TextChoices):
    VILLAGE_CLERK = "village_clerk", _("Village clerk")
    TOWNSHIP_REVIEWER = "township_reviewer", _("Township reviewer")
    COUNTY_OFFICER = "county_officer", _("County poverty-alleviation officer")
    CITY_INSPECTOR = "city_inspector", _("City inspector")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    AUDITOR = "auditor", _("Auditor")


class Action(models.TextChoices):
    """What a role allows inside its areas; ``visible_to(user, action)`` takes one of these."""

    VIEW = "view", _("View")
    CAPTURE = "capture", _("Enter and correct survey forms")
    REVIEW = "review", _("Township review and publicity")
    APPROVE = "approve", _("County approval, quotas and announcements")
    INSPECT = "inspect", _("City spot-checks")
    EXPORT = "export", _("Download summaries")
    REVEAL = "reveal", _("See full ID numbers")
    AUDIT = "audit", _("Read the audit trail")
    MANAGE_AREAS = "manage_areas", _("Add villages and groups")
    MANAGE_PEOPLE = "manage_people", _("Manage people and roles")
    SET_QUOTA = "set_quota", _("Set the quotas of the areas below")
    SET_LINE = "set_line", _("Set the province's monitoring line")
    VERIFY_EXIT = "verify_exit", _("Province verification and announcement of county exits")
