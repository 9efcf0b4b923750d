"""Uploaded documents (SECURITY.md F01–F02): one check for every app — extension, size, and content that matches the
extension (magic bytes), so an `.exe` renamed `.pdf` or an HTML page renamed `.docx` is refused before it is stored."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings

from jixiao.core.errors import DomainError

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


def check_upload(upload: Any, *, allowed: Iterable[str] = DOCUMENTS) -> str:
    """The safe original file name (no path, at most 200 characters), or DomainError in Chinese."""
    allowed = frozenset(allowed)
    name = PurePosixPath(str(upload.name or "").replace("\\", "/")).name
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
    return name[-200:]
