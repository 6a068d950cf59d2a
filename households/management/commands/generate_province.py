"""Build a synthetic province for benchmarks and capacity planning (never for production data).

    DATABASE_URL=postgres://… python manage.py generate_province --households 600000 --province 61

Over the real townships of one province (the shipped division codes) it adds villages and
village groups, then households with their members (valid resident ID numbers: GB 11643 check
character, the county's address code, a real birth date, odd sequence for men), incomes, causes
and statuses in the proportions of a province around the end of the campaign (most households
exited between 2015 and 2020, some still registered or about to exit, a few returned, removed,
closed or still applying), one identification campaign per county with its quota, cases and
their first step, responsible cadres and their pairings, assistance units and village work teams,
this year's plans and measures for the households still poor, the status changes that returned,
removed or closed households (some in the year, the rest before), the year's monitoring cases of
some exited households (in monitoring, risk eliminated, or still being identified), and each
village's yearly figures.

Rows go to PostgreSQL through COPY from in-memory buffers, a batch of households (and everything
that hangs on them) at a time, in one transaction: a failure leaves nothing behind. The model
layer is bypassed on purpose: one ``bulk_create`` per row would take an hour for 1.8 million
people. Instead each table's columns and defaults are read from the model, so a new field with a
default needs no change here. The values satisfy the data-quality rules of DOMAIN.md 4.5 and the
database constraints; tests/households/test_generate_province.py checks both.

The run writes one audit row (the province, with the counts), not one per generated row: the
audit trail records what people did, and nobody did this. Everything is determined by --seed, so
two runs into empty databases give the same rows.
"""

from __future__ import annotations

import datetime
import io
import json
import random
import time
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from areas.choices import Level
from areas.divisions import load_divisions
from areas.models import Area, VillageFigures
from assistance.choices import SUGGESTED_MEASURES, MeasureCode, MeasureStatus
from assistance.models import AssistanceUnit, Cadre, Measure, Pairing, Plan, UnitAssignment, WorkTeam
from core.audit import record_change
from core.models import ChangeAction
from exits.models import MonitoringCase, StatusChange, StatusProcedure
from exits.monitoring_choices import EliminationMode, MonitoringChannel, MonitoringKind, MonitoringState
from households.choices import CAUSES, EntryState, HouseholdStatus
from households.idnumbers import check_character
from households.income import compute_income
from households.models import Household, HouseholdCounter, Member
from identification.choices import CampaignKind, CaseState
from identification.models import Campaign, Case, CaseEvent, Quota

GENERATOR_USERNAME = "province_generator"

SURNAMES = "王李张刘杨赵陈郭马高何周吴孙胡朱徐党雷贺史田罗郑梁韩冯薛白屈任宋"
GIVEN = "建国华军平明强伟芳秀英兰桂珍玉红丽娟霞凤云海涛鹏飞刚勇斌磊静燕敏洁文武志宏春生荣彦"

#: statuses with their share of households (a province near the end of the campaign, 2020)
STATUS_SHARES = [
    (HouseholdStatus.EXITED, 0.78),
    (HouseholdStatus.REGISTERED, 0.08),
    (HouseholdStatus.PRE_EXIT, 0.04),
    (HouseholdStatus.RETURNED, 0.02),
    (HouseholdStatus.REMOVED, 0.05),
    (HouseholdStatus.CLOSED, 0.02),
    (HouseholdStatus.APPLICANT, 0.01),
]
#: the procedure that left a household in each of these statuses, and the status it left (exits/status.py)
STATUS_PROCEDURES = {
    HouseholdStatus.RETURNED: (StatusProcedure.RETURN, HouseholdStatus.EXITED, "家庭成员患重病，收入低于贫困线"),
    HouseholdStatus.REMOVED: (StatusProcedure.REMOVE, HouseholdStatus.REGISTERED, "年度核查发现家庭有财政供养人员"),
    HouseholdStatus.CLOSED: (StatusProcedure.CLOSE, HouseholdStatus.REGISTERED, "户内人员全部死亡"),
}
#: the share of these status changes made in the generated year (the rest in the years before)
STATUS_CHANGES_IN_YEAR = 0.4
#: exited households in monitoring (防返贫监测对象), a share; their kinds and states with weights
MONITORED_SHARE = 0.06
MONITORING_KINDS = {MonitoringKind.UNSTABLE_EXITED: 75, MonitoringKind.SUDDEN_HARDSHIP: 25}
MONITORING_STATES = {
    MonitoringState.MONITORED: 60,
    MonitoringState.ELIMINATED: 30,
    MonitoringState.ALERTED: 4,
    MonitoringState.HOME_CHECKED: 3,
    MonitoringState.VILLAGE_APPRAISED: 3,
}
#: exit years among exited households, weights (most left in the last years of the campaign)
EXIT_YEAR_WEIGHTS = [5, 12, 18, 25, 28, 12]
#: main causes with their weights (因病 leads, as in every province's figures)
CAUSE_WEIGHTS = {"01": 42, "02": 8, "03": 7, "04": 3, "05": 4, "06": 2, "07": 11, "08": 9, "09": 9, "10": 2, "11": 3}
STILL_POOR = {HouseholdStatus.REGISTERED, HouseholdStatus.PRE_EXIT, HouseholdStatus.RETURNED}
PAIRED = STILL_POOR | {HouseholdStatus.EXITED}  # 不脱贫不脱钩: cadres stay through the transition
HOUSEHOLDS_PER_VILLAGE = 22  # about 600,000 over Shaanxi's 26,912 villages
BATCH = 5000  # households per COPY round
LINE = 4000  # the year's line used to place incomes either side of it (yuan per person)


