"""A whole demo year for 凤庆县 (诗礼乡), made through the services as the people would.

Two years back (``id_year``) the county identifies most demo households (seven steps, three-level
publicity, announcement) and freezes that year. Last year (``exit_year``) cadres are paired with
households and plans carry measures; households whose income cleared the line exit through the
exit procedure; the yearly review finds one household wrongly included (removed), one wrongly
exited (reopened), two missed (identified in a new-poverty campaign) and one returned (a return
campaign); a household is taken into monitoring and its risk eliminated by assistance, another
stays monitored; the county freezes the year. The open year has the system's attention flags, a few
monitored households and village figures so incidence shows.

Every date the services take lies in the past, so each publicity period has ended. The review's
acts carry dates of its own year (forms filled on 20 November, re-checked on the 22nd, decided on
the 24th; exits.review.act_date), so the removal and reopening they apply count in ``exit_year``
and its frozen snapshot and rates agree. Idempotent: the review of ``exit_year`` is the marker;
once it exists the demo year is left as it is. One transaction: a refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from areas.models import Area
from assistance import services as assistance
from assistance.choices import MEASURES, SUGGESTED_MEASURES, MeasureCode, MeasureKind, MeasureStatus
from assistance.models import Measure
from core.errors import ServiceError
from exits import exit_services, frozen, review
from exits.models import AttentionFlag, MonitoringCase, ReviewCampaign
from households.choices import EntryState, HouseholdStatus
from households.models import Household
from households.services import save_household
from identification import services as identification
from identification.services import Vote
from identification.villages import record_village_figures

__all__ = ["DemoYear", "run_demo_year"]

COUNTY = "530921000000"
TOWNSHIP = "530921201000"
#: villages with their own clerk login; elsewhere the township reviewer enters for the village
CLERKS = {"530921201200": "clerk_kongxing", "530921201201": "clerk_shili"}
VOTE = Vote(representatives=30, present=25, votes_for=21, votes_against=2)
HOME_CHECK = dict.fromkeys(identification.HOME_CHECK_ITEMS, True)
EXIT_CHECKLIST = dict.fromkeys(("food", "clothing", "education", "medical", "housing", "water"), True)


@dataclass
class DemoYear:
    """What the demo year made (the test reads it)."""

    id_year: int
    exit_year: int
    registered: list[int] = field(default_factory=list)
    exited: list[int] = field(default_factory=list)
    wrongly_included: int | None = None
    wrongly_exited: int | None = None
    missed: list[int] = field(default_factory=list)
    returned: int | None = None
    review_id: int | None = None
    cadres: int = 0
    monitoring: int = 0
    #: monitoring cases taken to entry last year (the first also eliminated, by assistance)
    monitored: list[int] = field(default_factory=list)
    skipped: bool = False


class _Actors:
    def __init__(self):
        users = {u.username: u for u in get_user_model().objects.filter(username__in=[*CLERKS.values(), *_NAMES])}
        self.officer = users["officer_fengqing"]
        self.reviewer = users["reviewer_shili"]
        self.inspector = users["inspector_lincang"]
        self.province = users["province_yunnan"]
        self.clerks = {code: users[name] for code, name in CLERKS.items()}

    def capturer(self, village_code: str):
        return self.clerks.get(village_code, self.reviewer)


_NAMES = ("officer_fengqing", "reviewer_shili", "inspector_lincang", "province_yunnan")


def _identify(actors: _Actors, campaign, households: list[Household], start: datetime.date) -> None:
    """Each household applies, then the seven steps run to the county's announcement."""
    ids = [
        identification.apply(
            actor=actors.capturer(h.village_id), campaign_id=campaign.pk, household_id=h.pk, informed_on=start,
            self_assessment="家庭收入低，申请纳入建档立卡",
        ).pk
        for h in households
    ]  # fmt: skip
    _walk(actors, campaign, ids, start + datetime.timedelta(5))


