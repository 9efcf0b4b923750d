"""Uploaded documents (SECURITY.md F01–F02, F05): one check for every app — extension, size, content that matches the
extension (magic bytes), so an `.exe` renamed `.pdf` or an HTML page renamed `.docx` is refused before it is stored,
and an antivirus scan.

Antivirus (等保 8.1.4.5, ASVS 5.4.3): with `JIXIAO_CLAMD_SOCKET` set, every upload is streamed to ClamAV's clamd over
its unix socket (INSTREAM) before it is stored; a finding or an unreachable daemon refuses the upload (fail closed).
`JIXIAO_VIRUS_SCANNER` may name another scanner class (same `scan` method). Without either, no scan runs, which is
logged once per process as a warning (docs/security.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.utils.module_loading import import_string

from jixiao.core import audit
from jixiao.core.errors import DomainError

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from jixiao.core.models import StoredFile

logger = logging.getLogger("jixiao.security")

# Extension → accepted leading bytes. Old Office files are OLE2 containers; new ones (and zip) are ZIP packages.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".doc": (OLE2,),
    ".xls": (OLE2,),
    ".docx": (ZIP,),
    ".xlsx": (ZIP,),
    ".zip": (ZIP,),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
DOCUMENTS = frozenset({".pdf", ".doc", ".xls", ".docx", ".xlsx", ".jpg", ".jpeg", ".png"})
LABELS = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".xls": "Excel", ".xlsx": "Excel", ".zip": "ZIP"}


def _allowed_text(allowed: Iterable[str]) -> str:
    names = list(dict.fromkeys(LABELS.get(s, s.lstrip(".").upper().replace("JPEG", "JPG")) for s in sorted(allowed)))
    return "、".join(names[:-1]) + f"或{names[-1]}" if len(names) > 1 else names[0]


def _base_name(upload: Any) -> str:
    return PurePosixPath(str(upload.name or "").replace("\\", "/")).name


def check_upload(upload: Any, *, allowed: Iterable[str] = DOCUMENTS) -> str:
    """The safe original file name (no path, at most 200 characters), or DomainError in Chinese."""
    allowed = frozenset(allowed)
    name = _base_name(upload)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in allowed or suffix not in MAGIC:
        raise DomainError(f"只能上传 {_allowed_text(allowed)} 文件")
    limit = settings.JIXIAO_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise DomainError(f"文件不能超过{limit // (1024 * 1024)}MB")
    if upload.size == 0:
        raise DomainError("文件为空")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(MAGIC[suffix]):
        raise DomainError("文件内容与扩展名不符，请上传真实的文件")
    scan_upload(upload, name=name)
    return name[-200:]


# ---- several files at once, kept with their size and SHA-256 (core.models.StoredFile) ----------------------------

MAX_FILES = 10


def check_uploads(files: Iterable[Any], *, allowed: Iterable[str] = DOCUMENTS, max_files: int = MAX_FILES) -> list[str]:
    """`check_upload` for every file of a multiple upload, all of them before any is stored: the safe names, or
    DomainError naming the first refused file."""
    files = [f for f in files if f]
    if not files:
        raise DomainError("请选择要上传的文件")
    if len(files) > max_files:
        raise DomainError(f"一次最多上传{max_files}个文件")
    names = []
    for upload in files:
        try:
            names.append(check_upload(upload, allowed=allowed))
        except DomainError as exc:
            shown = _base_name(upload)[-100:]
            raise DomainError(f"“{shown}”：{exc.message}" if shown else exc.message) from exc
    return names


def sha256_of(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(upload):
        digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def removed_on_failure() -> Iterator[list[FieldFile]]:
    """Wrap the transaction that stores files: a file written inside it is deleted again when the block fails (a
    refusal after the first file, a failed audit write), so a rolled-back upload leaves nothing on disk."""
    written: list[FieldFile] = []
    try:
        yield written
    except BaseException:
        for stored in written:
            if stored.name:
                with contextlib.suppress(Exception):
                    stored.storage.delete(stored.name)
        raise


def file_changes(stored: StoredFile, *, added: bool, **extra: str) -> dict[str, list[Any]]:
    """The audit diff of a file added (None → values) or removed (values → None)."""
    values: dict[str, Any] = {
        "file": stored.original_name,
        "sha256": stored.sha256,
        "size_bytes": stored.size_bytes,
        **extra,
    }
    return {key: [None, value] if added else [value, None] for key, value in values.items()}


def store_files(
    written: list[FieldFile],
    rows: Sequence[tuple[StoredFile, Any, str]],
    *,
    actor: Any,
    event_type: str,
    obj: Any,
    extra: dict[str, str] | None = None,
) -> None:
    """Save each checked upload under its unsaved row (generated name on disk, original name, size, SHA-256,
    uploader), insert the row and audit it (`event_type` on `obj`, the case the files belong to). Call inside the
    transaction wrapped by `removed_on_failure(written)`."""
    for row, upload, name in rows:
        row.original_name = name
        row.size_bytes = upload.size
        row.sha256 = sha256_of(upload)
        row.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
        row.file.save(name, upload, save=False)
        written.append(row.file)
        row.save()
    events = [
        audit.event_for(
            actor=actor,
            event_type=event_type,
            obj=obj,
            reason=row.original_name,
            changes=file_changes(row, added=True, **(extra or {})),
        )
        for row, _upload, _name in rows
    ]
    audit.record_all(events)


def stored_file_delete(
    stored: StoredFile, *, actor: Any, event_type: str, obj: Any, extra: dict[str, str] | None = None
) -> None:
    """Delete the row and audit it, inside the caller's transaction; the file goes from disk once it commits."""
    changes = file_changes(stored, added=False, **(extra or {}))
    stored.delete()
    audit.record(actor=actor, event_type=event_type, obj=obj, reason=stored.original_name, changes=changes)
    delete_on_commit(stored.file)


