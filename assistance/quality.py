"""The cause-without-measure warnings of DOMAIN.md 4.5, added to the data-quality rules.

They read the household's measures for its survey year; a household not yet saved has none.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from assistance.choices import SUGGESTED_MEASURES, MeasureCode, MeasureStatus
from households.choices import CAUSES
from households.quality import WARNING, Finding, prefetcher, rule

_CAUSE_NAMES = dict(CAUSES)
#: households that have plans: an applicant's measures are planned after it is registered
_WITH_PLANS = ("registered", "pre_exit", "returned")


def _measures(household, context) -> list[tuple[str, int, str, bool]]:
    """(code, year, status, done-without-substance) of the household's measures: from the batch
    prefetch when there is one, else one query."""
    batch = context.extra.get("measures")
    if batch is not None and household.pk in batch["households"]:
        return batch["rows"].get(household.pk, [])
    from assistance.models import Measure

    fields = ("code", "year", "status", "cost", "content")
    return [_row(m) for m in Measure.objects.filter(household_id=household.pk).values(*fields)]


def _row(measure: dict) -> tuple[str, int, str, bool]:
    empty = measure["status"] == MeasureStatus.DONE and not measure["cost"] and not measure["content"]
    return (measure["code"], measure["year"], measure["status"], empty)


@prefetcher
def _prefetch_measures(households, extra: dict) -> None:
    """One query for the measures of a whole batch of households (the area-wide check)."""
    from assistance.models import Measure

    ids = [h.pk for h in households if h.status in _WITH_PLANS]
    rows: dict[int, list] = {}
    fields = ("household_id", "code", "year", "status", "cost", "content")
    for measure in Measure.objects.filter(household_id__in=ids).values(*fields):
        rows.setdefault(measure["household_id"], []).append(_row(measure))
    extra["measures"] = {"households": set(ids), "rows": rows}


def _measure_codes(household, context) -> set[str]:
    return {code for code, year, _status, _empty in _measures(household, context) if year == household.survey_year}


@rule("cause_without_measure", WARNING, _("Each cause of poverty has a matching measure"))
def _cause_without_measure(household, members, context):
    if household.pk is None or not household.main_cause or household.status not in _WITH_PLANS:
        return
    codes = _measure_codes(household, context)
    for cause in [household.main_cause, *(household.other_causes or [])]:
        suggested = SUGGESTED_MEASURES.get(cause)
        if suggested and not codes.intersection(suggested):
            yield Finding(
                "cause_without_measure", WARNING,
                str(_("Cause %(cause)s has no matching measure this year (for example %(measure)s).") % {
                    "cause": _CAUSE_NAMES.get(cause, cause), "measure": MeasureCode(suggested[0]).label,
                }),
                "main_cause" if cause == household.main_cause else "other_causes",
            )  # fmt: skip


@rule("dangerous_house_without_measure", WARNING, _("A dangerous house has a safe-housing measure"))
def _dangerous_house(household, members, context):
    if household.pk is None or household.status not in _WITH_PLANS:
        return
    if household.housing_safety in ("02", "03") and MeasureCode.SAFE_HOUSING not in _measure_codes(household, context):
        yield Finding(
            "dangerous_house_without_measure",
            WARNING,
            str(_("A dangerous house, but no safe-housing measure (M03) this year.")),
            "housing_safety",
        )


@rule("measure_done_without_substance", WARNING, _("A measure marked done has a cost or content"))
def _done_without_substance(household, members, context):
    if household.pk is None or household.status not in _WITH_PLANS:
        return
    empty = sum(1 for _code, _year, _status, is_empty in _measures(household, context) if is_empty)
    if empty:
        yield Finding(
            "measure_done_without_substance",
            WARNING,
            str(_("%(count)s measures are marked done with no cost and no content.") % {"count": empty}),
            "",
        )
