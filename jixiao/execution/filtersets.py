"""One FilterSet serves the payment list page, the API and the export: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, IdFilter, ScopedIdFilter, YearFilter, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.execution.models import Payment
from jixiao.organizations.filters import RegionFilter, limit_region_filter
from jixiao.organizations.models import BudgetUnit, Department


class PaymentFilterSet(FilterSet):
    q = django_filters.CharFilter(label="项目或凭证号", method="filter_q")
    fiscal_year = YearFilter()
    region = RegionFilter()  # city and province users only
    project = IdFilter(label="项目ID", field_name="project_id")
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    unit = ScopedIdFilter(label="预算单位", url_name="organizations:unit_autocomplete")
    date_from = django_filters.DateFilter(label="支付日期从", field_name="pay_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label="支付日期至", field_name="pay_date", lookup_expr="lte")
    # 全部 / 是: the default NullBooleanSelect offers “未知 / 是 / 否”, and “否” listed every payment as “未知” did.
    refunds = YesNoFilter(
        label="仅冲销（退款）", method="filter_refunds", widget=forms.Select(choices=[("", "全部"), ("true", "是")])
    )

    class Meta:
        model = Payment
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = Department.objects.visible_to(user)
        self.filters["unit"].queryset = BudgetUnit.objects.visible_to(user)
        limit_region_filter(self, user)

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "_jixiao_styled", False):
            bootstrapify(form, small=True)
            for name in ("date_from", "date_to"):
                form.fields[name].widget.input_type = "date"
            form.fields["project"].widget.input_type = "hidden"
            form._jixiao_styled = True
        return form

    def filter_q(self, queryset: QuerySet[Payment], name: str, value: str) -> QuerySet[Payment]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(voucher_no=value) | Q(project__code__icontains=value) | Q(project__name__icontains=value)
        )

    def filter_refunds(self, queryset: QuerySet[Payment], name: str, value: bool | None) -> QuerySet[Payment]:
        return queryset.filter(amount_yuan__lt=0) if value else queryset