def stored_file_opened(stored: StoredFile, *, actor: Any, event_type: str, obj: Any) -> None:
    """A download (SECURITY.md §1.4: file downloads are audited), with the SHA-256 of the file handed out."""
    audit.record(
        actor=actor,
        event_type=event_type,
        obj=obj,
        reason=stored.original_name,
        changes={"sha256": [None, stored.sha256]},
    )


@contextlib.contextmanager
def stored_files_removed_with_rows() -> Iterator[None]:
    """Within the block, every `StoredFile` row deleted — directly or by a cascade (a whole county, a round, a
    check) — has its file removed from disk once the transaction commits, unless another row of the same table
    still names it. Only files of rows deleted here go, and only under MEDIA_ROOT (`remove_under_media_root`). A
    block that fails removes nothing; a rollback after it keeps the rows and so the files."""
    from django.apps import apps
    from django.db.models.signals import post_delete

    from jixiao.core.models import StoredFile

    gone: list[tuple[type[StoredFile], Any, str]] = []

    def collect(sender: type[StoredFile], instance: StoredFile, **kwargs: Any) -> None:
        if instance.file.name:
            gone.append((sender, instance.file.storage, instance.file.name))

    senders = [m for m in apps.get_models() if issubclass(m, StoredFile)]
    for model in senders:
        post_delete.connect(collect, sender=model, weak=False)
    try:
        yield
    finally:
        for model in senders:
            post_delete.disconnect(collect, sender=model)

    def remove() -> None:
        for model, storage, name in gone:
            if not model._default_manager.filter(file=name).exists():
                remove_under_media_root(storage, name)

    if gone:
        transaction.on_commit(remove)


def fill_sha256(queryset: Any, *, batch_size: int = 200) -> int:
    """Fill `sha256` (and a size recorded as 0) of the rows of `queryset` that have none, by reading each stored file
    in chunks: for a data migration that moves an older attachment table onto `StoredFile` (decision 0006). A row
    whose file is missing or unreadable keeps an empty `sha256` and the walk goes on; nothing here ever fails the
    migration. The rows are walked in primary-key batches (never one open cursor over a table being updated, which
    SQLite does not isolate) and each batch is written with one `bulk_update`. Rows sharing one stored file (the
    demo's) read it once per batch. The number of rows filled."""
    model = queryset.model
    db = queryset.db
    pending = queryset.filter(sha256="").order_by("pk").only("pk", "file", "size_bytes")
    filled, last = 0, None
    while True:
        batch = list((pending if last is None else pending.filter(pk__gt=last))[:batch_size])
        if not batch:
            return filled
        last = batch[-1].pk
        seen: dict[str, tuple[str, int] | None] = {}
        changed = []
        for row in batch:
            name = row.file.name or ""
            if name not in seen:
                seen[name] = _stored_digest(row.file.storage, name) if name else None
            found = seen[name]
            if found is None:
                continue
            row.sha256 = found[0]
            if not row.size_bytes:
                row.size_bytes = found[1]
            changed.append(row)
        if changed:
            model._default_manager.using(db).bulk_update(changed, ["sha256", "size_bytes"])
            filled += len(changed)


def _stored_digest(storage: Any, name: str) -> tuple[str, int] | None:
    """The SHA-256 and size of a stored file read in chunks, or None when it cannot be read (logged)."""
    digest, size = hashlib.sha256(), 0
    try:
        with storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except Exception:
        logger.warning("Stored file %s could not be read for its SHA-256", name)
        return None
    return digest.hexdigest(), size