def _tsv(value) -> str:
    """One COPY text-format value. Generated text has no tab, newline or backslash."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
    return str(value)


class Table:
    """The columns of a model's table, each with its default as COPY text, and a buffer of rows."""

    def __init__(self, model: type[models.Model], now: str) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.columns: list[str] = []
        self.defaults: dict[str, str] = {}
        for field in model._meta.concrete_fields:
            self.columns.append(field.column)
            if field.has_default() and callable(field.default) and isinstance(field, models.DateTimeField):
                self.defaults[field.column] = now  # timezone.now: one fixed time, so runs repeat
            elif field.primary_key and isinstance(field, models.AutoField):
                self.defaults[field.column] = r"\N"
            else:
                # the model's default, or "" for text that is not nullable, or NULL
                self.defaults[field.column] = _tsv(field.get_default())
        self.numbered = isinstance(model._meta.pk, models.AutoField)
        self.buffer = io.StringIO()
        self.count = 0
        self.next_id = 1

    def add(self, values: dict) -> int:
        """Append one row; returns its id (assigned here, so children can point at it at once)."""
        row_id = values.get("id")
        if row_id is None and self.numbered:
            row_id = values["id"] = self.next_id
            self.next_id += 1
        defaults = self.defaults
        self.buffer.write("\t".join(_tsv(values[c]) if c in values else defaults[c] for c in self.columns))
        self.buffer.write("\n")
        self.count += 1
        return row_id

    def flush(self, cursor) -> None:
        if not self.buffer.tell():
            return
        self.buffer.seek(0)
        cursor.copy_expert(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.buffer = io.StringIO()


class Command(BaseCommand):
    help = "Build a synthetic province on PostgreSQL (households, members, cases, plans…) by COPY."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--households", type=int, default=600_000, help="number of households (600,000)")
        parser.add_argument("--province", default="61", help="2-digit province code (61 陕西省)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same rows")
        parser.add_argument("--year", type=int, default=2020, help="survey year of the generated state")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when the province already has households"
        )

    def handle(self, *args, households: int, province: str, seed: int, year: int, verbosity: int, **options):
        if_missing = options["if_missing"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_province loads rows with PostgreSQL COPY and needs a PostgreSQL database: "
                "set DATABASE_URL=postgres://user@host:5432/name (SQLite is not supported for this command)."
            )
        if households < 1:
            raise CommandError("--households must be at least 1.")
        if not (len(province) == 2 and province.isdigit()):
            raise CommandError("--province must be a 2-digit province code, e.g. 61.")
        province_code = province + "0" * 10
        if not Area.objects.filter(code=province_code).exists():
            load_divisions()
        province_area = Area.objects.filter(code=province_code, level=Level.PROVINCE).first()
        if province_area is None:
            raise CommandError(f"No province with code {province} in the shipped divisions.")
        if Household.objects.filter(village__code__startswith=province).exists():
            if if_missing:
                self.stdout.write(f"Province {province} already has households: nothing generated.")
                return
            raise CommandError(
                f"Province {province} already has households: generate into an empty database "
                "(the generator never mixes invented rows with others)."
            )
        started = time.perf_counter()
        generator = Generator(province_area, households=households, seed=seed, year=year, out=self.stdout)
        with transaction.atomic():
            counts = generator.run(verbose=verbosity > 0)
        with connection.cursor() as cursor:
            # outside the transaction (VACUUM cannot run in one): the visibility map lets counts
            # use index-only scans from the first request, as on a database that has lived a while
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(t.name for t in generator.tables.values())}")
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
        self.stdout.write(f"Generated province {province} ({province_area.name}) in {seconds:.1f} s: {summary}")


