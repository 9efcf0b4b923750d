"""Forms of the reports stage: generate the annual summary, edit its text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from jixiao.core.forms import HiddenErrorsMixin, YearField, bootstrapify
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import editable_of
from jixiao.reports.services import MAX_SECTION_CHARS


class GenerateForm(forms.Form):
    work_year = YearField(label="工作年度")
    fiscal_year = YearField(
        label="评价对象年度",
        required=False,
        help_text="自评、再评价、重点评价等统计所取的预算年度，留空为工作年度的上一年度",
    )
    kind = forms.ChoiceField(label="报告类型", choices=AnnualReport.Kind.choices, initial=AnnualReport.Kind.UPWARD)
    self_score = forms.DecimalField(
        label="考核自评得分", required=False, min_value=Decimal(0), max_value=Decimal(1000), decimal_places=2
    )
    overwrite = forms.BooleanField(label="覆盖已手工修改的文字", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class EditForm(HiddenErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="标题", max_length=200)
    doc_no = forms.CharField(label="文号", max_length=50, required=False)
    addressees = forms.CharField(label="主送机关", max_length=300, required=False)
    self_score = forms.DecimalField(
        label="考核自评得分", required=False, min_value=Decimal(0), max_value=Decimal(1000), decimal_places=2
    )

    def __init__(self, *args: Any, report: AnnualReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if report.kind != AnnualReport.Kind.UPWARD:
            del self.fields["self_score"]  # only the upward 工作总结 prints a 考核自评得分
        sections = report.sections or {}
        self.editable = editable_of(report.kind, sections)
        for section in self.editable:
            entry = sections.get(section.key) or {}
            self.fields[f"section_{section.key}"] = forms.CharField(
                label=section.title or "开头",
                required=False,
                max_length=MAX_SECTION_CHARS,
                initial=entry.get("text", ""),
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text="；".join(
                    note
                    for note, shown in (("已手工修改", entry.get("edited")), ("留空则报告中不含本节", section.optional))
                    if shown
                ),
            )
        bootstrapify(self)

    def texts(self) -> dict[str, str]:
        return {s.key: self.cleaned_data.get(f"section_{s.key}") or "" for s in self.editable}
