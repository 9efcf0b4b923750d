"""One FilterSet serves the library page, the API and the export: the same rows everywhere."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, YesNoFilter
from jixiao.core.forms import bootstrapify
from jixiao.indicators import selectors
from jixiao.indicators.models import IndicatorLibraryItem, ItemStatus, LibraryLevel, Operator

ALL_STATUSES = "all"


class IndicatorItemFilterSet(FilterSet):
    q = django_filters.CharFilter(label="关键字", method="filter_q")
    category = django_filters.ChoiceFilter(label="行业领域", method="filter_category", choices=[])
    lv1 = django_filters.ChoiceFilter(label="一级指标", method="filter_node", choices=[])
    lv2 = django_filters.ChoiceFilter(label="二级指标", method="filter_node", choices=[])
    is_common = YesNoFilter(label="共性/个性", yes="共性", no="个性")
    operator = django_filters.ChoiceFilter(label="计算符号", choices=Operator.choices)
    is_core = YesNoFilter(label="核心指标")
    library_level = django_filters.ChoiceFilter(label="指标级次", choices=LibraryLevel.choices)
    framework = django_filters.CharFilter(label="指标体系", field_name="framework__code", widget=forms.HiddenInput)
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[*ItemStatus.choices, (ALL_STATUSES, "全部状态")],
        empty_label="已入库（默认）",
        method="filter_status",
    )

    class Meta:
        model = IndicatorLibraryItem
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = [(o.category.code, o.label) for o in selectors.category_tree()]
        self.filters["lv1"].extra["choices"] = [(n, n) for n in selectors.node_names(1)]
        self.filters["lv2"].extra["choices"] = [(n, n) for n in selectors.node_names(2)]
        for name in ("category", "lv1", "lv2", "operator", "library_level"):
            self.filters[name].extra["empty_label"] = "全部"
        # Only people who may see proposals and disabled items filter by status; others see approved items.
        if user is None or not selectors.may_see_unapproved(user):
            del self.filters["status"]

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "_jixiao_styled", False):
            bootstrapify(form, small=True)
            form._jixiao_styled = True
        return form

    def filter_queryset(self, queryset: QuerySet[IndicatorLibraryItem]) -> QuerySet[IndicatorLibraryItem]:
        queryset = super().filter_queryset(queryset)
        # The library is the approved items; proposals and disabled items are shown when asked for by status.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=ItemStatus.APPROVED)
        return queryset

    def filter_status(
        self, queryset: QuerySet[IndicatorLibraryItem], name: str, value: str
    ) -> QuerySet[IndicatorLibraryItem]:
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)

    def filter_q(
        self, queryset: QuerySet[IndicatorLibraryItem], name: str, value: str
    ) -> QuerySet[IndicatorLibraryItem]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(explanation__icontains=value)
            | Q(unit__icontains=value)
            | Q(code__istartswith=value)
        )

    def filter_category(
        self, queryset: QuerySet[IndicatorLibraryItem], name: str, value: str
    ) -> QuerySet[IndicatorLibraryItem]:
        # A category includes its subcategories: their codes start with its code.
        return queryset.filter(category__code__startswith=value) if value else queryset

    def filter_node(
        self, queryset: QuerySet[IndicatorLibraryItem], name: str, value: str
    ) -> QuerySet[IndicatorLibraryItem]:
        return selectors.filter_by_node(queryset, name, value)