class Generator:
    """One run: rows are made in memory table by table and sent by COPY a batch at a time."""

    def __init__(self, province: Area, *, households: int, seed: int, year: int, out) -> None:
        self.province = province
        self.households = households
        self.rng = random.Random(seed)
        self.year = year
        self.out = out
        self.today = datetime.date(year, 12, 31)
        self.now = f"{year}-12-31 12:00:00+08"
        self.tables: dict[type[models.Model], Table] = {}
        self.cadre_load: dict[str, int] = {}  # households paired with each county's newest cadre

    def table(self, model) -> Table:
        if model not in self.tables:
            table = Table(model, self.now)
            if table.numbered:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}")
                    table.next_id = cursor.fetchone()[0] + 1
            self.tables[model] = table
        return self.tables[model]

    def flush(self, models_in_order: Iterable) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg2's own cursor: copy_expert
            for model in models_in_order:
                if model in self.tables:
                    self.tables[model].flush(raw)

    # --- the run ------------------------------------------------------------------------------

    def run(self, *, verbose: bool) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        actor = self._actor()
        self.actor_id = actor.pk
        counties = self._counties()
        villages = self._villages(counties)
        order_areas = [Area]
        self.flush(order_areas)
        self._county_rows(counties)
        self.flush([Campaign, Quota, Cadre, AssistanceUnit])
        self._households(villages, verbose=verbose)
        self._village_rows(villages)
        order = [HouseholdCounter, VillageFigures, WorkTeam, UnitAssignment, Quota]
        self.flush(order)
        with connection.cursor() as cursor:
            for table in self.tables.values():
                if table.numbered and table.count:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {table.next_id - 1})")
        counts = {t.model._meta.model_name: t.count for t in self.tables.values()}
        record_change(
            actor=actor,
            obj=self.province,
            action=ChangeAction.IMPORT,
            area_code=self.province.code,
            after={"generated": "synthetic province (generate_province)", "rows": counts},
        )
        return counts

    def _actor(self):
        """The inactive account every generated row names as its author: it cannot log in."""
        user_model = get_user_model()
        actor, created = user_model.objects.get_or_create(
            username=GENERATOR_USERNAME, defaults={"is_active": False, "first_name": "数据生成"}
        )
        if created:
            actor.set_unusable_password()
            actor.save(update_fields=["password"])
        return actor

    def _counties(self) -> list[Area]:
        return list(
            Area.objects.filter(code__startswith=self.province.code[:2], level=Level.COUNTY, is_revoked=False).order_by(
                "code"
            )
        )

    def _villages(self, counties: list[Area]) -> list[tuple[str, str, list[str]]]:
        """Villages (code, name, group codes) spread round-robin over the province's townships, so
        that a small run still touches several counties; names from the township's."""
        townships = list(
            Area.objects.filter(code__startswith=self.province.code[:2], level=Level.TOWNSHIP, is_revoked=False)
            .exclude(code__in=Area.objects.filter(level=Level.VILLAGE).values("parent_id"))
            .order_by("code")
        )
        county_codes = {c.code[:6] for c in counties}
        townships = [t for t in townships if t.code[:6] in county_codes]
        if not townships:
            raise CommandError("The province has no townships without villages to generate under.")
        wanted = max(1, round(self.households / HOUSEHOLDS_PER_VILLAGE))
        wanted = min(wanted, len(townships) * 800)  # village segment 200-999
        per_township = [0] * len(townships)
        for n in range(wanted):
            per_township[n % len(townships)] += 1
        rng = self.rng
        area_table = self.table(Area)
        villages = []
        for township, count in zip(townships, per_township, strict=True):
            stem = township.name[:2]
            for n in range(count):
                code = f"{township.code[:9]}{200 + n:03d}"
                name = f"{stem}{_village_word(rng)}村"
                area_table.add({"code": code, "name": name, "level": Level.VILLAGE, "parent_id": township.code})
                groups = []
                for g in range(1, rng.randint(3, 7) + 1):
                    group_code = f"{code}{g:03d}"
                    area_table.add(
                        {
                            "code": group_code,
                            "name": f"第{_number_word(g)}村民小组",
                            "level": Level.GROUP,
                            "parent_id": code,
                        }
                    )
                    groups.append(group_code)
                villages.append((code, name, groups))
        villages.sort()  # county by county: ID sequence counters are per county
        return villages

    def _county_rows(self, counties: list[Area]) -> None:
        rng = self.rng
        campaign, unit = self.table(Campaign), self.table(AssistanceUnit)
        self.table(Quota), self.table(Cadre)  # numbered from the tables' current maximum
        self.county_campaign: dict[str, int] = {}
        self.county_units: dict[str, list[int]] = {}
        self.county_cadres: dict[str, list[int]] = {}
        self.county_cases: dict[str, list[int]] = {}  # [households, people, confirmed h, confirmed p]
        start = datetime.date(self.year, 3, 1)
        for county in counties:
            code = county.code[:6]
            self.county_campaign[code] = campaign.add({
                "county_id": county.code, "kind": CampaignKind.NEW_POVERTY, "year": self.year,
                "title": f"{self.year}年度新识别贫困户", "opens_on": start, "publicity_days": 7,
                "deadlines": {"village_appraised": f"{self.year}-05-31", "announced": f"{self.year}-09-30"},
                "created_by_id": self.actor_id,
            })  # fmt: skip
            self.county_cases[code] = [0, 0, 0, 0]
            self.county_units[code] = [
                unit.add({"county_id": county.code, "name": f"{county.name}{name}", "kind": kind})
                for name, kind in (("农业农村局", "党政机关"), ("教育局", "党政机关"), ("农村信用社", "国有企业"))
            ]
            self.county_cadres[code] = []
        self.counties = counties
        self._rng_cadre = random.Random(rng.random())

    def _cadre_for(self, county_code: str, county_id: str) -> int:
        """A cadre of the county; a new one for every eight households paired (一人帮多户)."""
        cadres = self.county_cadres[county_code]
        load = self.cadre_load.get(county_code, 8)
        if load >= 8 or not cadres:
            rng = self._rng_cadre
            cadres.append(
                self.table(Cadre).add(
                    {
                        "county_id": county_id,
                        "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        "unit": rng.choice(["县农业农村局", "县教育局", "县卫健局", "乡镇人民政府", "县人社局"]),
                        "position": rng.choice(["科员", "副局长", "干部", "站长"]),
                        "phone": f"139{rng.randint(0, 99999999):08d}",
                        "starts_on": datetime.date(2016, 3, 1),
                    }
                )  # fmt: skip
            )
            load = 0
        self.cadre_load[county_code] = load + 1
        return cadres[-1]

    # --- households --------------------------------------------------------------------------

    def _households(self, villages, *, verbose: bool) -> None:
        rng = self.rng
        statuses = [s for s, _ in STATUS_SHARES]
        status_weights = [w for _, w in STATUS_SHARES]
        causes = list(CAUSE_WEIGHTS)
        cause_weights = list(CAUSE_WEIGHTS.values())
        exit_years = list(range(self.year - len(EXIT_YEAR_WEIGHTS) + 1, self.year + 1))
        counter_t = self.table(HouseholdCounter)
        self.village_stats: dict[str, list[int]] = {}
        # villages get a share of households that varies (poor villages hold more)
        weights = [rng.uniform(0.3, 1.7) for _ in villages]
        total = sum(weights)
        shares = [int(self.households * w / total) for w in weights]
        for index in range(self.households - sum(shares)):
            shares[index % len(shares)] += 1
        self.sequences: dict[str, int] = {}
        current_county = None
        done = 0
        started = time.perf_counter()
        order = [Household, Member, Case, CaseEvent, Cadre, Pairing, Plan, Measure, StatusChange, MonitoringCase]
        for (village, _name, groups), count in zip(villages, shares, strict=True):
            county = village[:6]
            if county != current_county:
                self.sequences = {}  # ID sequence counters per birth date, within one county
                current_county = county
            stats = self.village_stats[village] = [0] * 8
            for number in range(1, count + 1):
                status = rng.choices(statuses, status_weights)[0]
                self._household(village, groups, number, status, rng, causes, cause_weights, exit_years, stats)
                done += 1
                if done % BATCH == 0:
                    self.flush(order)
                    if verbose:
                        rate = done / (time.perf_counter() - started)
                        self.out.write(f"  {done:,} households ({rate:,.0f}/s)")
            if count:
                counter_t.add({"village_id": village, "last_number": count})
        self.flush(order)

    def _household(self, village, groups, number, status, rng, causes, cause_weights, exit_years, stats) -> None:
        county = village[:6]
        size = rng.choices([1, 2, 3, 4, 5, 6, 7], [14, 24, 26, 19, 11, 4, 2])[0]
        poor_now = status in STILL_POOR or status == HouseholdStatus.APPLICANT
        attribute = rng.choices(["general", "dibao", "tekun"], [75, 20, 5])[0]
        if attribute == "tekun":
            size = min(size, 2)
        main = rng.choices(causes, cause_weights)[0]
        others = rng.sample([c for c in causes if c != main], rng.choice([0, 1, 1, 2]))
        # income either side of the line: households still poor below it, exited ones above
        per_person = rng.randint(1800, LINE - 200) if poor_now else rng.randint(LINE + 300, 12000)
        wage = round(per_person * size * rng.uniform(0.4, 0.8))
        business = round(per_person * size * rng.uniform(0.05, 0.3))
        expense = round(business * rng.uniform(0.1, 0.5))
        amounts = {
            "wage_income": wage,
            "business_income": business,
            "business_expense": expense,
            "pension_income": 1200 if rng.random() < 0.4 else 0,
            "ecological_compensation": rng.choice([0, 0, 300, 600]),
            "family_planning_subsidy": 0,
            "asset_dividend_income": rng.choice([0, 0, 500, 1000]),
            "dibao_allowance": rng.randint(1500, 4000) if attribute == "dibao" else 0,
            "tekun_allowance": rng.randint(4000, 7000) if attribute == "tekun" else 0,
        }
        figures = compute_income(amounts, size)
        cultivated = round(rng.uniform(0, 8), 1)
        relocated = rng.random() < 0.12
        housing_safety = "01" if not poor_now or rng.random() < 0.85 else rng.choice(["02", "03"])
        members = self._members(county, size, attribute, rng)
        head = members[0]
        household_id = self.table(Household).add({
            "household_no": f"{village}{number:04d}", "village_id": village,
            "village_group_id": rng.choice(groups), "survey_year": self.year, "status": status,
            "exit_year": rng.choices(exit_years, EXIT_YEAR_WEIGHTS)[0] if status == HouseholdStatus.EXITED else None,
            "entry_state": EntryState.DRAFT if status == HouseholdStatus.APPLICANT else EntryState.SUBMITTED,
            "head_name": head["name"], "phone": f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
            "bank_name": "农村信用合作社", "bank_account": f"6228{rng.randint(0, 10**15 - 1):015d}",
            "identification_standard": "national", "poverty_attribute": attribute,
            "is_military_martyr_family": rng.random() < 0.01, "is_single_child_family": rng.random() < 0.05,
            "is_two_daughter_family": rng.random() < 0.04, "main_cause": main, "other_causes": others,
            "cause_note": _CAUSE_NOTES.get(main, ""), **amounts, "household_size": size,
            "net_income": figures.net_income, "net_income_per_capita": figures.net_income_per_capita,
            "cultivated_land_mu": cultivated, "irrigated_land_mu": round(cultivated * rng.uniform(0, 0.6), 1),
            "forest_land_mu": round(rng.uniform(0, 10), 1), "grain_to_green_mu": round(rng.uniform(0, 3), 1),
            "distance_to_main_road_km": round(rng.uniform(0, 5), 2),
            "access_road_type": rng.choices(["01", "02", "03", "04"], [10, 25, 55, 10])[0],
            "housing_area_m2": rng.randint(30, 160), "housing_safety": housing_safety,
            "drinking_water_safe": not poor_now or rng.random() < 0.9, "main_fuel": rng.choice(["01", "03", "04"]),
            "has_sanitary_toilet": rng.random() < 0.5, "joined_cooperative": rng.random() < 0.3,
            "is_relocated": relocated, "relocation_mode": "03" if relocated else "",
            "resettlement_type": "01" if relocated else "", "resettlement_place": "02" if relocated else "",
            "created_at": self.now, "updated_at": self.now,
        })  # fmt: skip
        member_t = self.table(Member)
        member_ids = []
        for position, member in enumerate(members, start=1):
            member["household_id"] = household_id
            member["area_code"] = village
            member["position"] = position
            member_ids.append(member_t.add(member))
        counted = status in STILL_POOR
        stats[0] += 1
        stats[1] += size
        if counted:
            stats[2] += 1
            stats[3] += size
        if attribute == "dibao" and counted:
            stats[4] += 1
            stats[5] += size
        if housing_safety != "01":
            stats[6] += 1
        if status in PAIRED:
            self.table(Pairing).add({
                "household_id": household_id, "cadre_id": self._cadre_for(county, village[:6] + "000000"),
                "area_code": village, "starts_on": datetime.date(2016, 3, 1),
            })  # fmt: skip
        if counted:
            self._plan(household_id, village, status, main, others, housing_safety, rng)
        if status == HouseholdStatus.APPLICANT or (status == HouseholdStatus.RETURNED and rng.random() < 0.5):
            self._case(household_id, village, status, size, rng)
        if status in STATUS_PROCEDURES:
            self._status_change(household_id, village, status, rng)
        elif status == HouseholdStatus.EXITED and rng.random() < MONITORED_SHARE:
            self._monitoring_case(household_id, village, rng)

    def _status_change(self, household_id, village, status, rng) -> None:
        procedure, before, reason = STATUS_PROCEDURES[status]
        year = self.year if rng.random() < STATUS_CHANGES_IN_YEAR else rng.randint(self.year - 4, self.year - 1)
        effective = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        self.table(StatusChange).add({
            "household_id": household_id, "area_code": village, "procedure": procedure, "from_status": before,
            "to_status": status, "year": year, "effective_on": effective, "reason": reason,
            "actor_id": self.actor_id, "created_at": f"{effective.isoformat()} 10:00:00+08",
        })  # fmt: skip

    def _monitoring_case(self, household_id, village, rng) -> None:
        state = rng.choices(list(MONITORING_STATES), list(MONITORING_STATES.values()))[0]
        alerted = datetime.date(self.year, rng.randint(1, 6), rng.randint(1, 28))
        entered = eliminated = None
        mode = ""
        if state in (MonitoringState.MONITORED, MonitoringState.ELIMINATED):
            entered = alerted + datetime.timedelta(days=rng.randint(15, 40))
        if state == MonitoringState.ELIMINATED:
            eliminated = entered + datetime.timedelta(days=rng.randint(90, 150))
            mode = rng.choices([EliminationMode.ASSISTANCE, EliminationMode.NATURAL], [70, 30])[0]
        self.table(MonitoringCase).add({
            "household_id": household_id, "area_code": village, "year": self.year,
            "kind": rng.choices(list(MONITORING_KINDS), list(MONITORING_KINDS.values()))[0],
            "channel": rng.choice(list(MonitoringChannel)), "state": state,
            "alert_note": "家庭收入下降，存在返贫风险", "entered_on": entered, "eliminated_on": eliminated,
            "elimination_mode": mode, "created_by_id": self.actor_id,
            "created_at": f"{alerted.isoformat()} 09:00:00+08", "updated_at": self.now,
        })  # fmt: skip

    def _members(self, county: str, size: int, attribute: str, rng) -> list[dict]:
        head_age = rng.randint(28, 78)
        head_male = rng.random() < 0.85
        surname = rng.choice(SURNAMES)
        people = [("01", head_age, head_male)]
        if size >= 2 and head_age < 75:
            spouse_age = max(20, head_age + rng.randint(-5, 3))
            people.append(("02", spouse_age, not head_male))
        parent_age = head_age + rng.randint(22, 30)
        while len(people) < size:
            kind = rng.random()
            child_age = head_age - rng.randint(20, 36)
            if child_age >= 0 and kind < 0.85:
                male = rng.random() < 0.52
                people.append(("03" if male else "04", child_age, male))
            elif parent_age <= 95 and not any(r in ("11", "12") for r, _a, _m in people[1:]):
                male = rng.random() < 0.4
                people.append(("11" if male else "12", parent_age, male))
            else:
                child_age = max(0, head_age - rng.randint(44, 56))
                male = rng.random() < 0.5
                people.append(("07" if male else "08", child_age, male))
        result = []
        for relation, age, male in people:
            number, born = self._id_number(county, self._birth_date(age, rng), male)
            given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            name = (surname if relation in ("01", "03", "04", "07", "08") else rng.choice(SURNAMES)) + given
            age_now = _age(born, self.today)
            health = rng.choices(["01", "02", "03", "04"], [80, 10, 4, 6])[0]
            school, education = _schooling(age_now, rng)
            labour = age_now >= 16 and age_now < 65 and health in ("01", "02")
            result.append({
                "name": name, "gender": "1" if male else "2", "id_type": "resident_id", "id_number": number,
                "birth_date": born, "relation": relation, "ethnicity": "03" if rng.random() < 0.02 else "01",
                "political_status": "01" if age_now > 30 and rng.random() < 0.03 else "13",
                "education": education, "school_status": school, "health": health,
                "disability_cert_no": number + "42" if health == "04" else "",
                "labor_skill": ("01" if rng.random() < 0.8 else "02") if labour else ("03" if age_now >= 16 else ""),
                "work_status": rng.choice(["01", "02", "03", "04"]) if labour and rng.random() < 0.5 else "",
                "work_months": rng.randint(3, 12) if labour and rng.random() < 0.5 else 0,
                "has_medical_insurance": True, "has_critical_illness_insurance": rng.random() < 0.9,
                "has_resident_pension": age_now >= 16 and rng.random() < 0.8,
                "receives_dibao": attribute == "dibao", "receives_tekun": attribute == "tekun",
            })  # fmt: skip
        return result

    def _birth_date(self, age: int, rng) -> datetime.date:
        year = self.year - age
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
        return min(day, self.today)

    def _id_number(self, county: str, born: datetime.date, male: bool) -> tuple[str, datetime.date]:
        """A unique number: the county's address code, the birth date, the next free odd (men) or
        even (women) sequence for that date in the county, and the check character."""
        while True:
            key = f"{county}{born:%Y%m%d}"
            taken = self.sequences.get(key + ("m" if male else "f"), 0)
            sequence = taken * 2 + (1 if male else 2)  # 1, 3, 5 … or 2, 4, 6 …
            if sequence <= 998:
                self.sequences[key + ("m" if male else "f")] = taken + 1
                first_17 = f"{key}{sequence:03d}"
                return first_17 + check_character(first_17), born
            born -= datetime.timedelta(days=1)  # that day is full in this county: the day before

    def _plan(self, household_id, village, status, main, others, housing_safety, rng) -> None:
        planned = self.year if status == HouseholdStatus.PRE_EXIT else self.year + rng.choice([0, 1])
        plan_id = self.table(Plan).add({
            "household_id": household_id, "area_code": village, "year": self.year, "planned_exit_year": planned,
            "updated_by_id": self.actor_id, "updated_at": self.now,
        })  # fmt: skip
        codes = []
        for cause in [main, *others]:
            suggested = SUGGESTED_MEASURES.get(cause)
            if suggested and suggested[0] not in codes:
                codes.append(suggested[0])
        if housing_safety != "01" and MeasureCode.SAFE_HOUSING not in codes:
            codes.append(MeasureCode.SAFE_HOUSING)
        if not codes:
            codes.append(MeasureCode.INDUSTRY)
        measure_t = self.table(Measure)
        for code in codes:
            status_ = rng.choices(list(MeasureStatus), [30, 40, 30])[0]
            measure_t.add({
                "plan_id": plan_id, "household_id": household_id, "area_code": village, "code": code,
                "year": self.year, "content": _MEASURE_CONTENT[code], "cost": rng.choice([0, 500, 1000, 2000, 5000]),
                "funding_source": rng.choice(["中央财政专项扶贫资金", "省级财政专项扶贫资金", "县级统筹整合资金"]),
                "status": status_,
            })  # fmt: skip

    def _case(self, household_id, village, status, size, rng) -> None:
        county = village[:6]
        if status == HouseholdStatus.APPLICANT:
            state = rng.choice([s for s in CaseState if s not in _LATE_STATES])
        else:
            state = CaseState.ANNOUNCED
        case_id = self.table(Case).add({
            "campaign_id": self.county_campaign[county], "household_id": household_id, "area_code": village,
            "state": state, "score": round(rng.uniform(40, 95), 2), "household_size": size,
            "applied_at": f"{self.year}-03-15 09:00:00+08", "updated_at": self.now,
            "closing_reason": "经村民代表大会评议未通过" if state == CaseState.REJECTED else "",
        })  # fmt: skip
        self.table(CaseEvent).add({
            "case_id": case_id, "transition": "apply", "from_state": "", "to_state": CaseState.APPLIED,
            "actor_id": self.actor_id, "time": f"{self.year}-03-15 09:00:00+08",
            "record": {"informed": True, "self_assessed_income": True},
        })  # fmt: skip
        totals = self.county_cases[county]
        totals[0] += 1
        totals[1] += size
        if state in _LATE_STATES and state != CaseState.REJECTED:
            totals[2] += 1
            totals[3] += size

    # --- per village and per county, once the households are known ---------------------------

    def _village_rows(self, villages) -> None:
        rng = self.rng
        figures_t, team_t, assign_t = self.table(VillageFigures), self.table(WorkTeam), self.table(UnitAssignment)
        for village, _name, _groups in villages:
            h, p, poor_h, poor_p, dibao_h, dibao_p, dangerous, _ = self.village_stats.get(village, [0] * 8)
            total_h = max(h * 3, 60) + rng.randint(0, 200)
            total_p = total_h * 3 + rng.randint(0, 300)
            rural = max(int(total_p * 0.92), poor_p, p)
            is_poor_village = h and poor_p / max(rural, 1) > 0.02
            figures_t.add({
                "village_id": village, "year": self.year, "total_households": total_h, "total_population": total_p,
                "rural_registered_population": rural, "poor_households": poor_h, "poor_people": poor_p,
                "dibao_households": dibao_h, "dibao_people": dibao_p, "tekun_households": 0, "tekun_people": 0,
                "labour_force": int(total_p * 0.55), "migrant_workers": int(total_p * 0.25),
                "cultivated_land_mu": total_h * 4, "asphalt_road_to_township": rng.random() < 0.9,
                "has_bus": rng.random() < 0.7, "safe_water_households": total_h - rng.randint(0, 5),
                "has_power": True, "dangerous_houses": dangerous, "has_clinic": rng.random() < 0.9,
                "has_broadband": rng.random() < 0.8, "collective_income": rng.choice([0, 20000, 50000, 120000]),
                "cooperatives": rng.randint(0, 4),
                "work_team": "县农业农村局驻村工作队" if is_poor_village else "",
            })  # fmt: skip
            if is_poor_village:
                team_t.add({
                    "village_id": village, "dispatching_unit": "县农业农村局", "leader": rng.choice(SURNAMES) + "建军",
                    "first_secretary": rng.choice(SURNAMES) + "志宏", "members": [rng.choice(SURNAMES) + "海涛"],
                    "starts_on": datetime.date(2018, 3, 1),
                })  # fmt: skip
                units = self.county_units[village[:6]]
                assign_t.add(
                    {"unit_id": rng.choice(units), "village_id": village, "starts_on": datetime.date(2018, 3, 1)}
                )
        quota_t = self.table(Quota)
        for county in self.counties:
            code = county.code[:6]
            households, people, confirmed_h, confirmed_p = self.county_cases[code]
            quota_t.add({
                "campaign_id": self.county_campaign[code], "area_id": county.code,
                "households": households + 20, "people": people + 60,
                "used_households": confirmed_h, "used_people": confirmed_p, "set_by_id": self.actor_id,
                "set_at": f"{self.year}-03-01 09:00:00+08",
            })  # fmt: skip


