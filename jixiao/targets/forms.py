"""Forms of the target pages: goals, the indicator grid (a formset), review actions and opinions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.forms.models import fields_for_model

from jixiao.core.forms import HiddenErrorsMixin, RowFormSet, WanField, YearField, bootstrapify
from jixiao.core.money import wan_from_yuan
from jixiao.indicators.models import FrameworkNode, IndicatorLibraryItem, Operator, ValueBasis
from jixiao.indicators.selectors import items_visible
from jixiao.projects.models import Project
from jixiao.targets.checks import effective_rules
from jixiao.targets.models import (
    REVIEW_ASPECTS,
    PanelAssignment,
    PerformanceTarget,
    TargetIndicator,
    TargetReviewSettings,
)
from jixiao.targets.services import FUND_PAIRS

ASPECT_CHOICES = [("", "—"), ("符合", "符合"), ("基本符合", "基本符合"), ("不符合", "不符合")]
ASPECT_FIELDS = {f"aspect_{i}": name for i, name in enumerate(REVIEW_ASPECTS, start=1)}
SCORE_FIELDS = {f"score_{i}": name for i, name in enumerate(REVIEW_ASPECTS, start=1)}


def _score_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "invalid": f"“{label}”得分应为数字",
            "max_decimal_places": f"“{label}”得分最多保留两位小数",
            "max_digits": f"“{label}”得分应在0至100分之间",
            "min_value": f"“{label}”得分不能为负数",
            "max_value": f"“{label}”得分不能超过100分",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "data-review-score": ""}),
    )


class GoalsForm(HiddenErrorsMixin, forms.Form):
    """Goal texts and funds; amounts are entered in 万元 and cleaned to yuan."""

    annual_goal = forms.CharField(label="年度目标", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    midterm_goal = forms.CharField(
        label="中期目标", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    annual_total_yuan = WanField(label="年度资金总额（万元）", required=False)
    annual_fiscal_yuan = WanField(label="其中：财政拨款（万元）", required=False)
    mid_total_yuan = WanField(label="中期资金总额（万元）", required=False)
    mid_fiscal_yuan = WanField(label="其中：财政拨款（万元）", required=False)
    # Optimistic lock: the version the page was rendered with; a save over a newer version is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, target: PerformanceTarget, **kwargs: Any) -> None:
        initial = {name: getattr(target, name) for name in self.base_fields}
        for name, value in initial.items():
            if isinstance(value, Decimal):
                # Plain 万元 text: WanField would otherwise show a normalised Decimal such as "1.2E+2".
                initial[name] = format(wan_from_yuan(value).normalize(), "f")
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("prefix", "goal")
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix, label in FUND_PAIRS:
            total, fiscal = data.get(f"{prefix}_total_yuan"), data.get(f"{prefix}_fiscal_yuan")
            if total is not None and fiscal is not None and fiscal > total:
                self.add_error(f"{prefix}_fiscal_yuan", f"其中：财政拨款不能大于{label}资金总额")
        return data


class NodeSelect(forms.Select):
    """一级/二级 select whose options carry their parent, so the page can narrow 二级 to the chosen 一级."""

    def __init__(self, *args: Any, parents: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parents = parents or {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        parent = self.parents.get(str(value))
        if parent:
            option["attrs"]["data-parent"] = str(parent)
        return option


YearFlag = TargetIndicator.YearFlag


class IndicatorRowForm(forms.Form):
    lv1 = forms.ChoiceField(label="一级指标")
    lv2 = forms.ChoiceField(label="二级指标")
    name = forms.CharField(label="三级指标", max_length=200)
    operator = forms.ChoiceField(label="指标性质", choices=Operator.choices, initial=Operator.GTE)
    target_text = forms.CharField(label="指标值", max_length=1000)
    unit = forms.CharField(label="计量单位", max_length=20, required=False)
    weight = forms.DecimalField(label="分值", max_digits=5, decimal_places=2, min_value=0, required=False)
    explanation = forms.CharField(label="指标解释", max_length=2000, required=False)
    scoring_standard = forms.CharField(label="评（扣）分标准", max_length=2000, required=False)
    value_basis = forms.ChoiceField(label="取值依据", choices=[("", "—"), *ValueBasis.choices], required=False)
    # The 申报表's other columns: without them on the page, a save rebuilt every row without its 中期指标值 and flags.
    year_flag = forms.ChoiceField(label="年度/中期", choices=YearFlag.choices, initial=YearFlag.ANNUAL, required=False)
    midterm_text = forms.CharField(label="中期指标值", max_length=1000, required=False)
    data_source = forms.CharField(label="数据来源", max_length=500, required=False)
    remark = forms.CharField(label="备注", max_length=500, required=False)
    is_core = forms.BooleanField(label="核心指标", required=False)
    library_item = forms.ModelChoiceField(
        queryset=IndicatorLibraryItem.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, nodes: list[FrameworkNode], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from a list read once for the whole grid, not one query per row and select.
        self.nodes = {str(n.pk): n for n in nodes}
        parents = {str(n.pk): n.parent_id for n in nodes if n.parent_id}
        for field_name, level in (("lv1", FrameworkNode.Level.FIRST), ("lv2", FrameworkNode.Level.SECOND)):
            field = self.fields[field_name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "请选择"), *((str(n.pk), n.name) for n in nodes if n.level == level)]
            field.widget = NodeSelect(parents=parents, choices=field.choices)
        library = self.fields["library_item"]
        assert isinstance(library, forms.ModelChoiceField)
        library.queryset = items_visible(user)
        bootstrapify(self, small=True)
        self.fields["name"].widget.attrs.update({"class": "form-control form-control-sm jx-ind-name"})
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["lv1"].widget.attrs["class"] += " jx-lv1"
        self.fields["lv2"].widget.attrs["class"] += " jx-lv2"
        for name in ("operator", "target_text", "unit", "explanation", "scoring_standard", "library_item"):
            self.fields[name].widget.attrs["data-field"] = name

    def clean_year_flag(self) -> str:
        return self.cleaned_data.get("year_flag") or YearFlag.ANNUAL

    def clean_lv1(self) -> FrameworkNode:
        return self.nodes[self.cleaned_data["lv1"]]

    def clean_lv2(self) -> FrameworkNode:
        return self.nodes[self.cleaned_data["lv2"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lv1, lv2 = data.get("lv1"), data.get("lv2")
        if lv1 and lv2 and lv2.parent_id != lv1.pk:
            self.add_error("lv2", "二级指标不属于所选一级指标")
        return data


class BaseIndicatorFormSet(RowFormSet):
    # Repeated 三级指标 names are refused on save where the region's T-DUP-NAME rule is on (`indicator_grid`).
    unique_names = True

    def clean(self) -> None:
        if any(self.errors) or not self.unique_names:
            return
        names = [f.cleaned_data["name"].strip() for f in self._kept()]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise forms.ValidationError("三级指标名称重复：" + "、".join(duplicates))

    def _kept(self) -> list[forms.Form]:
        return [f for f in self.forms if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE", False)]

    def rows(self) -> list[dict[str, Any]]:
        """Cleaned rows in page order, for target_save_indicators."""
        return [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in self._kept()]


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm, formset=BaseIndicatorFormSet, extra=0, can_delete=True, max_num=200, validate_max=True
)


def indicator_grid(
    data: Any, *, target: PerformanceTarget, nodes: list[FrameworkNode], user: Any, stored: Any
) -> BaseIndicatorFormSet:
    """The target's indicator grid, bound to `data` or showing the `stored` rows (a callable, read only then).
    Repeated names are refused on save only where the region's T-DUP-NAME rule is on, the rule the submission
    checks (a profile may switch it off)."""
    initial = None if data else indicator_initial(list(stored()))
    grid = cast(
        BaseIndicatorFormSet,
        IndicatorFormSet(data, initial=initial, prefix="ind", form_kwargs={"nodes": nodes, "user": user}),
    )
    if data:
        grid.unique_names = "T-DUP-NAME" in effective_rules(target.region, target.fiscal_year)
    return grid


def indicator_initial(rows: list[TargetIndicator]) -> list[dict[str, Any]]:
    return [
        {
            "lv1": r.lv1_id,
            "lv2": r.lv2_id,
            "name": r.name,
            "operator": r.operator,
            "target_text": r.target_text,
            "unit": r.unit,
            "weight": r.weight,
            "explanation": r.explanation,
            "scoring_standard": r.scoring_standard,
            "value_basis": r.value_basis,
            "year_flag": r.year_flag,
            "midterm_text": r.midterm_text,
            "data_source": r.data_source,
            "remark": r.remark,
            "is_core": r.is_core,
            "library_item": r.library_item_id,
        }
        for r in rows
    ]


class ScoreFieldsMixin(forms.Form):
    """评分审核's four aspect scores (review_scoring), shown where `review` (the region's settings) is given."""

    score_1 = _score_field("完整性")
    score_2 = _score_field("相关性")
    score_3 = _score_field("适当性")
    score_4 = _score_field("可行性")

    def __init__(self, *args: Any, review: TargetReviewSettings | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self, small=True)
        self.review = review
        if review is not None:  # each box says its aspect's points, and the browser stops at them
            for field, name in SCORE_FIELDS.items():
                self.fields[field].widget.attrs["max"] = str(review.points[name])

    def scores(self) -> dict[str, Decimal | None]:
        return {label: self.cleaned_data[field] for field, label in SCORE_FIELDS.items()}

    def score_fields(self) -> list[tuple[Any, Decimal]]:
        """The score boxes with their aspect's points (scored review only)."""
        if self.review is None:
            return []
        return [(self[field], self.review.points[name]) for field, name in SCORE_FIELDS.items()]

    def score_errors(self) -> list[str]:
        return [str(e) for name, errors in self.errors.items() if name in SCORE_FIELDS for e in errors]


