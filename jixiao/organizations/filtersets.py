"""One FilterSet serves the list page and the export: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, ScopedIdFilter, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.organizations import selectors
from jixiao.organizations.filters import OwnRegionFilter, RegionFilter, limit_own_region_filter, limit_region_filter
from jixiao.organizations.models import BudgetUnit, Department


def _search(queryset: QuerySet[Any], code_field: str, value: str) -> QuerySet[Any]:
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(Q(**{f"{code_field}__icontains": value}) | Q(name__icontains=value))


class DepartmentFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    region = RegionFilter()  # city and province users only
    # A province's 1,000 business sections: search as you type, like the 主管部门 filters.
    finance_section = ScopedIdFilter(label="对口股室", url_name="organizations:section_autocomplete")
    is_active = YesNoFilter(label="状态", yes="启用", no="停用")

    class Meta:
        model = Department
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the user's own scope; a tampered id is not a valid choice.
        self.filters["finance_section"].queryset = selectors.section_choices_for_filter(user)
        limit_region_filter(self, user)
        self.form.fields["q"].widget.attrs["placeholder"] = "部门名称或编码"
        bootstrapify(self.form)

    def filter_q(self, queryset: QuerySet[Department], name: str, value: str) -> QuerySet[Department]:
        return _search(queryset, "dept_code", value)


class UnitFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    region = RegionFilter()  # city and province users only
    own_region = OwnRegionFilter()  # users whose region has regions under it: the export that re-imports
    # 20,000 主管部门 for a province user: search as you type, never one <option> each.
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    level = django_filters.ChoiceFilter(label="单位级次", choices=BudgetUnit.Level.choices, empty_label="全部")
    kind = django_filters.ChoiceFilter(label="单位类型", choices=BudgetUnit.Kind.choices, empty_label="全部")
    is_active = YesNoFilter(label="状态", yes="启用", no="停用")

    class Meta:
        model = BudgetUnit
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = selectors.department_choices(user)
        limit_region_filter(self, user)
        limit_own_region_filter(self, user)
        self.form.fields["q"].widget.attrs["placeholder"] = "单位名称或编码"
        bootstrapify(self.form)

    def filter_q(self, queryset: QuerySet[BudgetUnit], name: str, value: str) -> QuerySet[BudgetUnit]:
        return _search(queryset, "agency_code", value)