def _campaign(actors: _Actors, kind: str, year: int, title: str, opens_on: datetime.date, households: list[Household]):
    """A campaign with quotas level by level, room for exactly the households given."""
    campaign = identification.create_campaign(
        actor=actors.officer, county_code=COUNTY, kind=kind, year=year, title=title, opens_on=opens_on
    )
    people = sum(h.household_size for h in households)
    identification.set_quota(
        actor=actors.inspector, campaign_id=campaign.pk, area_code=COUNTY, households=len(households), people=people
    )
    identification.set_quota(
        actor=actors.officer, campaign_id=campaign.pk, area_code=TOWNSHIP, households=len(households), people=people
    )
    by_village: dict[str, list[Household]] = {}
    for household in households:
        by_village.setdefault(household.village_id, []).append(household)
    for village, rows in by_village.items():
        identification.set_quota(
            actor=actors.officer, campaign_id=campaign.pk, area_code=village, households=len(rows),
            people=sum(h.household_size for h in rows),
        )  # fmt: skip
    return campaign


#: name, unit, position, login (the demo user ``cadre`` holds no role: its pairings are its scope)
CADRES = [
    ("李文华", "凤庆县农业农村局", "驻村工作队队长", "cadre"),
    ("张丽琼", "凤庆县教育体育局", "驻村工作队员", ""),
    ("杨建明", "诗礼乡人民政府", "挂钩干部", ""),
]
#: the measure that answers each main cause first (assistance.choices.SUGGESTED_MEASURES)
_MEASURE_TEXT = {
    MeasureCode.MEDICAL: "大病医疗救助、家庭医生签约",
    MeasureCode.SOCIAL_FLOOR: "纳入农村低保",
    MeasureCode.EDUCATION: "雨露计划、义务教育阶段生活补助",
    MeasureCode.SAFE_HOUSING: "农村危房改造",
    MeasureCode.INDUSTRY: "茶叶、核桃产业扶持",
    MeasureCode.EMPLOYMENT: "转移就业、技能培训",
    MeasureCode.ASSET_INCOME: "合作社入股分红",
    MeasureCode.CONDITIONS: "入户道路硬化",
}


def _assistance(actors: _Actors, registered: list[Household], year: int) -> int:
    """Cadres (one with the demo login ``cadre``), each paired with households of 孔兴村 and 诗礼村
    from January; every registered household there gets a plan with the measures its cause asks for."""
    start = datetime.date(year, 1, 15)
    cadres = [
        assistance.create_cadre(
            actor=actors.officer, county_code=COUNTY, name=name, unit=unit, position=position, starts_on=start,
            username=username, phone=f"0883-42100{index:02d}",
        )
        for index, (name, unit, position, username) in enumerate(CADRES)
    ]  # fmt: skip
    paired = list(
        Household.objects.filter(pk__in=[h.pk for h in registered], village_id__in=CLERKS)
        .prefetch_related("members")
        .order_by("pk")
    )
    for index, household in enumerate(paired):
        assistance.assign_cadre(
            actor=actors.reviewer, household_id=household.pk, cadre_id=cadres[index % len(cadres)].pk, starts_on=start
        )
        plan = assistance.save_plan(
            actor=actors.capturer(household.village_id), household_id=household.pk, year=year,
            planned_exit_year=year if index % 4 == 1 else year + 1, note="一户一策",
        )  # fmt: skip
        codes = [*SUGGESTED_MEASURES.get(household.main_cause, ())[:1]]
        if index % 4 == 1:
            codes.append(MeasureCode.SAFE_HOUSING)
        head = min(household.members.all(), key=lambda m: m.position)
        for code in dict.fromkeys(codes):
            # a measure for people names who benefits: the head, who is the ill or working member here
            persons = [head.pk] if MEASURES[code].applies_to == MeasureKind.PERSON else None
            assistance.add_measure(
                actor=actors.capturer(household.village_id), plan_id=plan.pk, code=code, year=year,
                content=_MEASURE_TEXT.get(code, ""), cost=Decimal("3000"), funding_source="财政专项扶贫资金",
                status=MeasureStatus.DONE if index % 2 else MeasureStatus.UNDER_WAY, member_ids=persons,
            )  # fmt: skip
    return len(cadres)


def _village_figures(actors: _Actors, year: int) -> None:
    """Each village's figures of the year (population and the exit conditions), so incidence shows."""
    villages = Area.objects.filter(parent_id=TOWNSHIP, level="village", is_revoked=False).order_by("code")
    for index, village in enumerate(villages):
        population = 900 + 130 * index
        record_village_figures(
            actor=actors.reviewer, village_code=village.code, year=year,
            values={
                "total_households": population // 4, "total_population": population,
                "rural_registered_population": population - 40, "safe_water_households": population // 4 - index % 3,
                "asphalt_road_to_township": index % 5 != 4, "has_bus": index % 3 == 0, "has_clinic": index % 6 != 5,
                "collective_income": Decimal(8000 + 1500 * index),
            },
        )  # fmt: skip


