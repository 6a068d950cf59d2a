"""Dynamic management (动态管理, DOMAIN.md section 9): what changed in the year, by child area.

- new: households registered in the year (their identification case of the year announced, in a
  campaign of first identification or of new poverty; a returned household is counted as returned);
- exited: households whose exit year is the year (the frozen snapshot's for a frozen year);
- returned, removed, closed: the status changes (exits.StatusChange) of the year;
- missed found and wrongly included: the county-confirmed results of the year's yearly review;
- members in and out: as exits.frozen.differences() counts them (active members now, or in the
  year's snapshot once frozen, against the active members of the previous year's snapshot), in SQL;
- the review's rates per county, from exits.review.report (the one place of their formula).

Every figure is one grouped query, whatever the number of households; the rates cost a few
queries per county of the area.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from areas.choices import Level
from areas.models import Area
from exits import review
from exits.models import MemberYear, ReviewCampaign, ReviewFinding, ReviewResult, StatusChange, StatusProcedure
from households.models import Member
from identification.choices import CampaignKind, CaseState
from identification.models import Case
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key, households_for
from reporting.tables import PERCENT, Column, ReportTable, Row

__all__ = ["build", "figures", "rate_rows"]

#: cases whose household entered the register in their campaign's year
REGISTERED_CASE_STATES = (CaseState.ANNOUNCED, CaseState.SPOT_CHECKED)
REGISTERING_CAMPAIGNS = (CampaignKind.INITIAL, CampaignKind.NEW_POVERTY)
#: the status procedures counted, by column key
PROCEDURES = {"returned": StatusProcedure.RETURN, "removed": StatusProcedure.REMOVE, "closed": StatusProcedure.CLOSE}
#: the review findings counted, by column key
FINDINGS = {"missed": ReviewFinding.MISSED, "wrongly_included": ReviewFinding.WRONGLY_INCLUDED}


def _grouped(context: ReportContext, queryset: QuerySet, field: str, **aggregates) -> list[dict]:
    return list(
        queryset.annotate(child=Substr(field, 1, context.child_digits))
        .values("child")
        .annotate(**aggregates)
        .order_by()
    )


def _merge(result: dict[str, dict[str, int]], rows: list[dict]) -> None:
    for row in rows:
        result.setdefault(row.pop("child"), {}).update(row)


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → counts (``<key>_h`` households, ``<key>_p`` people). Six grouped queries."""
    year = context.year
    result: dict[str, dict[str, int]] = {}
    cases = context.scoped(Case.objects.all()).filter(
        campaign__year=year, campaign__kind__in=REGISTERING_CAMPAIGNS, state__in=REGISTERED_CASE_STATES
    )
    _merge(
        result,
        _grouped(
            context, cases, "area_code", new_h=Count("household", distinct=True), new_p=Sum("household_size", default=0)
        ),
    )
    exited = households_for(context).filter(r_exit_year=year, r_status="exited")
    rows = exited.annotate(child=child_key(context)).values("child")
    _merge(result, list(rows.annotate(exited_h=Count("pk"), exited_p=Sum("r_size", default=0)).order_by()))
    changes = context.scoped(StatusChange.objects.all()).filter(year=year, procedure__in=PROCEDURES.values())
    aggregates = {}
    for key, procedure in PROCEDURES.items():
        aggregates[f"{key}_h"] = Count("household", filter=Q(procedure=procedure), distinct=True)
        aggregates[f"{key}_p"] = Sum("household__household_size", filter=Q(procedure=procedure), default=0)
    _merge(result, _grouped(context, changes, "area_code", **aggregates))
    results = context.scoped(ReviewResult.objects.all()).filter(
        campaign__year=year, state__in=review.CONFIRMED, finding__in=FINDINGS.values()
    )
    aggregates = {}
    for key, finding in FINDINGS.items():
        aggregates[f"{key}_h"] = Count("pk", filter=Q(finding=finding))
        aggregates[f"{key}_p"] = Sum("people", filter=Q(finding=finding), default=0)
    _merge(result, _grouped(context, results, "area_code", **aggregates))
    _merge(result, _member_changes(context))
    return result


