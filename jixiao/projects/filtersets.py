"""One FilterSet serves the list page, the API and the export: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, ScopedIdFilter, YearFilter, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.core.money import MoneyError, yuan_from_wan
from jixiao.organizations.filters import RegionFilter, limit_region_filter
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.projects.models import Project


class WanFilter(django_filters.NumberFilter):
    """Amount bound entered in 万元, compared against yuan."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        try:
            value = yuan_from_wan(value)
        except MoneyError:
            return qs.none()
        return super().filter(qs, value)


class ProjectFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    fiscal_year = YearFilter()
    region = RegionFilter()  # city and province users only
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    unit = ScopedIdFilter(label="实施单位", url_name="organizations:unit_autocomplete")
    category = django_filters.ChoiceFilter(label="项目类别", choices=Project.Category.choices)
    budget_book = django_filters.ChoiceFilter(label="预算类型", choices=Project.BudgetBook.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Project.Status.choices)
    tier = django_filters.ChoiceFilter(label="重要性", choices=Project.Tier.choices)
    is_new = YesNoFilter(label="新增项目", yes="新增", no="延续")
    is_key = YesNoFilter(label="重点项目")
    is_policy = YesNoFilter(label="政策类项目")
    is_revised = YesNoFilter(label="修订的政策或项目")
    is_special_bond = YesNoFilter(label="专项债券项目")
    is_rural_link = YesNoFilter(label="衔接资金项目")
    is_agri_integrated = YesNoFilter(label="涉农整合资金项目")
    min_amount_wan = WanFilter(label="金额不低于（万元）", field_name="total_amount_yuan", lookup_expr="gte")
    max_amount_wan = WanFilter(label="金额不高于（万元）", field_name="total_amount_yuan", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("code", "code"), ("total_amount_yuan", "amount"), ("updated_at", "updated")),
        # Descending labels too: django-filter's own “(descending)” has no zh-hans translation.
        field_labels={
            "code": "项目编码",
            "-code": "项目编码（降序）",
            "total_amount_yuan": "金额（从低到高）",
            "-amount": "金额（从高到低）",
            "updated_at": "修改时间（最早在前）",
            "-updated": "修改时间（最近在前）",
        },
    )

    class Meta:
        model = Project
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ids are checked against the user's own scope; a tampered id simply matches nothing.
        self.filters["department"].queryset = Department.objects.visible_to(user)
        self.filters["unit"].queryset = BudgetUnit.objects.visible_to(user)
        limit_region_filter(self, user)
        for name in ("category", "budget_book", "status", "tier"):
            self.filters[name].extra["empty_label"] = "全部"
        self.filters["ordering"].extra["empty_label"] = "默认"

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "_jixiao_styled", False):
            bootstrapify(form, small=True)
            form._jixiao_styled = True
        return form

    def filter_q(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
