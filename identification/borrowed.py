"""The village publicity lent to other procedures (monitoring, household exits: BORROWING_KINDS).

Their cases do not go through the seven steps; each gets an identification ``Case`` (the proxy) in
the county's campaign of its kind and year, standing at "home checked", the state a village's
first-publicity notice picks up. Notices, objections, posting and conclusion are then identification's
own (services.py). This module holds the two things both borrowers do with the proxy: open the
campaign on first use, and bring the proxy (back) to "home checked" when the case is ready.
"""

from __future__ import annotations

import datetime

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy

from areas.models import Area
from core.audit import record_change, snapshot
from core.errors import Conflict
from core.models import ChangeAction
from identification.choices import BORROWING_KINDS, CaseState
from identification.models import Campaign, Case, CaseEvent

__all__ = ["borrowing_campaign", "ready_proxy"]

_STALE = gettext_lazy("Someone else took a step on this case a moment ago; reload it to see where it stands.")


def borrowing_campaign(
    *, kind: str, area_code: str, year: int, title: str, opens_on: datetime.date, publicity_days: int, actor
) -> Campaign:
    """The county's open campaign of ``kind`` for ``year``, opened on first use (under a row lock,
    so two cases readied at once share one). ``title`` follows the county's name."""
    assert kind in BORROWING_KINDS, kind
    county_code = area_code[:6].ljust(12, "0")
    campaign = (
        Campaign.objects.select_for_update()
        .filter(county_id=county_code, kind=kind, year=year, is_closed=False)
        .order_by("id")
        .first()
    )
    if campaign is None:
        county = Area.objects.get(code=county_code)
        campaign = Campaign.objects.create(
            county=county,
            kind=kind,
            year=year,
            title=f"{county.name}{year}年{title}",
            opens_on=opens_on,
            publicity_days=publicity_days,
            created_by=actor,
        )
        record_change(
            actor=actor, obj=campaign, action=ChangeAction.CREATE, area_code=county.code, after=snapshot(campaign)
        )
    return campaign


def ready_proxy(case: Model, *, campaign, transition: str, actor) -> Case:
    """Bring the borrowing ``case``'s proxy to "home checked": create it (in the campaign that
    ``campaign()`` returns, called only then) and link it, or move it back there by compare-and-set
    after an upheld objection or a return, so that a fresh notice picks it up. The borrowing case
    has ``publicity_case``, ``household`` and ``area_code``."""
    proxy = case.publicity_case
    if proxy is None:
        household = case.household
        proxy = Case.objects.create(
            campaign=campaign(),
            household=household,
            area_code=case.area_code,
            group_code=household.village_group_id or "",
            state=CaseState.HOME_CHECKED,
            household_size=household.household_size,
        )
        CaseEvent.objects.create(case=proxy, transition=transition, to_state=CaseState.HOME_CHECKED, actor=actor)
        type(case).objects.filter(pk=case.pk).update(publicity_case=proxy)
        case.publicity_case = proxy
        return proxy
    if proxy.state != CaseState.HOME_CHECKED:
        won = Case.objects.filter(pk=proxy.pk, state=proxy.state, version=proxy.version).update(
            state=CaseState.HOME_CHECKED, version=proxy.version + 1, updated_at=timezone.now()
        )
        if not won:
            raise Conflict(str(_STALE), code="stale")
        CaseEvent.objects.create(
            case=proxy, transition=transition, from_state=proxy.state, to_state=CaseState.HOME_CHECKED, actor=actor
        )
        proxy.state, proxy.version = CaseState.HOME_CHECKED, proxy.version + 1
    return proxy
