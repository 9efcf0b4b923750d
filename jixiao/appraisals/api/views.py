from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jixiao.appraisals import selectors
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, year_or_none


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    # Scores travel as decimal strings, like money elsewhere in the API: no float rounding on the way.
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}


class AppraisalRankingView(APIView):
    """考核排名（只读）：某年度已排名或已通报的考核结果，范围与页面一致（部门只见本部门）。
    每行：task、examinee、examinee_type（1 下级财政/2 本级部门/3 本级财政）、total、rank、grade、outcome
    （NONE/COMMEND/INTERVIEW/RECTIFY_BY_DEADLINE）、external_points（综合目标考核折算分）。"""

    @extend_schema(
        parameters=[OpenApiParameter("fiscal_year", OpenApiTypes.INT, required=True, description="考核年度")],
        responses={200: OpenApiResponse(description="考核结果列表")},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.can("appraisal.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看绩效考核的权限")
        year = year_or_none(request.query_params.get("fiscal_year", ""))
        if year is None:
            raise ValidationError({"fiscal_year": f"请指定考核年度（{FIRST_YEAR}至{LAST_YEAR}年）"})
        return Response([_plain(row) for row in selectors.appraisal_ranking(request.user, year)])
