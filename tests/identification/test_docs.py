from pathlib import Path

from identification.docs import workflow_markdown


def test_docs_workflow_md_is_generated_from_the_transition_table():
    # the file carries other workflows after this one (exits: tests/exits/exit/test_docs.py)
    assert (
        (Path(__file__).resolve().parents[2] / "docs" / "workflow.md")
        .read_text(encoding="utf-8")
        .startswith(workflow_markdown())
    )
