"""Exports of lists of any length (issue 8): small lists stream at once, long ones become a background job.

A list describes its export once, as a `ListExport` whose `select(user, query)` gives the list as that user sees it
under those filters (a `Selection`: the bound filter form, the rows, their count). The page's export view calls
`export_list`, and the background job is the `ListExport` itself (the worker imports it by its `path`), so the view
and the job build the same rows from the same code:

- `?format=csv` or up to `JIXIAO_EXPORT_SYNC_ROWS` rows (default 20,000) → streamed in the response (core.streaming:
  flat memory, formula-looking text escaped);
- more rows → a `Job` (core.jobs) for the user's current identity: the worker rebuilds the same scoped, filtered
  rows from the saved query string (`job_identity` restores the membership, so the scope is the user's own and a
  tampered query cannot widen it; the capability is checked again, as it may have been withdrawn meanwhile), writes
  the file with a progress bar and cancellation, and the user downloads it from the job page. Nothing is written
  when the job is cancelled or fails; an xlsx longer than one sheet is refused before a row is written (export CSV).

Every export (direct or by job) leaves an audit record naming its conditions in words (年度=2026；状态=已入库).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.forms import conditions_text
from jixiao.core.jobs import (
    PROGRESS_EVERY,
    job_attach_written,
    job_identity,
    job_progress,
    job_start_as_current,
    job_summarize,
    redirect_to_job,
)
from jixiao.core.models import Job
from jixiao.core.streaming import MAX_SHEET_ROWS, Row, stream_csv, stream_xlsx, write_csv, write_xlsx

__all__ = ["ListExport", "Selection", "export_list", "run_list_export"]

# Every ListExport by its path, so a test can check that the worker finds each one where it says it is.
REGISTRY: dict[str, ListExport] = {}


@dataclass(frozen=True)
class Selection:
    """A list as one user sees it under one query: what its export writes."""

    rows: Callable[[], Iterable[Row]]
    count: Callable[[], int]
    # The bound filter form: the audit record's 说明 names its conditions in words (core.forms.conditions_text).
    form: forms.BaseForm | None = None
    # The list's own xlsx layout (a title row, a 合计 row), answered instead of the plain stream when the list is
    # short enough for a direct export; longer lists and CSV take the plain layout.
    workbook: Callable[[], HttpResponse] | None = None
    # What the audit record says before the conditions (the expert pool's 联系电话已脱敏), by job as well.
    note: str = ""
    # A list whose columns or name depend on the query (a monitoring round's indicators and number).
    title: str = ""
    header: Sequence[str] | None = None


@dataclass(frozen=True)
class ListExport:
    kind: str  # audit event and job kind, e.g. "execution.payment_export"
    title: str  # Chinese name of the list, used in file names and job titles: "支付数据"
    header: Sequence[str]
    capability: str  # what the export view requires, and the job again when it runs
    select: Callable[[Any, QueryDict], Selection]
    # Where this object is (module path + name): the job's callable, so the worker rebuilds the rows with `select`.
    path: str
    # The xlsx sheet's name, direct or by job: an import template's (指标库, 预算单位) lets the file import back as is.
    sheet_name: str = "数据"
    noun: str = "行"  # the rows in words, for the one-sheet limit: 共1,048,576笔支付

    def __post_init__(self) -> None:
        REGISTRY[self.path] = self

    def filename(self, fmt: str, title: str = "") -> str:
        return f"{title or self.title}_{timezone.localdate():%Y%m%d}.{fmt}"

    def __call__(self, job: Job, *, query: str, fmt: str, membership_id: int | None) -> None:
        """The background half of `export_list`: the same scoped, filtered rows for the job's owner."""
        user = job_identity(job, membership_id)
        if not user.can(self.capability):
            raise DomainError(f"您没有导出{self.title}的权限")
        selection = self.select(user, QueryDict(query))
        run_list_export(job, self, selection, fmt=fmt)


def sync_limit() -> int:
    return int(getattr(settings, "JIXIAO_EXPORT_SYNC_ROWS", 20_000))


def requested_format(request: HttpRequest) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


def export_list(
    request: HttpRequest, spec: ListExport, *, back: str = "", query: QueryDict | None = None
) -> HttpResponse:
    """The response of a list's export button: a streamed file, or a redirect to the job that writes it. `query`:
    the list's conditions when they are not the request's own (a round's export names its round)."""
    fmt = requested_format(request)
    query = (request.GET if query is None else query).copy()
    query.pop("format", None)
    selection = spec.select(request.user, query)
    # CSV always streams (flat memory at any length): no count needed. Xlsx streams when short, else a job.
    total = None if fmt == "csv" else selection.count()
    title = selection.title or spec.title
    header = selection.header or spec.header
    if total is None or total <= sync_limit():
        audit.record(
            actor=request.user,
            event_type=spec.kind,
            object_type=spec.kind,
            reason=_reason(selection.note, conditions_text(query, selection.form)),
        )
        # A streamed file is still a response to the views that return it.
        if fmt == "csv":
            return stream_csv(selection.rows(), header, spec.filename("csv", title))  # type: ignore[return-value]
        if selection.workbook is not None:
            return selection.workbook()
        filename = spec.filename("xlsx", title)
        return stream_xlsx(selection.rows(), header, filename, sheet_name=spec.sheet_name)  # type: ignore[return-value]
    job = job_start_as_current(
        request, spec.kind, spec.path, title=f"导出{title}（{total:,} 行）", query=query.urlencode(), fmt=fmt
    )
    return redirect_to_job(job, back)


def _reason(note: str, conditions: str) -> str:
    return ((f"{note}；条件：" if note else "") + conditions)[:500]


def _with_progress(job: Job, rows: Iterable[Row], total: int) -> Iterator[Row]:
    done = 0
    job_progress(job, 0, total, "正在导出…")
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            job_progress(job, done, total)  # raises Cancelled once the owner asked to stop
    job_progress(job, done, total)


def run_list_export(job: Job, spec: ListExport, selection: Selection, *, fmt: str) -> int:
    """Write the rows to a temporary file with progress, then keep it as the job's result file. An xlsx longer
    than one sheet is refused before a row is written: CSV takes any length."""
    total = selection.count()
    if fmt != "csv" and total > MAX_SHEET_ROWS:  # a province's year holds millions of payments
        raise DomainError(f"共{total:,}{spec.noun}，超过Excel单表上限{MAX_SHEET_ROWS:,}行，请点“导出CSV”导出全部")
    header = selection.header or spec.header

    def write(path: Path) -> int:
        rows = _with_progress(job, selection.rows(), total)
        if fmt == "csv":
            return write_csv(rows, header, path)
        return write_xlsx(rows, header, path, sheet_name=spec.sheet_name)

    written = job_attach_written(job, spec.filename(fmt, selection.title), write)
    audit.record(
        actor=job.owner,
        event_type=spec.kind,
        object_type=spec.kind,
        obj=job,
        changes={"rows": written},
        reason=selection.note,
    )
    job_summarize(job, f"导出完成，共 {written:,} 行", [("行数", written), ("文件", job.result_name)])
    return written
