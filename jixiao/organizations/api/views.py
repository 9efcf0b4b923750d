from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from jixiao.organizations import selectors
from jixiao.organizations.api.serializers import BudgetUnitSerializer, DepartmentSerializer, FiscalRegionSerializer
from jixiao.organizations.filtersets import DepartmentFilterSet, UnitFilterSet
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion


class _OrgViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_fields: list[str] = []

    def check_view(self) -> None:
        if not self.request.user.can("org.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看组织机构的权限")


class FiscalRegionViewSet(_OrgViewSet):
    """财政区划（按当前身份的区划范围）。"""

    serializer_class = FiscalRegionSerializer
    queryset = FiscalRegion.objects.none()

    def get_queryset(self) -> Any:
        self.check_view()
        return selectors.regions_visible(self.request.user).order_by("path")


class DepartmentViewSet(_OrgViewSet):
    """主管部门（筛选同“主管部门”页面：关键字、财政区划、对口股室、状态）。"""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    queryset = Department.objects.none()

    def get_queryset(self) -> Any:
        self.check_view()
        return selectors.departments_visible(self.request.user).order_by("dept_code")


class BudgetUnitViewSet(_OrgViewSet):
    """预算单位（筛选同“预算单位”页面：关键字、财政区划、主管部门、级次、类型、状态）。"""

    serializer_class = BudgetUnitSerializer
    filterset_class = UnitFilterSet
    queryset = BudgetUnit.objects.none()

    def get_queryset(self) -> Any:
        self.check_view()
        return selectors.units_visible(self.request.user).order_by("agency_code")
