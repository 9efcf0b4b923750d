"""上级核查 印证资料 (DOMAIN.md §2.4.6: "Upper-level requests: a task listing the projects; the units upload 印证资料;
the section reviews and forwards").

A 真实性核查 flagged `upper_level_request` lists, once drawn, one `UpperCheckProject` per sampled project. The
project's unit (or its 主管部门: `evaluation.fill` in scope) uploads 印证资料 for it — `core.evidence` files, each
optionally tied to an indicator row of the project's self-evaluation — and submits; the organising section
(`evaluation.authenticity`, whoever sees the check) passes it or returns it with a reason. When every project has
passed, the section downloads the package (one zip: the files by project and indicator, with a 清单 workbook) and
marks the check 已报送上级; from then on nothing of it changes.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.evidence import EvidenceKind
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import write_workbook
from jixiao.core.views_helpers import filename_part
from jixiao.evaluation import selectors
from jixiao.evaluation.models import (
    AuthenticityCheck,
    AuthenticityItem,
    SelfEvalIndicator,
    UpperCheckEvent,
    UpperCheckEvidence,
    UpperCheckProject,
    UpperCheckStatus,
)
from jixiao.evaluation.workflow import AUTHENTICITY, FILL, UPPER_CHECK_WORKFLOW, UPPER_EDITABLE_STATES

FORWARDED = "核查已报送上级，印证资料不能再修改"


def _lock(entry: UpperCheckProject) -> UpperCheckProject:
    """The entry under a row lock, refused once its check is forwarded. The check's state is read after the lock
    is held (check_forward locks the entries too), so a forward that committed meanwhile is seen."""
    locked = UpperCheckProject.objects.select_for_update().get(pk=entry.pk)
    if AuthenticityCheck.objects.filter(pk=locked.check_batch_id, forwarded_at__isnull=False).exists():
        raise ConflictError(FORWARDED)
    return locked


def _locked_editable(entry: UpperCheckProject, verb: str) -> UpperCheckProject:
    locked = _lock(entry)
    if locked.status not in UPPER_EDITABLE_STATES:
        raise ConflictError(f"印证资料当前状态为“{locked.get_status_display()}”，不能{verb}印证资料")
    return locked


EVIDENCE = EvidenceKind(
    model=UpperCheckEvidence,
    record_field="entry",
    row_model=SelfEvalIndicator,
    # A row of the project's own self-evaluation (the form offers the checked indicators).
    row_record_field="self_eval__upper_check_entries",
    capability=FILL,
    event_prefix="evaluation",
    record_missing="印证资料任务不存在",
    visible=lambda actor: UpperCheckProject.objects.visible_to(actor),
    lock_editable=_locked_editable,
    event_noun="upper_evidence",
)


def upper_evidence_add(
    *, actor: Any, entry: UpperCheckProject, files: list[Any], row_id: int | None = None, note: str = ""
) -> list[UpperCheckEvidence]:
    return EVIDENCE.add(actor=actor, record=entry, files=files, row_id=row_id, note=note)


def upper_evidence_delete(*, actor: Any, evidence: UpperCheckEvidence) -> None:
    EVIDENCE.delete(actor=actor, evidence=evidence)


def entries_create(check: AuthenticityCheck) -> int:
    """One entry (待上传) per sampled project of a drawn upper-level check; called inside the draw's transaction."""
    if not check.upper_level_request:
        return 0
    first: dict[int, str] = {}
    for self_eval_id, code in check.items.order_by("id").values_list("self_eval_id", "code"):
        first.setdefault(self_eval_id, code)
    UpperCheckProject.objects.bulk_create(
        UpperCheckProject(check_batch=check, self_eval_id=record_id, code=code) for record_id, code in first.items()
    )
    return len(first)


