"""Background jobs: long work (imports, exports, sweeps) run by a django-tasks worker with progress in the page.

`job_start(actor, kind, "pkg.module.function", title=..., **params)` records a `Job` and enqueues `run_job`; the
worker (`manage.py db_worker`, or the immediate backend in tests) calls `function(job, **params)`. The function
reports `job_progress(job, done, total)` (which raises `Cancelled` once the owner asked to stop), attaches files
with `job_attach_result` / `job_attach_errors` and leaves a summary with `job_summarize`. A `DomainError` ends
the job as failed with its Chinese message; any other exception as failed with a generic message (logged).

The owner follows the job on its page (a progress bar refreshed by htmx polling), may cancel it and downloads
its files; for everyone else the job does not exist (404).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST
from django_tasks import task

from jixiao.core import audit
from jixiao.core.errors import DomainError, ServiceError
from jixiao.core.models import AuditEvent, Job
from jixiao.core.views_helpers import stored_file_response

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Progress is written at most this often (rows), so a million-row import does not write a million updates.
PROGRESS_EVERY = 5_000


class Cancelled(Exception):  # noqa: N818 - reads as the job's state: `except Cancelled`
    """Raised inside a job once its owner asked to cancel it; the job ends as cancelled."""


def job_start(actor: Any, kind: str, callable_path: str, *, title: str, region_code: str = "", **params: Any) -> Job:
    """Record a job and enqueue it. `params` must be JSON-serialisable; files travel as stored paths."""
    import_string(callable_path)  # fail now, in the request, if the path is wrong
    with transaction.atomic():  # the job row and its audit record stand or fall together
        job = Job.objects.create(
            kind=kind,
            title=title[:200],
            owner=actor,
            region_code=region_code,
            callable_path=callable_path,
            params=params,
        )
        audit.record(actor=actor, event_type="job.start", obj=job, changes={"kind": kind})
    result = run_job.enqueue(job.pk)
    if not job.task_id:
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


@task()
def run_job(job_id: int) -> str:
    """The one task every job runs through: marks it running, calls its function, records the outcome."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "missing"
    if job.cancel_requested:
        _finish(job, Job.Status.CANCELLED, "任务已取消")
        return str(job.status)
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        function = import_string(job.callable_path)
        function(job, **job.params)
    except Cancelled:
        _finish(job, Job.Status.CANCELLED, "任务已按要求取消，未保存任何数据")
    except ServiceError as exc:
        _finish(job, Job.Status.FAILED, exc.message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, "任务执行出错，未保存任何数据，请稍后重试或联系管理员")
    else:
        _finish(job, Job.Status.DONE, job.message or "任务已完成")
    return str(job.status)


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = message[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    # By convention an upload waiting for the job travels as the `stored` parameter; it never outlives the job.
    stored = (job.params or {}).get("stored")
    if isinstance(stored, str) and stored:
        delete_stored(stored)


# Sent by `close_stale_jobs` with `before` (a datetime): each app closes its own records of work that began before
# it and is still marked as running (e.g. a payment import's batch and its staging rows).
stale_work_closed = Signal()

STALE_MESSAGE = "任务中断（后台进程已停止），未保存任何数据，请重新发起"


def close_stale_jobs(*, before: dt.datetime) -> int:
    """End jobs still queued or running that were queued before `before` as failed: their worker stopped (killed,
    restarted, machine lost) and nobody else will finish them. Each is audited; returns how many were closed.

    `before` must lie beyond any real job's length (the command's default: 24 hours ago): a job still working past
    it would be marked failed (and its files kept) although it may still finish."""
    stale = Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING], created_at__lt=before)
    closed = 0
    for job in stale.order_by("pk").iterator():
        with transaction.atomic():
            updated = Job.objects.filter(pk=job.pk, status=job.status).update(
                status=Job.Status.FAILED, message=STALE_MESSAGE, finished_at=timezone.now()
            )
            if not updated:
                continue  # it finished meanwhile
            audit.record(
                actor=None,
                event_type="job.abandoned",
                obj=job,
                outcome=AuditEvent.Outcome.FAILURE,
                reason=STALE_MESSAGE,
                changes={"kind": job.kind, "status": [job.status, Job.Status.FAILED]},
            )
        stored = (job.params or {}).get("stored")
        if isinstance(stored, str) and stored:
            delete_stored(stored)
        closed += 1
    stale_work_closed.send(sender=Job, before=before)
    return closed


def job_identity(job: Job, membership_id: int | None) -> Any:
    """The job's owner acting under the membership the job was started with (refused if no longer active)."""
    user: Any = job.owner
    membership = user.memberships.filter(pk=membership_id, is_active=True).first() if membership_id else None
    if membership is None:
        raise DomainError("发起任务的身份已失效，请重新登录后再试")
    user.set_active_membership(membership)
    return user


