from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear


def regions_visible(user: Any) -> QuerySet[FiscalRegion]:
    return FiscalRegion.objects.visible_to(user).select_related("parent")


def sections_visible(user: Any) -> QuerySet[FinanceSection]:
    membership = user.active_membership
    if membership is None or not membership.can("org.view"):
        return FinanceSection.objects.none()
    return FinanceSection.objects.filter(region__path__startswith=membership.region.path).select_related("region")


def departments_visible(user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).select_related("region", "finance_section").annotate(
        unit_count=Count("units"))


def units_visible(user: Any) -> QuerySet[BudgetUnit]:
    return BudgetUnit.objects.visible_to(user).select_related("region", "department", "parent")


def fiscal_years() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.all()


def current_fiscal_year() -> FiscalYear | None:
    return FiscalYear.objects.filter(is_current=True).first()


def unit_tree(user: Any) -> list[dict[str, Any]]:
    """Departments with their units nested by parent: built from two queries, no N+1."""
    departments = list(Department.objects.visible_to(user).select_related("finance_section").order_by("dept_code"))
    units = list(BudgetUnit.objects.visible_to(user).order_by("path"))
    children: dict[int | None, list[BudgetUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    def node(unit: BudgetUnit) -> dict[str, Any]:
        return {"unit": unit, "children": [node(c) for c in children.get(unit.pk, [])]}

    by_department: dict[int, list[dict[str, Any]]] = {}
    visible_ids = {u.pk for u in units}
    for unit in units:
        if unit.parent_id is None or unit.parent_id not in visible_ids:
            by_department.setdefault(unit.department_id, []).append(node(unit))
    return [{"department": d, "units": by_department.get(d.pk, [])} for d in departments]
