from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelChoiceField
from jixiao.core.forms import HiddenErrorsMixin, WanField, YearField, bootstrapify, file_note_field
from jixiao.organizations.filters import add_region_field
from jixiao.preassessment.models import (
    Attachment,
    Conclusion,
    PreAssessment,
    PreAssessmentRuleSet,
    PreAssessmentStatus,
    section_labels,
)
from jixiao.projects.models import Project


class AssessmentForm(HiddenErrorsMixin, forms.ModelForm):
    requested_amount_yuan = WanField(label="申请金额（万元）", required=False)

    class Meta:
        model = PreAssessment
        fields = [
            "kind",
            "requested_amount_yuan",
            "basic_situation",
            "necessity",
            "economy",
            "target_reasonableness",
            "implementation_feasibility",
            "funding_compliance",
            "other",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "basic_situation",
                "necessity",
                "economy",
                "target_reasonableness",
                "implementation_feasibility",
                "funding_compliance",
                "other",
            )
        }

    # Optimistic lock: the version the page was rendered with; a save over a newer version is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["expected_version"] = self.instance.version
        kind = kind or (self.instance.kind if self.instance.pk else PreAssessment.Kind.PROJECT)
        if kind == PreAssessment.Kind.POLICY and not self.instance.pk:
            self.initial.setdefault("kind", kind)
        # A policy is filed under the policy wording of the same sections (DOMAIN.md §2.1).
        for name, (label, help_text) in section_labels(kind).items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
        self.fields["kind"].help_text = "政策类项目按政策事前评估申报，使用政策评分模板"
        bootstrapify(self)

    def _post_clean(self) -> None:
        # The service is the only writer and validates.
        pass


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(max_length=2000, required=False)


class ConcludeForm(forms.Form):
    score = forms.DecimalField(
        label="评审总分", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    conclusion = forms.ChoiceField(label="评估结论", choices=Conclusion.choices)
    supported_amount_yuan = WanField(
        label="支持金额（万元）",
        required=False,
        help_text="核减后支持时必填；调整后支持时填写低于申请金额的数额即按此支持，差额计为压减",
    )
    override_reason = forms.CharField(
        label="调整结论的理由", required=False, max_length=1000, help_text="结论与分数对应结论不一致时必填"
    )
    opinion = forms.CharField(
        label="评审意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_supported_amount_yuan(self) -> Decimal | None:
        # WanField turns an empty entry into 0; an empty entry here means “not given”.
        raw = self.data.get(self.add_prefix("supported_amount_yuan"), "")
        return None if str(raw).strip() == "" else self.cleaned_data["supported_amount_yuan"]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(
        label="附件类型", choices=[c for c in Attachment.Kind.choices if c[0] != Attachment.Kind.AGENCY_REPORT]
    )
    file = forms.FileField(label="文件（PDF、Word、Excel、JPG、PNG）")
    note = file_note_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)


class StartForm(forms.Form):
    # A county has ~1,000 projects: a search box over the draft ones, not one option each; the chosen id is still
    # checked against the projects that may start an assessment.
    project = AutocompleteModelChoiceField(
        label="项目",
        queryset=Project.objects.none(),
        url_name="projects:autocomplete",
        help_text="输入项目名称或编码搜索；须为草稿或退回状态的项目",
        error_messages={"invalid_choice": "该项目不能申报事前评估：须为草稿或退回状态、尚无评估申报，且在您的范围内"},
    )

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Project.objects.filter(pk__in=[p.pk for p in projects])
        bootstrapify(self)


class ListFilterForm(forms.Form):
    fiscal_year = YearField(label="年度", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *PreAssessmentStatus.choices])
    conclusion = forms.ChoiceField(label="结论", required=False, choices=[("", "全部"), *Conclusion.choices])
    q = forms.CharField(label="项目名称或编码", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            add_region_field(self, user, after="fiscal_year")  # city and province users only
        bootstrapify(self, small=True)


class RuleForm(forms.ModelForm):
    budget_books = forms.MultipleChoiceField(
        label="须评估的预算类型（不论金额）",
        required=False,
        choices=Project.BudgetBook.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    fiscal_year = YearField(label="年度（留空表示各年度）", required=False)
    # Declared with their ranges: `_post_clean` below skips the model's validators, so the form checks them.
    min_amount_wan = forms.DecimalField(label="金额起点（万元）", min_value=Decimal(0), max_digits=12, decimal_places=2)
    support_min_score = forms.DecimalField(
        label="“予以支持”最低分", min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )
    adjust_min_score = forms.DecimalField(
        label="“调整后支持”最低分", min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )
    outlier_points = forms.DecimalField(
        label="专家评分偏离提示（分）",
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text="某位专家的总分与其他专家平均分相差超过此分值时提示",
    )

    class Meta:
        model = PreAssessmentRuleSet
        fields = [
            "fiscal_year",
            "min_amount_wan",
            "applies_to_new",
            "applies_to_revised",
            "applies_to_expiring_continuation",
            "applies_to_policy",
            "applies_to_special_bonds",
            "budget_books",
            "blocks_budget_if_missing",
            "support_min_score",
            "adjust_min_score",
            "outlier_points",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
        books = self.fields["budget_books"].widget
        books.attrs["class"] = "list-unstyled"

    @classmethod
    def initial_from(cls, rule: PreAssessmentRuleSet, region: Any) -> dict[str, Any]:
        """The form filled with the rule in force, so saving one changed value keeps the other settings; the year
        is the rule's own only when it is the region's row (saving then overwrites that row)."""
        initial = {name: getattr(rule, name) for name in cls.Meta.fields}
        initial["budget_books"] = list(rule.budget_books or [])
        initial["fiscal_year"] = rule.fiscal_year if rule.region_id == region.pk else None
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        support, adjust = cleaned.get("support_min_score"), cleaned.get("adjust_min_score")
        if support is not None and adjust is not None and adjust > support:
            self.add_error("adjust_min_score", "“调整后支持”最低分不能高于“予以支持”最低分")
        return cleaned

    def _post_clean(self) -> None:
        # The instance has no region yet, so the model's unique (region, year) check would test the wrong row; the
        # service picks the row and the fields above carry the value ranges.
        pass


class AgencyReviewForm(forms.Form):
    """机构评审意见: the commissioned agency's score and opinion, confirmed by the performance section."""

    score = forms.DecimalField(
        label="机构评审得分", min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, max_digits=5
    )
    opinion = forms.CharField(label="机构评审意见", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    report = forms.FileField(label="机构评估报告（PDF、Word）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