def _member_changes(context: ReportContext) -> list[dict]:
    """Members in and out exactly as exits.frozen.differences() counts them: active members of the
    year (its snapshot once frozen, else the register) absent from the previous year's snapshot
    of the area, and the reverse. Two queries."""
    before = MemberYear.objects.filter(year=context.year - 1, is_active=True, area_code__startswith=context.prefix)
    if context.snapshot:
        now = MemberYear.objects.filter(year=context.year, is_active=True, area_code__startswith=context.prefix)
        now_id = "member_id"
    else:
        now = Member.objects.filter(is_active=True, area_code__startswith=context.prefix)
        now_id = "id"
    members_in = context.scoped(now).exclude(Exists(before.filter(member_id=OuterRef(now_id))))
    members_out = context.scoped(before).exclude(Exists(now.filter(**{now_id: OuterRef("member_id")})))
    return _grouped(context, members_in, "area_code", members_in=Count("pk")) + _grouped(
        context, members_out, "area_code", members_out=Count("pk")
    )


def _percent(rate: Decimal | None) -> Decimal | None:
    """exits.review's rates are percentages to two places; a percent cell holds the fraction."""
    return None if rate is None else rate / Decimal(100)


def rate_rows(context: ReportContext) -> list[Row]:
    """One row per county of the area with a review campaign of the year: its people at the start,
    findings and rates from exits.review.report."""
    # a township's or village's report shows its county's review (the review is county-wide)
    prefix = context.prefix[:6] if context.area.level in (Level.TOWNSHIP, Level.VILLAGE) else context.prefix
    campaigns = ReviewCampaign.objects.filter(year=context.year, county__code__startswith=prefix)
    if context.actor is not None:
        campaigns = campaigns.visible_to(context.actor, "view")
    names = dict(Area.objects.filter(code__in=campaigns.values("county_id")).values_list("code", "name"))
    rows = []
    for campaign in campaigns.order_by("county_id"):
        figures = review.report(campaign)
        people = {key: value["people"] for key, value in figures.findings.items()}
        rows.append(
            Row(
                campaign.county_id,
                names.get(campaign.county_id, campaign.county_id),
                {
                    "start_p": campaign.start_people,
                    "wrongly_included_p": people[ReviewFinding.WRONGLY_INCLUDED],
                    "missed_p": people[ReviewFinding.MISSED],
                    "wrongly_exited_p": people[ReviewFinding.WRONGLY_EXITED],
                    "rechecked_p": figures.exited_rechecked["people"],
                    "after_p": figures.after_people,
                    "wrong_inclusion_rate": _percent(figures.wrong_inclusion_rate),
                    "missed_rate": _percent(figures.missed_rate),
                    "wrong_exit_rate": _percent(figures.wrong_exit_rate),
                },
            )
        )
    return rows


@register("dynamic", _("Dynamic management"), order=60)
def build(context: ReportContext) -> list[ReportTable]:
    groups = [
        ("new", _("Newly registered")),
        ("exited", _("Exited in the year")),
        ("returned", _("Returned to poverty")),
        ("removed", _("Removed (wrongly included)")),
        ("closed", _("Closed")),
        ("missed", _("Missed households found")),
        ("wrongly_included", _("Wrongly included (review)")),
    ]
    cols = []
    for key, group in groups:
        cols += [Column(f"{key}_h", HOUSEHOLDS, group), Column(f"{key}_p", PEOPLE, group)]
    cols += [
        Column("members_in", _("Members in"), _("Natural changes")),
        Column("members_out", _("Members out"), _("Natural changes")),
    ]
    rows = rows_by_child(context, figures(context))
    table = ReportTable(
        title=_("Dynamic management"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
        notes=[
            _("Returned, removed and closed households are those whose status changed in the year."),
            _("Missed and wrongly included households are the county-confirmed results of the yearly review."),
            _("Members in and out compare the active members with those of the previous frozen year."),
        ],
    )
    group = _("People")
    rate_cols = [
        Column("start_p", _("Poor people at the start"), group),
        Column("wrongly_included_p", _("Wrongly included"), group),
        Column("missed_p", _("Missed"), group),
        Column("wrongly_exited_p", _("Wrongly exited"), group),
        Column("rechecked_p", _("Exited re-checked"), group),
        Column("after_p", _("Poor people after the review"), group),
        Column("wrong_inclusion_rate", _("Wrong inclusion rate"), _("Rates"), PERCENT),
        Column("missed_rate", _("Missed rate"), _("Rates"), PERCENT),
        Column("wrong_exit_rate", _("Wrong exit rate"), _("Rates"), PERCENT),
    ]
    rate_table_rows = rate_rows(context)
    rates = ReportTable(
        title=_("Yearly review: findings and rates"),
        first_label=_("County"),
        columns=rate_cols,
        rows=rate_table_rows,
        # rates of different campaigns are not added up: the totals row leaves them empty
        totals={**sum_totals(rate_table_rows, rate_cols), **{c.key: None for c in rate_cols if c.kind == PERCENT}},
        notes=[_("Rates are those of each county's review campaign; they are not added up.")],
    )
    return [table, rates]
