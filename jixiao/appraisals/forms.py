from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from jixiao.appraisals.metrics import METRIC_CHOICES
from jixiao.appraisals.models import (
    COUNT_MAX,
    SCORE_MAX,
    WEIGHT_MAX,
    AppraisalTemplate,
    NodeKind,
    Outcome,
    TemplateKind,
)
from jixiao.core.forms import OneFileForm, YearField, bootstrapify
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR


class YearForm(forms.Form):
    fiscal_year = YearField(label="考核年度", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class DeadlineFields(forms.Form):
    """A task's three dates, on 下达考核任务 and on 修改截止日期."""

    self_score_deadline = forms.DateField(label="自评截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    section_score_deadline = forms.DateField(
        label="股室评分截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target_deadline = forms.DateField(
        label="绩效目标申报截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="用于自动计算“绩效目标按时申报率”；留空则该指标显示无数据",
    )

    def clean(self) -> dict[str, Any]:
        """The sections score after the self scores are in: an earlier 股室评分截止日期 is named under its box (the
        service refuses it too, as a message above the form)."""
        data = super().clean() or {}
        own, section = data.get("self_score_deadline"), data.get("section_score_deadline")
        if own is not None and section is not None and section < own:
            self.add_error("section_score_deadline", "股室评分截止日期不能早于自评截止日期")
        return data


class TaskForm(DeadlineFields):
    template: forms.ModelChoiceField = forms.ModelChoiceField(label="评分表", queryset=AppraisalTemplate.objects.none())
    name = forms.CharField(label="任务名称", max_length=200)
    fiscal_year = YearField(label="考核年度")

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = templates
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        """The scoring deadlines of a new task lie ahead: one already past would make every examinee late on the day
        the task is issued. The 绩效目标申报截止日期 is a past date by nature (it measures the year's filing) and is not
        checked; nor does the service check any date, so the demo can build a past year's task."""
        data = super().clean() or {}
        today = timezone.localdate()
        for name in ("self_score_deadline", "section_score_deadline"):
            value = data.get(name)
            if value is not None and value < today:
                self.add_error(name, f"{self.fields[name].label}不能早于今天（{today:%Y-%m-%d}）")
        return data


class TaskDeadlinesForm(DeadlineFields):
    """修改截止日期 of an issued task (a 延期, or a 绩效目标申报截止日期 left out when it was issued)."""

    def __init__(self, *args: Any, task: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_deadline_%s")
        kwargs.setdefault(
            "initial",
            {
                "self_score_deadline": task.self_score_deadline,
                "section_score_deadline": task.section_score_deadline,
                "target_deadline": task.target_deadline,
            },
        )
        super().__init__(*args, **kwargs)
        self.task = task
        bootstrapify(self, small=True)

    def clean(self) -> dict[str, Any]:
        """A scoring deadline moved is moved ahead: one moved into the past would make every examinee late at once.
        A deadline left as it was is not checked (it may have passed), nor is the 绩效目标申报截止日期 (past by
        nature)."""
        data = super().clean() or {}
        today = timezone.localdate()
        for name in ("self_score_deadline", "section_score_deadline"):
            value = data.get(name)
            if value is not None and value != getattr(self.task, name) and value < today:
                self.add_error(name, f"{self.fields[name].label}不能早于今天（{today:%Y-%m-%d}）")
        return data


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(max_length=2000, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="考核结果运用", choices=Outcome.choices)
    reason = forms.CharField(label="理由", max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class InterviewForm(forms.Form):
    time = forms.CharField(
        label="约谈时间", max_length=100, widget=forms.TextInput(attrs={"placeholder": "如：2027年1月8日上午9时"})
    )
    place = forms.CharField(
        label="约谈地点", max_length=200, widget=forms.TextInput(attrs={"placeholder": "如：县财政局三楼会议室"})
    )
    deadline = forms.DateField(
        label="书面说明报送期限",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="被约谈单位在此日期前报送问题原因、整改措施和完成时限的书面说明",
    )
    contact = forms.CharField(
        label="联系人及电话",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：绩效股 张晓燕 0818-7322000"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class EvidenceForm(OneFileForm):
    file = forms.FileField(label="佐证材料")
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CopyForm(forms.Form):
    fiscal_year = YearField(label="适用年度（留空为各年度）", required=False)
    name = forms.CharField(label="名称", max_length=150, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class ImportForm(forms.Form):
    name = forms.CharField(label="评分表名称", max_length=150)
    kind = forms.ChoiceField(label="考核类型", choices=TemplateKind.choices)
    fiscal_year = YearField(label="适用年度（留空为各年度）", required=False)
    source = forms.CharField(label="来源（如：省财政厅评分表文号）", max_length=200, required=False)
    file = forms.FileField(label="评分表（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class NodeForm(forms.Form):
    code = forms.CharField(label="指标代码", max_length=30)
    name = forms.CharField(label="指标名称", max_length=200)
    points = forms.DecimalField(label="分值", min_value=Decimal(0), max_digits=7, decimal_places=2)
    kind = forms.ChoiceField(label="类别", choices=NodeKind.choices)
    responsible_section = forms.CharField(label="主管股室", max_length=100, required=False)
    auto_metric = forms.ChoiceField(label="自动指标", choices=METRIC_CHOICES, required=False)
    standard = forms.CharField(label="评（扣）分标准", max_length=2000, required=False)
    description = forms.CharField(label="指标说明", max_length=2000, required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the editor page also holds the copy form, whose 名称 would otherwise share id_name.
        kwargs.setdefault("auto_id", "node_%s")
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


def _weight_field(label: str) -> forms.DecimalField:
    message = f"{label}应为0至{WEIGHT_MAX}之间的数字"
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=WEIGHT_MAX,
        decimal_places=3,
        error_messages={
            "required": f"请填写{label}",
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_decimal_places": f"{label}最多保留三位小数",
        },
    )


def _score_field(label: str, name: str) -> forms.DecimalField:
    message = f"{name}应为0至{SCORE_MAX}之间的分数"
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=SCORE_MAX,
        decimal_places=2,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_decimal_places": f"{name}最多保留两位小数",
        },
    )


def _count_field(label: str, name: str) -> forms.IntegerField:
    message = f"{name}应为0至{COUNT_MAX}之间的整数"
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=COUNT_MAX,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class SettingsForm(forms.Form):
    """Every number is checked against its model column (`AppraisalSettings`), so nothing out of range is stored."""

    fiscal_year = YearField(
        label="年度（留空为各年度）",
        required=False,
        error_messages={
            "invalid": f"年度应为{FIRST_YEAR}至{LAST_YEAR}之间的整数",
            "min_value": f"年度应为{FIRST_YEAR}至{LAST_YEAR}之间的整数",
            "max_value": f"年度应为{FIRST_YEAR}至{LAST_YEAR}之间的整数",
        },
    )
    weight_town = _weight_field("镇 折算权重")
    weight_street = _weight_field("街道 折算权重")
    weight_dev_zone = _weight_field("高新区 折算权重")
    weight_department = _weight_field("部门 折算权重")
    commend_top_k = _count_field("表扬：排名前几名（留空为人工确定）", "表扬名次")
    commend_min_score = _score_field("表扬：最低得分", "表扬最低得分")
    interview_bottom_k = _count_field("约谈：排名后几名（留空为人工确定）", "约谈名次")
    interview_max_score = _score_field("约谈：最高得分", "约谈最高得分")
    grade_bands = forms.CharField(label="等级划分", max_length=200, help_text="格式：优秀:90,良好:80,合格:60,不合格:0")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_grade_bands(self) -> list[dict[str, str]]:
        text = self.cleaned_data["grade_bands"].replace("，", ",").replace("：", ":")
        bands = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            label, _sep, minimum = part.partition(":")
            bands.append({"label": label.strip(), "min": minimum.strip()})
        if not bands:
            raise forms.ValidationError("请设置等级划分")
        return bands
