"""A unit's business rows (projects, targets, monitoring records, self-evaluations, …) copy its 主管部门, and every
scope reads a row's own department: a unit (or a lower unit of it) that has such rows keeps its department."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from conftest import World
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.organizations import services
from jixiao.organizations.columns import UnitImportRow
from jixiao.organizations.models import BudgetUnit
from jixiao.organizations.tests.factories import BudgetUnitFactory


def _data(unit: BudgetUnit, department: int, **extra: object) -> dict[str, object]:
    return {
        "agency_code": unit.agency_code,
        "name": unit.name,
        "department": department,
        "parent": "",
        "kind": unit.kind,
        "is_active": "on",
        **extra,
    }


def test_a_unit_whose_subtree_has_projects_keeps_its_department(world: World) -> None:
    response = world.login("budget").post(
        reverse("organizations:unit_edit", args=[world.school.pk]), _data(world.school, world.health.pk)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "已有业务数据：项目2条" in html
    assert "不能更改主管部门" in html
    world.school.refresh_from_db()
    world.school_branch.refresh_from_db()
    assert (world.school.department_id, world.school_branch.department_id) == (world.edu.pk, world.edu.pk)
    projects = type(world.school_project).objects.filter(unit__in=[world.school, world.school_branch])
    assert set(projects.values_list("department_id", flat=True)) == {world.edu.pk}
    assert not AuditEvent.objects.filter(event_type="unit.update", object_id=str(world.school.pk)).exists()


def test_a_lower_units_rows_count_too(world: World) -> None:
    """The branch (二级) has a project; its parent without projects of its own still cannot move the subtree."""
    type(world.school_project).objects.filter(unit=world.school).delete()
    with pytest.raises(ConflictError, match="项目1条"):
        services.unit_save(
            actor=world.users["budget"],
            unit=world.school,
            data={"agency_code": "101001", "name": "县第一中学", "department": world.health, "parent": None},
        )


def test_a_unit_without_business_rows_moves_with_its_children(world: World) -> None:
    unit = BudgetUnitFactory(department=world.edu, agency_code="101050", name="县少年宫")
    child = BudgetUnitFactory(department=world.edu, agency_code="101051", parent=unit, level=2)
    response = world.login("budget").post(
        reverse("organizations:unit_edit", args=[unit.pk]), _data(unit, world.health.pk)
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.department_id == world.health.pk


def test_the_import_refuses_to_move_a_unit_with_projects(world: World) -> None:
    rows = [UnitImportRow(2, "102001", "县人民医院", "101", "", "public_institution", None)]
    errors = services.units_import_errors(actor=world.users["budget"], region=world.region, rows=rows)
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "主管部门编码", "101")]
    assert "项目1条" in errors[0].message  # the world's 医院信息化建设


def test_the_import_page_reports_the_refusal_and_writes_nothing(world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["单位编码", "单位名称", "主管部门编码", "上级单位编码", "单位类型", "是否启用"])
    sheet.append(["102001", "县人民医院", "101", "", "事业单位", "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = world.login("budget").post(
        reverse("organizations:unit_import"), {"file": SimpleUploadedFile("u.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert any("不能更改主管部门" in e.message for e in response.context["errors"])
    world.hospital.refresh_from_db()
    assert world.hospital.department_id == world.health.pk


def test_the_subtree_is_locked_before_its_rows_are_counted(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count runs after the unit and its lower units are locked (FOR UPDATE, which also holds off the FOR KEY
    SHARE of a project inserted for them meanwhile), inside the save's transaction: a project made at that instant
    either is counted or waits for the move. SQLite has no row locks, so the order is what is checked here."""
    order: list[str] = []
    real_lock = QuerySet.select_for_update

    def lock(self: QuerySet[Any], *args: Any, **kwargs: Any) -> QuerySet[Any]:
        if self.model is BudgetUnit:
            order.append("lock")
        return real_lock(self, *args, **kwargs)

    real_rows = services.selectors.unit_business_rows

    def rows(unit: BudgetUnit) -> Any:
        order.append("count" if transaction.get_connection().in_atomic_block else "count outside")
        return real_rows(unit)

    monkeypatch.setattr(QuerySet, "select_for_update", lock)
    monkeypatch.setattr(services.selectors, "unit_business_rows", rows)
    with pytest.raises(ConflictError):
        services.unit_save(
            actor=world.users["budget"],
            unit=world.school,
            data={"agency_code": "101001", "name": "县第一中学", "department": world.health, "parent": None},
        )
    assert order[:2] == ["lock", "count"]
