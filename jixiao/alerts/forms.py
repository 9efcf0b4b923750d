from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.utils import timezone

from jixiao.alerts import engine
from jixiao.alerts.idle_funds import IdleReason
from jixiao.alerts.models import (
    BudgetAction,
    CaseStatus,
    Color,
    FundAdjustment,
    Metric,
    OnTimeout,
    Option,
    Profile,
    Tier,
    WarningRule,
)
from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import HiddenErrorsMixin, RowFormSet, WanField, YearField, bootstrapify
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department
from jixiao.projects.models import Project


class WarningFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    color = forms.ChoiceField(label="颜色", required=False, choices=[("", "全部"), *Color.choices])
    rule = forms.ChoiceField(label="规则", required=False)
    department = DepartmentSearchField()
    q = forms.CharField(label="项目", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = WarningRule.objects.order_by("sort", "code").values_list("code", "name").distinct()
        self.fields["rule"].choices = [("", "全部"), *dict(codes).items()]  # type: ignore[attr-defined]
        if user is not None:
            self.fields["department"].queryset = Department.objects.visible_to(user)  # type: ignore[attr-defined]
            add_region_field(self, user, after="rule")  # city and province users only
        bootstrapify(self, small=True)


class AdjustmentFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    source = forms.ChoiceField(label="环节", required=False, choices=[("", "全部"), *FundAdjustment.Source.choices])
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *FundAdjustment.Kind.choices])
    department = DepartmentSearchField()
    q = forms.CharField(label="项目", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["department"].queryset = Department.objects.visible_to(user)  # type: ignore[attr-defined]
        bootstrapify(self, small=True)


class AdjustmentForm(forms.Form):
    """登记预算调整 (a 目标审核 核减, a 事前评估 追减…): the project, its year, the stage that decided, the kind, the
    amount in 万元 and the basis (文号 or meeting)."""

    project = AutocompleteModelChoiceField(
        label="项目", queryset=Project.objects.none(), url_name="projects:autocomplete"
    )
    fiscal_year = YearField(label="预算年度")
    source = forms.ChoiceField(label="调整环节", choices=FundAdjustment.Source.choices)
    kind = forms.ChoiceField(label="调整类型", choices=FundAdjustment.Kind.choices)
    amount_yuan = WanField(label="调整金额（万元）", min_value=Decimal("0.000001"))
    reason = forms.CharField(
        label="调整依据或原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：绩效目标审核意见（X财绩〔2026〕X号），目标不明确且未按期修改，核减部分资金",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            is_deleted=False
        )
        bootstrapify(self)


class IdleFundFilterForm(forms.Form):
    """存量资金清理's query: the year whose budgets are cleaned up, the date the balances are read at (today when
    empty), one reason, the region (multi-county users), the department and the project."""

    fiscal_year = YearField(label="预算年度", required=False)
    as_of = forms.DateField(label="认定日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label="认定情形", required=False)
    department = DepartmentSearchField()
    q = forms.CharField(label="项目", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "全部"), *IdleReason.choices]  # type: ignore[attr-defined]
        if user is not None:
            self.fields["department"].queryset = Department.objects.visible_to(user)  # type: ignore[attr-defined]
            add_region_field(self, user, after="reason")
        bootstrapify(self, small=True)

    def clean_as_of(self) -> Any:
        as_of = self.cleaned_data.get("as_of")
        if as_of is not None and as_of > timezone.localdate():
            raise forms.ValidationError("认定日期不能晚于今天")
        return as_of


class IdleFundRecoverForm(forms.Form):
    """收回存量资金 of the projects ticked on the list (`request.POST.getlist("ids")`), at the list's year and date,
    with the basis and the use the recovered funds are put to (盘活统筹)."""

    fiscal_year = YearField(label="预算年度")
    as_of = forms.DateField(label="认定日期")
    reason = forms.CharField(label="收回依据及统筹用途", max_length=1000)


class AdjustmentDeleteForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=500)


