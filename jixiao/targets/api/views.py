from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.api_bulk import BulkTransitionMixin
from jixiao.targets import selectors, services, services_exchange
from jixiao.targets.api.serializers import (
    IndicatorGridSerializer,
    TargetDetailSerializer,
    TargetSerializer,
    TransitionSerializer,
)
from jixiao.targets.filtersets import TargetFilterSet
from jixiao.targets.models import PerformanceTarget


class TargetViewSet(BulkTransitionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """绩效目标。列表按年度、主管部门、状态筛选，范围与页面一致；他人单位的目标返回 404。金额单位：元。
    批量审核：`POST bulk-transition/`。"""

    bulk_service = staticmethod(services.target_bulk_transition)
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet
    queryset = PerformanceTarget.objects.none()

    def get_serializer_class(self) -> Any:
        return TargetDetailSerializer if self.action in {"retrieve", "indicators", "transition"} else TargetSerializer

    def get_queryset(self) -> Any:
        if not self.request.user.can("target.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看绩效目标的权限")
        return selectors.targets_visible(self.request.user).select_related("region").order_by("-fiscal_year", "id")

    def get_object(self) -> PerformanceTarget:
        self.get_queryset()
        return selectors.target_get_with_indicators(self.request.user, self.kwargs["pk"])

    def _detail(self, request: Request, target: PerformanceTarget) -> Response:
        target = selectors.target_get(request.user, target.pk)
        return Response(TargetDetailSerializer(target, context={"request": request}).data)

    @extend_schema(request=IndicatorGridSerializer, responses=TargetDetailSerializer)
    @action(detail=True, methods=["put"])
    def indicators(self, request: Request, pk: str | None = None) -> Response:
        """整体替换指标表（草稿、被退回或调整中）。一级/二级指标按名称填写。"""
        target = self.get_object()
        payload = IndicatorGridSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows = [dict(row) for row in payload.validated_data["indicators"]]
        target = services_exchange.target_replace_grid_by_names(
            actor=request.user, target=target, rows=rows, expected_version=payload.validated_data.get("version")
        )
        return self._detail(request, target)

    @extend_schema(request=TransitionSerializer, responses=TargetDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        expected_version = data.pop("version", None)
        target = services.target_transition(
            actor=request.user, target=target, **data, expected_version=expected_version
        )
        return self._detail(request, target)
