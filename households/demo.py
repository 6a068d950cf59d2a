"""Demo households for 诗礼乡 (about 300), made through the same service as the survey form.

Deterministic (a fixed random seed), so every `make run` shows the same data. Distributions
follow the source documents roughly: most households poor through illness, lack of money,
skills or labour; incomes around the line; some warnings and a few deliberate errors for the
data-quality worklist.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from areas.models import Area
from core.errors import ServiceError
from households.idnumbers import build_id_number
from households.models import Household
from households.services import HouseholdInvalid, save_household

__all__ = ["create_demo_households"]

SURNAMES = "杨李张王赵陈刘罗周字鲁茶自段施何苏蒋左毕".replace("", " ").split()
GIVEN_MALE = "建国 国华 志强 明亮 学文 正发 开荣 家福 永昌 德顺 成林 小平 光明 海涛 文军 春林".split()
GIVEN_FEMALE = "秀英 玉兰 桂芳 丽萍 春梅 金花 玉珍 会芬 美玲 红艳 小燕 凤仙 丽华 琼芬".split()
CHILD_MALE = "俊杰 浩然 子轩 宇航 家豪 文博 明宇 思远".split()
CHILD_FEMALE = "欣怡 雨婷 佳琪 思雨 梓涵 诗琪 可馨 雅婷".split()
CAUSE_WEIGHTS = [("01", 38), ("09", 18), ("07", 14), ("08", 10), ("03", 6), ("02", 6), ("05", 3), ("04", 2), ("11", 3)]


def _pick_cause(rng: random.Random) -> str:
    return rng.choices([c for c, _w in CAUSE_WEIGHTS], weights=[w for _c, w in CAUSE_WEIGHTS])[0]


def _household(rng: random.Random, sequence: list[int], this_year: int) -> tuple[dict, list[dict]]:
    """One household; ages (and so education, school status and skills) are of ``this_year``, so the
    demo's forms pass the age rules whatever the year it is loaded in."""

    def person(name, relation, born, male):
        sequence[0] += 1
        number = sequence[0] * 2 + (1 if male else 0)
        return {
            "name": name,
            "relation": relation,
            "id_number": build_id_number("530921", born, number % 1000),
            "gender": "",
            "education": "02" if this_year - born.year >= 7 else "06",
            "labor_skill": "01" if this_year - born.year > 20 else "",
        }

    surname = rng.choice(SURNAMES)
    head_born = datetime.date(rng.randint(1950, 1988), rng.randint(1, 12), rng.randint(1, 28))
    members = [person(surname + rng.choice(GIVEN_MALE), "01", head_born, True)]
    size = rng.choices([1, 2, 3, 4, 5, 6], weights=[6, 14, 24, 30, 18, 8])[0]
    if size >= 2:
        spouse_born = head_born + datetime.timedelta(days=rng.randint(-900, 1500))
        members.append(person(rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE), "02", spouse_born, False))
    for _index in range(size - len(members)):
        child_born = datetime.date(
            rng.randint(max(head_born.year + 20, this_year - 22), this_year - 4), rng.randint(1, 12), rng.randint(1, 28)
        )
        male = rng.random() < 0.5
        child = person(
            surname + rng.choice(CHILD_MALE if male else CHILD_FEMALE), "03" if male else "04", child_born, male
        )
        age = this_year - child_born.year
        child["school_status"] = "03" if 6 <= age <= 11 else ("05" if 12 <= age <= 15 else "01")
        members.append(child)
    cause = _pick_cause(rng)
    per_capita_target = rng.gauss(3000, 650)
    total = max(Decimal("0"), Decimal(str(round(per_capita_target * len(members), -1))))
    wage = (total * Decimal(str(rng.uniform(0.3, 0.7)))).quantize(Decimal("1"))
    fields = {
        "main_cause": cause,
        "other_causes": rng.sample([c for c, _w in CAUSE_WEIGHTS if c != cause], k=rng.choice([0, 1, 1, 2])),
        "wage_income": wage,
        "business_income": (total - wage + Decimal("400")).quantize(Decimal("1")),
        "business_expense": Decimal("400"),
        "pension_income": Decimal("1236") if head_born.year < 1966 else Decimal("0"),
        "cultivated_land_mu": Decimal(str(round(rng.uniform(0.5, 6), 1))),
        "irrigated_land_mu": Decimal("0.5"),
        "distance_to_main_road_km": Decimal(str(round(rng.uniform(0.1, 4.5), 1))),
        "access_road_type": rng.choice(["01", "02", "03"]),
        "housing_area_m2": Decimal(str(rng.randint(40, 160))),
        "housing_safety": rng.choices(["01", "02", "03"], weights=[80, 14, 6])[0],
        "main_fuel": rng.choice(["01", "01", "03", "04"]),
        "has_sanitary_toilet": rng.random() < 0.4,
    }
    if cause == "01":
        members[0]["health"] = rng.choice(["02", "03"])
    if cause == "02":
        members[-1]["health"] = "04"
        members[-1]["disability_cert_no"] = "" if rng.random() < 0.3 else members[-1]["id_number"] + "42"
    return fields, members


@transaction.atomic  # all or nothing, and one commit on SQLite instead of one a household
def create_demo_households(count: int = 300, township_code: str = "530921201000") -> int:
    """Register ``count`` households across the township's villages; does nothing if the township
    already has households. Returns how many were made."""
    if Household.objects.filter(village__code__startswith=township_code[:9]).exists():
        return 0
    officer = get_user_model().objects.filter(is_superuser=True).first()
    villages = list(Area.objects.filter(parent_id=township_code, level="village", is_revoked=False).order_by("code"))
    rng = random.Random(2017)
    this_year = timezone.localdate().year
    sequence = [0]
    made = 0
    for index in range(count):
        village = villages[index % len(villages)]
        groups = list(village.children.values_list("code", flat=True))
        fields, members = _household(rng, sequence, this_year)
        if index % 60 == 7:  # a few deliberate errors for the worklist
            fields["main_cause"] = ""
        if index % 45 == 11:
            fields["other_causes"] = [fields["main_cause"]] if fields["main_cause"] else []
        group = rng.choice(groups) if groups else None
        try:
            try:  # submitted for review when the form is clean, so the household can apply
                save_household(
                    actor=officer,
                    village_code=village.code,
                    group_code=group,
                    fields=fields,
                    members=members,
                    submit=True,
                )
            except HouseholdInvalid:
                raise
            except ServiceError:  # errors or unconfirmed warnings: the form stays a draft for the worklist
                save_household(
                    actor=officer, village_code=village.code, group_code=group, fields=fields, members=members
                )
        except HouseholdInvalid:
            continue  # a generated ID number that collides: skip, the demo needs no exact count
        made += 1
    return made
