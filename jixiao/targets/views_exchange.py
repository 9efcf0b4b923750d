"""Data exchange pages: 申报表 and flat exports of the filtered list, workbook import with the per-cell
error report, and the printable 申报表 (HTML and PDF)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.forms import bootstrapify, conditions_text
from jixiao.core.jobs import (
    job_attach_written,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.models import Job
from jixiao.core.spreadsheets import SpreadsheetError, write_workbook
from jixiao.core.streaming import stream_written
from jixiao.core.views_helpers import capability_required, xlsx_response
from jixiao.targets import selectors, services_exchange
from jixiao.targets.columns import DeclarationImportRejectedError, SheetCellError
from jixiao.targets.exports import export_declarations, for_export, write_flat
from jixiao.targets.filtersets import TargetFilterSet
from jixiao.targets.imports import parse_target_workbook
from jixiao.targets.pdf import PDF_CONTENT_TYPE, print_context, render_pdf

IMPORT_ERRORS_KEY = "jixiao_target_import_errors"
MAX_EXPORT_SHEETS = 500
# The flat workbook is written a target at a time (openpyxl write-only, core.streaming): a list up to this long is
# answered at once, a longer one (a county's year holds ~1,000 targets) by a background job with a progress bar.
FLAT_SYNC_TARGETS = 300
FLAT_CHUNK = 200
FLAT_PROGRESS_EVERY = 50
FLAT_FILENAME = "绩效目标批量交换.xlsx"
FLAT_JOB = "jixiao.targets.views_exchange.flat_export_job"


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
    """The filtered list as the flat exchange workbook: streamed at once when short, else written by a background
    job with a progress bar (a county's year, a province's); the file is written a target at a time, never held."""
    targets = _filterset(request).qs
    total = targets.count()
    if total <= FLAT_SYNC_TARGETS:
        _audit_export(request, "flat")
        # A streamed file is still a response to the views that return it.
        return stream_written(lambda path: write_flat(_flat_rows(targets), path), FLAT_FILENAME)  # type: ignore[return-value]
    query = request.GET.copy()
    job = job_start_as_current(
        request,
        "target.export_flat",
        FLAT_JOB,
        title=f"导出绩效目标批量交换文件（{total:,} 个目标）",
        query=query.urlencode(),
    )
    back = reverse("targets:list") + (f"?{query.urlencode()}" if query else "")
    return redirect_to_job(job, back)


def flat_export_job(job: Job, *, query: str, membership_id: int | None) -> None:
    """The background half of `export_flat_list`: the same scoped, filtered targets for the job's owner."""
    user = job_identity(job, membership_id)
    if not user.can("target.export"):
        raise DomainError("您没有导出绩效目标的权限")
    data = QueryDict(query)
    filterset = TargetFilterSet(data or None, queryset=selectors.targets_visible(user), user=user)
    targets = filterset.qs
    total = targets.count()
    job_progress(job, 0, total, "正在导出…")

    def progress(done: int) -> None:
        if done % FLAT_PROGRESS_EVERY == 0 or done == total:
            job_progress(job, done, total)  # raises Cancelled once the owner asked to stop

    written = job_attach_written(
        job, FLAT_FILENAME, lambda path: write_flat(_flat_rows(targets), path, progress=progress)
    )
    filterset.form.is_valid()
    audit.record(
        actor=user,
        event_type="target.export_flat",
        object_type="targets.performancetarget",
        obj=job,
        changes={"targets": written},
        reason=conditions_text(data, filterset.form)[:500],
    )
    job_summarize(job, f"导出完成，共 {written:,} 个绩效目标", [("绩效目标数", written), ("文件", job.result_name)])


def _flat_rows(targets: Any) -> Any:
    """The targets with their indicators and tasks, read a chunk at a time (prefetches run per chunk)."""
    return for_export(targets).iterator(chunk_size=FLAT_CHUNK)


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
