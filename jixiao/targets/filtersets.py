"""One FilterSet serves the target list page, the API and the exports: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, ScopedIdFilter, YearFilter, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.organizations.filters import RegionFilter, limit_region_filter
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.targets.models import Grade, PerformanceTarget, TargetStatus


class TargetFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    fiscal_year = YearFilter()
    region = RegionFilter()  # city and province users only
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    unit = ScopedIdFilter(label="填报单位", url_name="organizations:unit_autocomplete")
    status = django_filters.ChoiceFilter(label="状态", choices=TargetStatus.choices)
    review_grade = django_filters.ChoiceFilter(label="审核等级", choices=Grade.choices)
    subject_type = django_filters.ChoiceFilter(label="目标类型", choices=PerformanceTarget.Subject.choices)
    # The project's fund themes (seed 003: 扶贫/衔接资金项目的绩效目标, 涉农整合资金).
    is_rural_link = YesNoFilter(label="衔接资金项目", field_name="project__is_rural_link")
    is_agri_integrated = YesNoFilter(label="涉农整合资金项目", field_name="project__is_agri_integrated")

    class Meta:
        model = PerformanceTarget
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ids are checked against the user's own scope; a tampered id simply matches nothing.
        self.filters["department"].queryset = Department.objects.visible_to(user)
        self.filters["unit"].queryset = BudgetUnit.objects.visible_to(user)
        limit_region_filter(self, user)
        for name in ("status", "review_grade", "subject_type"):
            self.filters[name].extra["empty_label"] = "全部"

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "_jixiao_styled", False):
            bootstrapify(form, small=True)
            form._jixiao_styled = True
        return form

    def filter_q(self, queryset: QuerySet[PerformanceTarget], name: str, value: str) -> QuerySet[PerformanceTarget]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(project__code__icontains=value))
