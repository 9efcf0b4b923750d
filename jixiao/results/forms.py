from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms

from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.projects.models import Project
from jixiao.results.models import Action, ApplicationStatus


class ListFilterForm(forms.Form):
    fiscal_year = YearField(label="评价年度", required=False)
    action = forms.ChoiceField(label="应用方式", required=False, choices=[("", "全部"), *Action.choices])
    department = DepartmentSearchField()
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ApplicationStatus.choices])
    q = forms.CharField(label="项目", required=False, max_length=100)

    def __init__(self, *args: Any, departments: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        if user is not None:
            add_region_field(self, user, after="fiscal_year")  # city and province users only
        bootstrapify(self, small=True)


class GenerateForm(forms.Form):
    fiscal_year = YearField(label="评价年度")


class DecisionForm(HiddenErrorsMixin, forms.Form):
    action = forms.ChoiceField(label="决定", choices=Action.choices)
    amount_yuan = WanField(label="决定金额（万元）", required=False, help_text="留空：采纳建议金额")
    reason = forms.CharField(
        label="理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="与建议不同时必填",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_amount_yuan(self) -> Decimal | None:
        raw = self.data.get(self.add_prefix("amount_yuan"), "")
        return self.cleaned_data["amount_yuan"] if str(raw).strip() else None


class LinkForm(forms.Form):
    # A unit may have many projects a year: a search box over the unit's projects of the budget year, not one option
    # each; the chosen id is still checked against `candidates`. An empty box unlinks.
    project = AutocompleteModelChoiceField(
        label="下年项目", required=False, queryset=Project.objects.none(), url_name="projects:autocomplete"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, candidates: Any, application: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(AutocompleteModelChoiceField, self.fields["project"])
        field.queryset = candidates
        if application is not None:  # the search finds the candidates only
            field.widget.params = {"fiscal_year": str(application.budget_year), "unit": str(application.unit_id)}  # type: ignore[attr-defined]
        bootstrapify(self, small=True)


class RuleForm(forms.Form):
    code = forms.ChoiceField(label="规则", choices=[])
    fiscal_year = YearField(label="评价年度（留空表示各年度）", required=False)
    name = forms.CharField(label="规则名称", max_length=200, required=False, help_text="留空沿用全国默认名称")
    values = forms.CharField(
        label="条件取值", required=False, max_length=200, help_text="多个取值用顿号或逗号分隔，如：中、差；留空沿用默认"
    )
    threshold = forms.DecimalField(
        label="阈值（%）", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    action = forms.ChoiceField(label="应用方式", choices=Action.choices)
    pct = forms.DecimalField(
        label="比例（%）",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        help_text="压缩或核减的比例；留空则须预算股逐项决定金额",
    )
    enforce = forms.BooleanField(label="硬性控制（下年申报时强制校验）", required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    priority = forms.IntegerField(label="顺序", min_value=0, max_value=999, initial=100)
    basis = forms.CharField(label="依据", required=False, max_length=300)

    def __init__(self, *args: Any, codes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["code"]).choices = codes
        bootstrapify(self)

    def clean_values(self) -> list[str]:
        raw = self.cleaned_data.get("values") or ""
        for sep in ("，", ",", "、", " "):
            raw = raw.replace(sep, "|")
        return [v.strip() for v in raw.split("|") if v.strip()]
