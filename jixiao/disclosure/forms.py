from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import YearField, bootstrapify, limit_choices
from jixiao.disclosure.models import DisclosureStatus, Exemption, ItemType
from jixiao.disclosure.selectors import WITHHELD_FILTER
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department


class ListFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    item_type = forms.ChoiceField(label="公开事项", required=False, choices=[("", "全部"), *ItemType.choices])
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *DisclosureStatus.choices, (WITHHELD_FILTER, "不予公开（涉密/敏感）")],
    )
    department = DepartmentSearchField()
    overdue = forms.BooleanField(label="仅看逾期", required=False)
    outdated = forms.BooleanField(label="仅看公开后目标已调整", required=False)
    q = forms.CharField(label="名称", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            limit_choices(self, "department", Department.objects.visible_to(user))
        bootstrapify(self, small=True)


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(label="理由或意见", required=False, max_length=1000)
    exemption = forms.ChoiceField(label="不予公开类型", required=False, choices=[("", "—"), *Exemption.choices])


class GenerateForm(forms.Form):
    fiscal_year = YearField(label="年度")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: the list's filter form beside it has a 年度 box too (one id per page, labels work).
        kwargs.setdefault("auto_id", "id_generate_%s")
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class SettingsForm(forms.Form):
    fiscal_year = YearField(label="年度（留空表示各年度）", required=False)
    days_after_approval = forms.IntegerField(label="批复（审定）后公开期限（日）", min_value=1, max_value=365)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


KEYWORD_MAX = 50


class PublicSearchForm(forms.Form):
    """The public lists' search (关键词, 年度, 主管部门): choices are what is published, nothing else is accepted."""

    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=KEYWORD_MAX,
        error_messages={"max_length": f"关键词不能超过{KEYWORD_MAX}个字，请缩短后再查询"},
        widget=forms.TextInput(attrs={"placeholder": "项目名称、单位或主管部门"}),
    )
    year = forms.TypedChoiceField(
        label="年度",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "所选年度没有公开信息，请从列表中选择年度"},
    )
    dept = forms.TypedChoiceField(
        label="主管部门",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "所选主管部门在本年度没有公开信息，请从列表中选择"},
    )

    def __init__(self, data: Any, *, years: list[int], departments: list[tuple[int, str]], year: int) -> None:
        # The year shown is the page's own (it is in the address) unless the visitor picked another one.
        data = data.copy()
        if not data.get("year"):
            data["year"] = str(year)
        super().__init__(data)
        self.fields["year"].choices = [(y, f"{y}年度") for y in years]  # type: ignore[attr-defined]
        self.fields["dept"].choices = [("", "全部主管部门"), *departments]  # type: ignore[attr-defined]
        bootstrapify(self, small=True)

    def clean_q(self) -> str:
        q = str(self.cleaned_data.get("q") or "")
        if any(ord(ch) < 32 for ch in q):
            raise forms.ValidationError("关键词含有不能识别的字符，请重新输入")
        return q

    @property
    def searching(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return bool(data.get("q") or data.get("dept"))