def job_start_as_current(request: HttpRequest, kind: str, callable_path: str, *, title: str, **params: Any) -> Job:
    """Start a job for the requesting user under their current identity: the function receives `membership_id`
    and restores it with `job_identity`, so the work is scoped as the page was."""
    membership: Any = request.user.active_membership  # type: ignore[union-attr]
    return job_start(
        request.user,
        kind,
        callable_path,
        title=title,
        region_code=getattr(getattr(membership, "region", None), "mof_div_code", "") or "",
        membership_id=membership.pk if membership is not None else None,
        **params,
    )


def redirect_to_job(job: Job, back: str = "") -> HttpResponse:
    """The job's page (with a way back to the page that started it)."""
    target = reverse("core:job_detail", args=[job.pk])
    if not back.startswith("/") or back.startswith("//"):
        return redirect(target)
    return redirect(f"{target}?{urlencode({'back': back})}")  # a list's own query (…?year=2026&unit=3) kept whole


def job_progress(job: Job, done: int, total: int | None = None, message: str = "") -> None:
    """Record progress (visible to the page at once when called outside a transaction) and honour cancel."""
    fields: dict[str, Any] = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    if message:
        fields["message"] = message[:500]
    Job.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)
    if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise Cancelled


def job_summarize(job: Job, message: str, summary: Sequence[tuple[str, Any]]) -> None:
    """The final message and the (label, value) pairs shown on the job page."""
    job.message = message[:500]
    job.summary = [[label, value] for label, value in summary]
    job.save(update_fields=["message", "summary"])


def job_attach_result(job: Job, content: bytes, filename: str) -> None:
    job.result_file.save(filename, ContentFile(content), save=False)
    job.result_name = filename[:200]
    job.save(update_fields=["result_file", "result_name"])


def job_attach_written(job: Job, filename: str, write: Callable[[Path], T]) -> T:
    """The job's result file, as `write(path)` writes it to a temporary path (flat memory: a long export is never
    held whole); nothing is kept when writing fails or the job is cancelled. Returns what `write` returned."""
    fd, name = tempfile.mkstemp(prefix="jixiao-export-", suffix=Path(filename).suffix)
    os.close(fd)
    path = Path(name)
    try:
        written = write(path)
        with path.open("rb") as handle:
            job.result_file.save(filename, File(handle), save=False)
        job.result_name = filename[:200]
        job.save(update_fields=["result_file", "result_name"])
    finally:
        path.unlink(missing_ok=True)
    return written


def job_attach_page(job: Job, url: str, label: str) -> None:
    """A page the job made (the generated bulletin or report), linked from the job page. Site-relative only."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("result_url must be a site-relative path")
    job.result_url = url[:200]
    job.result_label = label[:60]
    job.save(update_fields=["result_url", "result_label"])


def job_attach_errors(job: Job, content: bytes, filename: str) -> None:
    job.error_file.save(filename, ContentFile(content), save=False)
    job.error_name = filename[:200]
    job.save(update_fields=["error_file", "error_name"])


# ---- uploads waiting for a worker ------------------------------------------------------------------------------


def store_upload(upload: Any) -> str:
    """Copy an uploaded file (chunk by chunk) under MEDIA_ROOT with a generated name; return the relative path."""
    suffix = PurePosixPath(getattr(upload, "name", "") or "").suffix.lower()
    suffix = suffix if suffix.isascii() and len(suffix) <= 6 else ""
    relative = f"jobs/uploads/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
    target = stored_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            handle.write(chunk)
    return relative


def stored_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise DomainError("文件路径无效")
    return target


def delete_stored(relative: str) -> None:
    """Remove an upload once its job is over, on success and failure alike (剩余信息保护)."""
    stored_path(relative).unlink(missing_ok=True)


# ---- pages ------------------------------------------------------------------------------------------------------


def _own_job(request: HttpRequest, pk: int) -> Job:
    job = Job.objects.filter(pk=pk, owner_id=request.user.pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    template = "core/job_progress.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    back = request.GET.get("back", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = ""
    return render(request, template, {"job": job, "back_url": back})


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if not job.is_finished:
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)
            if job.status == Job.Status.QUEUED:
                _finish(job, Job.Status.CANCELLED, "任务已取消")
            audit.record(actor=request.user, event_type="job.cancel", obj=job)
    return redirect("core:job_detail", pk=job.pk)


@login_required
def job_download(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    job = _own_job(request, pk)
    field, name = (job.result_file, job.result_name) if which == "result" else (job.error_file, job.error_name)
    if which not in {"result", "errors"} or not field:
        raise Http404
    return stored_file_response(
        field,
        name or "result",
        opened=lambda: audit.record(actor=request.user, event_type="job.download", obj=job, changes={"file": which}),
    )


urlpatterns = [
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/cancel/", job_cancel, name="job_cancel"),
    path("jobs/<int:pk>/download/<slug:which>/", job_download, name="job_download"),
]
