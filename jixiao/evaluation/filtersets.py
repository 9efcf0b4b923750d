"""The API's filters of 单位自评 (year, department, status, computed grade, flagged), scoped to the user."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from jixiao.core.filters import FilterSet, ScopedIdFilter, YearFilter, YesNoFilter
from jixiao.evaluation.models import SelfEvalStatus, SelfEvaluation
from jixiao.organizations.models import Department

GRADES = [("优", "优"), ("良", "良"), ("中", "中"), ("差", "差")]


class SelfEvaluationFilterSet(FilterSet):
    fiscal_year = YearFilter()
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    status = django_filters.ChoiceFilter(label="状态", choices=SelfEvalStatus.choices)
    grade = django_filters.ChoiceFilter(label="计算等级", field_name="grade_computed", choices=GRADES)
    flagged = YesNoFilter(label="有错误或提示", method="filter_flagged")

    class Meta:
        model = SelfEvaluation
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = Department.objects.visible_to(user)

    def filter_flagged(self, queryset: QuerySet[SelfEvaluation], name: str, value: Any) -> QuerySet[SelfEvaluation]:
        flagged = Q(error_count__gt=0) | Q(warn_count__gt=0)
        if value is None:
            return queryset
        return queryset.filter(flagged) if value else queryset.exclude(flagged)
