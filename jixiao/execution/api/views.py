from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import CellError
from jixiao.execution import selectors
from jixiao.execution.api.serializers import (
    PaymentImportRequestSerializer,
    PaymentImportResultSerializer,
    PaymentSerializer,
)
from jixiao.execution.filtersets import PaymentFilterSet
from jixiao.execution.imports import mapping_nul_errors, mapping_rows, parse_stream
from jixiao.execution.models import Payment, PaymentImport
from jixiao.execution.services import PaymentImportRejectedError, payments_import

MAX_API_ROWS = 10_000


def _error_list(errors: list[CellError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "value": e.value, "message": e.message} for e in errors]


class PaymentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """国库集中支付数据。GET 按当前身份的数据范围列出（筛选：project、unit、department、date_from、date_to、
    fiscal_year、q）；POST 导入一批支付记录：全部成功或全部不导入，已存在且内容相同的凭证跳过（幂等）。"""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilterSet
    queryset = Payment.objects.none()

    def get_queryset(self) -> Any:
        if not self.request.user.can("execution.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看支付数据的权限")
        return selectors.payment_list(self.request.user).select_related("region", "unit", "project")

    @extend_schema(request=PaymentImportRequestSerializer, responses={201: PaymentImportResultSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.can("execution.import"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有导入支付数据的权限")
        rows = request.data.get("rows") if isinstance(request.data, dict) else request.data
        if not isinstance(rows, list) or not rows:
            raise DomainError('请求体应为 {"rows": [...]}，且至少包含一行')
        if len(rows) > MAX_API_ROWS:
            raise DomainError(f"单次最多提交{MAX_API_ROWS}行，更多数据请分批提交或上传文件")
        if nul := mapping_nul_errors(rows):  # nothing written: PostgreSQL cannot store the character
            return Response(
                {"detail": "导入未完成：数据含有空字符（NUL），所有数据均未导入", "errors": _error_list(nul)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        header, iterator = mapping_rows(rows)
        try:
            batch = payments_import(
                actor=request.user,
                region=request.user.active_membership.region,  # type: ignore[union-attr]
                parsed=parse_stream(header, iterator),
                source=PaymentImport.Source.API,
                file_name="API",
            )
        except PaymentImportRejectedError as exc:
            return Response(
                {"detail": exc.message, "errors": _error_list(exc.errors)}, status=status.HTTP_400_BAD_REQUEST
            )
        result = {
            "import_id": batch.pk,
            "rows_read": batch.rows_read,
            "imported": batch.rows_imported,
            "skipped": batch.rows_skipped,
            "refunds": batch.refunds,
        }
        return Response(result, status=status.HTTP_201_CREATED)