def _monitored(actors: _Actors, household: Household, *, kind: str, note: str, start: datetime.date):
    """A household through every step from the alert to entry (进入监测), each dated from ``start``;
    the village publicity runs on a notice of the county's monitoring campaign, posted and concluded
    by the township after its days."""
    from django.conf import settings

    from exits import monitoring_services
    from exits.monitoring_choices import MonitoringChannel

    clerk = actors.capturer(household.village_id)
    case = monitoring_services.start_alert(
        actor=clerk, household_id=household.pk, kind=kind, channel=MonitoringChannel.SELF_REPORT, note=note,
        today=start,
    )  # fmt: skip

    def step(name: str, actor, day: int, note: str, on: bool = False) -> None:
        when = start + datetime.timedelta(day)
        monitoring_services.advance(
            actor=actor, case_id=case.pk, step=name, note=note, on=when if on else None, today=when
        )

    step("record_home_check", clerk, 2, "入户核实属实，家庭收入骤降")
    step("record_commitment", clerk, 3, "户主签字承诺并授权查询家庭经济状况", on=True)
    step("record_data_comparison", actors.reviewer, 5, "民政、医保、人社数据比对无异常")
    step("record_village_appraisal", clerk, 8, "村民代表会议评议同意纳入", on=True)
    case.refresh_from_db()
    posted_on = start + datetime.timedelta(10)
    notice = identification.create_notice(
        actor=actors.reviewer, campaign_id=case.publicity_case.campaign_id, kind="first_publicity",
        area_code=case.area_code, issued_by="村民委员会", contact="诗礼乡纪委 0883-4311001",
    )  # fmt: skip
    identification.post_notice(
        actor=actors.reviewer, notice_id=notice.pk, starts_on=posted_on, posted_place="村委会公示栏"
    )
    concluded = posted_on + datetime.timedelta(settings.PUBLICITY_DAYS)
    identification.conclude_notice(actor=actors.reviewer, notice_id=notice.pk, today=concluded)
    step("record_village_publicity", actors.reviewer, (concluded - start).days, "公示期满无异议")
    step("record_township_review", actors.reviewer, (concluded - start).days + 2, "乡镇审核同意")
    step("record_county_decision", actors.officer, (concluded - start).days + 4, "县级确定为监测对象")
    step("enter", actors.officer, (concluded - start).days + 5, "纳入监测，录入系统")
    case.refresh_from_db()
    return case


def _measure_for(actors: _Actors, household: Household, year: int, code: str, content: str):
    """A measure of the household's plan of ``year`` answering its risk: the plan's first one, or
    one added (done) when the household has none yet."""
    existing = Measure.objects.filter(household=household, year=year).order_by("pk").first()
    if existing is not None:
        return existing
    actor = actors.capturer(household.village_id)
    plan = assistance.save_plan(
        actor=actor, household_id=household.pk, year=year, planned_exit_year=year, note="监测帮扶"
    )
    return assistance.add_measure(
        actor=actor, plan_id=plan.pk, code=code, year=year, content=content, cost=Decimal("5000"),
        funding_source="财政衔接资金", status=MeasureStatus.DONE,
    )  # fmt: skip


