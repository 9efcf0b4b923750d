"""佐证资料 of monitoring records: the unit adds and removes files while it may still save the record (待填报, 填报中,
被退回, in an issued round); once reported they are locked with the record. Every add, removal and download is
audited with the file's SHA-256 (core.uploads)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jixiao.core import uploads
from jixiao.core.errors import ConflictError, NotFoundError
from jixiao.core.permissions import require
from jixiao.monitoring import selectors
from jixiao.monitoring.models import MonitoringEvidence, MonitoringIndicatorRow, MonitoringRecord, TaskStatus
from jixiao.monitoring.workflow import EDITABLE_STATES, FILL


def _visible(actor: Any, record: MonitoringRecord) -> None:
    if not selectors.records_visible(actor).filter(pk=record.pk).exists():
        raise NotFoundError("监控表不存在")


def _locked_editable(record: MonitoringRecord, verb: str) -> MonitoringRecord:
    locked = MonitoringRecord.objects.select_for_update(of=("self",)).select_related("task").get(pk=record.pk)
    if locked.status not in EDITABLE_STATES:
        raise ConflictError(f"监控表当前状态为“{locked.get_status_display()}”，不能{verb}佐证资料")
    if locked.task.status != TaskStatus.ISSUED:
        raise ConflictError(f"监控任务已关闭，不能{verb}佐证资料")
    return locked


def record_evidence_add(
    *, actor: Any, record: MonitoringRecord, files: list[Any], row_id: int | None = None, note: str = ""
) -> list[MonitoringEvidence]:
    """Store the uploaded files (all checked before any is stored: all or nothing) as evidence of the record, tied
    to one of its indicator rows when `row_id` is given."""
    require(actor, FILL)
    _visible(actor, record)
    files = [f for f in files if f]
    names = uploads.check_uploads(files)
    note = (note or "").strip()[:500]
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = _locked_editable(record, "上传")
        row = None
        if row_id is not None:
            row = MonitoringIndicatorRow.objects.filter(record=locked, pk=row_id).first()
            if row is None:
                raise NotFoundError("绩效指标不存在")
        rows = [MonitoringEvidence(record=locked, row=row, note=note) for _name in names]
        uploads.store_files(
            written,
            list(zip(rows, files, names, strict=True)),
            actor=actor,
            event_type="monitoring.evidence_add",
            obj=locked,
            extra={"row": row.name if row is not None else ""},
        )
    return rows


def record_evidence_delete(*, actor: Any, evidence: MonitoringEvidence) -> None:
    require(actor, FILL)
    _visible(actor, evidence.record)
    with transaction.atomic():
        locked = _locked_editable(evidence.record, "删除")
        current = MonitoringEvidence.objects.select_related("row").filter(pk=evidence.pk, record=locked).first()
        if current is None:
            raise NotFoundError("佐证资料不存在")
        row_name = current.row.name if current.row is not None else ""
        uploads.stored_file_delete(
            current, actor=actor, event_type="monitoring.evidence_delete", obj=locked, extra={"row": row_name}
        )


def record_evidence_opened(*, actor: Any, evidence: MonitoringEvidence) -> None:
    uploads.stored_file_opened(evidence, actor=actor, event_type="monitoring.evidence_download", obj=evidence.record)
