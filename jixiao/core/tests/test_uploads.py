"""One upload check for every app (SECURITY.md F01, F02, F06)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jixiao.core.errors import DomainError
from jixiao.core.uploads import check_upload


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