def _monitoring_last_year(actors: _Actors, made: DemoYear, candidates: list[Household], year: int) -> None:
    """Last year, before it is frozen: a household never registered (边缘易致贫户) whose income fell is
    taken into monitoring in March, helped (its risk answered by a measure), its income recovers
    and, once MONITORING_ELIMINATION_WAIT_MONTHS have passed, the county eliminates its risk by
    assistance; an exited household (脱贫不稳定户) taken in at the year's end stays monitored."""
    from exits import monitoring_services
    from exits.monitoring import checklist_gaps, monitoring_line_for
    from exits.monitoring_choices import EliminationMode, MonitoringKind, RiskKind

    def fits(household: Household) -> bool:  # gaps a survey-form update can close, none other
        members = list(household.members.filter(is_active=True))
        gaps = set(checklist_gaps(household, members, on=datetime.date(year, 10, 1)))
        return not gaps & {"education", "medical"}

    marginal = next((h for h in candidates if fits(h)), None)
    if marginal is not None:
        case = _monitored(
            actors, marginal, kind=MonitoringKind.MARGINAL, note="家庭主要劳动力务工受伤，收入大幅下降",
            start=datetime.date(year, 2, 10),
        )  # fmt: skip
        measure = _measure_for(actors, marginal, year, MeasureCode.INDUSTRY, _MEASURE_TEXT[MeasureCode.INDUSTRY])
        monitoring_services.add_risk(
            actor=actors.capturer(marginal.village_id), case_id=case.pk, kind=RiskKind.INCOME_FALL,
            found_on=datetime.date(year, 2, 12), description="务工收入中断，人均纯收入低于监测线",
            measure_ids=[measure.pk], today=case.entered_on,
        )  # fmt: skip
        # the assistance worked: the village updates the survey form (income back above the line, house and
        # water made safe), and after the waiting time the county eliminates the risk by assistance
        line = monitoring_line_for(year, marginal.village_id).amount
        marginal = Household.objects.get(pk=marginal.pk)
        raise_by = max(Decimal("0"), (line + Decimal("800")) * marginal.household_size - marginal.net_income)
        _update_form(
            actors.capturer(marginal.village_id), marginal, {
                "wage_income": marginal.wage_income + raise_by.quantize(Decimal("1")), "housing_safety": "01",
                "drinking_water_safe": True, "has_enough_food": True, "has_seasonal_clothing": True,
            },
        )  # fmt: skip
        on = max(monitoring_services.elimination_date(case.entered_on), datetime.date(year, 10, 15))
        if on <= datetime.date(year, 12, 20):  # a longer waiting time configured: it stays monitored
            monitoring_services.eliminate_risk(
                actor=actors.officer, case_id=case.pk, mode=EliminationMode.ASSISTANCE,
                note="产业帮扶见效，收入稳定高于监测线，两不愁三保障及饮水安全达标", today=on,
            )  # fmt: skip
        made.monitored.append(case.pk)
    exited = Household.objects.filter(pk__in=made.exited, status=HouseholdStatus.EXITED).order_by("pk").first()
    if exited is not None:
        case = _monitored(
            actors, exited, kind=MonitoringKind.UNSTABLE_EXITED, note="茶叶价格下跌，家庭经营收入减少近一半",
            start=datetime.date(year, 11, 3),
        )  # fmt: skip
        measure = _measure_for(actors, exited, year, MeasureCode.ASSET_INCOME, _MEASURE_TEXT[MeasureCode.ASSET_INCOME])
        monitoring_services.add_risk(
            actor=actors.capturer(exited.village_id), case_id=case.pk, kind=RiskKind.BUSINESS,
            found_on=datetime.date(year, 11, 5), description="茶叶滞销，经营性收入减少",
            measure_ids=[measure.pk], today=case.entered_on,
        )  # fmt: skip
        made.monitored.append(case.pk)


def _monitoring(actors: _Actors, made: DemoYear, today: datetime.date) -> int:
    """The open year: the township refreshes the system's attention flags, a few flagged households
    and one exited household whose head fell ill come under monitoring; two of them have had
    their first steps, so the clerk's and the township's queues show work."""
    from exits import monitoring_flags, monitoring_services
    from exits.monitoring_choices import MonitoringChannel, MonitoringKind

    monitoring_flags.refresh_flags(actor=actors.reviewer, area_code=TOWNSHIP, year=today.year)
    flags = AttentionFlag.objects.filter(area_code__startswith=TOWNSHIP[:9], cleared_at__isnull=True).order_by("pk")
    started = 0
    for index, flag in enumerate(flags[:3]):
        case = monitoring_flags.start_from_flag(actor=actors.reviewer, flag_id=flag.pk, today=today)
        started += 1
        clerk = actors.capturer(case.area_code)
        if index >= 1:  # at the clerk's next step (commitment)
            monitoring_services.advance(
                actor=clerk, case_id=case.pk, step="record_home_check", note="入户核实", today=today
            )
        if index == 2:  # at the township's (data comparison)
            monitoring_services.advance(
                actor=clerk, case_id=case.pk, step="record_commitment", note="户主签字承诺", on=today, today=today
            )
    unstable = Household.objects.filter(pk__in=made.exited, status=HouseholdStatus.EXITED).order_by("-pk").first()
    if unstable is not None and not MonitoringCase.objects.filter(household=unstable).exists():
        monitoring_services.start_alert(
            actor=actors.capturer(unstable.village_id), household_id=unstable.pk, kind=MonitoringKind.UNSTABLE_EXITED,
            channel=MonitoringChannel.CADRE_SCREENING, note="茶叶价格下跌，家庭经营收入减少近一半", today=today,
        )  # fmt: skip
        started += 1
    return started


