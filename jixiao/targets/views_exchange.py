"""Data exchange pages: 申报表 and flat exports of the filtered list, workbook import with the per-cell
error report, and the printable 申报表 (HTML and PDF)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.forms import bootstrapify, conditions_text
from jixiao.core.spreadsheets import SpreadsheetError, write_workbook
from jixiao.core.views_helpers import capability_required, xlsx_response
from jixiao.targets import selectors, services_exchange
from jixiao.targets.columns import DeclarationImportRejectedError, SheetCellError
from jixiao.targets.exports import export_declarations, export_flat, for_export
from jixiao.targets.filtersets import TargetFilterSet
from jixiao.targets.imports import parse_target_workbook
from jixiao.targets.pdf import PDF_CONTENT_TYPE, print_context, render_pdf

IMPORT_ERRORS_KEY = "jixiao_target_import_errors"
MAX_EXPORT_SHEETS = 500
# The flat workbook is built in memory (openpyxl, every indicator a row of ~25 cells): 1,000 targets of about 15
# indicators take some 200 MB; a longer list is refused with the reason, never cut short.
MAX_FLAT_TARGETS = 1000


class TargetImportForm(forms.Form):
    file = forms.FileField(label="绩效目标申报表或批量交换文件（.xlsx）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 Excel（.xlsx）文件")
        return upload


def _filterset(request: HttpRequest) -> TargetFilterSet:
    return TargetFilterSet(request.GET or None, queryset=selectors.targets_visible(request.user), user=request.user)


def _filtered(request: HttpRequest) -> Any:
    return for_export(_filterset(request).qs)


def _audit_export(request: HttpRequest, kind: str, target: Any = None) -> None:
    """A list export records its filter conditions; one target's export names the target."""
    if target is not None:
        audit.record(actor=request.user, event_type=f"target.export_{kind}", obj=target)
        return
    form = _filterset(request).form
    form.is_valid()
    audit.record(
        actor=request.user,
        event_type=f"target.export_{kind}",
        object_type="targets.performancetarget",
        reason=conditions_text(request.GET, form)[:500],
    )


@capability_required("target.export")
def export_declaration_list(request: HttpRequest) -> HttpResponse:
    """One 申报表 sheet per target of the filtered list."""
    targets = list(_filtered(request)[: MAX_EXPORT_SHEETS + 1])
    if len(targets) > MAX_EXPORT_SHEETS:
        messages.error(request, f"一次最多导出{MAX_EXPORT_SHEETS}张申报表，请先按年度或部门筛选")
        return redirect("targets:list")
    _audit_export(request, "declaration")
    return xlsx_response(export_declarations(targets), "绩效目标申报表.xlsx")


@capability_required("target.export")
def export_declaration_one(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    targets = list(for_export(selectors.targets_visible(request.user).filter(pk=target.pk)))
    _audit_export(request, "declaration", target)
    return xlsx_response(export_declarations(targets), f"{target.name[:60]}-绩效目标申报表.xlsx")


@capability_required("target.export")
def export_flat_list(request: HttpRequest) -> HttpResponse:
    targets = list(_filtered(request)[: MAX_FLAT_TARGETS + 1])
    if len(targets) > MAX_FLAT_TARGETS:
        messages.error(request, f"一次最多导出{MAX_FLAT_TARGETS}个绩效目标的交换文件，请先按年度、部门或状态筛选")
        return redirect(f"{reverse('targets:list')}?{request.GET.urlencode()}")
    _audit_export(request, "flat")
    return xlsx_response(export_flat(targets), "绩效目标批量交换.xlsx")


@capability_required("target.import")
def target_import(request: HttpRequest) -> HttpResponse:
    form = TargetImportForm(request.POST or None, request.FILES or None)
    errors: list[SheetCellError] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                items, errors = parse_target_workbook(form.cleaned_data["file"])
                if not errors:
                    saved = services_exchange.targets_import(actor=request.user, items=items)
                    request.session.pop(IMPORT_ERRORS_KEY, None)
                    messages.success(request, f"导入成功：已更新{len(saved)}个绩效目标")
                    return redirect("targets:list")
            except DeclarationImportRejectedError as exc:
                errors = exc.errors
            except SpreadsheetError as exc:
                form.add_error("file", exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            if errors:
                request.session[IMPORT_ERRORS_KEY] = [
                    [e.sheet, e.row, e.column, e.value, e.message] for e in errors[:5000]
                ]
    return render(
        request,
        "targets/import.html",
        {"form": form, "errors": errors[:500], "error_count": len(errors)},
        status=status,
    )


@capability_required("target.import")
def target_import_errors(request: HttpRequest) -> HttpResponse:
    stored: list[list[Any]] = request.session.get(IMPORT_ERRORS_KEY) or []
    if not stored:
        raise Http404
    content = write_workbook([("错误报告", ["工作表", "行号", "列", "单元格内容", "错误说明"], stored)])
    return xlsx_response(content, "绩效目标导入错误报告.xlsx")


@capability_required("target.view")
def target_print(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    return render(request, "targets/print.html", print_context(target))


@capability_required("target.view")
def target_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, pk)
    content = render_pdf(target, base_url=request.build_absolute_uri("/"))
    audit.record(actor=request.user, event_type="target.print", obj=target)
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    filename = f"{target.name[:60]}-绩效目标申报表.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