def entry_transition(*, actor: Any, entry: UpperCheckProject, action: str, comment: str = "") -> UpperCheckProject:
    """提交 (unit side, at least one file), 审核通过 or 退回补充 (organising section, a reason required)."""
    named = [t for t in UPPER_CHECK_WORKFLOW.transitions if t.action == action]
    if not named:
        raise DomainError("操作无效")
    require(actor, named[0].capability)
    if not UpperCheckProject.objects.visible_to(actor).filter(pk=entry.pk).exists():
        raise NotFoundError("印证资料任务不存在")
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        locked = _lock(entry)
        transition = next((t for t in named if t.source == locked.status), None)
        if transition is None:
            raise ConflictError(f"印证资料当前状态为“{locked.get_status_display()}”，不能{named[0].label}")
        if transition.needs_comment and not comment:
            raise DomainError("退回须填写理由")
        now = timezone.now()
        fields = ["status", "version", "updated_by", "updated_at"]
        if transition.capability == FILL:
            if not locked.evidence.exists():
                raise DomainError("请先上传印证资料再提交")
            locked.unit_note, locked.submitted_at, locked.submitted_by = comment, now, actor
            fields += ["unit_note", "submitted_at", "submitted_by"]
        else:
            locked.review_opinion, locked.reviewed_at, locked.reviewed_by = comment, now, actor
            fields += ["review_opinion", "reviewed_at", "reviewed_by"]
            if transition.target == UpperCheckStatus.RETURNED:
                locked.returned_count += 1
                fields.append("returned_count")
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=fields)
        UpperCheckEvent.log(
            actor,
            action=transition.action,
            label=transition.label,
            comment=comment,
            entry=locked,
            from_status=transition.source,
            to_status=transition.target,
        )
        audit.record(
            actor=actor,
            event_type=f"evaluation.{transition.action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    return locked


def _visible_check(actor: Any, check: AuthenticityCheck) -> None:
    require(actor, AUTHENTICITY)
    if not AuthenticityCheck.objects.visible_to(actor).filter(pk=check.pk).exists():
        raise NotFoundError("核查不存在")


def _ready(check: AuthenticityCheck) -> None:
    """Refuse unless the check is an upper-level one, drawn, and every project's 印证资料 has passed."""
    if not check.upper_level_request:
        raise DomainError("该核查不是上级核查")
    counts = selectors.upper_check_counts(check)
    if not counts["total"]:
        raise DomainError("该核查尚未抽取项目")
    waiting = counts["total"] - counts["approved"]
    if waiting:
        raise DomainError(f"还有{waiting}个项目的印证资料未审核通过，不能报送上级")


def check_forward(*, actor: Any, check: AuthenticityCheck) -> AuthenticityCheck:
    """报送上级: every project's 印证资料 has passed; the check and its materials are frozen from then on."""
    _visible_check(actor, check)
    with transaction.atomic():
        locked = AuthenticityCheck.objects.select_for_update().get(pk=check.pk)
        if locked.forwarded_at is not None:
            raise ConflictError("该核查已报送上级")
        # The projects are locked too: a return or a new file racing the forward waits, then sees it forwarded.
        list(UpperCheckProject.objects.select_for_update().filter(check_batch=locked).values_list("pk", flat=True))
        _ready(locked)
        locked.forwarded_at = timezone.now()
        locked.forwarded_by = actor
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["forwarded_at", "forwarded_by", "version", "updated_by", "updated_at"])
        files = UpperCheckEvidence.objects.filter(entry__check_batch=locked).count()
        audit.record(
            actor=actor,
            event_type="evaluation.upper_check_forward",
            obj=locked,
            changes={
                "forwarded": [False, True],
                "projects": [None, locked.upper_projects.count()],
                "files": [None, files],
            },
        )
    return locked


# ---- the package for the upper level ---------------------------------------------------------------------------


LIST_NAME = "印证资料清单.xlsx"
LIST_HEADERS = [
    "序号",
    "项目编码",
    "项目名称",
    "实施单位",
    "主管部门",
    "对应指标",
    "年度指标值",
    "填报完成值",
    "文件名",
    "资料包内路径",
    "大小（字节）",
    "SHA-256",
    "说明",
    "上传人",
    "上传时间",
    "审核人",
    "审核时间",
    "审核意见",
]
PROJECT_HEADERS = ["序号", "项目编码", "项目名称", "实施单位", "主管部门", "文件数", "审核人", "审核时间", "审核意见"]


@dataclass
class Package:
    """The zip (a temporary file, gone when closed), its name for the download, and what it holds."""

    file: IO[bytes]
    filename: str
    projects: int
    files: int
    sha256: str


def _part(text: Any, limit: int) -> str:
    """A safe path component inside the zip: no separators, no "." or ".." (the recipient unpacks it)."""
    return filename_part(text, limit).strip(". ")


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _unique(path: str, used: set[str]) -> str:
    stem, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        stem, suffix, dot = path, "", ""
    candidate, n = path, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}({n}){dot}{suffix}"
    used.add(candidate.lower())
    return candidate


