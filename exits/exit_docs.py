"""The exit transition tables as Markdown, appended to docs/workflow.md by
``manage.py workflow_doc`` (tests/exits/exit/test_docs.py keeps the file in step)."""

from __future__ import annotations

from django.utils import translation

from areas.choices import Role
from areas.roles import ROLE_ACTIONS
from exits.exit_choices import CountyExitState, ExitState, VillageExitState
from exits.exit_workflow import COUNTY_TRANSITIONS, TRANSITIONS, VILLAGE_TRANSITIONS

__all__ = ["exit_workflow_markdown"]


def _roles(action: str) -> str:
    return ", ".join(f"{Role(role).label} (`{role}`)" for role, actions in ROLE_ACTIONS.items() if action in actions)


def _table(steps, states: dict[str, str]) -> list[str]:
    lines = ["| step | from | to | action needed | roles holding it |", "|---|---|---|---|---|"]
    for step in steps:
        sources = ", ".join(f"{states[s]} `{s}`" for s in step.sources) or "—"
        target = f"{states[step.target]} `{step.target}`"
        lines.append(
            f"| {step.label} (`{step.name}`) | {sources} | {target} | `{step.action}` | {_roles(step.action)} |"
        )
    return lines


def exit_workflow_markdown() -> str:
    """The same text whatever language is active (role names in English, steps in Chinese)."""
    with translation.override("en"):
        lines = [
            "",
            "# The exit procedures",
            "",
            "Generated from `exits/exit_workflow.py` by `python manage.py workflow_doc`; "
            "`tests/exits/exit/test_docs.py` fails when this file and the tables differ.",
            "",
            "## Household exit (DOMAIN.md section 8)",
            "",
            *_table(TRANSITIONS, dict(ExitState.choices)),
            "",
            "A step is refused in a year the county has frozen. The home verification records the checklist "
            "of 4.4 item by item and the per-capita income against the year's line; a household that fails "
            "a criterion (by the verification or by the register as it stands) cannot be publicized or "
            "approved, and the reasons show. The publicity lasts at least `EXIT_PUBLICITY_DAYS` (7) days, "
            "cannot be concluded before it ends or with an objection open; an upheld objection sends the "
            "case back to `village_appraised`. A failed village vote withdraws the case; a county officer "
            "(`approve`) may withdraw a case too, with the reason. The announcement "
            "marks the household `exited` with the year; its pairing and plans continue.",
            "",
            "## Poor village exit",
            "",
            *_table(VILLAGE_TRANSITIONS, dict(VillageExitState.choices)),
            "",
            "## County exit (摘帽)",
            "",
            *_table(COUNTY_TRANSITIONS, dict(CountyExitState.choices)),
            "",
            "A village or county is proposed only when it meets the bar: poverty incidence (remaining poor "
            "people of the register ÷ rural registered population of the village figures) under "
            "`POVERTY_INCIDENCE_THRESHOLD` (2 %), `POVERTY_INCIDENCE_THRESHOLD_WESTERN` (3 %) in western "
            "provinces; a village also needs its road to the township, safe water for every household, a "
            "clinic and collective income above `VILLAGE_EXIT_MIN_COLLECTIVE_INCOME`.",
            "",
        ]
    return "\n".join(lines)
