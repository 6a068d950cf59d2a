from pathlib import Path

from identification.docs import workflow_markdown


def test_docs_workflow_md_is_generated_from_the_transition_table():
    # docs/workflow.md opens with the identification workflow; other workflows' generated sections
    # (monitoring: tests/exits/monitoring/test_docs.py) follow it
    text = (Path(__file__).resolve().parents[2] / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert text.startswith(workflow_markdown())
