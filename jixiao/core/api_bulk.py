"""批量审核 through the API: `POST …/bulk-transition/` on a list endpoint, the page's batch (core.bulk.run).

Kept apart from core.api, which DRF's settings import while rest_framework itself is still loading."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.bulk import MAX_BATCH, MAX_COMMENT
from jixiao.core.numbers import MAX_ID


class BulkTransitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=MAX_BATCH,
        help_text=f"要办理的对象ID，最多{MAX_BATCH}个",
    )
    action = serializers.CharField(max_length=40, help_text="批量操作（与页面批量审核相同的通过或退回操作）")
    comment = serializers.CharField(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")


class BulkTransitionMixin:
    """`POST …/bulk-transition/` of a list endpoint: the page's 批量审核 (core.bulk.run through the app's
    `*_bulk_transition` service), all or nothing. Answers `{"count": n}`; an id out of the user's scope is 404, a row
    no longer in the action's state 409, a refused row 4xx naming the row, nothing written."""

    bulk_service: Callable[..., int]  # set as staticmethod(services.<app>_bulk_transition)

    @extend_schema(
        request=BulkTransitionSerializer,
        responses={200: OpenApiResponse(description='{"count": 办理的数量}')},
    )
    @action(detail=False, methods=["post"], url_path="bulk-transition")
    def bulk_transition(self, request: Request) -> Response:
        payload = BulkTransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = self.bulk_service(actor=request.user, **payload.validated_data)
        return Response({"count": count}, status=status.HTTP_200_OK)
