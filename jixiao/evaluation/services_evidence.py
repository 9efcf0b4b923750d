"""佐证资料 of 单位自评 records: the unit adds and removes files while it may still save the record (填报中, 被退回);
once submitted they are locked with the record. Every add, removal and download is audited, each with the file's
SHA-256, so the 真实性核查 can show that the file checked is the file submitted."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jixiao.core import uploads
from jixiao.core.errors import ConflictError, NotFoundError
from jixiao.core.permissions import require
from jixiao.evaluation.models import SelfEvalEvidence, SelfEvalIndicator, SelfEvaluation
from jixiao.evaluation.workflow import EDITABLE_STATES, FILL


def _visible(actor: Any, record: SelfEvaluation) -> None:
    if not SelfEvaluation.objects.visible_to(actor).filter(pk=record.pk).exists():
        raise NotFoundError("自评记录不存在")


def _locked_editable(record: SelfEvaluation, verb: str) -> SelfEvaluation:
    locked = SelfEvaluation.objects.select_for_update().get(pk=record.pk)
    if locked.status not in EDITABLE_STATES:
        raise ConflictError(f"自评当前状态为“{locked.get_status_display()}”，不能{verb}佐证资料")
    return locked


def selfeval_evidence_add(
    *, actor: Any, record: SelfEvaluation, files: list[Any], row_id: int | None = None, note: str = ""
) -> list[SelfEvalEvidence]:
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
            row = SelfEvalIndicator.objects.filter(self_eval=locked, pk=row_id).first()
            if row is None:
                raise NotFoundError("绩效指标不存在")
        rows = [SelfEvalEvidence(self_eval=locked, row=row, note=note) for _name in names]
        uploads.store_files(
            written,
            list(zip(rows, files, names, strict=True)),
            actor=actor,
            event_type="evaluation.evidence_add",
            obj=locked,
            extra={"row": row.name if row is not None else ""},
        )
    return rows


def selfeval_evidence_delete(*, actor: Any, evidence: SelfEvalEvidence) -> None:
    require(actor, FILL)
    _visible(actor, evidence.self_eval)
    with transaction.atomic():
        locked = _locked_editable(evidence.self_eval, "删除")
        current = SelfEvalEvidence.objects.select_related("row").filter(pk=evidence.pk, self_eval=locked).first()
        if current is None:
            raise NotFoundError("佐证资料不存在")
        row_name = current.row.name if current.row is not None else ""
        uploads.stored_file_delete(
            current, actor=actor, event_type="evaluation.evidence_delete", obj=locked, extra={"row": row_name}
        )


def selfeval_evidence_opened(*, actor: Any, evidence: SelfEvalEvidence) -> None:
    uploads.stored_file_opened(evidence, actor=actor, event_type="evaluation.evidence_download", obj=evidence.self_eval)
