"""Poverty incidence of villages and counties, and what stops each from exiting (DOMAIN.md
section 8): remaining poor people (from the register: registered, pre_exit and returned
households) ÷ rural registered population (the village figures of the year), against
POVERTY_INCIDENCE_THRESHOLD (2 %) or _WESTERN (3 %) for western provinces, and the village
conditions the figures record: road to the township, safe water, clinic, collective income.

Two aggregate queries per area whatever the number of villages and households.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from areas.choices import Level
from areas.models import Area, VillageFigures
from households.choices import HouseholdStatus
from households.models import Household

__all__ = ["POOR_STATUSES", "Assessment", "assess_counties", "assess_county", "assess_villages", "threshold_for"]

#: households still counted as poor (the numerator of the incidence)
POOR_STATUSES = (HouseholdStatus.REGISTERED, HouseholdStatus.PRE_EXIT, HouseholdStatus.RETURNED)


def threshold_for(area: Area | str, *, western: bool | None = None) -> Decimal:
    """The incidence a village or county must be under: 3 % in western provinces, else 2 %."""
    if western is None:
        code = area if isinstance(area, str) else area.code
        western = bool(Area.objects.filter(code=code[:2].ljust(12, "0")).values_list("is_western", flat=True).first())
    value = settings.POVERTY_INCIDENCE_THRESHOLD_WESTERN if western else settings.POVERTY_INCIDENCE_THRESHOLD
    return Decimal(str(value))


@dataclass
class Assessment:
    """One village's (or a county's) standing for exit in a year."""

    code: str
    name: str
    poor_households: int
    poor_people: int
    rural_population: int | None
    incidence: Decimal | None
    threshold: Decimal
    blockers: list[str] = field(default_factory=list)

    @property
    def meets_bar(self) -> bool:
        return not self.blockers

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "poor_households": self.poor_households,
            "poor_people": self.poor_people,
            "rural_population": self.rural_population,
            "incidence": str(self.incidence) if self.incidence is not None else None,
            "threshold": str(self.threshold),
            "meets_bar": self.meets_bar,
            "blockers": self.blockers,
        }


def _poor_by_village(prefix: str) -> dict[str, tuple[int, int]]:
    rows = (
        Household.objects.filter(village__code__startswith=prefix, status__in=POOR_STATUSES)
        .values("village_id")
        .annotate(households=Count("id"), people=Sum("household_size"))
    )
    return {row["village_id"]: (row["households"], row["people"] or 0) for row in rows}


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


def _not_under(people: int, population: int, threshold: Decimal) -> bool:
    """Whether ``people`` ÷ ``population`` is not under the threshold, compared exactly: the incidence
    kept and shown is rounded to 0.01 %, and 5,995 poor people of 200,000 (2.9975 %) are under 3 %
    though their incidence rounds to 3.00 % (the rolling plan compares exactly too)."""
    return Decimal(people) >= threshold * population


def _village_blockers(
    figures: VillageFigures | None, people: int, incidence: Decimal | None, threshold: Decimal
) -> list[str]:
    if figures is None or not figures.rural_registered_population:
        return [_("No village figures with the rural registered population for this year.")]
    blockers = []
    if incidence is not None and _not_under(people, figures.rural_registered_population, threshold):
        blockers.append(
            _("Poverty incidence %(incidence)s is not under %(threshold)s.")
            % {"incidence": _percent(incidence), "threshold": _percent(threshold)}
        )
    if not figures.asphalt_road_to_township:
        blockers.append(_("No asphalt or cement road to the township."))
    if figures.safe_water_households < figures.total_households:
        blockers.append(
            _("Safe drinking water for %(safe)s of %(total)s households.")
            % {"safe": figures.safe_water_households, "total": figures.total_households}
        )
    if not figures.has_clinic:
        blockers.append(_("No standard village clinic."))
    if figures.collective_income <= settings.VILLAGE_EXIT_MIN_COLLECTIVE_INCOME:
        blockers.append(
            _("Collective income %(income)s yuan is not above %(minimum)s yuan.")
            % {"income": figures.collective_income, "minimum": settings.VILLAGE_EXIT_MIN_COLLECTIVE_INCOME}
        )
    return blockers


def assess_villages(prefix: str, year: int, *, western: bool | None = None) -> list[Assessment]:
    """Every active village under ``prefix`` (a county, township or village) for ``year``: its
    incidence and, when it does not meet the bar, what stops it."""
    threshold = threshold_for(prefix, western=western)
    villages = list(
        Area.objects.filter(code__startswith=prefix, level=Level.VILLAGE, is_revoked=False).order_by("code")
    )
    figures = {f.village_id: f for f in VillageFigures.objects.filter(village__code__startswith=prefix, year=year)}
    poor = _poor_by_village(prefix)
    result = []
    for village in villages:
        households, people = poor.get(village.code, (0, 0))
        row = figures.get(village.code)
        population = row.rural_registered_population if row else None
        incidence = (Decimal(people) / Decimal(population)).quantize(Decimal("0.0001")) if population else None
        result.append(
            Assessment(
                code=village.code,
                name=village.name,
                poor_households=households,
                poor_people=people,
                rural_population=population,
                incidence=incidence,
                threshold=threshold,
                blockers=_village_blockers(row, people, incidence, threshold),
            )
        )
    return result


def assess_county(county: Area, year: int, villages: list[Assessment] | None = None) -> Assessment:
    """The county's incidence: its remaining poor people ÷ the rural registered population of its
    villages. Villages without figures make the figure incomplete, which stops the exit too."""
    villages = villages if villages is not None else assess_villages(county.prefix, year)
    # the villages carry the county's threshold already (same province): no second look-up
    threshold = villages[0].threshold if villages else threshold_for(county)
    if not villages:
        return Assessment(
            code=county.code,
            name=county.name,
            poor_households=0,
            poor_people=0,
            rural_population=None,
            incidence=None,
            threshold=threshold,
            blockers=[_("The county has no villages yet.")],
        )
    people = sum(v.poor_people for v in villages)
    households = sum(v.poor_households for v in villages)
    population = sum(v.rural_population or 0 for v in villages)
    incidence = (Decimal(people) / Decimal(population)).quantize(Decimal("0.0001")) if population else None
    blockers = []
    missing = [v.name for v in villages if not v.rural_population]
    if missing:
        blockers.append(
            _("%(count)s villages have no figures for this year: %(names)s.")
            % {"count": len(missing), "names": "、".join(missing[:10])}
        )
    if incidence is None:
        blockers.append(_("No rural registered population recorded."))
    elif _not_under(people, population, threshold):
        blockers.append(
            _("Poverty incidence %(incidence)s is not under %(threshold)s.")
            % {"incidence": _percent(incidence), "threshold": _percent(threshold)}
        )
    return Assessment(
        code=county.code,
        name=county.name,
        poor_households=households,
        poor_people=people,
        rural_population=population or None,
        incidence=incidence,
        threshold=threshold,
        blockers=blockers,
    )


def assess_counties(prefix: str, year: int) -> list[Assessment]:
    """Every county under ``prefix`` (a city or a province), each from its own villages: the same
    three queries as for one county, whatever the number of counties."""
    villages = assess_villages(prefix, year)
    by_county: dict[str, list[Assessment]] = {}
    for village in villages:
        by_county.setdefault(village.code[:6], []).append(village)
    counties = Area.objects.filter(code__startswith=prefix, level=Level.COUNTY, is_revoked=False).order_by("code")
    return [assess_county(county, year, by_county.get(county.code[:6], [])) for county in counties]
