from pathlib import Path

from exits.monitoring_docs import BEGIN, END, monitoring_markdown, with_section
from exits.monitoring_workflow import TRANSITIONS


def test_docs_workflow_md_carries_the_monitoring_table_as_generated():
    text = (Path(__file__).resolve().parents[3] / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert monitoring_markdown() in text


def test_every_step_of_the_table_is_in_the_section():
    section = monitoring_markdown()
    assert all(f"(`{step.name}`)" in section for step in TRANSITIONS)


def test_rewriting_the_section_replaces_it_and_keeps_the_rest():
    old = f"# Other\n\ntext\n\n{BEGIN}\nstale\n{END}\n\n# After\n"
    new = with_section(old)
    assert new.startswith("# Other\n\ntext\n\n") and new.endswith("# After\n")
    assert "stale" not in new and monitoring_markdown() in new
    assert with_section(new) == new