def _update_form(actor, household: Household, fields: dict) -> None:
    """The village updates a survey form and submits it again (a changed form goes back to draft
    otherwise), confirming each warning with the note of its home visit."""
    try:
        with transaction.atomic():
            save_household(
                actor=actor, household_id=household.pk, expected_version=household.version, members=[],
                fields=fields, submit=True,
            )  # fmt: skip
    except ServiceError as exc:
        if exc.code != "not_submittable" or exc.details["errors"]:
            raise
        notes = {warning["key"]: "入户核实，情况属实" for warning in exc.details["warnings"]}
        save_household(
            actor=actor, household_id=household.pk, expected_version=household.version, members=[],
            fields=fields, submit=True, notes=notes,
        )  # fmt: skip


def _improve(actors: _Actors, households: list[Household], year: int) -> list[Household]:
    """The village updates the survey forms of households whose wages rose and whose house was
    made safe (危房改造) during ``year``; those that now meet every criterion are returned."""
    ready = []
    for household in households:
        target = Decimal("4800") * household.household_size
        raise_by = max(Decimal("0"), (target - household.net_income).quantize(Decimal("100")) + Decimal("100"))
        _update_form(
            actors.capturer(household.village_id), household,
            {"wage_income": household.wage_income + raise_by, "housing_safety": "01"},
        )  # fmt: skip
        household = Household.objects.prefetch_related("members").get(pk=household.pk)
        if not exit_services.assess(household, year).failures:
            ready.append(household)
    return ready


def _exit(actors: _Actors, households: list[Household], year: int) -> None:
    """The exit procedure for the households, from the township's proposal to the filing."""
    day = datetime.date(year, 9, 1)
    result = exit_services.propose_exits(
        actor=actors.reviewer, year=year, household_ids=[h.pk for h in households], plan_note="产业和务工收入稳定"
    )
    from exits.models import ExitCase

    cases = list(ExitCase.objects.filter(year=year, household_id__in=result.succeeded).select_related("household"))
    for case in cases:
        actor = actors.capturer(case.area_code)
        exit_services.record_village_appraisal(actor=actor, case_id=case.pk, meeting_date=day, vote=VOTE)
        exit_services.record_home_verification(
            actor=actor, case_id=case.pk, visited_on=day + datetime.timedelta(5), checklist=EXIT_CHECKLIST,
            income_per_capita=case.household.net_income_per_capita, verifiers="村委会、驻村工作队",
        )  # fmt: skip
        exit_services.record_acknowledgement(
            actor=actor,
            case_id=case.pk,
            signed_by=case.household.head_name or "户主",
            signed_on=day + datetime.timedelta(6),
        )
    for village in sorted({c.area_code for c in cases}):
        # the village's exit publicity is an identification notice (拟退出户公示), with its period
        notice = exit_services.draft_publicity(
            actor=actors.reviewer, village_code=village, year=year, issued_by="村民委员会",
            contact="诗礼乡纪委 0883-4311001",
        )  # fmt: skip
        identification.post_notice(
            actor=actors.reviewer, notice_id=notice.pk, starts_on=day + datetime.timedelta(10),
            posted_place="村委会公示栏",
        )  # fmt: skip
        identification.conclude_notice(actor=actors.reviewer, notice_id=notice.pk)
    for case in cases:
        exit_services.record_township_review(
            actor=actors.reviewer, case_id=case.pk, reviewed_on=day + datetime.timedelta(25), opinion="同意退出",
            checked_in_field=True,
        )  # fmt: skip
        exit_services.approve(actor=actors.officer, case_id=case.pk, opinion="同意")
        exit_services.announce(actor=actors.officer, case_id=case.pk, announced_on=day + datetime.timedelta(40))
        exit_services.record_city_filing(actor=actors.inspector, case_id=case.pk, filed_on=day + datetime.timedelta(50))
        exit_services.record_province_filing(
            actor=actors.province, case_id=case.pk, filed_on=day + datetime.timedelta(55)
        )


def _signed(year: int) -> dict:
    return {role: {"name": "签字", "date": f"{year}-11-20"} for role in review.SIGNATURE_ROLES}


