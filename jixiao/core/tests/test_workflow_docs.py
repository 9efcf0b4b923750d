from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command


def test_docs_workflows_md_is_generated_from_the_tables() -> None:
    out = StringIO()
    call_command("workflow_docs", stdout=out)
    committed = (Path(__file__).resolve().parents[3] / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert out.getvalue().strip() == committed.strip(), "run `make docs` to refresh docs/workflows.md"
    assert "| 草稿 | 提交审核 (`submit`) | 待主管部门审核 | `project.submit` |" in committed
