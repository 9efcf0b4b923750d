"""The API's filters of 事前绩效评估 (year, department, status, conclusion), scoped to the user's own departments."""

from __future__ import annotations

from typing import Any

import django_filters

from jixiao.core.filters import FilterSet, ScopedIdFilter, YearFilter
from jixiao.organizations.models import Department
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentStatus


class PreAssessmentFilterSet(FilterSet):
    fiscal_year = YearFilter()
    department = ScopedIdFilter(label="主管部门", url_name="organizations:department_autocomplete")
    status = django_filters.ChoiceFilter(label="状态", choices=PreAssessmentStatus.choices)
    conclusion = django_filters.ChoiceFilter(label="评估结论", choices=Conclusion.choices)
    kind = django_filters.ChoiceFilter(label="评估类型", choices=PreAssessment.Kind.choices)

    class Meta:
        model = PreAssessment
        fields: list[str] = []

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ids are checked against the user's own scope; a tampered id simply matches nothing.
        self.filters["department"].queryset = Department.objects.visible_to(user)
