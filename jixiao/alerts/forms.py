from __future__ import annotations

import json
from typing import Any

from django import forms

from jixiao.alerts.models import BudgetAction, CaseStatus, Color, OnTimeout, Option, Profile, Tier, WarningRule
from jixiao.core.forms import HiddenErrorsMixin, WanField, bootstrapify
from jixiao.organizations.filters import add_region_field
from jixiao.organizations.forms import DepartmentSearchField
from jixiao.organizations.models import Department


class WarningFilterForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
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


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *CaseStatus.choices])
    fiscal_year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)

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


class DecideForm(forms.Form):
    option = forms.ChoiceField(label="处置决定", choices=Option.choices)
    amount_yuan = WanField(label="金额（万元）", required=False)
    reason = forms.CharField(
        label="理由（改变单位建议时必填）", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class RuleForm(HiddenErrorsMixin, forms.Form):
    # The page also carries a lock token (I05) covering the region's own copy; the version stays for older pages.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="规则名称", max_length=100)
    enabled = forms.BooleanField(label="启用", required=False)
    bands = forms.CharField(
        label="分档（JSON）",
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text='自上而下首个满足的档生效，如 [{"color": "RED", "op": "<", "value": 60}]',
    )
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_bands(self) -> Any:
        try:
            return json.loads(self.cleaned_data["bands"])
        except ValueError as exc:
            raise forms.ValidationError("分档不是有效的JSON") from exc

    @staticmethod
    def initial_for(rule: WarningRule) -> dict[str, Any]:
        return {
            "version": rule.version,
            "name": rule.name,
            "enabled": rule.enabled,
            "bands": json.dumps(rule.bands, ensure_ascii=False),
            "requires_explanation": rule.requires_explanation,
            "disposition_options": rule.disposition_options,
            "sla_working_days": rule.sla_working_days,
            "on_timeout": rule.on_timeout,
        }


class ProfileForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度（空为各年度）", required=False, min_value=2000, max_value=2100)
    profile = forms.ChoiceField(label="预警方案", choices=Profile.choices)
    reminder_feedback_days = forms.IntegerField(
        label="提醒敦促函反馈期限（日）",
        required=False,
        min_value=1,
        max_value=60,
        help_text="预警处置逾期时起草的提醒敦促函，要求单位自逾期处理之日起若干日内反馈（全国默认5日）",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class SweepForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    as_of = forms.DateField(label="计算日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


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
