from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jixiao.core.api_bulk import BulkTransitionMixin
from jixiao.evaluation import selectors, services
from jixiao.evaluation.api.serializers import (
    SelfEvalEvidenceSerializer,
    SelfEvaluationDetailSerializer,
    SelfEvaluationSerializer,
    SelfEvaluationSheetSerializer,
)
from jixiao.evaluation.filtersets import SelfEvaluationFilterSet
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.scoring import as_dict, evaluate
from jixiao.evaluation.selectors import scoring_config


class SelfEvaluationCheckView(APIView):
    """自评表校验：提交一张项目支出绩效自评表（JSON，金额单位万元），返回每个值的解析结果、系统计算得分、
    填报得分和问题代码（与 `manage.py check_selfevaluation --json` 相同）。
    评分参数取本人所在财政区划和该年度的设置。不保存任何数据。"""

    @extend_schema(
        request=SelfEvaluationSheetSerializer,
        responses={200: OpenApiResponse(description="校验结果：exec、indicators、total、grade、flags")},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.can("evaluation.check"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有使用自评表校验的权限")
        serializer = SelfEvaluationSheetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = serializer.to_sheet()
        region = request.user.active_membership.region  # type: ignore[union-attr]
        return Response(as_dict(evaluate(sheet, scoring_config(region, sheet.fiscal_year))))


class SelfEvaluationViewSet(
    BulkTransitionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """单位自评（只读；批量审核：`POST bulk-transition/`）。范围与页面一致，他人单位的自评返回 404。
    列表给出填报与计算的执行率得分、总分、等级和问题数；详情另含资金、各指标的填报得分、计算得分（含计算过程）、
    审定得分和问题代码。筛选：fiscal_year、department、status、grade（计算等级）、flagged。"""

    bulk_service = staticmethod(services.selfeval_bulk_transition)
    serializer_class = SelfEvaluationSerializer
    filterset_class = SelfEvaluationFilterSet
    queryset = SelfEvaluation.objects.none()

    def get_serializer_class(self) -> Any:
        return SelfEvaluationSerializer if self.action == "list" else SelfEvaluationDetailSerializer

    def get_queryset(self) -> Any:
        if not self.request.user.can("evaluation.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看单位自评的权限")
        return selectors.records_visible(self.request.user).order_by("-fiscal_year", "id")

    def get_object(self) -> SelfEvaluation:
        self.get_queryset()
        return selectors.record_get(self.request.user, self.kwargs["pk"])

    @extend_schema(responses=SelfEvalEvidenceSerializer(many=True))
    @action(detail=True, methods=["get"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        """佐证资料：该自评的文件清单（文件名、大小、SHA-256、说明、对应指标、下载地址）。"""
        record = self.get_object()
        files = selectors.record_evidence(record)
        return Response(SelfEvalEvidenceSerializer(files, many=True).data)
