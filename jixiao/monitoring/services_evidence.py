"""佐证资料 of monitoring records (core.evidence): the unit adds and removes files while it may still save the record
(待填报, 填报中, 被退回, in an issued round); once reported they are locked with the record."""

from __future__ import annotations

from typing import Any

from jixiao.core.errors import ConflictError
from jixiao.core.evidence import EvidenceKind
from jixiao.monitoring import selectors
from jixiao.monitoring.models import MonitoringEvidence, MonitoringIndicatorRow, MonitoringRecord, TaskStatus
from jixiao.monitoring.workflow import EDITABLE_STATES, FILL


def _locked_editable(record: MonitoringRecord, verb: str) -> MonitoringRecord:
    locked = MonitoringRecord.objects.select_for_update(of=("self",)).select_related("task").get(pk=record.pk)
    if locked.status not in EDITABLE_STATES:
        raise ConflictError(f"监控表当前状态为“{locked.get_status_display()}”，不能{verb}佐证资料")
    if locked.task.status != TaskStatus.ISSUED:
        raise ConflictError(f"监控任务已关闭，不能{verb}佐证资料")
    return locked


EVIDENCE = EvidenceKind(
    model=MonitoringEvidence,
    record_field="record",
    row_model=MonitoringIndicatorRow,
    row_record_field="record",
    capability=FILL,
    event_prefix="monitoring",
    record_missing="监控表不存在",
    visible=selectors.records_visible,
    lock_editable=_locked_editable,
)


def record_evidence_add(
    *, actor: Any, record: MonitoringRecord, files: list[Any], row_id: int | None = None, note: str = ""
) -> list[MonitoringEvidence]:
    return EVIDENCE.add(actor=actor, record=record, files=files, row_id=row_id, note=note)


def record_evidence_delete(*, actor: Any, evidence: MonitoringEvidence) -> None:
    EVIDENCE.delete(actor=actor, evidence=evidence)


def record_evidence_opened(*, actor: Any, evidence: MonitoringEvidence) -> None:
    EVIDENCE.opened(actor=actor, evidence=evidence)
