"""F05: uploads are scanned for malware before they are stored; EICAR is refused and audited; a configured scanner
that cannot be reached refuses the upload (fail closed)."""

from __future__ import annotations

import os
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from jixiao.core import uploads
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent

PDF_HEAD = b"%PDF-1.4\n"


def _pdf(body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("报告.pdf", PDF_HEAD + body, content_type="application/pdf")


@pytest.mark.django_db
@override_settings(JIXIAO_VIRUS_SCANNER="jixiao.core.uploads.EicarScanner")
def test_f05_eicar_is_refused_and_audited() -> None:
    with pytest.raises(DomainError, match="病毒扫描"):
        uploads.check_upload(_pdf(b"%" + uploads.EICAR + b"\n"))
    event = AuditEvent.objects.get(event_type="security.upload_virus")
    assert event.outcome == "denied" and "Eicar" in event.reason and event.object_repr == "报告.pdf"
    # A clean file passes, and the file is left at its start for whoever stores it.
    upload = _pdf(b"clean content " * 10000)
    assert uploads.check_upload(upload) == "报告.pdf"
    assert upload.tell() == 0


@override_settings(JIXIAO_VIRUS_SCANNER="jixiao.core.uploads.EicarScanner")
def test_f05_signature_across_a_chunk_boundary_is_found() -> None:
    padding = b"x" * (uploads.CHUNK - len(PDF_HEAD) - 20)
    assert uploads.EicarScanner().scan(_pdf(padding + uploads.EICAR)) == "Eicar-Test-Signature"


@pytest.fixture
def fake_clamd() -> Iterator[tuple[str, list[bytes]]]:
    """A clamd speaking the real INSTREAM protocol on a unix socket, flagging EICAR (what ClamAV does)."""
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(5)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                data = b""
                while not data.endswith(struct.pack("!L", 0)) or len(data) < 14:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                assert data.startswith(b"zINSTREAM\0")
                body, rest = b"", data[len(b"zINSTREAM\0") :]
                while rest:
                    (size,) = struct.unpack("!L", rest[:4])
                    if size == 0:
                        break
                    body, rest = body + rest[4 : 4 + size], rest[4 + size :]
                received.append(body)
                found = b"stream: Eicar-Test-Signature FOUND\0" if uploads.EICAR in body else b"stream: OK\0"
                conn.sendall(found)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, received
    stop.set()
    thread.join(timeout=2)
    server.close()
    os.unlink(path)
    os.rmdir(directory)


@pytest.mark.django_db
def test_f05_clamd_scanner_over_the_unix_socket(fake_clamd: tuple[str, list[bytes]]) -> None:
    path, received = fake_clamd
    with override_settings(JIXIAO_CLAMD_SOCKET=path, JIXIAO_VIRUS_SCANNER=""):
        assert isinstance(uploads.scanner(), uploads.ClamdScanner)
        assert uploads.check_upload(_pdf(b"clean")) == "报告.pdf"
        with pytest.raises(DomainError, match="Eicar-Test-Signature"):
            uploads.check_upload(_pdf(uploads.EICAR))
    assert received[0] == PDF_HEAD + b"clean"


def test_f05_unreachable_scanner_fails_closed() -> None:
    with (
        override_settings(JIXIAO_CLAMD_SOCKET="/nonexistent/clamd.sock", JIXIAO_VIRUS_SCANNER=""),
        pytest.raises(DomainError, match="病毒扫描服务暂不可用"),
    ):
        uploads.check_upload(_pdf(b"clean"))


def test_f05_without_a_scanner_uploads_are_not_scanned_and_that_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    uploads._warned_no_scanner = False
    with override_settings(JIXIAO_CLAMD_SOCKET="", JIXIAO_VIRUS_SCANNER=""):
        assert uploads.scanner() is None
    assert "No antivirus scanner configured" in caplog.text
