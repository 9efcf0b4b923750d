"""佐证资料 of a record (a 单位自评, a 监控表): one shape for every kind of record that carries evidence files.

The unit adds and removes files while it may still save the record (the kind's `lock_editable` says when); once the
record is submitted the files are locked with it. Each file may be tied to one indicator row of the record. Every
add, removal and download is audited with the file's SHA-256 (core.uploads), so a check can show that the file it
verified is the file submitted. The files themselves are `core.models.StoredFile` rows (decision 0006).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from jixiao.core import uploads
from jixiao.core.errors import NotFoundError
from jixiao.core.permissions import require


@dataclass(frozen=True)
class EvidenceKind:
    """One record type's evidence: its file model and row model, the foreign keys that tie them to the record, who
    may write, how a record is seen (`visible(actor)`) and locked for a change (`lock_editable(record, verb)`, which
    refuses with a ConflictError once the record may no longer be saved), and the audit events' names:
    "{event_prefix}.{event_noun}_add" / "_delete" / "_download"."""

    model: type[Any]
    record_field: str
    row_model: type[models.Model]
    row_record_field: str
    capability: str
    event_prefix: str
    record_missing: str
    visible: Callable[[Any], models.QuerySet[Any]]
    lock_editable: Callable[[Any, str], Any]
    event_noun: str = "evidence"

    def event(self, verb: str) -> str:
        return f"{self.event_prefix}.{self.event_noun}_{verb}"

    def record_of(self, evidence: Any) -> Any:
        return getattr(evidence, self.record_field)

    def _check_visible(self, actor: Any, record: Any) -> None:
        if not self.visible(actor).filter(pk=record.pk).exists():
            raise NotFoundError(self.record_missing)

    def add(self, *, actor: Any, record: Any, files: list[Any], row_id: int | None = None, note: str = "") -> list[Any]:
        """Store the uploaded files (all checked before any is stored: all or nothing) as evidence of the record,
        tied to one of its indicator rows when `row_id` is given."""
        require(actor, self.capability)
        self._check_visible(actor, record)
        files = [f for f in files if f]
        names = uploads.check_uploads(files)
        note = (note or "").strip()[:500]
        with uploads.removed_on_failure() as written, transaction.atomic():
            locked = self.lock_editable(record, "上传")
            row = None
            if row_id is not None:
                row = self.row_model._default_manager.filter(**{self.row_record_field: locked}, pk=row_id).first()
                if row is None:
                    raise NotFoundError("绩效指标不存在")
            rows = [self.model(**{self.record_field: locked}, row=row, note=note) for _name in names]
            uploads.store_files(
                written,
                list(zip(rows, files, names, strict=True)),
                actor=actor,
                event_type=self.event("add"),
                obj=locked,
                extra={"row": row.name if row is not None else ""},  # type: ignore[attr-defined]
            )
        return rows

    def delete(self, *, actor: Any, evidence: Any) -> None:
        require(actor, self.capability)
        self._check_visible(actor, self.record_of(evidence))
        with transaction.atomic():
            locked = self.lock_editable(self.record_of(evidence), "删除")
            current = (
                self.model._default_manager.select_related("row")
                .filter(pk=evidence.pk, **{self.record_field: locked})
                .first()
            )
            if current is None:
                raise NotFoundError("佐证资料不存在")
            row_name = current.row.name if current.row is not None else ""
            uploads.stored_file_delete(
                current,
                actor=actor,
                event_type=self.event("delete"),
                obj=locked,
                extra={"row": row_name},
            )

    def opened(self, *, actor: Any, evidence: Any) -> None:
        uploads.stored_file_opened(
            evidence, actor=actor, event_type=self.event("download"), obj=self.record_of(evidence)
        )
