"""The steps of a monitored household's identification and monitoring (DOMAIN.md section 8): one
table (name, action needed, from, to) that the services enforce and docs/workflow.md and the tests
are built from.

Actions are those of areas/roles.py held on the case's village: "capture" village clerks and
township reviewers, "review" township reviewers, "approve" county officers.
"""

from __future__ import annotations

from dataclasses import dataclass

from areas.choices import Action
from exits.monitoring_choices import MonitoringState as S

__all__ = [
    "FINISHED_STATES",
    "START_ACTION",
    "TRANSITIONS",
    "Transition",
    "next_action",
    "return_targets",
    "transition",
]


@dataclass(frozen=True)
class Transition:
    name: str
    action: str
    sources: tuple[str, ...]
    target: str
    label: str


#: who may raise an alert (the first step: a household comes to notice)
START_ACTION = Action.CAPTURE

TRANSITIONS: list[Transition] = [
    Transition("record_home_check", Action.CAPTURE, (S.ALERTED,), S.HOME_CHECKED, "入户核实"),
    Transition("record_commitment", Action.CAPTURE, (S.HOME_CHECKED,), S.COMMITTED, "农户承诺授权"),
    Transition("record_data_comparison", Action.REVIEW, (S.COMMITTED,), S.DATA_COMPARED, "部门数据比对"),
    Transition("record_village_appraisal", Action.CAPTURE, (S.DATA_COMPARED,), S.VILLAGE_APPRAISED, "村级民主评议"),
    # the publicity itself runs on an identification notice (first publicity of the county's
    # monitoring campaign); this step takes its result once the notice is concluded
    Transition(
        "record_village_publicity", Action.REVIEW, (S.VILLAGE_APPRAISED,), S.VILLAGE_PUBLICIZED, "村级公示期满无异议"
    ),
    Transition("record_township_review", Action.REVIEW, (S.VILLAGE_PUBLICIZED,), S.TOWNSHIP_REVIEWED, "乡镇审核"),
    Transition("record_county_decision", Action.APPROVE, (S.TOWNSHIP_REVIEWED,), S.COUNTY_DECIDED, "县级确定"),
    Transition("enter", Action.APPROVE, (S.COUNTY_DECIDED,), S.MONITORED, "纳入监测、录入系统"),
    Transition("eliminate_risk", Action.APPROVE, (S.MONITORED,), S.ELIMINATED, "风险消除"),
]

FINISHED_STATES = (S.ELIMINATED, S.REJECTED)
_ORDER = [state.value for state in S if state not in FINISHED_STATES]


def transition(name: str) -> Transition:
    return next(t for t in TRANSITIONS if t.name == name)


def next_action(state: str) -> str | None:
    """The action that owns a case in ``state``: whoever takes its next step may also return it or
    decide not to monitor it. None for finished cases."""
    leaving = next((t for t in TRANSITIONS if state in t.sources), None)
    return leaving.action if leaving else None


def return_targets(state: str) -> list[str]:
    """Earlier steps a case in ``state`` may be sent back to (with a reason); a monitored household
    is not sent back: its risk is eliminated or it stays."""
    if state not in _ORDER or state in (S.ALERTED, S.MONITORED):
        return []
    return _ORDER[: _ORDER.index(state)]
