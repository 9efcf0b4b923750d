"""Forms of 抽评/再评价 and 真实性核查 (DOMAIN.md §2.4.5, §2.4.6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from jixiao.core.forms import WanField, YearField, bootstrapify
from jixiao.evaluation.forms import DATE
from jixiao.evaluation.models import AuthenticityItem, SelfEvaluation, UpperCheckStatus
from jixiao.experts.models import Agency
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department
from jixiao.projects.models import Project

GRADE_CHOICES = [("", "全部"), ("优", "优"), ("良", "良"), ("中", "中"), ("差", "差")]


class BatchForm(forms.Form):
    fiscal_year = YearField(label="评价年度")
    title = forms.CharField(label="批次名称", max_length=200, required=False)
    subject = forms.ChoiceField(label="对象类型", choices=SelfEvaluation.Subject.choices)
    department = DepartmentSearchField()  # a county has ~100 主管部门: a search box, not one option each
    amount_min_yuan = WanField(label="全年预算数 ≥（万元）", required=False)
    amount_max_yuan = WanField(label="全年预算数 ≤（万元）", required=False)
    grade = forms.ChoiceField(label="自评等级", choices=GRADE_CHOICES, required=False)
    category = forms.ChoiceField(label="项目类别", choices=[("", "全部"), *Project.Category.choices], required=False)
    adjusted_only = forms.BooleanField(label="仅目标调整过的", required=False)
    rate_pct = forms.DecimalField(
        label="抽取比例（%）", min_value=Decimal("0.01"), max_value=Decimal(100), decimal_places=2, required=False
    )
    count = forms.IntegerField(label="或抽取数量", min_value=1, max_value=100000, required=False)
    n_min = forms.IntegerField(label="最少抽取数", min_value=1, max_value=100000, initial=1)
    must_include_over_yuan = WanField(label="全年预算数 ≥ 此数必抽（万元）", required=False)
    must_include_errors = forms.BooleanField(label="有错误提示的必抽", required=False, initial=True)
    must_include_major = forms.BooleanField(label="A类（重大）项目必抽", required=False)
    stratified = forms.BooleanField(label="按主管部门分层抽取", required=False)

    def __init__(self, *args: Any, region: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if region is not None:
            self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
                region=region, is_deleted=False
            ).order_by("dept_code")
        bootstrapify(self)

    def clean_amount_min_yuan(self) -> Decimal | None:
        return self.cleaned_data["amount_min_yuan"] if self.data.get(self.add_prefix("amount_min_yuan")) else None

    def clean_amount_max_yuan(self) -> Decimal | None:
        return self.cleaned_data["amount_max_yuan"] if self.data.get(self.add_prefix("amount_max_yuan")) else None

    def clean_must_include_over_yuan(self) -> Decimal | None:
        field = self.add_prefix("must_include_over_yuan")
        return self.cleaned_data["must_include_over_yuan"] if self.data.get(field) else None

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        rate = data.pop("rate_pct")
        data["rate"] = (rate / 100).quantize(Decimal("0.0001")) if rate is not None else None
        return data


class AssignForm(forms.Form):
    # The empty choice takes the samples back (services: 委托绩效股自行评分); Django's “---------” did not say so.
    agency = forms.ModelChoiceField(
        label="委托第三方机构", queryset=Agency.objects.none(), required=False, empty_label="绩效股自行评分（不委托）"
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["agency"].queryset = Agency.objects.visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["agency"].widget.attrs["class"] = "form-select form-select-sm w-auto"


class ResultFileForm(forms.Form):
    opinion = forms.CharField(
        label="再评价意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    result_file = forms.FileField(label="结果文件（可选）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class CheckForm(forms.Form):
    fiscal_year = YearField(label="评价年度")
    title = forms.CharField(label="核查名称", max_length=200, required=False)
    sample_size = forms.IntegerField(label="抽取项目数", min_value=1, max_value=1000, required=False)
    upper_level_request = forms.BooleanField(label="上级财政核查（本级提供印证资料）", required=False)
    materials_deadline = forms.DateField(label="印证资料报送截止日期（上级核查）", required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_materials_deadline(self) -> Any:
        """A date already past is refused at its box (the service refuses it too, as a whole-form message)."""
        deadline = self.cleaned_data.get("materials_deadline")
        today = timezone.localdate()
        if deadline is not None and self.cleaned_data.get("upper_level_request") and deadline < today:
            raise forms.ValidationError(f"印证资料报送截止日期不能早于今天（{today:%Y-%m-%d}）")
        return deadline


class FindingForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    verified_value = forms.CharField(label="核实值", max_length=1000, required=False)
    finding = forms.ChoiceField(label="核查结论", choices=AuthenticityItem.Finding.choices)
    evidence_note = forms.CharField(label="佐证资料说明", max_length=2000, required=False)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the row's `item_stamp` when the page was shown


class UpperTransitionForm(forms.Form):
    action = forms.ChoiceField(
        label="操作", choices=[(a, a) for a in ("upper_submit", "upper_approve", "upper_return")]
    )
    comment = forms.CharField(label="意见", max_length=2000, required=False)


class UpperFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("todo", "待上传或被退回"), *UpperCheckStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    mine = forms.BooleanField(
        label="仅本股室组织的核查", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
