from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, OneFileForm, YearField, bootstrapify
from jixiao.regulations.models import RegulationAction, RegulationCategory

CURRENT_CHOICES = [("", "全部"), ("current", "现行有效"), ("repealed", "已废止")]


class FilterForm(forms.Form):
    year = YearField(label="年度", required=False)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *RegulationCategory.choices])
    action = forms.ChoiceField(label="方式", required=False, choices=[("", "全部"), *RegulationAction.choices])
    current = forms.ChoiceField(label="效力", required=False, choices=CURRENT_CHOICES)
    q = forms.CharField(label="名称或文号", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class RegulationForm(HiddenErrorsMixin, forms.Form):
    title = forms.CharField(label="制度名称", max_length=200, help_text="如：《××县预算绩效管理办法》")
    doc_no = forms.CharField(label="文号", max_length=60, required=False, help_text="如：×财绩〔2026〕3号")
    category = forms.ChoiceField(label="类别", choices=RegulationCategory.choices)
    action = forms.ChoiceField(label="方式", choices=RegulationAction.choices)
    issuer = forms.CharField(label="发文单位", max_length=150)
    issued_on = forms.DateField(label="印发日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_current = forms.BooleanField(label="现行有效", required=False, initial=True)
    note = forms.CharField(label="说明", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class FileForm(OneFileForm):
    file = forms.FileField(label="制度文件")
