from __future__ import annotations

from typing import Any

from django import forms

from jixiao.core.filters import AutocompleteModelMultipleChoiceField
from jixiao.core.forms import HiddenErrorsMixin, bootstrapify
from jixiao.documents.models import PLACEHOLDERS, DocType, DocumentStatus

YEAR = {"min_value": 2000, "max_value": 2100}


class ListFilterForm(forms.Form):
    doc_type = forms.ChoiceField(label="文书类型", required=False, choices=[("", "全部"), *DocType.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *DocumentStatus.choices])
    fiscal_year = forms.IntegerField(label="年度", required=False, **YEAR)  # type: ignore[arg-type]
    q = forms.CharField(label="标题或文号", required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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


CONTEXT_FIELDS = ["subject", "project", "problems", "requirements", "deadline", "contact", "content"]


class DraftForm(RecipientsMixin):
    doc_type = forms.ChoiceField(label="文书类型", choices=DocType.choices)
    fiscal_year = forms.IntegerField(label="年度", **YEAR)  # type: ignore[arg-type]
    title = forms.CharField(label="标题（留空按模板生成）", required=False, max_length=200)
    feedback_deadline = forms.DateField(
        label="反馈期限", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="需要反馈时填写"
    )
    subject = forms.CharField(label=PLACEHOLDERS["subject"], required=False, max_length=200)
    project = forms.CharField(label=PLACEHOLDERS["project"], required=False, max_length=200)
    problems = forms.CharField(label=PLACEHOLDERS["problems"], required=False, max_length=4000, widget=forms.Textarea)
    requirements = forms.CharField(
        label=PLACEHOLDERS["requirements"], required=False, max_length=4000, widget=forms.Textarea
    )
    deadline = forms.CharField(label=PLACEHOLDERS["deadline"], required=False, max_length=100)
    contact = forms.CharField(label=PLACEHOLDERS["contact"], required=False, max_length=100)
    content = forms.CharField(label=PLACEHOLDERS["content"], required=False, max_length=8000, widget=forms.Textarea)

    field_order = ["doc_type", "fiscal_year", "departments", "units", "regions", "title", "feedback_deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("problems", "requirements", "content"):
            self.fields[name].widget.attrs["rows"] = 3
        bootstrapify(self)

    def context(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in CONTEXT_FIELDS if self.cleaned_data.get(name)}


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
