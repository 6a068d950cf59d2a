"""The monitoring transition table as Markdown: a section of docs/workflow.md between two markers,
written by ``python manage.py monitoring_workflow_doc`` and kept in step by a test."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from areas.choices import Role
from areas.roles import ROLE_ACTIONS
from exits.monitoring_choices import MonitoringState
from exits.monitoring_workflow import START_ACTION, TRANSITIONS, next_action, return_targets

__all__ = ["BEGIN", "END", "monitoring_markdown", "with_section"]

BEGIN = "<!-- monitoring workflow: generated, do not edit -->"
END = "<!-- end of monitoring workflow -->"


def _roles(action: str) -> str:
    return ", ".join(f"{Role(role).label} (`{role}`)" for role, actions in ROLE_ACTIONS.items() if action in actions)


def monitoring_markdown() -> str:
    """The section, the same whatever language is active (role names in English, steps in Chinese)."""
    with translation.override("en"):
        states = dict(MonitoringState.choices)
        lines = [
            BEGIN,
            "",
            "# The monitoring workflow (防返贫监测)",
            "",
            "Generated from `exits/monitoring_workflow.py` by `python manage.py monitoring_workflow_doc`; "
            "`tests/exits/monitoring/test_docs.py` fails when this section and the table differ.",
            "",
            f"An alert (预警) is raised by a role holding `{START_ACTION}`: {_roles(START_ACTION)}.",
            "",
            "| step | from | to | action needed | roles holding it |",
            "|---|---|---|---|---|",
        ]
        for step in TRANSITIONS:
            sources = ", ".join(f"{states[s]} `{s}`" for s in step.sources)
            target = f"{states[step.target]} `{step.target}`"
            lines.append(
                f"| {step.label} (`{step.name}`) | {sources} | {target} | `{step.action}` | {_roles(step.action)} |"
            )
        lines += [
            "",
            "The village publicity runs on an identification notice (first publicity) of the county's "
            "monitoring campaign, with its objections; `record_village_publicity` is possible only once that "
            "notice is concluded without an upheld objection. Risk elimination needs income per person above "
            "the monitoring line, the 两不愁三保障 + 饮水安全 checklist met, and the waiting time "
            "(`MONITORING_ELIMINATION_WAIT_MONTHS`) passed since entry.",
            "",
            "| state | owned by (action) | may be sent back to |",
            "|---|---|---|",
        ]
        for state, label in MonitoringState.choices:
            owner = next_action(state)
            if owner is None:
                continue
            targets = ", ".join(f"`{t}`" for t in return_targets(state)) or "—"
            lines.append(f"| {label} `{state}` | `{owner}` | {targets} |")
        lines += ["", "Whoever owns a case's next step may instead close it as not monitored (with a reason).", "", END]
    return "\n".join(lines) + "\n"


def with_section(text: str) -> str:
    """``text`` (docs/workflow.md) with the monitoring section replaced, or appended if missing."""
    section = monitoring_markdown()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        return head + section + tail
    return text.rstrip("\n") + "\n\n" + section


def write(path: Path) -> None:
    path.write_text(with_section(path.read_text(encoding="utf-8")), encoding="utf-8")
