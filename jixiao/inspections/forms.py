from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify, limit_choices
from jixiao.inspections.models import DEFAULT_SUBJECT, QUARTERS
from jixiao.inspections.selectors import departments_to_record
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department

PROBLEM_CHOICES = [("", "全部"), ("yes", "发现问题"), ("no", "未发现问题")]
QUARTER_FILTER = [("", "全部"), *[(str(q), label) for q, label in QUARTERS]]


class FilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    quarter = forms.TypedChoiceField(label="季度", required=False, choices=QUARTER_FILTER, coerce=int, empty_value=None)
    department = DepartmentSearchField(label="被检查部门")
    problems = forms.ChoiceField(label="检查结果", required=False, choices=PROBLEM_CHOICES)
    q = forms.CharField(label="问题或意见", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Deactivated departments too: their earlier checks stay findable.
        limit_choices(self, "department", Department.objects.visible_to(user).order_by("dept_code"))
        bootstrapify(self, small=True)


class CoverageForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    quarter = forms.TypedChoiceField(label="季度", required=False, choices=QUARTER_FILTER, coerce=int, empty_value=None)
    unchecked = forms.BooleanField(label="仅看该季度未检查的部门", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class InspectionForm(HiddenErrorsMixin, forms.Form):
    fiscal_year = YearField(label="年度")
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTERS, coerce=int)
    department = DepartmentSearchField(label="被检查部门", required=True)
    inspected_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    inspectors = forms.CharField(label="检查人员", max_length=200, help_text="如：农业股 张三、李四")
    subject = forms.CharField(label="检查内容", max_length=200, initial=DEFAULT_SUBJECT)
    findings = forms.CharField(
        label="发现问题",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="未发现问题的留空",
    )
    opinions = forms.CharField(
        label="意见建议", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, keep: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", departments_to_record(user, keep))
        bootstrapify(self)
