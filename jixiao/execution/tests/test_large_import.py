from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jixiao.execution import imports
from jixiao.execution.models import Payment, PaymentStagingRow, ProjectMonthExecution
from jixiao.execution.selectors import payment_totals
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

# Many staging batches and progress steps; the 10-million-row import is measured by bench/ (docs/scale.md), not
# here: a million rows cost CI over a minute on each engine and prove nothing more.
ROWS = 200_000
TAIL = "30201,2050201,一般公共预算,"


def _write_file(path: Path, world: Any, projects: list[Project]) -> None:
    """ROWS payments over 50 projects and twelve months, streamed to disk (never held in memory)."""
    header = ",".join(imports.HEADERS) + "\n"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header)
        lines = []
        for i in range(ROWS):
            project = projects[i % len(projects)]
            month = i % 12 + 1
            day = i % 28 + 1
            amount = f"{i % 997 + 1}.25"
            lines.append(f"V{i:08d},2026-{month:02d}-{day:02d},511725000,101001,{project.code},{amount},{TAIL}\n")
            if len(lines) == 10_000:
                handle.writelines(lines)
                lines = []
        handle.writelines(lines)


@pytest.mark.slow
def test_a_large_csv_imports_in_one_streamed_pass(world: Any, tmp_path: Path) -> None:
    projects = [world.school_project] + [ProjectFactory(unit=world.school, code=f"BIG-{n:03d}") for n in range(49)]
    path = tmp_path / "large.csv"
    _write_file(path, world, projects)
    batch = imports.import_payment_file(
        actor=world.users["budget"], region=world.region, path=path, file_name="large.csv"
    )
    assert (batch.rows_read, batch.rows_imported, batch.rows_skipped) == (ROWS, ROWS, 0)
    assert Payment.objects.count() == ROWS and PaymentStagingRow.objects.count() == 0
    expected = sum((i % 997 + 1) * 100 + 25 for i in range(ROWS))  # in cents
    total = payment_totals(Payment.objects.all())["total"]
    assert int(total * 100) == expected
    rollup = ProjectMonthExecution.objects.filter(project__in=projects).count()
    assert rollup == len({(i % 50, i % 12) for i in range(600)})  # project × month pairs that occur
