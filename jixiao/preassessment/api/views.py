from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.preassessment import panels, selectors, services
from jixiao.preassessment.api.serializers import (
    ConcludeSerializer,
    FilingSerializer,
    PreAssessmentDetailSerializer,
    PreAssessmentSerializer,
    TransitionSerializer,
)
from jixiao.preassessment.filtersets import PreAssessmentFilterSet
from jixiao.preassessment.models import PreAssessment
from jixiao.preassessment.selectors import FILABLE_STATUSES
from jixiao.preassessment.workflow import ACCEPT_REVISION


class PreAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """事前绩效评估。范围与页面一致，他人单位的评估返回 404；写操作经同一服务层（权限、流程与入库闸门相同）。
    金额以元（*_yuan）存取，同时给出万元（*_wan）。"""

    serializer_class = PreAssessmentSerializer
    filterset_class = PreAssessmentFilterSet
    queryset = PreAssessment.objects.none()

    def get_serializer_class(self) -> Any:
        return PreAssessmentSerializer if self.action == "list" else PreAssessmentDetailSerializer

    def get_queryset(self) -> Any:
        if not self.request.user.can("preassessment.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看事前绩效评估的权限")
        return selectors.assessments_visible(self.request.user).order_by("-fiscal_year", "-id")

    def get_object(self) -> PreAssessment:
        self.get_queryset()
        return selectors.assessment_get(self.request.user, self.kwargs["pk"])

    def _detail(self, request: Request, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        pa = selectors.assessment_get(request.user, pk)
        context: dict[str, Any] = {"request": request}
        # Panel names and scores are the performance section's working papers.
        if request.user.can("preassessment.conclude"):  # type: ignore[union-attr]
            context["panel"] = panels.panel_summary(pa)
        return Response(PreAssessmentDetailSerializer(pa, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(request, self.get_object().pk)

    @staticmethod
    def _filing(validated: dict[str, Any]) -> dict[str, Any]:
        # An absent requested amount is left as it is (a new filing takes the project's fiscal amount); an empty one
        # (null or 0) means “the project's fiscal amount”, as on the form.
        data = {k: v for k, v in validated.items() if k != "project"}
        if "requested_amount_yuan" in data:
            data["requested_amount_yuan"] = data["requested_amount_yuan"] or None
        return data

    @extend_schema(request=FilingSerializer, responses=PreAssessmentDetailSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """为项目申报事前绩效评估（草稿）。"""
        self.get_queryset()
        payload = FilingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project_id = payload.validated_data.get("project")
        if project_id is None:
            raise DomainError("请指定项目")
        project = selectors.project_for_filing(request.user, project_id)
        if project is None:
            raise NotFoundError("项目不存在")
        if project.status not in FILABLE_STATUSES:
            # As on the page (assessable_projects): assessed before 入库, so that a 核减 never rewrites the 财政拨款
            # of a project already in the library, and a cancelled one is not filed.
            raise ConflictError(
                f"项目当前状态为“{project.get_status_display()}”，只有草稿或被退回的项目可以申报事前评估"
            )
        pa = services.preassessment_create(
            actor=request.user, project=project, data=self._filing(payload.validated_data)
        )
        return self._detail(request, pa.pk, status.HTTP_201_CREATED)

    @extend_schema(request=FilingSerializer, responses=PreAssessmentDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """修改草稿状态的评估申报。"""
        pa = self.get_object()
        payload = FilingSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.preassessment_update(actor=request.user, assessment=pa, data=self._filing(payload.validated_data))
        return self._detail(request, pa.pk)

    @extend_schema(request=FilingSerializer, responses=PreAssessmentDetailSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=TransitionSerializer, responses=PreAssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """流转：submit、withdraw、dept_approve、dept_return、section_pass、section_return、perf_return、
        accept_revision（确认调整后方案）。作出结论请用 conclude。"""
        pa = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["action"] == ACCEPT_REVISION:
            services.preassessment_accept_revision(actor=request.user, assessment=pa, comment=data["comment"])
        else:
            services.preassessment_transition(
                actor=request.user, assessment=pa, action=data["action"], comment=data["comment"]
            )
        return self._detail(request, pa.pk)

    @extend_schema(request=ConcludeSerializer, responses=PreAssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str | None = None) -> Response:
        """作出评估结论（绩效股）。支持金额以元填写；调整后支持填写低于申请金额的数额即按此支持。"""
        pa = self.get_object()
        payload = ConcludeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.preassessment_conclude(
            actor=request.user,
            assessment=pa,
            conclusion=data["conclusion"],
            supported_amount_yuan=data["supported_amount_yuan"],
            score=data["score"],
            override_reason=data["override_reason"],
            opinion=data["opinion"],
        )
        return self._detail(request, pa.pk)
