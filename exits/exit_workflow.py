"""The allowed steps of the exit procedures (DOMAIN.md section 8), as tables (name, action
needed, from, to) that the services enforce and docs/workflow.md and the tests are built from.

The action is the one a role must hold on the case's area (areas/roles.py says which roles hold
it): "capture" village clerks (and township reviewers), "review" township reviewers, "approve"
county officers, "inspect" city inspectors, "verify_exit" province officers.
"""

from __future__ import annotations

from dataclasses import dataclass

from areas.choices import Action
from exits.exit_choices import CountyExitState as C
from exits.exit_choices import ExitState as S
from exits.exit_choices import VillageExitState as V

__all__ = [
    "COUNTY_TRANSITIONS",
    "NOTICE_STEPS",
    "OPEN_STATES",
    "TRANSITIONS",
    "VILLAGE_TRANSITIONS",
    "ExitTransition",
    "next_action",
    "transition",
]


@dataclass(frozen=True)
class ExitTransition:
    name: str
    action: str
    sources: tuple[str, ...]
    target: str
    label: str


#: the household exit: proposal at the start of the year, then the year-end steps
TRANSITIONS: list[ExitTransition] = [
    ExitTransition("propose", Action.REVIEW, (), S.PROPOSED, "乡镇年初提出预退出户（标注预脱贫）"),
    ExitTransition(
        "record_village_appraisal", Action.CAPTURE, (S.PROPOSED,), S.VILLAGE_APPRAISED, "年底村民代表大会评议"
    ),
    ExitTransition(
        "record_home_verification",
        Action.CAPTURE,
        (S.VILLAGE_APPRAISED, S.HOME_VERIFIED),
        S.HOME_VERIFIED,
        "村委会、驻村工作队入户核实（收入、两不愁三保障、饮水安全）",
    ),
    ExitTransition("record_acknowledgement", Action.CAPTURE, (S.HOME_VERIFIED,), S.ACKNOWLEDGED, "贫困户书面认可签字"),
    ExitTransition("post_publicity", Action.REVIEW, (S.ACKNOWLEDGED,), S.IN_PUBLICITY, "村内公示（不少于7天）"),
    ExitTransition("conclude_publicity", Action.REVIEW, (S.IN_PUBLICITY,), S.PUBLICIZED, "公示期满无异议"),
    ExitTransition(
        "objection_upheld", Action.REVIEW, (S.IN_PUBLICITY,), S.VILLAGE_APPRAISED, "公示异议成立，退回重新入户核实"
    ),
    ExitTransition("record_township_review", Action.REVIEW, (S.PUBLICIZED,), S.TOWNSHIP_REVIEWED, "乡镇审核"),
    ExitTransition("approve", Action.APPROVE, (S.TOWNSHIP_REVIEWED,), S.COUNTY_APPROVED, "县扶贫办审定"),
    ExitTransition("announce", Action.APPROVE, (S.COUNTY_APPROVED,), S.ANNOUNCED, "县级公告退出，标注已脱贫"),
    ExitTransition("record_city_filing", Action.INSPECT, (S.ANNOUNCED,), S.CITY_FILED, "市级备案"),
    ExitTransition("record_province_filing", Action.VERIFY_EXIT, (S.CITY_FILED,), S.FILED, "省级备案"),
    ExitTransition(
        "withdraw",
        Action.REVIEW,
        (S.PROPOSED, S.VILLAGE_APPRAISED, S.HOME_VERIFIED, S.ACKNOWLEDGED, S.PUBLICIZED, S.TOWNSHIP_REVIEWED),
        S.WITHDRAWN,
        "本年不退出（说明原因），恢复原脱贫属性",
    ),
]

#: states of a case still under way (not announced, filed or withdrawn)
OPEN_STATES = (
    S.PROPOSED, S.VILLAGE_APPRAISED, S.HOME_VERIFIED, S.ACKNOWLEDGED, S.IN_PUBLICITY, S.PUBLICIZED,
    S.TOWNSHIP_REVIEWED, S.COUNTY_APPROVED,
)  # fmt: skip

#: a poor village's exit: township proposes and publicizes, the county announces
VILLAGE_TRANSITIONS: list[ExitTransition] = [
    ExitTransition("propose_village", Action.REVIEW, (), V.PROPOSED, "乡镇提出贫困村退出（贫困发生率达标）"),
    ExitTransition("post_village_publicity", Action.REVIEW, (V.PROPOSED,), V.IN_PUBLICITY, "乡镇公示"),
    ExitTransition("conclude_village_publicity", Action.REVIEW, (V.IN_PUBLICITY,), V.PUBLICIZED, "公示期满"),
    ExitTransition("announce_village", Action.APPROVE, (V.PUBLICIZED,), V.ANNOUNCED, "县级公告贫困村退出"),
]

#: a county's exit (摘帽): county proposes, city checks, province verifies and announces
COUNTY_TRANSITIONS: list[ExitTransition] = [
    ExitTransition("propose_county", Action.APPROVE, (), C.PROPOSED, "县提出摘帽申请"),
    ExitTransition("record_city_check", Action.INSPECT, (C.PROPOSED,), C.CITY_CHECKED, "市级初审"),
    ExitTransition("announce_county", Action.VERIFY_EXIT, (C.CITY_CHECKED,), C.ANNOUNCED, "省级核查并公告摘帽"),
]


def transition(name: str) -> ExitTransition:
    return next(t for t in (*TRANSITIONS, *VILLAGE_TRANSITIONS, *COUNTY_TRANSITIONS) if t.name == name)


#: steps the exit case takes with its village's publicity notice (exits/exit_publicity.py), never on their own
NOTICE_STEPS = ("post_publicity", "conclude_publicity", "objection_upheld")


def next_action(state: str) -> str | None:
    """The action that takes a household's case on from ``state`` (None when it is finished)."""
    leaving = next(
        (t for t in TRANSITIONS if state in t.sources and t.name not in ("withdraw", "objection_upheld")), None
    )
    return leaving.action if leaving else None
