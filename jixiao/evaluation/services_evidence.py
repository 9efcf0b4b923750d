"""佐证资料 of 单位自评 records (core.evidence): the unit adds and removes files while it may still save the record
(填报中, 被退回); once submitted they are locked with the record."""

from __future__ import annotations

from typing import Any

from jixiao.core.errors import ConflictError
from jixiao.core.evidence import EvidenceKind
from jixiao.evaluation.models import SelfEvalEvidence, SelfEvalIndicator, SelfEvaluation
from jixiao.evaluation.workflow import EDITABLE_STATES, FILL


def _locked_editable(record: SelfEvaluation, verb: str) -> SelfEvaluation:
    locked = SelfEvaluation.objects.select_for_update().get(pk=record.pk)
    if locked.status not in EDITABLE_STATES:
        raise ConflictError(f"自评当前状态为“{locked.get_status_display()}”，不能{verb}佐证资料")
    return locked


EVIDENCE = EvidenceKind(
    model=SelfEvalEvidence,
    record_field="self_eval",
    row_model=SelfEvalIndicator,
    row_record_field="self_eval",
    capability=FILL,
    event_prefix="evaluation",
    record_missing="自评记录不存在",
    visible=lambda actor: SelfEvaluation.objects.visible_to(actor),
    lock_editable=_locked_editable,
)


def selfeval_evidence_add(
    *, actor: Any, record: SelfEvaluation, files: list[Any], row_id: int | None = None, note: str = ""
) -> list[SelfEvalEvidence]:
    return EVIDENCE.add(actor=actor, record=record, files=files, row_id=row_id, note=note)


def selfeval_evidence_delete(*, actor: Any, evidence: SelfEvalEvidence) -> None:
    EVIDENCE.delete(actor=actor, evidence=evidence)


def selfeval_evidence_opened(*, actor: Any, evidence: SelfEvalEvidence) -> None:
    EVIDENCE.opened(actor=actor, evidence=evidence)
