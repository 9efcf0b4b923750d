from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.api_bulk import BulkTransitionMixin
from jixiao.core.numbers import is_digits
from jixiao.projects import selectors, services
from jixiao.projects.api.serializers import ProjectSerializer, TransitionSerializer
from jixiao.projects.filtersets import ProjectFilterSet
from jixiao.projects.models import Project


class ProjectViewSet(
    BulkTransitionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """项目库。列表与页面使用同一筛选条件；他人单位的项目返回 404。批量审核：`POST bulk-transition/`。"""

    bulk_service = staticmethod(services.project_bulk_transition)
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    queryset = Project.objects.none()

    def get_queryset(self) -> Any:
        if not self.request.user.can("project.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看项目库的权限")
        return selectors.projects_visible(self.request.user).order_by("-fiscal_year", "code")

    def get_object(self) -> Project:
        self.get_queryset()
        return selectors.project_get(self.request.user, self.kwargs["pk"])

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.project_create(actor=self.request.user, data=data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        expected = str(self.request.data.get("version") or "")
        serializer.instance = services.project_update(
            actor=self.request.user,
            project=serializer.instance,
            data=data,
            expected_version=int(expected) if is_digits(expected) else None,
        )

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_transition(actor=request.user, project=project, **payload.validated_data)
        return Response(ProjectSerializer(project, context={"request": request}).data, status=status.HTTP_200_OK)
