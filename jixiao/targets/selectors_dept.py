"""Reads of the department-overall target pages (部门整体支出绩效目标)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jixiao.organizations.models import Department
from jixiao.targets.models import AnnualTask, PerformanceTarget


def departments_for_dept_target(user: Any) -> QuerySet[Department]:
    """Departments the user may start a department-overall target for (their scope)."""
    return Department.objects.visible_to(user).order_by("dept_code", "id")


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
