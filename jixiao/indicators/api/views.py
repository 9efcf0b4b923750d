from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from jixiao.indicators import selectors
from jixiao.indicators.api.serializers import IndicatorFrameworkSerializer, IndicatorLibraryItemSerializer
from jixiao.indicators.filtersets import IndicatorItemFilterSet
from jixiao.indicators.models import IndicatorFramework, IndicatorLibraryItem


def _check_view(request: Any) -> None:
    if not request.user.can("indicator.view"):
        raise PermissionDenied("您没有查看指标库的权限")


class IndicatorLibraryItemViewSet(viewsets.ReadOnlyModelViewSet):
    """指标库（只读）。筛选条件与页面相同，默认只列出已入库指标；他人部门的申报返回 404。"""

    serializer_class = IndicatorLibraryItemSerializer
    filterset_class = IndicatorItemFilterSet
    queryset = IndicatorLibraryItem.objects.none()

    def get_queryset(self) -> Any:
        _check_view(self.request)
        return selectors.items_visible(self.request.user).order_by("category__code", "code")

    def get_object(self) -> IndicatorLibraryItem:
        _check_view(self.request)
        return selectors.item_get(self.request.user, self.kwargs["pk"])


class IndicatorFrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """指标体系（一级、二级指标）。"""

    serializer_class = IndicatorFrameworkSerializer
    queryset = IndicatorFramework.objects.none()
    filterset_class = None
    pagination_class = None

    def get_queryset(self) -> Any:
        _check_view(self.request)
        return selectors.frameworks().order_by("order", "code")