def _copy_checked(evidence: UpperCheckEvidence, archive: ZipFile, arcname: str) -> None:
    """Copy the stored file into the zip, checking it is the very file uploaded (size and SHA-256)."""
    digest = hashlib.sha256()
    try:
        source = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise DomainError(f"印证资料“{evidence.original_name}”的文件已丢失，不能生成资料包") from exc
    with source, archive.open(arcname, "w") as target:
        while chunk := source.read(64 * 1024):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != evidence.sha256:
        raise DomainError(f"印证资料“{evidence.original_name}”与上传时的校验值不符，不能生成资料包")


def check_package(*, actor: Any, check: AuthenticityCheck) -> Package:
    """One zip of every project's 印证资料 (folders 项目/指标/文件) and the 清单 workbook, once all have passed; the
    download is audited with the package's SHA-256. The caller streams `file` and closes it."""
    _visible_check(actor, check)
    _ready(check)
    entries = list(
        UpperCheckProject.objects.filter(check_batch=check)
        .select_related("self_eval", "self_eval__unit", "self_eval__department", "reviewed_by")
        .order_by("code", "id")
    )
    items = AuthenticityItem.objects.filter(check_batch=check).values_list("self_eval_id", "row_id", "target_text")
    checked = {(s, r): t for s, r, t in items if r is not None}
    evidence = list(
        UpperCheckEvidence.objects.filter(entry__check_batch=check)
        .select_related("row", "uploaded_by")
        .order_by("entry_id", "row__seq", "row_id", "uploaded_at", "id")
    )
    by_entry: dict[int, list[UpperCheckEvidence]] = {}
    for f in evidence:
        by_entry.setdefault(f.entry_id, []).append(f)
    temp = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes (and so deletes) it
    lines: list[list[Any]] = []
    projects: list[list[Any]] = []
    used: set[str] = set()
    try:
        with ZipFile(temp, "w", ZIP_DEFLATED) as archive:
            for n, entry in enumerate(entries, start=1):
                record = entry.self_eval
                folder = f"{n:02d}_{_part(entry.code, 40) or entry.pk}_{_part(record.name, 60)}".rstrip("_")
                own = by_entry.get(entry.pk, [])
                reviewer = str(entry.reviewed_by or "")
                projects.append(
                    [
                        n,
                        entry.code,
                        record.name,
                        record.unit.name,
                        record.department.name,
                        len(own),
                        reviewer,
                        _local(entry.reviewed_at),
                        entry.review_opinion,
                    ]
                )
                for f in own:
                    row = f.row
                    sub = _part(row.name, 60) if row is not None else ""
                    sub = sub or "其他资料"
                    stem, dot, suffix = f.original_name.rpartition(".")
                    name = (_part(stem, 100) or f"file{f.pk}") + (f".{_part(suffix, 10)}" if dot else "")
                    arcname = _unique(f"{folder}/{sub}/{name}", used)
                    _copy_checked(f, archive, arcname)
                    lines.append(
                        [
                            len(lines) + 1,
                            entry.code,
                            record.name,
                            record.unit.name,
                            record.department.name,
                            row.name if row is not None else "（未对应具体指标）",
                            (checked.get((record.pk, row.pk), row.target_text) if row is not None else ""),
                            row.actual_text if row is not None else "",
                            f.original_name,
                            arcname,
                            f.size_bytes,
                            f.sha256,
                            f.note,
                            str(f.uploaded_by or ""),
                            _local(f.uploaded_at),
                            reviewer,
                            _local(entry.reviewed_at),
                            entry.review_opinion,
                        ]
                    )
            title = f"{check.title}：印证资料清单（{len(entries)}个项目，{len(lines)}个文件）"
            workbook = write_workbook(
                [("印证资料清单", LIST_HEADERS, lines), ("项目", PROJECT_HEADERS, projects)], title=title
            )
            archive.writestr(LIST_NAME, workbook)
        temp.seek(0)
        digest = hashlib.sha256()
        shutil.copyfileobj(temp, _Hasher(digest))
        temp.seek(0)
        with transaction.atomic():
            audit.record(
                actor=actor,
                event_type="evaluation.upper_check_download",
                obj=check,
                changes={
                    "projects": [None, len(entries)],
                    "files": [None, len(lines)],
                    "sha256": [None, digest.hexdigest()],
                },
            )
    except BaseException:
        temp.close()
        raise
    name = filename_part(check.title, 80) or f"核查{check.pk}"
    return Package(temp, f"{name}_印证资料.zip", len(entries), len(lines), digest.hexdigest())


class _Hasher:
    """A write-only file object that feeds a hash (for shutil.copyfileobj)."""

    def __init__(self, digest: Any) -> None:
        self.digest = digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)
