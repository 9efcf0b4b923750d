from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify, limit_choices
from jixiao.evaluation.models import QualLevel, SelfEvalFund, SelfEvalIndicator, SelfEvalStatus, SelfEvaluation
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department


class SelfEvalCheckForm(forms.Form):
    file = forms.FileField(label="项目支出绩效自评表（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的自评表（可先下载标准格式样表）")
        return upload


# ---- 单位自评 -------------------------------------------------------------------------------------------------------

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCORE = {"max_digits": 7, "decimal_places": 2, "min_value": Decimal(0)}
GRADE_CHOICES = [("", "—"), ("优", "优"), ("良", "良"), ("中", "中"), ("差", "差")]


class TaskStartForm(forms.Form):
    fiscal_year = YearField(label="评价年度")
    title = forms.CharField(label="任务名称", max_length=200, required=False, help_text="留空为“YYYY年度单位自评”")
    deadline = forms.DateField(label="填报截止日期", widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["fiscal_year"].initial = today.year - 1
        self.fields["deadline"].initial = today + timedelta(days=30)
        bootstrapify(self)


class SelfEvalFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    department = DepartmentSearchField()
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *SelfEvalStatus.choices])
    grade = forms.ChoiceField(label="计算等级（已提交）", required=False, choices=[("", "全部"), *GRADE_CHOICES[1:]])
    flagged = forms.ChoiceField(
        label="校验问题",
        required=False,
        choices=[("", "全部"), ("errors", "有错误"), ("flagged", "有错误或提示"), ("clean", "无问题")],
    )
    q = forms.CharField(label="名称/编码", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", Department.objects.visible_to(user).order_by("dept_code"))
        add_region_field(self, user, after="fiscal_year")  # city and province users only
        bootstrapify(self, small=True)


class SelfEvalForm(HiddenErrorsMixin, forms.Form):
    """The unit's record-level entries; funds budget and the approved targets are shown, not edited."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    goal_actual = forms.CharField(
        label="年度总体目标实际完成情况", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    executed_total = WanField(label="年度资金总额 全年执行数（万元）")
    executed_fiscal = WanField(label="当年财政拨款 全年执行数（万元）")
    executed_carryover = WanField(label="上年结转资金 全年执行数（万元）")
    executed_other = WanField(label="其他资金 全年执行数（万元）")
    exec_score_claimed = forms.DecimalField(label="预算执行率得分（填报）", required=False, **SCORE)  # type: ignore[arg-type]
    total_claimed = forms.DecimalField(label="总分（填报）", required=False, **SCORE)  # type: ignore[arg-type]
    grade_claimed = forms.ChoiceField(label="等级（填报）", required=False, choices=GRADE_CHOICES)
    flag_explanation = forms.CharField(
        label="提示事项说明",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="存在提示事项时，提交前须逐项说明",
    )

    def __init__(self, *args: Any, record: SelfEvaluation, funds: list[SelfEvalFund], **kwargs: Any) -> None:
        initial = {f: getattr(record, f) for f in ("version", "goal_actual", "exec_score_claimed", "total_claimed")}
        initial.update({"grade_claimed": record.grade_claimed, "flag_explanation": record.flag_explanation})
        initial.update({f"executed_{fund.fund_source.lower()}": fund.executed_yuan for fund in funds})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def split(self) -> tuple[dict[str, Any], dict[str, Any], int]:
        data = dict(self.cleaned_data)
        version = data.pop("version")
        executed = {key: data.pop(f"executed_{key.lower()}") for key in ("TOTAL", "FISCAL", "CARRYOVER", "OTHER")}
        return data, executed, version


class SelfEvalRowForm(forms.Form):
    actual_text = forms.CharField(label="实际完成值", required=False, max_length=1000)
    qual_level = forms.ChoiceField(label="定性完成档次", required=False, choices=[("", "—"), *QualLevel.choices])
    claimed_score = forms.DecimalField(label="得分", required=False, **SCORE)  # type: ignore[arg-type]
    deviation_analysis = forms.CharField(label="偏差原因分析及改进措施", required=False, max_length=2000)

    def __init__(self, *args: Any, row: SelfEvalIndicator, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"row{row.pk}")
        kwargs.setdefault("initial", {f: getattr(row, f) for f in self.base_fields})
        super().__init__(*args, **kwargs)
        self.row = row
        if not row.is_qualitative:
            del self.fields["qual_level"]
        bootstrapify(self, small=True)


class SelfEvalTransitionForm(forms.Form):
    action = forms.CharField(label="操作", max_length=30)
    comment = forms.CharField(label="意见", max_length=2000, required=False)
    dept_score = forms.DecimalField(
        label="主管部门评分", max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )

    def problems(self) -> str:
        """The refusal in Chinese, each naming its box: “主管部门评分：确保该值小于或等于100。”."""
        return "；".join(f"{self.fields[name].label}：{e}" for name, errors in self.errors.items() for e in errors)


class OverrideForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    final_score = forms.DecimalField(label="审定得分", **SCORE)  # type: ignore[arg-type]
    reason = forms.CharField(label="调整理由", max_length=1000)
    # The record's version on the page the score was typed on: a record changed since is refused (409), not overwritten.
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)


class SelfEvalImportForm(SelfEvalCheckForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["aria-label"] = self.fields["file"].label  # the record page shows no label
