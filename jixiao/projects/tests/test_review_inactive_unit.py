"""A 停用 unit takes no new project through the import or the API either (only the form's choices left it out)."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import ImportRejectedError
from jixiao.projects import services
from jixiao.projects.imports import ProjectRow
from jixiao.projects.models import Project


def _row(code: str, unit_code: str) -> ProjectRow:
    values = {"code": code, "name": "新项目", "unit_code": unit_code, "start_year": 2026, "end_year": 2026}
    return ProjectRow(row=2, values=values)


def test_an_import_row_filing_a_project_for_a_deactivated_unit_is_refused_at_its_cell(world: World) -> None:
    world.hospital.is_active = False
    world.hospital.save(update_fields=["is_active"])
    with pytest.raises(ImportRejectedError) as refused:
        services.projects_import(actor=world.users["budget"], fiscal_year=2026, rows=[_row("P-NEW", "102001")])
    assert [(e.column, e.message) for e in refused.value.errors] == [
        ("实施单位编码", "实施单位已停用，不能新增项目或将项目调入该单位")
    ]
    assert not Project.objects.filter(code="P-NEW").exists()


def test_the_api_cannot_file_a_project_for_a_deactivated_unit_but_its_projects_stay_editable(world: World) -> None:
    world.hospital.is_active = False
    world.hospital.save(update_fields=["is_active"])
    data = {"fiscal_year": 2026, "code": "P-NEW", "name": "新项目", "unit": world.hospital}
    with pytest.raises(DomainError):
        services.project_create(actor=world.users["budget"], data={**data, "start_year": 2026, "end_year": 2026})
    response = world.login("other_unit_user").post(
        "/api/v1/projects/",
        {
            "fiscal_year": 2026,
            "code": "P-NEW",
            "name": "新项目",
            "unit_code": "102001",
            "start_year": 2026,
            "end_year": 2026,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "已停用" in response.content.decode()
    assert not Project.objects.filter(code="P-NEW").exists()
    project = services.project_update(
        actor=world.users["budget"], project=world.hospital_project, data={"name": "医院信息化建设（续）"}
    )
    assert project.name == "医院信息化建设（续）"
