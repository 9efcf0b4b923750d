from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import bootstrapify, limit_choices
from jixiao.disclosure.models import DisclosureStatus, Exemption, ItemType
from jixiao.disclosure.selectors import WITHHELD_FILTER
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department


class ListFilterForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    item_type = forms.ChoiceField(label="公开事项", required=False, choices=[("", "全部"), *ItemType.choices])
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *DisclosureStatus.choices, (WITHHELD_FILTER, "不予公开（涉密/敏感）")],
    )
    department = DepartmentSearchField()
    overdue = forms.BooleanField(label="仅看逾期", required=False)
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
    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class SettingsForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度（留空表示各年度）", required=False, min_value=2000, max_value=2100)
    days_after_approval = forms.IntegerField(label="批复（审定）后公开期限（日）", min_value=1, max_value=365)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)