# The unit's 待办 “红灯预警待说明” counts the cases still to answer, overdue ones included: its link opens them all.
ANSWERABLE = "ANSWERABLE"


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), (ANSWERABLE, "待说明（含已逾期）"), *CaseStatus.choices]
    )
    fiscal_year = YearField(label="年度", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class RespondForm(forms.Form):
    explanation = forms.CharField(label="预警原因说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    option = forms.ChoiceField(label="建议处置方式", choices=Option.choices)
    amount_yuan = WanField(label="金额（万元，调剂/调减/收回时填写）", required=False)

    def __init__(self, *args: Any, options: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if options:
            self.fields["option"].choices = [c for c in Option.choices if c[0] in options]  # type: ignore[attr-defined]
        bootstrapify(self)


class DecideForm(HiddenErrorsMixin, forms.Form):
    option = forms.ChoiceField(label="处置决定", choices=Option.choices)
    amount_yuan = WanField(label="金额（万元）", required=False)
    reason = forms.CharField(
        label="理由（改变单位建议时必填）", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    # The case as the page showed it (the unit may supplement its 说明 and proposal while it waits for a decision).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ResumeForm(forms.Form):
    reason = forms.CharField(
        label="恢复拨付理由",
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：单位已说明原因并完成整改",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


OP_LABELS = engine.OP_LABELS
TEXT_OPS = ("==", "!=")
# Metrics whose value is wording (DOMAIN.md §5.3): their bands compare it with 等于/不等于, chosen from the wording.
TEXT_VALUES = {
    Metric.QUALITATIVE_LEVEL.value: list(dict.fromkeys(engine.QUAL_LABELS.values())),
    Metric.LIKELIHOOD.value: list(dict.fromkeys(engine.LIKELIHOOD_LABELS.values())),
}
MAX_BANDS = 20
MAX_ROWS = 40  # rows a page may post, blank ones included
EMPTY_ROWS = 2  # blank rows under a rule's bands, so that the page adds bands without scripts too


# A bound beyond what a warning value can be (`engine.VALUE_LIMIT`, the DECIMAL(14, 4) column) decides nothing, and
# a whole number of thousands of digits (1e5000) cannot be stored as JSON (or costs minutes to expand): refused.
BOUND_LIMIT_TEXT = f"{engine.VALUE_LIMIT:f}"


def _decimal(text: str) -> Decimal | None:
    """A typed bound as a Decimal, None if it is not a finite number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _number(value: Decimal) -> int | float:
    """A bound within `engine.VALUE_LIMIT` as the stored JSON number (60, 0.4)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _bound_text(value: Any) -> str:
    return str(value) if value is not None else ""


class BandRowForm(forms.Form):
    """One band: 颜色, 比较 and 数值 (or the wording, for a metric whose value is text). A row left blank is no band."""

    color = forms.ChoiceField(
        label="颜色",
        required=False,
        choices=[("", "—"), *Color.choices],
        error_messages={"invalid_choice": "颜色无效，请选择红灯、黄灯或绿灯"},
    )
    op = forms.ChoiceField(
        label="比较",
        required=False,
        choices=[("", "—"), *OP_LABELS.items()],
        error_messages={"invalid_choice": "比较方式无效，请从列表中选择"},
    )
    value = forms.CharField(label="数值", required=False, max_length=100)

    def __init__(self, *args: Any, words: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.words = words
        if words is not None:
            self.fields["value"].label = "取值"
            self.fields["value"].widget = forms.Select(choices=[("", "—"), *((w, w) for w in words)])
            # Only 等于/不等于 offered; another posted op is refused with the reason in `clean`.
            self.fields["op"].widget.choices = [("", "—"), *((op, OP_LABELS[op]) for op in TEXT_OPS)]  # type: ignore[attr-defined]
        else:
            self.fields["value"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        bootstrapify(self, small=True)
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = field.label
            field.widget.attrs["data-band-field"] = name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        color, op, text = data.get("color"), data.get("op"), (data.get("value") or "").strip()
        if self.errors or not (color or op or text):
            return data
        if not color:
            self.add_error("color", "请选择颜色")
        if not op:
            self.add_error("op", "请选择比较方式")
        if not text:
            self.add_error("value", "请选择取值" if self.words is not None else "请填写数值")
        elif self.words is not None:
            if text not in self.words:
                self.add_error("value", "取值无效，请从列表中选择")
            elif op and op not in TEXT_OPS:
                self.add_error("op", "文字取值只能用“等于”或“不等于”比较")
            data["bound"] = text
        else:
            value = _decimal(text)
            if value is None:
                self.add_error("value", f"数值“{text}”不是数字，请填写如 60 或 0.4 的数字（不带单位）")
                data["bound"] = None
            elif value.copy_abs() > engine.VALUE_LIMIT:  # before int(): 1e999999999 would be a billion digits
                self.add_error("value", f"数值“{text}”超出范围，绝对值不能超过{BOUND_LIMIT_TEXT}")
                data["bound"] = None
            else:
                data["bound"] = _number(value)
        return data

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def band(self) -> dict[str, Any] | None:
        """The stored band ({color, op, value}); None for a blank row."""
        data = getattr(self, "cleaned_data", None) or {}
        if not (data.get("color") or data.get("op") or "bound" in data):
            return None
        return {"color": data["color"], "op": data["op"], "value": data["bound"]}


class BaseBandFormSet(RowFormSet):
    default_error_messages = {
        "missing_management_form": "页面信息已失效，请刷新页面后重新填写",
        "too_many_forms": f"分档表最多{MAX_ROWS}行",
        "too_few_forms": "请至少填写一档",
    }

    def bands(self) -> list[dict[str, Any]]:
        """The filled rows top-down, as the rule stores them."""
        return [b for f in self.forms if (b := cast(BandRowForm, f).band()) is not None]

    def problems(self) -> list[str]:
        """Each row's errors as "第N档：…" (rows counted as on the page), then the table's own."""
        found = [
            f"第{number}档：{e}"
            for number, f in enumerate(self.forms, start=1)
            for errors in f.errors.values()
            for e in errors
        ]
        return [*self.non_form_errors(), *found]


BandFormSet = forms.formset_factory(
    BandRowForm,
    formset=BaseBandFormSet,
    extra=EMPTY_ROWS,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


class RuleForm(HiddenErrorsMixin, forms.Form):
    """A rule's settings; its bands are the row editor `self.bands` (band-N-color, band-N-op, band-N-value)."""

    # The page also carries a lock token (I05) covering the region's own copy; the version stays for older pages.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="规则名称", max_length=100)
    enabled = forms.BooleanField(label="启用", required=False)
    requires_explanation = forms.MultipleChoiceField(
        label="须说明原因的颜色", required=False, choices=Color.choices, widget=forms.CheckboxSelectMultiple
    )
    disposition_options = forms.MultipleChoiceField(
        label="红灯处置方式（不选则不开启处置）",
        required=False,
        choices=Option.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sla_working_days = forms.IntegerField(label="处置时限（工作日）", min_value=1, max_value=60)
    on_timeout = forms.ChoiceField(label="逾期处理", choices=OnTimeout.choices)

    def __init__(self, data: Any = None, *, rule: WarningRule, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(rule))
        super().__init__(data, **kwargs)
        words = TEXT_VALUES.get(rule.metric)
        if words is not None:  # a stored wording outside the list stays selectable
            words = [*words, *(b["value"] for b in rule.bands if isinstance(b.get("value"), str))]
            words = list(dict.fromkeys(words))
        # A posted page is read as posted: with the rule's bands as initial data, a row left as it was would count
        # as unchanged and be dropped.
        initial = [{"color": b["color"], "op": b["op"], "value": _bound_text(b["value"])} for b in rule.bands]
        self.bands = cast(
            BaseBandFormSet,
            BandFormSet(
                data, prefix="band", initial=None if data is not None else initial, form_kwargs={"words": words}
            ),
        )
        self.text_values = words is not None
        bootstrapify(self)
        for name in ("requires_explanation", "disposition_options"):  # boxes, not text inputs
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.bands.is_valid():
            self.add_error(None, ["分档有误，未保存：", *self.bands.problems()])
            return data
        bands = self.bands.bands()
        if not bands and data.get("enabled"):
            self.add_error(None, "分档为空：请至少填写一档（停用的规则可以不填）")
        elif len(bands) > MAX_BANDS:
            self.add_error(None, f"分档最多{MAX_BANDS}档")
        data["bands"] = bands
        return data

    @staticmethod
    def initial_for(rule: WarningRule) -> dict[str, Any]:
        return {
            "version": rule.version,
            "name": rule.name,
            "enabled": rule.enabled,
            "requires_explanation": rule.requires_explanation,
            "disposition_options": rule.disposition_options,
            "sla_working_days": rule.sla_working_days,
            "on_timeout": rule.on_timeout,
        }


class ProfileForm(forms.Form):
    fiscal_year = YearField(label="年度（空为各年度）", required=False)
    profile = forms.ChoiceField(label="预警方案", choices=Profile.choices)
    reminder_feedback_days = forms.IntegerField(
        label="提醒敦促函反馈期限（日）",
        required=False,
        min_value=1,
        max_value=60,
        help_text="预警处置逾期时起草的提醒敦促函，要求单位自逾期处理之日起若干日内反馈（全国默认5日）",
    )
    idle_months = forms.IntegerField(label="沉淀资金：连续无支出（月）", required=False, min_value=1, max_value=36)
    slow_month = forms.IntegerField(label="执行缓慢：截至（月底）", required=False, min_value=1, max_value=12)
    slow_rate_pct = forms.DecimalField(
        label="执行缓慢：执行率低于（%）", required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class TierRuleForm(forms.Form):
    """A region's own 重大 or 重点 selection rule on the 重点监控 page (`services.tier_rule_save`)."""

    fiscal_year = YearField(label="年度（空为各年度）", required=False)
    name = forms.CharField(label="名称", max_length=100, required=False)
    min_amount_wan = forms.DecimalField(label="资金起点（万元）", min_value=0, max_digits=12, decimal_places=2)
    checkpoint_month = forms.IntegerField(label="节点月份", required=False, min_value=1, max_value=12)
    max_exec_rate_pct = forms.DecimalField(
        label="月末执行率低于（%）", required=False, min_value=0, max_value=100, max_digits=6, decimal_places=2
    )
    project_classes = forms.MultipleChoiceField(
        label="或重要性分类",
        required=False,
        choices=Project.Tier.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选的类别不论资金多少均列入本层级（项目分级分类管理）",
    )
    enabled = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)
        self.fields["project_classes"].widget.attrs["class"] = "form-check-input"  # boxes, not text inputs


class SweepForm(forms.Form):
    fiscal_year = YearField(label="年度")
    # A date box shows today (the initial) as 2026-12-06: the first input format (config/formats).
    as_of = forms.DateField(label="计算日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean(self) -> dict[str, Any]:
        """A date before the year began has no execution to measure: the sweep would replace the year's lights with
        empty ones (no red left, the list emptied), so it is refused at its field."""
        data = super().clean() or {}
        year, as_of = data.get("fiscal_year"), data.get("as_of")
        if year is not None and as_of is not None and as_of.year < year:
            self.add_error("as_of", f"不能早于{year}年1月1日（所选年度的第一天）")
        return data


class TierForm(forms.Form):
    tier = forms.ChoiceField(label="监控层级", required=False, choices=[("", "全面（取消重大/重点）"), *Tier.choices])
    reason = forms.CharField(label="理由", max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class OpinionForm(forms.Form):
    needs_rectify = forms.BooleanField(label="需要整改", required=False)
    advice = forms.CharField(
        label="整改要求和建议", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget_action = forms.ChoiceField(label="预算处理", choices=BudgetAction.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class CalendarForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_working = forms.BooleanField(label="调休上班（不勾选为放假）", required=False)
    name = forms.CharField(label="说明", max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
