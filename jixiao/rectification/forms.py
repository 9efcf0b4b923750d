from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator

from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import MultipleFileField, YearField, bootstrapify, limit_choices
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.projects.models import Project
from jixiao.rectification.models import (
    ISSUING_KINDS,
    MANUAL_SOURCES,
    Category,
    RectificationLetter,
    RectificationSettings,
    RectificationStatus,
    Severity,
    SourceType,
    sees_drafts,
)


class ListFilterForm(forms.Form):
    year = YearField(label="年度", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *RectificationStatus.choices])
    source = forms.ChoiceField(label="问题来源", required=False, choices=[("", "全部"), *SourceType.choices])
    department = DepartmentSearchField()
    overdue = forms.BooleanField(label="仅逾期", required=False)
    on_time = forms.BooleanField(label="仅按期办结", required=False)
    q = forms.CharField(label="关键字", required=False, max_length=50)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A tampered id simply matches nothing: the choices are the user's own scope.
        limit_choices(self, "department", Department.objects.visible_to(user))
        if user is not None:
            add_region_field(self, user, after="source")  # city and province users only
            membership = getattr(user, "active_membership", None)
            if membership is not None and not sees_drafts(membership):
                # Cases being prepared are the bureau's: a department, unit or oversight never sees one (models scope).
                status = self.fields["status"]
                status.choices = [c for c in status.choices if c[0] != RectificationStatus.DRAFT]  # type: ignore[attr-defined]
        bootstrapify(self)


class CandidateFilterForm(forms.Form):
    year = YearField(label="年度", required=False)
    source = forms.ChoiceField(label="问题来源", required=False, choices=[("", "全部"), *SourceType.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ManualFindingForm(forms.Form):
    fiscal_year = YearField(label="年度")
    source_type = forms.ChoiceField(label="问题来源", choices=[(s.value, s.label) for s in MANUAL_SOURCES])
    source_label = forms.CharField(
        label="来源说明", required=False, max_length=300, help_text="如：2025年度部门绩效管理考核"
    )
    department = DepartmentSearchField()
    unit = AutocompleteModelChoiceField(
        label="预算单位",
        required=False,
        queryset=BudgetUnit.objects.none(),
        url_name="organizations:unit_autocomplete",
    )
    project = AutocompleteModelChoiceField(
        label="项目",
        required=False,
        queryset=Project.objects.none(),
        url_name="projects:autocomplete",
    )
    category = forms.ChoiceField(label="问题类别", choices=Category.choices)
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(label="问题描述", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", Department.objects.visible_to(user))
        limit_choices(self, "unit", BudgetUnit.objects.visible_to(user))
        limit_choices(self, "project", Project.objects.visible_to(user).order_by("-fiscal_year", "code"))
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        """The project decides who rectifies, then the unit: a unit or a department chosen beside it that is not its
        own was silently replaced by the project's (a problem of 县第二中学 recorded for 县第一中学's choice)."""
        data = super().clean() or {}
        department, unit, project = data.get("department"), data.get("unit"), data.get("project")
        if project is not None and unit is not None and project.unit_id != unit.pk:
            self.add_error("project", f"所选项目属于{project.unit.name}，与所选预算单位{unit.name}不一致")
        elif department is not None and (project or unit) is not None:
            owner: Any = project.unit if project is not None else unit
            if owner.department_id != department.pk:
                field = "project" if project is not None else "unit"
                what = "项目" if project is not None else "单位"
                self.add_error(field, f"所选{what}属于{owner.department.name}，与所选主管部门{department.name}不一致")
        return data


ISSUE_DOCUMENTS = [(k, RectificationLetter.Kind(k).label) for k in ISSUING_KINDS]


class IssueForm(forms.Form):
    document = forms.ChoiceField(
        label="下达文书",
        choices=ISSUE_DOCUMENTS,
        required=False,
        initial=RectificationLetter.Kind.NOTICE,
        help_text="绩效管理意见书提出整改建议；问题严重的可直接下达约谈通知书",
    )
    title = forms.CharField(label="整改事项", max_length=200, required=False)
    requirements = forms.CharField(
        label="整改要求（整改建议）", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline = forms.DateField(
        label="整改期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填则按整改期限规则计算；即文书的反馈期限",
    )
    interview_time = forms.CharField(
        label="约谈时间", max_length=200, required=False, help_text="下达约谈通知书时必填，如：2026年12月10日上午9:00"
    )
    interview_place = forms.CharField(
        label="约谈地点", max_length=200, required=False, help_text="下达约谈通知书时必填，如：县财政局三楼会议室"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class FeedbackForm(forms.Form):
    measures = forms.CharField(label="整改措施及成效", max_length=8000, widget=forms.Textarea(attrs={"rows": 5}))
    reports = MultipleFileField(label="问题整改报告", required=False, help_text="PDF、Word、Excel或图片，可多选")
    report_note = forms.CharField(
        label="报告说明", max_length=500, required=False, help_text="选填，随本次上传的报告保存"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class CloseForm(forms.Form):
    opinion = forms.CharField(
        label="审核意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fin_adjust_advice = forms.CharField(
        label="业务股室预算调整意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class DiscardForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


DAY_COUNTS = ("remind_days_before", "escalate_after_days", "second_escalate_after_days")


class SettingsForm(forms.ModelForm):
    # The model's year takes any small number: 20266 typed for 2026 saved a row for a year that never comes.
    fiscal_year = YearField(label="年度", required=False, help_text="为空表示各年度")

    class Meta:
        model = RectificationSettings
        fields = [
            "fiscal_year",
            "deadline_days",
            "working_days",
            "remind_days_before",
            "escalate_after_days",
            "second_escalate_after_days",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The day counts took any small number: 99999 typed for 9 saved a rule that never escalates.
        for name in DAY_COUNTS:
            field = self.fields[name]
            field.validators.append(MaxValueValidator(365))
            field.widget.attrs["max"] = 365
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        remind, deadline = data.get("remind_days_before"), data.get("deadline_days")
        if remind is not None and deadline is not None and remind >= deadline:
            # A reminder as many days before the deadline as the case is given comes the day it is issued.
            self.add_error("remind_days_before", f"到期前提醒天数应小于默认整改期限（{deadline}天）")
        return data

    def validate_unique(self) -> None:
        """Saving the same region and year again updates that row (services.settings_save)."""
