"""The house-style check for bulk writes to projects (scripts/check_patterns.py, rule 4) finds them however the
call is wrapped, and lets through other models and calls marked as refreshing the read models."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_patterns.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_patterns", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_project_bulk_writes_are_found_on_any_line_of_the_chain() -> None:
    code = """
Project.objects.filter(pk=1).update(status="in_library")
Project.objects.filter(
    region=region,
).exclude(is_deleted=True).update(
    department_id=2,
)
Project.objects.bulk_update(rows, ["status"])
Target.objects.filter(pk=1).update(status="approved")
Project.objects.filter(pk=1).update(tier="key")  # read models refreshed
values.update({"a": 1})
"""
    assert _checker().project_bulk_writes(code) == [2, 3, 8]


def test_the_repository_passes_its_own_checks() -> None:
    assert _checker().main() == 0