_LATE_STATES = {CaseState.COUNTY_CONFIRMED, CaseState.ANNOUNCED, CaseState.SPOT_CHECKED, CaseState.REJECTED}
_CAUSE_NOTES = {
    "01": "家庭成员长期患病，医疗支出大",
    "02": "家庭成员残疾，劳动能力弱",
    "03": "子女上学负担重",
    "07": "缺乏务工和种养技术",
    "08": "家中缺少劳动力",
    "09": "缺少发展生产的资金",
}
_MEASURE_CONTENT = {
    MeasureCode.INDUSTRY: "发展核桃种植，提供种苗和技术指导",
    MeasureCode.EMPLOYMENT: "推荐到县内企业务工",
    MeasureCode.SAFE_HOUSING: "危房改造",
    MeasureCode.ECOLOGICAL: "聘为生态护林员",
    MeasureCode.EDUCATION: "落实教育资助政策",
    MeasureCode.MEDICAL: "落实医疗救助，先诊疗后付费",
    MeasureCode.SOCIAL_FLOOR: "纳入低保兜底",
    MeasureCode.ASSET_INCOME: "入股合作社，年底分红",
    MeasureCode.CONDITIONS: "入户道路硬化",
}
assert set(dict(CAUSES)) >= set(CAUSE_WEIGHTS)


def _age(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _schooling(age: int, rng) -> tuple[str, str]:
    """(school status, education) that agree with the age (DOMAIN.md 4.5)."""
    if age < 3:
        return "01", "06"
    if age < 6:
        return "02", "06"
    if age < 12:
        return "03", "06" if age < 7 else "02"
    if age <= 14:
        return {12: "04", 13: "05", 14: "06"}[age], "02"
    if age <= 17:
        return rng.choice(["07", "08", "09", "10", "11", "01"]), "03"
    return "01", rng.choices(["01", "02", "03", "04", "05"], [12, 38, 38, 9, 3])[0]


def _village_word(rng) -> str:
    return rng.choice("东西南北上下前后大小新老") + rng.choice("河沟坪坡岭湾庄塬川寨")


def _number_word(n: int) -> str:
    words = "一二三四五六七八九十"
    return words[n - 1] if n <= 10 else str(n)
