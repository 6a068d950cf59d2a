"""The transition table as Markdown, for docs/workflow.md (a test keeps the file in step)."""

from __future__ import annotations

from django.utils import translation

from areas.choices import Action, Role
from areas.roles import ROLE_ACTIONS
from identification.choices import CaseState
from identification.models import PoorVillageState
from identification.workflow import TRANSITIONS, next_action, return_targets

__all__ = ["workflow_markdown"]


def _roles(action: str) -> str:
    return ", ".join(f"{Role(role).label} (`{role}`)" for role, actions in ROLE_ACTIONS.items() if action in actions)


def workflow_markdown() -> str:
    """The same text whatever language is active: role names in English, step names as the
    documents give them (Chinese)."""
    with translation.override("en"):
        return _markdown()


def _markdown() -> str:
    states = dict(CaseState.choices)
    lines = [
        "# The identification workflow",
        "",
        "Generated from `identification/workflow.py` by `python manage.py workflow_doc`; "
        "`tests/identification/test_docs.py` fails when this file and the table differ.",
        "",
        "## Steps",
        "",
        "| step | from | to | action needed | roles holding it |",
        "|---|---|---|---|---|",
    ]
    for step in TRANSITIONS:
        sources = ", ".join(f"{states[s]} `{s}`" for s in step.sources)
        target = f"{states[step.target]} `{step.target}`"
        roles = _roles(step.action)
        lines.append(f"| {step.label} (`{step.name}`) | {sources} | {target} | `{step.action}` | {roles} |")
    lines += [
        "",
        "## Returning and rejecting",
        "",
        "Whoever owns a case's next step may send it back to an earlier step or reject it, always with a reason.",
        "",
        "| state | owned by (action) | may be sent back to |",
        "|---|---|---|",
    ]
    for state, label in CaseState.choices:
        owner = next_action(state)
        if owner is None:
            continue
        targets = ", ".join(f"`{t}`" for t in return_targets(state)) or "—"
        lines.append(f"| {label} `{state}` | `{owner}` | {targets} |")
    lines += [
        "",
        "An upheld objection sends a case in publicity back to the village (`applied`, `group_discussed` "
        "or `village_appraised`); a problem found by the city's spot-check sends it back to `home_checked`.",
        "",
        "## Poor villages (一公示、一公告)",
        "",
        "A village is proposed with its figures for the campaign's year (entered and corrected by village "
        "clerks and township reviewers, `identification/villages.py`); the township's meeting of all village "
        "cadres votes (two thirds present, more than half of those present for); the township posts one "
        "publicity for the campaign's publicity days and concludes it from the day after; the county announces.",
        "",
        "| state | next step | action needed |",
        "|---|---|---|",
    ]
    village_states = dict(PoorVillageState.choices)
    for state, (step, action) in VILLAGE_STEPS.items():
        lines.append(f"| {village_states[state]} `{state}` | {step} | `{action}` |")
    lines.append("")
    return "\n".join(lines)


#: a poor village's case: the step that takes it on from each state, and the action it needs
VILLAGE_STEPS = {
    PoorVillageState.PROPOSED: ("cadres' vote (`record_cadre_vote`)", Action.REVIEW),
    PoorVillageState.APPRAISED: ("publicity (`post_village_publicity`)", Action.REVIEW),
    PoorVillageState.IN_PUBLICITY: ("end of the publicity (`conclude_village_publicity`)", Action.REVIEW),
    PoorVillageState.PUBLICIZED: ("county announcement (`announce_poor_villages`)", Action.APPROVE),
}
