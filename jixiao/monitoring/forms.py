from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify, limit_choices
from jixiao.monitoring.models import (
    DeviationReason,
    Likelihood,
    MonitoringIndicatorRow,
    MonitoringRecord,
    MonitoringTask,
    QualitativeLevel,
    RecordStatus,
    TaskStatus,
)
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department
from jixiao.projects.models import Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TaskForm(forms.Form):
    title = forms.CharField(label="任务名称", max_length=200)
    task_no = forms.CharField(label="任务编号", max_length=30, required=False, help_text="留空自动编号")
    fiscal_year = YearField(label="年度")
    period_end_month = forms.TypedChoiceField(
        label="监控期间", coerce=int, choices=[(m, f"1—{m}月") for m in range(1, 13)], initial=8
    )
    start_date = forms.DateField(label="开始日期", widget=DATE)
    deadline = forms.DateField(label="填报截止日期", widget=DATE)
    warn_days = forms.IntegerField(label="提前提醒天数", min_value=0, max_value=60, initial=3)
    scope = forms.ChoiceField(label="监控范围", choices=MonitoringTask.Scope.choices, initial=MonitoringTask.Scope.ALL)
    department = DepartmentSearchField(label="限定主管部门（不填为全部）")
    selected_projects = AutocompleteModelMultipleChoiceField(
        label="选定项目（监控范围为“选定项目”时）",
        queryset=Project.objects.none(),
        required=False,
        url_name="projects:autocomplete",
        params={"status": "in_library"},
    )
    description = forms.CharField(
        label="任务说明", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, user: Any, fiscal_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["fiscal_year"].initial = fiscal_year or today.year
        self.fields["start_date"].initial = today
        self.fields["deadline"].initial = today + timedelta(days=15)
        limit_choices(self, "department", Department.objects.visible_to(user).order_by("dept_code"))
        projects = Project.objects.visible_to(user).filter(status=Project.Status.IN_LIBRARY)
        if fiscal_year:
            projects = projects.filter(fiscal_year=fiscal_year)
        limit_choices(self, "selected_projects", projects.order_by("code"))
        # The search box offers in-library projects of the round's year (a new dict: the class's is shared).
        widget = self.fields["selected_projects"].widget
        widget.params = {**widget.params, "fiscal_year": str(fiscal_year or today.year)}  # type: ignore[attr-defined]
        # Projects chosen, then the 年度 changed: name the reason, not the raw id (“220 不在可用的选项中”).
        self.fields["selected_projects"].error_messages["invalid_choice"] = (
            f"所选项目中有不是{fiscal_year or today.year}年度已入库项目的，请按所选年度重新选择项目"
        )
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, deadline = data.get("start_date"), data.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", "填报截止日期不能早于开始日期")
        # A refused choice was already told why; “请至少选择一个” would add nothing.
        none_chosen = not data.get("selected_projects") and "selected_projects" not in self.errors
        if data.get("scope") == MonitoringTask.Scope.SELECTED and none_chosen:
            self.add_error("selected_projects", "监控范围为“选定项目”时请至少选择一个项目")
        return data


class TaskFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *TaskStatus.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class RecordFilterForm(forms.Form):
    task = forms.ModelChoiceField(
        label="监控任务", queryset=MonitoringTask.objects.none(), required=False, empty_label="全部"
    )
    fiscal_year = YearField(label="年度", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *RecordStatus.choices])
    department = DepartmentSearchField()
    likelihood = forms.ChoiceField(label="完成目标可能性", required=False, choices=[("", "全部"), *Likelihood.choices])
    q = forms.CharField(label="名称、编码或单位", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "task", MonitoringTask.objects.visible_to(user).order_by("-fiscal_year", "-id"))
        limit_choices(self, "department", Department.objects.visible_to(user).order_by("dept_code"))
        add_region_field(self, user, after="fiscal_year")  # city and province users only
        bootstrapify(self, small=True)


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(max_length=2000, required=False)


REASONS = forms.MultipleChoiceField(
    label="偏差原因类别", choices=DeviationReason.choices, required=False, widget=forms.CheckboxSelectMultiple
)


class RecordForm(HiddenErrorsMixin, forms.Form):
    """The unit's entries; budget figures and payments are shown, not edited."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    executed_to_date_yuan = WanField(label="1—N月执行数（万元）")
    difference_explanation = forms.CharField(
        label="执行数差异说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="执行数与支付数据不一致时必填",
    )
    expected_annual_yuan = WanField(label="全年预计执行数（万元）", required=False)
    goal_execution = forms.CharField(
        label="年度总体目标1—N月执行情况", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    likelihood = forms.ChoiceField(
        label="完成目标可能性", required=False, choices=[("", "请选择"), *Likelihood.choices]
    )
    deviation_reasons = REASONS
    deviation_text = forms.CharField(
        label="偏差原因说明", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = forms.CharField(
        label="改进措施", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, record: MonitoringRecord, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": record.version,
                "executed_to_date_yuan": record.executed_to_date_yuan,
                "difference_explanation": record.difference_explanation,
                "expected_annual_yuan": record.expected_annual_yuan,
                "goal_execution": record.goal_execution,
                "likelihood": record.likelihood,
                "deviation_reasons": record.deviation_reasons,
                "deviation_text": record.deviation_text,
                "measures": record.measures,
            },
        )
        super().__init__(*args, **kwargs)
        n = record.task.period_end_month
        self.fields["executed_to_date_yuan"].label = f"1—{n}月执行数（万元）"
        self.fields["goal_execution"].label = f"年度总体目标1—{n}月执行情况"
        bootstrapify(self)
        self.fields["deviation_reasons"].widget.attrs["class"] = "list-unstyled d-flex flex-wrap gap-3 mb-0"

    def clean_expected_annual_yuan(self) -> Any:
        # WanField turns an empty entry into 0; an empty entry here means “not yet given”.
        raw = self.data.get(self.add_prefix("expected_annual_yuan"), "")
        return None if str(raw).strip() == "" else self.cleaned_data["expected_annual_yuan"]


class IndicatorRowForm(forms.Form):
    completion_to_date = forms.CharField(label="1—N月执行情况", required=False, max_length=1000)
    expected_annual = forms.CharField(label="全年预计完成情况", required=False, max_length=1000)
    qualitative_level = forms.ChoiceField(
        label="定性完成档次", required=False, choices=[("", "—"), *QualitativeLevel.choices]
    )
    deviation_reasons = forms.MultipleChoiceField(
        label="偏差原因类别", choices=DeviationReason.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    deviation_text = forms.CharField(label="偏差原因说明", required=False, max_length=2000)
    measures = forms.CharField(label="改进措施", required=False, max_length=2000)
    remark = forms.CharField(label="备注", required=False, max_length=500)

    def __init__(self, *args: Any, row: MonitoringIndicatorRow, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"row{row.pk}")
        kwargs.setdefault("initial", {f: getattr(row, f) for f in self.base_fields})
        super().__init__(*args, **kwargs)
        self.row = row
        if not row.is_qualitative:
            del self.fields["qualitative_level"]
        bootstrapify(self, small=True)
        self.fields["deviation_reasons"].widget.attrs["class"] = "list-unstyled small mb-0"


class RecordImportForm(forms.Form):
    """监控表导入: the record's own 监控表, exported and filled in Excel."""

    file = forms.FileField(label="已填写的监控表（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)
        self.fields["file"].widget.attrs["accept"] = ".xlsx"
        self.fields["file"].widget.attrs["aria-label"] = self.fields["file"].label  # the page shows no label

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的监控表（先导出本表，在Excel中填写后导入）")
        return upload
