from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from jixiao.organizations.selectors import department_choices
from jixiao.results import selectors
from jixiao.results.api.serializers import ResultApplicationSerializer
from jixiao.results.forms import ListFilterForm
from jixiao.results.models import ResultApplication

FILTERS = [
    OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="评价年度"),
    OpenApiParameter("action", OpenApiTypes.STR, description="应用方式（已决定的按决定，否则按建议）"),
    OpenApiParameter("department", OpenApiTypes.INT, description="主管部门ID"),
    OpenApiParameter("status", OpenApiTypes.STR, description="proposed 待决定 / decided 已决定"),
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class ResultApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """结果应用建议与预算股决定（只读）。范围与页面一致，他人单位的建议返回 404。
    金额以元（*_yuan）存取，同时给出万元（*_wan）。"""

    serializer_class = ResultApplicationSerializer
    lookup_value_regex = r"\d+"  # a non-numeric id is simply not found (404), never a 500
    queryset = ResultApplication.objects.none()

    def get_queryset(self) -> Any:
        if not self.request.user.can("results.view"):  # type: ignore[union-attr]
            raise PermissionDenied("您没有查看结果应用的权限")
        user = self.request.user
        # The page's filter form: a bad filter (fiscal_year=2026x) is a 400 naming the field, not every year's rows.
        form = ListFilterForm(self.request.query_params, departments=department_choices(user), user=user)
        if not form.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return selectors.applications_filtered(user, dict(form.cleaned_data))

    def get_object(self) -> ResultApplication:
        self.get_queryset()
        return selectors.application_get(self.request.user, self.kwargs["pk"])
