from pathlib import Path

from exits.exit_docs import exit_workflow_markdown
from identification.docs import workflow_markdown


def test_docs_workflow_md_carries_the_exit_tables():
    text = (Path(__file__).resolve().parents[3] / "docs" / "workflow.md").read_text(encoding="utf-8")
    # identification, then the exit procedures; monitoring's generated section follows
    # (tests/exits/monitoring/test_docs.py)
    assert text.startswith(workflow_markdown() + exit_workflow_markdown())


def test_every_exit_step_is_documented_with_its_roles():
    text = exit_workflow_markdown()
    assert "| 县扶贫办审定 (`approve`) | 乡镇审核 `township_reviewed` | 县审定 `county_approved` | `approve` |" in text
    assert "Province officer (`province_officer`)" in text
