from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils import timezone

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify
from jixiao.core.word import official_date
from jixiao.documents.models import (
    ISSUED_ANY,
    PLACEHOLDER_DEFAULTS,
    PLACEHOLDERS,
    DocType,
    DocumentStatus,
    sees_drafts,
)


class ListFilterForm(forms.Form):
    doc_type = forms.ChoiceField(label="文书类型", required=False, choices=[("", "全部"), *DocType.choices])
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), (ISSUED_ANY, "本区划印发（全部）"), *DocumentStatus.choices],
    )
    fiscal_year = YearField(label="年度", required=False)
    q = forms.CharField(label="标题或文号", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and not sees_drafts(getattr(user, "active_membership", None)):
            # A department, a unit or the oversight never sees a draft (models scope): no 草稿 to choose.
            status = self.fields["status"]
            status.choices = [c for c in status.choices if c[0] != DocumentStatus.DRAFT]  # type: ignore[attr-defined]
        bootstrapify(self, small=True)


class RecipientsMixin(forms.Form):
    # A province has 20,000 主管部门 and 80,000 预算单位: search boxes, not lists.
    departments = AutocompleteModelMultipleChoiceField(
        label="主送主管部门", required=False, queryset=None, url_name="organizations:department_autocomplete"
    )
    units = AutocompleteModelMultipleChoiceField(
        label="主送预算单位", required=False, queryset=None, url_name="organizations:unit_autocomplete"
    )
    regions: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="主送下级财政", required=False, queryset=None
    )

    def set_recipient_choices(self, departments: Any, units: Any, regions: Any) -> None:
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]
        self.fields["regions"].queryset = regions  # type: ignore[attr-defined]
        self.fields["regions"].widget.attrs["size"] = 6

    def recipients(self) -> list[Any]:
        data = self.cleaned_data
        return [*data.get("departments", []), *data.get("units", []), *data.get("regions", [])]


# The placeholders the drafter fills in, in the order of the form; the others are filled by the system (主送, 发文机关,
# 年度, 标题, and 文号 and 成文日期 when issued).
CONTEXT_FIELDS = [
    "subject",
    "project",
    "department",
    "unit",
    "problems",
    "requirements",
    "deadline",
    "contact",
    "summary",
    "time",
    "place",
    "score",
    "grade",
    "result",
    "amount",
    "content",
    "consequence",
]
LONG_FIELDS = {"problems", "requirements", "summary", "result", "content"}
FIELD_LABELS = {
    "time": "约谈时间",
    "place": "约谈地点",
    "score": "评价得分",
    "grade": "评价等级",
    "consequence": "逾期仍未办理的后果",
}


def clean_deadline(value: Any) -> Any:
    """A 反馈期限 already passed is refused at the field: the addressees would be overdue the day they receive it."""
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError("反馈期限不能早于今天")
    return value


def _context_field(name: str) -> forms.CharField:
    label = FIELD_LABELS.get(name, PLACEHOLDERS[name])
    if name in LONG_FIELDS:
        limit = 8000 if name == "content" else 4000
        return forms.CharField(label=label, required=False, max_length=limit, widget=forms.Textarea(attrs={"rows": 3}))
    return forms.CharField(label=label, required=False, max_length=200 if name in ("subject", "project") else 100)


class DraftForm(RecipientsMixin):
    doc_type = forms.ChoiceField(label="文书类型", choices=DocType.choices)
    fiscal_year = YearField(label="年度")
    title = forms.CharField(label="标题（留空按模板生成）", required=False, max_length=200)
    feedback_deadline = forms.DateField(
        label="反馈期限", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="需要反馈时填写"
    )

    field_order = ["doc_type", "fiscal_year", "departments", "units", "regions", "title", "feedback_deadline"]

    def __init__(self, *args: Any, used: Mapping[str, Iterable[str]] | None = None, **kwargs: Any) -> None:
        """`used`: per document type, the placeholders its template (the region's copy or the default) uses. Each
        value field says which types use it; a field no template uses is left out."""
        super().__init__(*args, **kwargs)
        labels = {value: str(label) for value, label in DocType.choices}
        for name in CONTEXT_FIELDS:
            self.fields[name] = _context_field(name)
            if used is None:
                continue
            types = [labels[t] for t, names in used.items() if name in set(names)]
            if not types:
                del self.fields[name]
            elif len(types) < len(used):
                self.fields[name].help_text = "用于：" + "、".join(types)
        if "consequence" in self.fields:
            default = PLACEHOLDER_DEFAULTS["consequence"]
            hint = self.fields["consequence"].help_text
            self.fields["consequence"].help_text = f"{hint}；留空时为“{default}”" if hint else f"留空时为“{default}”"
        if "deadline" in self.fields:
            hint = self.fields["deadline"].help_text
            self.fields["deadline"].help_text = f"{hint}；留空时取反馈期限" if hint else "留空时取反馈期限"
        bootstrapify(self)

    def clean_feedback_deadline(self) -> Any:
        return clean_deadline(self.cleaned_data.get("feedback_deadline"))

    def context(self) -> dict[str, str]:
        context = {name: self.cleaned_data[name] for name in CONTEXT_FIELDS if self.cleaned_data.get(name)}
        deadline = self.cleaned_data.get("feedback_deadline")
        if deadline and not context.get("deadline"):
            context["deadline"] = official_date(deadline)  # the 办理期限 in the text is the feedback deadline
        return context


class EditForm(HiddenErrorsMixin, RecipientsMixin):
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", max_length=50000, widget=forms.Textarea(attrs={"rows": 18}))
    feedback_deadline = forms.DateField(
        label="反馈期限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_feedback_deadline(self) -> Any:
        return clean_deadline(self.cleaned_data.get("feedback_deadline"))


class FeedbackForm(forms.Form):
    text = forms.CharField(label="反馈内容", required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label="附件（PDF、Word、Excel或图片）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class CommentForm(forms.Form):
    comment = forms.CharField(label="说明", required=False, max_length=2000)


class TemplateForm(forms.Form):
    title_pattern = forms.CharField(label="标题格式", max_length=200)
    body = forms.CharField(label="正文模板", max_length=20000, widget=forms.Textarea(attrs={"rows": 18}))
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class SeriesForm(forms.Form):
    doc_type = forms.ChoiceField(label="适用文书", required=False, choices=[("", "各类文书共用"), *DocType.choices])
    abbrev = forms.CharField(label="机关代字", max_length=20, help_text="如：渠财绩。文号为 代字〔年度〕序号号")
    issuer_name = forms.CharField(label="发文机关", max_length=100, help_text="如：渠县财政局")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
