from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, year_or_none
from jixiao.training import selectors


class TrainingTotalsView(APIView):
    """培训统计（只读）：某年度培训期数、参训人次及按形式（业务培训/考察学习/上门指导）的分项。"""

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, required=True, description="年度")],
        responses={200: OpenApiResponse(description="records、sessions、attendance、by_kind")},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.can("training.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看培训记录的权限")
        year = year_or_none(request.query_params.get("year", ""))
        if year is None:
            raise ValidationError({"year": f"请指定年度（{FIRST_YEAR}至{LAST_YEAR}年）"})
        return Response(selectors.training_totals(request.user, year))