def remove_under_media_root(storage: Any, name: str) -> bool:
    """Delete a stored file when it resolves (symbolic links followed) to a file inside MEDIA_ROOT; anything else —
    a path that climbs out, an absolute path, a storage without local paths — is left alone. True when removed."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        path = Path(storage.path(name)).resolve()
    except (NotImplementedError, SuspiciousFileOperation, ValueError, OSError):
        return False
    if path == root or not path.is_relative_to(root) or not path.is_file():
        return False
    try:
        path.unlink()
    except OSError:
        logger.warning("Stored file %s could not be removed", name)
        return False
    return True


def delete_on_commit(stored: FieldFile) -> None:
    """Remove a stored file from disk once the deletion of its row is committed (never before: a rollback keeps
    both)."""
    name, storage = stored.name, stored.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# ---- antivirus -----------------------------------------------------------------------------------------------------

CHUNK = 64 * 1024


class ScannerUnavailableError(Exception):
    """The configured scanner could not be reached or answered nonsense."""


class VirusScanner(Protocol):
    name: str

    def scan(self, upload: Any) -> str | None:
        """The name of what was found, or None for a clean file. Reads the file from the start."""
        ...


def _chunks(upload: Any) -> Iterable[bytes]:
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        yield chunk
    upload.seek(0)


class ClamdScanner:
    """ClamAV's daemon over its unix socket, INSTREAM command (clamd.conf `LocalSocket`, `StreamMaxLength`)."""

    name = "ClamAV"

    def __init__(self, socket_path: str | None = None, timeout: float = 30.0) -> None:
        self.socket_path = socket_path or settings.JIXIAO_CLAMD_SOCKET
        self.timeout = timeout

    def scan(self, upload: Any) -> str | None:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(self.socket_path)
                conn.sendall(b"zINSTREAM\0")
                for chunk in _chunks(upload):
                    conn.sendall(struct.pack("!L", len(chunk)) + chunk)
                conn.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0") and (data := conn.recv(4096)):
                    reply += data
        except OSError as exc:
            raise ScannerUnavailableError(str(exc)) from exc
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK" | "stream: Eicar-Test-Signature FOUND" | "INSTREAM size limit exceeded. ERROR"
        if text.endswith(" OK"):
            return None
        if text.endswith(" FOUND"):
            return text.removeprefix("stream:").removesuffix("FOUND").strip()
        raise ScannerUnavailableError(text or "empty reply")


# The EICAR anti-malware test file (eicar.org): every scanner reports it; it is harmless.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class EicarScanner:
    """An in-process scanner that knows one signature, the EICAR test string: for development and tests, so the
    whole refusal path runs without a ClamAV daemon. Not a substitute for a real scanner in production."""

    name = "EICAR"
    signatures = {EICAR: "Eicar-Test-Signature"}

    def scan(self, upload: Any) -> str | None:
        tail = b""
        longest = max(len(s) for s in self.signatures)
        for chunk in _chunks(upload):
            window = tail + chunk
            for pattern, found in self.signatures.items():
                if pattern in window:
                    upload.seek(0)
                    return found
            tail = window[-longest:]
        return None


_warned_no_scanner = False


def scanner() -> VirusScanner | None:
    path = getattr(settings, "JIXIAO_VIRUS_SCANNER", "")
    if path:
        return import_string(path)()  # type: ignore[no-any-return]
    if getattr(settings, "JIXIAO_CLAMD_SOCKET", ""):
        return ClamdScanner()
    global _warned_no_scanner
    if not _warned_no_scanner:
        _warned_no_scanner = True
        logger.warning("No antivirus scanner configured (JIXIAO_CLAMD_SOCKET unset): uploads are not scanned")
    return None


def scan_upload(upload: Any, *, name: str) -> None:
    """DomainError when the scanner finds something or cannot be reached; the finding is audited."""
    active = scanner()
    if active is None:
        return
    try:
        found = active.scan(upload)
    except ScannerUnavailableError as exc:
        logger.error("Antivirus scanner %s unavailable: %s", active.name, exc)
        raise DomainError("病毒扫描服务暂不可用，文件未上传，请稍后重试或联系系统管理员") from exc
    finally:
        upload.seek(0)
    if found:
        logger.warning("Upload %r refused by %s: %s", name, active.name, found)
        with transaction.atomic():
            audit.record(
                actor=None,
                event_type="security.upload_virus",
                object_repr=name[:300],
                outcome="denied",
                reason=f"{active.name} 检出：{found}"[:500],
            )
        raise DomainError(f"文件未通过病毒扫描（{found}），已拒绝上传")
