from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, OneFileForm, YearField, bootstrapify
from jixiao.organizations.models import BudgetUnit
from jixiao.training.models import Audience, TrainerType, TrainingKind


class FilterForm(forms.Form):
    year = YearField(label="年度", required=False)
    kind = forms.ChoiceField(label="形式", required=False, choices=[("", "全部"), *TrainingKind.choices])
    q = forms.CharField(label="主题", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class SessionForm(HiddenErrorsMixin, forms.Form):
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label="主题", max_length=200)
    organiser = forms.CharField(label="组织单位", max_length=150)
    kind = forms.ChoiceField(label="形式", choices=TrainingKind.choices, initial=TrainingKind.TRAINING)
    trainer_type = forms.ChoiceField(label="授课人类型", choices=TrainerType.choices)
    trainer = forms.CharField(label="授课人", max_length=150, required=False)
    audience = forms.MultipleChoiceField(
        label="培训对象", choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    session_count = forms.IntegerField(label="期数", min_value=1, max_value=999, initial=1)
    attendance = forms.IntegerField(label="参训人次", min_value=0, max_value=1_000_000, initial=0)
    # A county has ~400 预算单位: a search box adding badges, not one option each.
    participant_units = AutocompleteModelMultipleChoiceField(
        label="参训单位（可选）",
        queryset=BudgetUnit.objects.none(),
        required=False,
        url_name="organizations:unit_autocomplete",
    )
    note = forms.CharField(label="说明", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            field = self.fields["participant_units"]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = units
        bootstrapify(self)
        self.fields["audience"].widget.attrs.pop("class", None)


class MaterialForm(OneFileForm):
    file = forms.FileField(label="培训材料")
