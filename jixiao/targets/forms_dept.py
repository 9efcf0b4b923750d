"""Forms of the department-overall target page: the overall goal with the budget block (万元) and the
年度主要任务 rows. The indicator grid reuses forms.IndicatorFormSet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, RowFormSet, WanField, YearField, bootstrapify
from jixiao.core.money import wan_from_yuan
from jixiao.targets.models import AnnualTask, PerformanceTarget


def _wan_initial(yuan: Decimal) -> str:
    # Plain 万元 text: a normalised Decimal would otherwise show as "1.2E+2".
    return format(wan_from_yuan(yuan).normalize(), "f")


class DeptGoalsForm(HiddenErrorsMixin, forms.Form):
    """年度总体目标 and the budget block; amounts entered in 万元 and cleaned to yuan. The sums are
    checked by the service, so the page and the import give the same messages."""

    annual_goal = forms.CharField(label="年度总体目标", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    annual_total_yuan = WanField(label="资金总额（万元）", required=False)
    annual_fiscal_yuan = WanField(label="财政拨款（万元）", required=False)
    other_yuan = WanField(label="其他资金（万元）", required=False)
    basic_yuan = WanField(label="基本支出（万元）", required=False)
    project_spending_yuan = WanField(label="项目支出（万元）", required=False)
    # Optimistic lock: the version the page was rendered with; a save over a newer version is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, target: PerformanceTarget, **kwargs: Any) -> None:
        initial: dict[str, Any] = {"annual_goal": target.annual_goal, "version": target.version}
        for name in ("annual_total_yuan", "annual_fiscal_yuan", "basic_yuan", "project_spending_yuan"):
            initial[name] = _wan_initial(getattr(target, name))
        initial["other_yuan"] = _wan_initial(target.annual_total_yuan - target.annual_fiscal_yuan)
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("prefix", "goal")
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class TaskRowForm(forms.Form):
    name = forms.CharField(label="任务名称", max_length=200)
    content = forms.CharField(label="主要内容", max_length=2000, required=False)
    amount_yuan = WanField(label="预算金额（万元）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class BaseTaskFormSet(RowFormSet):
    def _kept(self) -> list[forms.Form]:
        return [f for f in self.forms if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE", False)]

    def clean(self) -> None:
        if any(self.errors):
            return
        names = [f.cleaned_data["name"].strip() for f in self._kept()]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise forms.ValidationError("年度主要任务名称重复：" + "、".join(duplicates))

    def rows(self) -> list[dict[str, Any]]:
        """Cleaned tasks in page order, for target_save_dept."""
        return [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in self._kept()]


TaskFormSet = forms.formset_factory(
    TaskRowForm, formset=BaseTaskFormSet, extra=0, can_delete=True, max_num=100, validate_max=True
)


def task_initial(tasks: list[AnnualTask]) -> list[dict[str, Any]]:
    return [{"name": t.name, "content": t.content, "amount_yuan": _wan_initial(t.amount_yuan)} for t in tasks]


class DeptStartForm(forms.Form):
    department = forms.IntegerField(widget=forms.HiddenInput)
    fiscal_year = YearField(widget=forms.HiddenInput)
