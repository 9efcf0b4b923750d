"""One upload check for every app (SECURITY.md F01, F02, F06)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.core.errors import DomainError
from jixiao.core.uploads import check_upload, check_uploads, remove_under_media_root, removed_on_failure, sha256_of


def test_real_documents_pass_with_a_clean_name() -> None:
    assert check_upload(SimpleUploadedFile("../../etc/可研报告.pdf", b"%PDF-1.7 ...")) == "可研报告.pdf"
    assert check_upload(SimpleUploadedFile("测算.xlsx", b"PK\x03\x04rest")) == "测算.xlsx"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.exe", b"MZ\x90\x00", "只能上传"),
        ("evil.pdf", b"MZ\x90\x00", "内容与扩展名不符"),
        ("page.docx", b"<html><script>", "内容与扩展名不符"),
        ("empty.pdf", b"", "文件为空"),
        ("bundle.zip", b"PK\x03\x04", "只能上传"),  # zip only where a caller allows it
    ],
)
def test_wrong_type_or_content_is_refused(name: str, content: bytes, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_upload(SimpleUploadedFile(name, content))


def test_size_limit(settings: object) -> None:
    settings.JIXIAO_MAX_UPLOAD_BYTES = 10  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="不能超过"):
        check_upload(SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 20))


def test_callers_may_allow_zip() -> None:
    assert check_upload(SimpleUploadedFile("成果.zip", b"PK\x03\x04..."), allowed={".zip", ".pdf"}) == "成果.zip"


def test_several_files_are_all_checked_before_any_is_stored_and_the_refused_one_is_named() -> None:
    good = SimpleUploadedFile("验收单.pdf", b"%PDF-1.7")
    assert check_uploads([good, SimpleUploadedFile("表.xlsx", b"PK\x03\x04..")]) == ["验收单.pdf", "表.xlsx"]
    with pytest.raises(DomainError, match=r"“照片\.exe”：只能上传"):
        check_uploads([good, SimpleUploadedFile("照片.exe", b"MZ")])
    with pytest.raises(DomainError, match="请选择要上传的文件"):
        check_uploads([])
    with pytest.raises(DomainError, match="一次最多上传2个文件"):
        check_uploads([good, good, good], max_files=2)


def test_a_file_written_in_a_failed_block_is_removed(tmp_path: Any) -> None:
    storage = FileSystemStorage(location=str(tmp_path))
    stored = SimpleNamespace(name=storage.save("a.pdf", ContentFile(b"%PDF-")), storage=storage)
    with pytest.raises(RuntimeError), removed_on_failure() as written:
        written.append(stored)  # type: ignore[arg-type]
        raise RuntimeError("audit store unavailable")
    assert list(tmp_path.iterdir()) == []
    kept = SimpleNamespace(name=storage.save("b.pdf", ContentFile(b"%PDF-")), storage=storage)
    with removed_on_failure() as written:
        written.append(kept)  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["b.pdf"]
    assert sha256_of(ContentFile(b"abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_only_files_inside_the_media_root_are_removed(settings: Any, tmp_path: Any) -> None:
    """`remove_under_media_root` (seed_demo --reset and other bulk removals): a stored file under MEDIA_ROOT goes;
    a name that climbs out, an absolute path, a link out of the root and the root itself stay."""
    media = tmp_path / "media"
    (media / "selfeval").mkdir(parents=True)
    settings.MEDIA_ROOT = str(media)
    storage = FileSystemStorage(location=str(media))
    inside = media / "selfeval" / "a.pdf"
    inside.write_bytes(b"%PDF-")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-")
    (media / "selfeval" / "link.pdf").symlink_to(outside)
    assert not remove_under_media_root(storage, "../outside.pdf")
    assert not remove_under_media_root(storage, str(outside))
    assert not remove_under_media_root(storage, "selfeval/link.pdf")
    assert not remove_under_media_root(storage, "")
    assert not remove_under_media_root(storage, "selfeval/missing.pdf")
    # A storage rooted elsewhere is not the media root either.
    assert not remove_under_media_root(FileSystemStorage(location=str(tmp_path)), "outside.pdf")
    assert outside.exists() and (media / "selfeval" / "link.pdf").is_symlink()
    assert remove_under_media_root(storage, "selfeval/a.pdf") and not inside.exists()