def _form(actors: _Actors, campaign, household: Household, form: str, finding: str, reason: str):
    """One form through the village, township and county, each act dated in the review's year (so
    a removal or reopening it applies counts in that year, whenever the demo runs)."""
    year = campaign.year
    result = review.record_result(
        actor=actors.capturer(household.village_id), campaign_id=campaign.pk, household_id=household.pk, form=form,
        finding=finding, reason=reason, signatures=_signed(year), recorded_on=datetime.date(year, 11, 20),
    )  # fmt: skip
    review.township_check(actor=actors.reviewer, result_id=result.pk, agree=True, on=datetime.date(year, 11, 22))
    return review.county_review(actor=actors.officer, result_id=result.pk, approve=True, on=datetime.date(year, 11, 24))


@transaction.atomic  # all or nothing; also one commit for SQLite instead of thousands
def run_demo_year(*, today: datetime.date | None = None) -> DemoYear:
    """Run the demo year over the township's demo households (see the module's docstring);
    ``today`` only chooses the years (the services keep their own clock)."""
    today = today or timezone.localdate()
    exit_year, id_year = today.year - 1, today.year - 2
    made = DemoYear(id_year=id_year, exit_year=exit_year)
    if ReviewCampaign.objects.filter(county_id=COUNTY, year=exit_year).exists():
        made.skipped = True
        return made
    actors = _Actors()
    households = list(
        Household.objects.filter(village__code__startswith=TOWNSHIP[:9], status=HouseholdStatus.APPLICANT).order_by(
            "pk"
        )
    )
    submitted = [h for h in households if h.entry_state == EntryState.SUBMITTED]
    # most households are identified; a few stay applicants (two of them the review finds missed)
    left_out = submitted[9::25]
    applying = [h for h in submitted if h not in left_out]

    # 1. two years back: the initial identification, announced, and the year frozen
    campaign = _campaign(actors, "initial", id_year, f"{id_year}年建档立卡识别", datetime.date(id_year, 3, 1), applying)
    _identify(actors, campaign, applying, datetime.date(id_year, 3, 10))
    made.registered = [h.pk for h in applying]
    frozen.freeze_year(actor=actors.officer, county_code=COUNTY, year=id_year)

    # 2. last year: households whose income cleared the line exit through the procedure
    registered = list(Household.objects.filter(pk__in=made.registered).order_by("pk"))
    made.cadres = _assistance(actors, registered, exit_year)
    ready = _improve(actors, registered[1::4], exit_year)
    _exit(actors, ready, exit_year)
    made.exited = [h.pk for h in ready]

    # 3. the review of last year
    campaign = review.open_review(
        actor=actors.officer, county_code=COUNTY, year=exit_year, title=f"{exit_year}年动态管理",
        opens_on=datetime.date(exit_year, 11, 1), deadline=datetime.date(exit_year, 12, 31),
    )  # fmt: skip
    made.review_id = campaign.pk
    staying = [h for h in registered if h.pk not in set(made.exited)]
    wrong = staying[0]
    _form(actors, campaign, wrong, "a", "wrongly_included", "家庭有财政供养人员，不符合识别标准")
    for household in staying[1:13]:
        _form(actors, campaign, household, "a", "accurate", "入户核查属实")
    exited = Household.objects.filter(pk__in=made.exited).order_by("pk")
    returning, wrongly_exited, confirmed = exited[0], exited[1], list(exited[2:])
    came_back = _form(actors, campaign, returning, "c", "returned", "户主突发重病，医疗支出大，收入低于贫困线")
    _form(actors, campaign, wrongly_exited, "c", "wrongly_exited", "务工收入不稳定，退出时收入计算有误")
    made.wrongly_exited = wrongly_exited.pk
    for household in confirmed:
        _form(actors, campaign, household, "c", "exit_confirmed", "收入稳定，两不愁三保障达标")
    missed = left_out[:2]
    found = [_form(actors, campaign, h, "b", "missed", "家庭收入低于贫困线，上年未纳入") for h in missed]
    made.wrongly_included, made.returned, made.missed = wrong.pk, returning.pk, [h.pk for h in missed]

    new_poverty = _campaign(
        actors, "new_poverty", exit_year, f"{exit_year}年新识别贫困户", datetime.date(exit_year, 11, 25), missed
    )
    for household, result in zip(missed, found, strict=True):
        review.file_identification(
            actor=actors.capturer(household.village_id), result_id=result.pk, campaign_id=new_poverty.pk,
            informed_on=datetime.date(exit_year, 11, 26),
        )  # fmt: skip
    _advance_filed(actors, new_poverty, missed, datetime.date(exit_year, 11, 26))
    returns = _campaign(
        actors, "return", exit_year, f"{exit_year}年返贫户识别", datetime.date(exit_year, 11, 25), [returning]
    )
    review.file_identification(
        actor=actors.capturer(returning.village_id), result_id=came_back.pk, campaign_id=returns.pk,
        informed_on=datetime.date(exit_year, 11, 26),
    )  # fmt: skip
    _advance_filed(actors, returns, [returning], datetime.date(exit_year, 11, 26))
    for year in (exit_year, today.year):
        _village_figures(actors, year)
    # monitoring last year: one household taken in and its risk eliminated, one still monitored
    never_registered = left_out[2:] + [h for h in households if h not in submitted]
    _monitoring_last_year(actors, made, never_registered, exit_year)
    frozen.freeze_year(actor=actors.officer, county_code=COUNTY, year=exit_year)

    # 4. the open year: the system's attention flags, and a few monitored households
    made.monitoring = _monitoring(actors, made, today)
    return made


