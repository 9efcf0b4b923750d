from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, bootstrapify
from jixiao.indicators.selectors import categories, category_tree
from jixiao.targets.models import PerformanceTarget


def _category_field(form: forms.Form, empty: str) -> None:
    """The 行业领域 select as the indicator library shows it: sub-fields indented under their 大类."""
    field = form.fields["category"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = categories()
    field.choices = [("", empty), *((o.category.pk, o.label) for o in category_tree())]


class CaseFilterForm(forms.Form):
    category = forms.ModelChoiceField(label="行业领域", required=False, queryset=categories())
    subject_type = forms.ChoiceField(
        label="目标类型", required=False, choices=[("", "全部"), *PerformanceTarget.Subject.choices]
    )
    q = forms.CharField(label="名称或点评", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _category_field(self, "全部")
        bootstrapify(self, small=True)


class CaseForm(HiddenErrorsMixin, forms.Form):
    category = forms.ModelChoiceField(label="行业领域", queryset=categories())
    title = forms.CharField(label="案例名称", max_length=200)
    note = forms.CharField(
        label="案例点评",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="如：产出、效益指标细化量化，指标值有测算依据，可供同类项目参照",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _category_field(self, "请选择行业领域")
        bootstrapify(self)
