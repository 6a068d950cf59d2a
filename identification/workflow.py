"""The allowed steps of a case: one table (name, action needed, from, to) that the services
enforce and the docs and tests are built from (DOMAIN.md section 6).

The action is the one a role must hold on the case's village (areas/roles.py says which roles
hold it): "capture" village clerks and township reviewers, "review" township reviewers,
"approve" county officers, "inspect" city inspectors.
"""

from __future__ import annotations

from dataclasses import dataclass

from areas.choices import Action
from identification.choices import CaseState as S

__all__ = ["RESTING_STATES", "TRANSITIONS", "Transition", "next_action", "return_targets", "transition"]


@dataclass(frozen=True)
class Transition:
    name: str
    action: str
    sources: tuple[str, ...]
    target: str
    label: str


TRANSITIONS: list[Transition] = [
    Transition(
        "record_group_discussion", Action.CAPTURE, (S.APPLIED,), S.GROUP_DISCUSSED, "小组议：村民小组户代表会议推荐"
    ),
    Transition(
        "record_village_appraisal",
        Action.CAPTURE,
        (S.GROUP_DISCUSSED,),
        S.VILLAGE_APPRAISED,
        "村评定：村民代表大会评议票决",
    ),
    Transition("record_home_check", Action.CAPTURE, (S.VILLAGE_APPRAISED,), S.HOME_CHECKED, "入户查：入户核实、签字"),
    Transition("post_first_publicity", Action.REVIEW, (S.HOME_CHECKED,), S.FIRST_PUBLICITY, "第一次公示（村）"),
    Transition("conclude_first_publicity", Action.REVIEW, (S.FIRST_PUBLICITY,), S.FIRST_PUBLICIZED, "第一次公示期满"),
    Transition(
        "record_township_review",
        Action.REVIEW,
        (S.FIRST_PUBLICIZED,),
        S.TOWNSHIP_REVIEWED,
        "乡镇审核（实地抽查不少于20%）",
    ),
    Transition(
        "post_second_publicity", Action.REVIEW, (S.TOWNSHIP_REVIEWED,), S.SECOND_PUBLICITY, "第二次公示（村、乡镇）"
    ),
    Transition(
        "conclude_second_publicity", Action.REVIEW, (S.SECOND_PUBLICITY,), S.SECOND_PUBLICIZED, "第二次公示期满"
    ),
    Transition(
        "confirm", Action.APPROVE, (S.SECOND_PUBLICIZED,), S.COUNTY_CONFIRMED, "县确认（规模内，抽查不少于10%）"
    ),
    Transition("announce", Action.APPROVE, (S.COUNTY_CONFIRMED,), S.ANNOUNCED, "县级公告，纳入建档立卡"),
    Transition("record_spot_check", Action.INSPECT, (S.ANNOUNCED,), S.SPOT_CHECKED, "市抽查"),
]

#: states in which a case waits for someone's step (not inside a running publicity)
RESTING_STATES = (
    S.APPLIED, S.GROUP_DISCUSSED, S.VILLAGE_APPRAISED, S.HOME_CHECKED, S.FIRST_PUBLICIZED,
    S.TOWNSHIP_REVIEWED, S.SECOND_PUBLICIZED, S.COUNTY_CONFIRMED, S.ANNOUNCED,
)  # fmt: skip
_ORDER = [state.value for state in S if state != S.REJECTED]


def transition(name: str) -> Transition:
    return next(t for t in TRANSITIONS if t.name == name)


def next_action(state: str) -> str | None:
    """The action that owns a case in ``state``: whoever takes its next step may also return or
    reject it. None for finished cases."""
    leaving = next((t for t in TRANSITIONS if state in t.sources), None)
    return leaving.action if leaving else None


def return_targets(state: str) -> list[str]:
    """The earlier resting states a case in ``state`` may be sent back to (with a reason)."""
    if state not in RESTING_STATES or state == S.APPLIED:
        return []
    index = _ORDER.index(state)
    return [s for s in _ORDER[:index] if s in RESTING_STATES]
