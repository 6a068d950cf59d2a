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
            "approved, and the reasons show. A failed village vote withdraws the case; a county officer "
            "(`approve`) may withdraw a case too, with the reason. The announcement "
            "marks the household `exited` with the year; its pairing and plans continue. The filing is two "
            "steps: the city inspector records the city's (`inspect`), then the province officer the "
            "province's (`verify_exit`), each in their own area.",
            "",
            "The village publicity runs on identification's notices and objections (exits/exit_publicity.py), "
            "not on a copy: the acknowledgement gives the case an identification case in the county's exit "
            "campaign of the year (`CampaignKind.EXIT`, 脱贫退出, opened on first use), at `home_checked`, "
            "which the village's first-publicity notice (拟退出贫困户名单公示) picks up. The steps "
            "`post_publicity`, `conclude_publicity` and `objection_upheld` are never taken on their own: "
            "posting the notice takes its exit cases to `in_publicity`, concluding it (not before its period "
            "of at least `EXIT_PUBLICITY_DAYS` (7) days has ended, never with an objection open) to "
            "`publicized`, and an upheld objection sends the case back to `village_appraised` (a new home "
            "verification and acknowledgement ready a new publicity), each in the notice's transaction. The "
            "township review checks again that the household's last notice was concluded without an upheld "
            "objection. A notice lists, and is posted with, only households that still meet the criteria; a "
            "withdrawn case leaves any notice still in draft.",
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
