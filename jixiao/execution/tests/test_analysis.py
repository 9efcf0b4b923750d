"""执行进度分析: monthly and per-department execution against 序时进度, scoped to the viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jixiao.execution import imports
from jixiao.execution.tests.helpers import csv_bytes, row, write
from jixiao.projects.models import Project


def _import(world: Any, tmp_path: Path) -> None:
    Project.objects.filter(pk__in=[world.school_project.pk, world.hospital_project.pk]).update(
        status=Project.Status.IN_LIBRARY
    )
    rows = [
        row("V1", "100000.00", pay_date="2026-02-10"),
        row("V2", "50000.00", pay_date="2026-05-20"),
        row("V3", "40000.00", pay_date="2026-07-01"),  # after June: not in 1—6月
        row("H1", "200000.00", pay_date="2026-03-03", unit="102001", project="P-HOSP"),
    ]
    path = write(tmp_path, "pay.csv", csv_bytes(rows))
    imports.import_payment_file(actor=world.users["budget"], region=world.region, path=path, file_name="pay.csv")


def test_performance_section_sees_months_and_departments(world: Any, tmp_path: Path) -> None:
    _import(world, tmp_path)
    response = world.login("performance").get("/execution/analysis/", {"year": 2026, "month": 6})
    assert response.status_code == 200
    chart = response.context["chart"]
    assert [round(float(v)) for v in chart["cumulative"][:7]] == [0, 100000, 300000, 300000, 350000, 350000, 390000]
    departments = {r["department"]: r for r in response.context["data"]["departments"]}
    assert departments[world.edu.name]["executed"] == 150000 and departments[world.health.name]["executed"] == 200000
    assert response.context["data"]["time_progress"] == 0.5
    page = response.content.decode()
    assert world.edu.name in page
    assert "execution_analysis.js" in page and 'id="analysis-chart-data"' in page


def test_a_unit_sees_only_its_own_projects(world: Any, tmp_path: Path) -> None:
    _import(world, tmp_path)
    data = world.login("unit_user").get("/execution/analysis/", {"year": 2026, "month": 12}).context["data"]
    assert [r["department"] for r in data["departments"]] == [world.edu.name]
    assert data["executed"] == 190000


def test_bad_parameters_fall_back_and_admins_are_refused(world: Any) -> None:
    client = world.login("performance")
    assert client.get("/execution/analysis/", {"year": "abc", "month": 99}).status_code == 200
    assert world.login("sys_admin").get("/execution/analysis/").status_code == 403
