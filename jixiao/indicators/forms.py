from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.indicators import selectors
from jixiao.indicators.models import FrameworkNode, IndicatorFramework, IndicatorLibraryItem, LibraryLevel
from jixiao.indicators.services import MANAGER_FIELDS, PROPOSER_FIELDS


def _framework_label(framework: IndicatorFramework) -> str:
    """The framework as users know it: 2015版指标体系 rather than the code 2015_88 (the name before its basis)."""
    return framework.name.split("（")[0].strip() or framework.name


def _lv1_label(node: FrameworkNode) -> str:
    return f"{node.name}（{_framework_label(node.framework)}）"


def _lv2_label(node: FrameworkNode) -> str:
    parent = node.parent.name if node.parent else ""
    return f"{parent} / {node.name}（{_framework_label(node.framework)}）"


class IndicatorItemForm(HiddenErrorsMixin, forms.ModelForm):
    """Create/edit an indicator. Which fields show depends on who edits (proposer or performance section)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = IndicatorLibraryItem
        fields = MANAGER_FIELDS
        widgets = {
            "explanation": forms.Textarea(attrs={"rows": 3}),
            "scoring_standard": forms.Textarea(attrs={"rows": 3}),
            "typical_value": forms.TextInput(),
        }
        help_texts = {
            "code": "为空时按行业领域自动生成",
            "typical_value": "如 95、100、“小学720，初中940”；定性指标填写预期效果",
        }

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if n not in allowed and n != "version"]:
            del self.fields[name]
        for optional in ("code", "library_level"):
            if optional in self.fields:
                self.fields[optional].required = False  # the service fills them in when left empty
        level = self.fields.get("library_level")
        if isinstance(level, forms.ChoiceField):
            level.choices = [("", "按本级财政区划确定"), *LibraryLevel.choices]
        # The national target table requires both (DOMAIN.md §2.2).
        self.fields["explanation"].required = True
        self.fields["scoring_standard"].required = True
        self._limit_nodes()
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        options = selectors.category_tree()
        category.choices = [("", "请选择行业领域"), *((o.category.pk, o.label) for o in options)]
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        bootstrapify(self)

    def _limit_nodes(self) -> None:
        lv1 = self.fields["lv1"]
        lv2 = self.fields["lv2"]
        assert isinstance(lv1, forms.ModelChoiceField) and isinstance(lv2, forms.ModelChoiceField)
        lv1.queryset = selectors.lv1_nodes()
        lv1.label_from_instance = _lv1_label  # type: ignore[method-assign,assignment]
        lv2.queryset = selectors.lv2_nodes()
        lv2.label_from_instance = _lv2_label  # type: ignore[method-assign,assignment]
        lv1.empty_label, lv2.empty_label = "请选择一级指标", "请选择二级指标"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lv1, lv2 = data.get("lv1"), data.get("lv2")
        if lv1 and lv2 and lv2.parent_id != lv1.pk:
            self.add_error("lv2", "二级指标应属于所选一级指标")
        return data

    def _post_clean(self) -> None:
        # Model validation happens in the service, which is the only writer.
        pass

    @property
    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        for optional in ("code", "library_level"):
            if not data.get(optional):
                data.pop(optional, None)
        return data


def proposer_form(*args: Any, **kwargs: Any) -> IndicatorItemForm:
    return IndicatorItemForm(*args, allowed=PROPOSER_FIELDS, **kwargs)


class ImportForm(forms.Form):
    file = forms.FileField(label="指标清单（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）")
        return upload


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    comment = forms.CharField(max_length=1000, required=False)
    # The version the page showed: a step from a page older than the item is refused (services).
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, widget=forms.HiddenInput)


YEAR_MESSAGE = f"年度应为{FIRST_YEAR}至{LAST_YEAR}之间的4位数字，如 2025"


class HistoricalValueForm(forms.Form):
    fiscal_year = YearField(
        label="年度",
        widget=forms.NumberInput(attrs={"placeholder": "年度", "aria-label": "年度"}),
        error_messages={
            "required": "请填写年度",
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
        },
    )
    value = forms.CharField(
        label="实际完成值",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "实际完成值", "aria-label": "实际完成值"}),
        error_messages={"required": "请填写实际完成值", "max_length": "实际完成值最多200个字"},
    )
    note = forms.CharField(
        label="说明",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "说明（可选）", "aria-label": "说明"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class FrameworkChoiceForm(forms.Form):
    framework = forms.ModelChoiceField(label="指标体系", queryset=IndicatorFramework.objects.none())
    effective_from_year = YearField(label="起始年度")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        framework = self.fields["framework"]
        assert isinstance(framework, forms.ModelChoiceField)
        framework.queryset = selectors.frameworks()
        bootstrapify(self)
