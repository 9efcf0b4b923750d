"""Reads of the department-overall target pages (部门整体支出绩效目标)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jixiao.core.scoping import ScopeLevel
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.targets.models import AnnualTask, PerformanceTarget


def departments_for_dept_target(user: Any) -> QuerySet[Department]:
    """Departments the user may start a department-overall target for: a 主管部门 its own department;
    a unit user only when acting for the department's own first-level unit (本级)."""
    membership = user.active_membership
    departments = Department.objects.visible_to(user).order_by("dept_code", "id")
    if membership is not None and membership.scope_level == ScopeLevel.UNIT:
        unit = membership.unit
        # The target is filed as the department's 本级 (services_dept: its active first-level unit with the lowest
        # code): another first-level unit's user would start a target they could not then open.
        if unit is None or unit.level != 1 or own_unit_id(unit.department_id) != unit.pk:
            return departments.none()
        return departments.filter(pk=unit.department_id)
    return departments


def own_unit_id(department_id: int) -> int | None:
    """The department's own unit (本级): its active first-level unit with the lowest code."""
    return (
        BudgetUnit.objects.filter(department_id=department_id, level=BudgetUnit.Level.FIRST, is_active=True)
        .order_by("agency_code", "id")
        .values_list("pk", flat=True)
        .first()
    )


def department_get(user: Any, pk: Any) -> Department:
    return Department.objects.select_related("region").get_visible_or_404(user, pk=pk)


def dept_targets_of_year(user: Any, fiscal_year: int) -> dict[int, PerformanceTarget]:
    """The visible department-overall targets of a year, by department id."""
    qs = PerformanceTarget.objects.visible_to(user).filter(
        subject_type=PerformanceTarget.Subject.DEPT_OVERALL, fiscal_year=fiscal_year
    )
    return {t.department_id: t for t in qs}


def target_tasks(target: PerformanceTarget) -> QuerySet[AnnualTask]:
    return target.tasks.order_by("seq", "id")