class TransitionForm(ScoreFieldsMixin):
    action = forms.CharField(max_length=30)
    # An opinion is stored whole (ReviewComment.text): a longer one is refused here, not cut or a database error.
    comment = forms.CharField(max_length=2000, required=False)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)
    aspect_1 = forms.ChoiceField(label="完整性", choices=ASPECT_CHOICES, required=False)
    aspect_2 = forms.ChoiceField(label="相关性", choices=ASPECT_CHOICES, required=False)
    aspect_3 = forms.ChoiceField(label="适当性", choices=ASPECT_CHOICES, required=False)
    aspect_4 = forms.ChoiceField(label="可行性", choices=ASPECT_CHOICES, required=False)

    def aspects(self) -> dict[str, str]:
        return {label: self.cleaned_data[field] for field, label in ASPECT_FIELDS.items() if self.cleaned_data[field]}

    def aspect_fields(self) -> list[Any]:
        return [self[field] for field in ASPECT_FIELDS]


class PanelSubmitForm(ScoreFieldsMixin):
    """A 集中会审 member's conclusion and opinion, with the aspect scores where the region scores reviews."""

    conclusion = forms.ChoiceField(
        label="会审结论", choices=PanelAssignment.Conclusion.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(label="会审意见", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class CommentForm(forms.Form):
    text = forms.CharField(label="修改意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    indicator = forms.ModelChoiceField(
        label="针对指标", queryset=TargetIndicator.objects.none(), required=False, empty_label="（针对整个目标）"
    )

    def __init__(self, *args: Any, target: PerformanceTarget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = target.indicators.order_by("seq", "id")
        bootstrapify(self, small=True)


class StartForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)


class ReviewSettingsForm(forms.Form):
    """目标审核评分设置 of the user's region: for one year, or every year when 年度 is left empty. Each box is the
    model field's; the points adding up to 100 and the bands' order are checked by the service, which names the
    numbers (services_rules.review_settings_save)."""

    fiscal_year = YearField(label="年度（留空表示各年度）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(TargetReviewSettings, fields=TargetReviewSettings.VALUE_FIELDS))
        for name in TargetReviewSettings.VALUE_FIELDS[1:]:
            field = self.fields[name]
            label = str(field.label)
            field.error_messages.update(
                {
                    "required": f"请填写{label}",
                    "invalid": f"{label}应为数字",
                    "max_decimal_places": f"{label}最多保留两位小数",
                    "max_digits": f"{label}应在0至100分之间",
                }
            )
        self.fields["panel_classes"] = forms.MultipleChoiceField(
            label="须经集中会审的重要性分类",
            required=False,
            choices=Project.Tier.choices,
            widget=forms.CheckboxSelectMultiple,
            help_text="项目分级分类管理：勾选类别的项目绩效目标，须经专家集中会审后方可评为“优”“良”通过",
        )
        bootstrapify(self, small=True)
        self.fields["panel_classes"].widget.attrs["class"] = "form-check-input"  # boxes, not text inputs

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in TargetReviewSettings.VALUE_FIELDS}

    def panel_classes(self) -> str:
        return "".join(self.cleaned_data.get("panel_classes") or [])