def _advance_filed(actors: _Actors, campaign, households: list[Household], start: datetime.date) -> None:
    """Walk cases already filed (by the review) through the remaining steps."""
    from identification.models import Case

    ids = list(Case.objects.filter(campaign=campaign, household__in=households).values_list("pk", flat=True))
    _walk(actors, campaign, ids, start)


def _walk(actors: _Actors, campaign, case_ids: list[int], start: datetime.date) -> None:
    from identification.models import Case

    cases = list(Case.objects.filter(pk__in=case_ids).select_related("household"))
    for case in cases:
        actor = actors.capturer(case.area_code)
        identification.record_group_discussion(
            actor=actor, case_id=case.pk, meeting_date=start, attendance=20, recommended=True
        )
        identification.record_village_appraisal(
            actor=actor, case_id=case.pk, meeting_date=start, vote=VOTE, comparison_read=True
        )
        signatures = {role: {"name": "签字", "date": start.isoformat()} for role in ("head", "surveyor", "team_leader")}
        identification.record_home_check(
            actor=actor, case_id=case.pk, visited_on=start, checklist=HOME_CHECK, findings="入户核实属实",
            signatures=signatures,
        )  # fmt: skip
    _publicize(actors, campaign, cases, start + datetime.timedelta(1))


def _publicize(actors: _Actors, campaign, cases, first_start: datetime.date) -> None:
    for village in sorted({c.area_code for c in cases}):
        notice = identification.create_notice(
            actor=actors.reviewer, campaign_id=campaign.pk, kind="first_publicity", area_code=village,
            issued_by="村民委员会", contact="诗礼乡纪委 0883-4311001",
        )  # fmt: skip
        identification.post_notice(
            actor=actors.reviewer, notice_id=notice.pk, starts_on=first_start, posted_place="村委会公示栏"
        )
        identification.conclude_notice(actor=actors.reviewer, notice_id=notice.pk)
    identification.advance_many(
        actor=actors.reviewer, case_ids=[c.pk for c in cases], step="record_township_review", checked_in_field=True
    )
    second = identification.create_notice(
        actor=actors.reviewer, campaign_id=campaign.pk, kind="second_publicity", area_code=TOWNSHIP,
        issued_by="诗礼乡人民政府", contact="0883-4311000",
    )  # fmt: skip
    identification.post_notice(
        actor=actors.reviewer,
        notice_id=second.pk,
        starts_on=first_start + datetime.timedelta(10),
        posted_place="乡政府",
    )
    identification.conclude_notice(actor=actors.reviewer, notice_id=second.pk)
    identification.advance_many(
        actor=actors.officer, case_ids=[c.pk for c in cases], step="confirm", checked_in_field=True
    )
    announcement = identification.create_notice(
        actor=actors.officer, campaign_id=campaign.pk, kind="announcement", area_code=COUNTY,
        issued_by="凤庆县扶贫开发领导小组办公室", contact="0883-4210000",
    )  # fmt: skip
    identification.post_notice(
        actor=actors.officer, notice_id=announcement.pk, starts_on=first_start + datetime.timedelta(25),
        posted_place="县政府网站",
    )  # fmt: skip
