from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify, limit_choices
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.organizations.selectors import current_fiscal_year, fiscal_years
from jixiao.projects.models import FundTheme, JointReviewOpinion, Project


def _open_year_choices() -> list[tuple[int, str]]:
    return [(y.year, f"{y.year}年度") for y in fiscal_years() if y.is_open]


class ProjectForm(HiddenErrorsMixin, forms.ModelForm):
    fiscal_amount_yuan = WanField(label="财政拨款（万元）", required=False)
    carryover_amount_yuan = WanField(label="上年结转（万元）", required=False)
    other_amount_yuan = WanField(label="其他资金（万元）", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A county has ~400 预算单位: a search box, not one option each.
    unit = AutocompleteModelChoiceField(
        label="实施单位", queryset=BudgetUnit.objects.none(), url_name="organizations:unit_autocomplete"
    )

    class Meta:
        model = Project
        fields = [
            "fiscal_year",
            "code",
            "name",
            "unit",
            "category",
            "is_new",
            "budget_book",
            "function_code",
            "fiscal_amount_yuan",
            "carryover_amount_yuan",
            "other_amount_yuan",
            "start_year",
            "end_year",
            "tier",
            "is_key",
            "is_policy",
            "is_revised",
            "is_special_bond",
            "is_rural_link",
            "is_agri_integrated",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", BudgetUnit.objects.visible_to(user).filter(is_active=True))
        self.fields["fiscal_year"].widget = forms.Select(choices=_open_year_choices())
        if not self.instance.pk:
            code = self.fields["code"]
            code.required = False
            code.help_text = "留空则按“年度-部门编码-序号”自动编号"
            own_unit = getattr(getattr(user, "active_membership", None), "unit_id", None)
            if own_unit is not None:  # a 预算单位 files projects of its own unit
                self.initial.setdefault("unit", own_unit)
            current = current_fiscal_year()
            if current:
                self.initial.setdefault("fiscal_year", current.year)
                self.initial.setdefault("start_year", current.year)
                self.initial.setdefault("end_year", current.year)
        else:
            self.initial["version"] = self.instance.version
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
            self.add_error("end_year", "结束年度不能早于开始年度")
        return data

    def _post_clean(self) -> None:
        # Model validation (uniqueness, scope) happens in the service, which is the only writer.
        pass


class ImportForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int)
    file = forms.FileField(label="项目清单（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field = self.fields["fiscal_year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = _open_year_choices()
        current = current_fiscal_year()
        if current:
            self.initial["fiscal_year"] = current.year
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）")
        return upload


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(max_length=1000, required=False)


class JointOpinionForm(HiddenErrorsMixin, forms.Form):
    """A lead department's 联合审核意见 (`services.joint_review_opinion`), for the project's version the page showed."""

    verdict = forms.ChoiceField(
        label="审核结论",
        choices=JointReviewOpinion.Verdict.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label="审核意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget.attrs.update({"class": "form-control", "placeholder": "不同意时必须填写理由"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verdict") == JointReviewOpinion.Verdict.DISAGREE and not (data.get("comment") or "").strip():
            self.add_error("comment", "不同意时必须填写审核意见")
        return data


class JointRuleForm(HiddenErrorsMixin, forms.Form):
    """One fund theme's 联合审核设置 of the user's region (`services.joint_rule_save`)."""

    theme = forms.ChoiceField(choices=FundTheme.choices, widget=forms.HiddenInput)
    department = forms.ModelChoiceField(label="联合审核部门", queryset=Department.objects.none(), empty_label="请选择")
    is_active = forms.BooleanField(label="启用（入库前须经该部门联合审核同意）", required=False)

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = Department.objects.filter(region=region, is_active=True).order_by("dept_code")  # type: ignore[attr-defined]
        bootstrapify(self)


JOINT_SHOW = [("waiting", "待联合审核"), ("agree", "已同意"), ("disagree", "不同意"), ("", "全部")]


class JointFilterForm(forms.Form):
    """The lead department's 联合审核 list: by its opinion in the current round, year, code or name."""

    show = forms.ChoiceField(label="审核情况", required=False, choices=JOINT_SHOW)
    fiscal_year = YearField(label="年度", required=False)
    q = forms.CharField(label="项目编码或名称", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)
