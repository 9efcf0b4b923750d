"""Exports of lists of any length (issue 8): small lists stream at once, long ones become a background job.

A list page's export view describes the export once (`ListExport`) and calls `export_list`:

- `?format=csv` or up to `JIXIAO_EXPORT_SYNC_ROWS` rows (default 20,000) → streamed in the response (core.streaming:
  flat memory, formula-looking text escaped);
- more rows → a `Job` (core.jobs) for the user's current identity: the worker rebuilds the same scoped, filtered
  rows from the saved query string (`job_identity` restores the membership, so the scope is the user's own and a
  tampered query cannot widen it), writes the file with a progress bar and cancellation, and the user downloads it
  from the job page. Nothing is written when the job is cancelled or fails.

Every export (direct or by job) leaves an audit record naming its conditions in words (年度=2026；状态=已入库).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files import File
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.forms import conditions_text
from jixiao.core.jobs import (
    PROGRESS_EVERY,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.models import Job

__all__ = ["ListExport", "export_list", "job_identity", "run_list_export"]
from jixiao.core.streaming import Row, stream_csv, stream_xlsx, write_csv, write_xlsx


@dataclass(frozen=True)
class ListExport:
    kind: str  # audit event and job kind, e.g. "execution.payment_export"
    title: str  # Chinese name of the list, used in file names and job titles: "支付数据"
    header: Sequence[str]
    job: str  # dotted path of the app's job function: job(job, *, query, fmt, membership_id)
    # The xlsx sheet's name, direct or by job: an import template's (指标库, 预算单位) lets the file import back as is.
    sheet_name: str = "数据"

    def filename(self, fmt: str) -> str:
        return f"{self.title}_{timezone.localdate():%Y%m%d}.{fmt}"


def sync_limit() -> int:
    return int(getattr(settings, "JIXIAO_EXPORT_SYNC_ROWS", 20_000))


def requested_format(request: HttpRequest) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


def export_list(
    request: HttpRequest,
    spec: ListExport,
    *,
    rows: Callable[[], Iterable[Row]],
    count: Callable[[], int],
    back: str = "",
    form: forms.BaseForm | None = None,
    workbook: Callable[[], HttpResponse] | None = None,
    note: str = "",
) -> HttpResponse:
    """The response of a list's export button: a streamed file, or a redirect to the job that writes it. `form` is
    the list's bound filter form: the audit record's 说明 names its conditions in words (core.forms.conditions_text).
    `workbook`: the list's own xlsx layout (a title row, say), answered instead of the plain stream when the list is
    short enough for a direct export; longer lists and CSV take the plain layout. `note`: what the audit record says
    before the conditions (the expert pool's 联系电话已脱敏); the job's record repeats it (`run_list_export`)."""
    fmt = requested_format(request)
    query = request.GET.copy()
    query.pop("format", None)
    # CSV always streams (flat memory at any length): no count needed. Xlsx streams when short, else a job.
    total = None if fmt == "csv" else count()
    if total is None or total <= sync_limit():
        audit.record(
            actor=request.user,
            event_type=spec.kind,
            object_type=spec.kind,
            reason=((f"{note}；条件：" if note else "") + conditions_text(query, form))[:500],
        )
        # A streamed file is still a response to the views that return it.
        if fmt == "csv":
            return stream_csv(rows(), spec.header, spec.filename("csv"))  # type: ignore[return-value]
        if workbook is not None:
            return workbook()
        return stream_xlsx(rows(), spec.header, spec.filename("xlsx"), sheet_name=spec.sheet_name)  # type: ignore[return-value]
    job = job_start_as_current(
        request, spec.kind, spec.job, title=f"导出{spec.title}（{total:,} 行）", query=query.urlencode(), fmt=fmt
    )
    return redirect_to_job(job, back)


def _with_progress(job: Job, rows: Iterable[Row], total: int) -> Iterator[Row]:
    done = 0
    job_progress(job, 0, total, "正在导出…")
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            job_progress(job, done, total)  # raises Cancelled once the owner asked to stop
    job_progress(job, done, total)


def run_list_export(job: Job, spec: ListExport, *, rows: Iterable[Row], total: int, fmt: str, note: str = "") -> int:
    """Write the rows to a temporary file with progress, then keep it as the job's result file."""
    fd, name = tempfile.mkstemp(prefix="jixiao-export-", suffix=f".{fmt}")
    os.close(fd)
    path = Path(name)
    try:
        if fmt == "csv":
            written = write_csv(_with_progress(job, rows, total), spec.header, path)
        else:
            written = write_xlsx(_with_progress(job, rows, total), spec.header, path, sheet_name=spec.sheet_name)
        filename = spec.filename(fmt)
        with path.open("rb") as handle:
            job.result_file.save(filename, File(handle), save=False)
        job.result_name = filename[:200]
        job.save(update_fields=["result_file", "result_name"])
    finally:
        path.unlink(missing_ok=True)
    audit.record(
        actor=job.owner, event_type=spec.kind, object_type=spec.kind, obj=job, changes={"rows": written}, reason=note
    )
    job_summarize(job, f"导出完成，共 {written:,} 行", [("行数", written), ("文件", job.result_name)])
    return written
