"""事前评估 attachments on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept and shown, the shared
upload checks with a 4xx and nothing left on disk, and the migration that fills the SHA-256 of older rows."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core import audit
from jixiao.core.models import AuditEvent
from jixiao.experts.models import Agency
from jixiao.preassessment import panels
from jixiao.preassessment.models import Attachment, PreAssessment
from jixiao.preassessment.tests.factories import PreAssessmentFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%stored file\n"
SHA = hashlib.sha256(PDF).hexdigest()


def _media() -> Path:
    return Path(settings.MEDIA_ROOT)


def _stored() -> list[Path]:
    return [p for p in _media().rglob("*") if p.is_file()]


def _post(client: Any, pk: int, name: str, content: bytes, note: str = "") -> Any:
    upload = SimpleUploadedFile(name, content)
    return client.post(f"/preassessment/{pk}/attachments/", {"kind": "feasibility", "file": upload, "note": note})


def test_the_upload_keeps_its_sha256_and_note_and_the_page_shows_them(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    assert _post(client, pa.pk, "可研报告.pdf", PDF, note="  第二版，含测算表  ").status_code == 302
    row = Attachment.objects.get()
    assert row.sha256 == SHA and row.size_bytes == len(PDF) and row.note == "第二版，含测算表"
    assert row.uploaded_by == world.users["unit_user"] and row.file.name.startswith("preassessment/")
    added = AuditEvent.objects.get(event_type="preassessment.attachment_add")
    assert added.changes["sha256"] == [None, SHA] and added.changes["kind"] == [None, "可行性研究报告"]
    page = client.get(f"/preassessment/{pa.pk}/").content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "第二版，含测算表" in page
    # The download is audited with the SHA-256 of the file handed out.
    response = world.login("dept_admin").get(f"/preassessment/{pa.pk}/attachments/{row.pk}/")
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    opened = AuditEvent.objects.get(event_type="preassessment.attachment_download")
    assert opened.changes == {"sha256": [None, SHA]}


def test_a_refused_file_type_is_a_400_in_chinese_and_nothing_is_stored(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    response = _post(client, pa.pk, "run.exe", b"MZ\x90\x00", note="说明保留")
    page = response.content.decode()
    assert response.status_code == 400 and "“run.exe”：只能上传" in page and 'data-testid="attachment-error"' in page
    assert 'value="说明保留"' in page  # the typed 说明 is kept
    response = _post(client, pa.pk, "fake.pdf", b"<html>not a pdf</html>")
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    assert client.post(f"/preassessment/{pa.pk}/attachments/", {"kind": "feasibility"}).status_code == 400
    assert not Attachment.objects.exists() and _stored() == []


def test_a_failed_write_leaves_no_file_behind(world: World, monkeypatch: Any) -> None:
    pa = PreAssessmentFactory(project=world.school_project)

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        _post(world.login("unit_user"), pa.pk, "可研报告.pdf", PDF)
    assert not Attachment.objects.exists() and _stored() == []


def test_deleting_removes_the_file_once_committed(world: World, django_capture_on_commit_callbacks: Any) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    _post(client, pa.pk, "可研报告.pdf", PDF)
    row = Attachment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/preassessment/{pa.pk}/attachments/{row.pk}/delete/").status_code == 302
    assert not Attachment.objects.exists() and _stored() == []
    removed = AuditEvent.objects.get(event_type="preassessment.attachment_delete")
    assert removed.changes["sha256"] == [SHA, None]


def test_deleting_from_a_page_of_before_the_submission_is_refused_on_the_page(world: World) -> None:
    """The 删除 of a page opened before the filing was submitted: the page again with the reason and 409 (it
    redirected with a message), the file kept."""
    pa = PreAssessmentFactory(project=world.school_project)
    client = world.login("unit_user")
    _post(client, pa.pk, "可研报告.pdf", PDF)
    row = Attachment.objects.get()
    PreAssessment.objects.filter(pk=pa.pk).update(status="submitted")  # submitted in another tab, meanwhile
    response = client.post(f"/preassessment/{pa.pk}/attachments/{row.pk}/delete/")
    assert response.status_code == 409 and "评估申报已提交，不能删除附件" in response.content.decode()
    assert Attachment.objects.filter(pk=row.pk).exists() and _stored() != []


def test_the_agency_report_is_checked_the_same_way(world: World) -> None:
    agency = Agency.objects.create(region=world.region, name="明信绩效咨询", credit_code="91511700MA62D4L83R")
    agency.users.set([world.users["agency"]])
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    panels.agency_assign(actor=world.users["performance"], assessment=pa, agency=agency)
    client = world.login("agency")
    bad = SimpleUploadedFile("报告.docx", b"%PDF-1.4 not a docx")
    response = client.post(f"/preassessment/{pa.pk}/agency-review/", {"score": "80", "opinion": "可行", "report": bad})
    page = response.content.decode()
    assert (
        response.status_code == 400 and "文件内容与扩展名不符" in page and 'data-testid="agency-review-error"' in page
    )
    pa.refresh_from_db()
    assert pa.agency_score is None and not Attachment.objects.exists() and _stored() == []
    report = SimpleUploadedFile("机构评估报告.pdf", PDF)
    panels.agency_review_submit(
        actor=world.users["agency"], assessment=pa, score=Decimal(80), opinion="可行", report=report
    )
    assert Attachment.objects.get().sha256 == SHA


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World) -> None:
    pa = PreAssessmentFactory(project=world.school_project)
    kept = default_storage.save("preassessment/2025/01/old.pdf", ContentFile(PDF))
    shared = [Attachment.objects.create(assessment=pa, file=kept, original_name="a.pdf", size_bytes=0, sha256="")]
    shared.append(Attachment.objects.create(assessment=pa, file=kept, original_name="b.pdf", size_bytes=7, sha256=""))
    missing = Attachment.objects.create(
        assessment=pa, file="preassessment/2025/01/gone.pdf", original_name="gone.pdf", size_bytes=5, sha256=""
    )
    done = Attachment.objects.create(assessment=pa, file=kept, original_name="c.pdf", size_bytes=1, sha256="f" * 64)

    migration = import_module("jixiao.preassessment.migrations.0008_attachment_fill_sha256")
    migration.fill(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    first, second = (Attachment.objects.get(pk=row.pk) for row in shared)
    assert first.sha256 == SHA and first.size_bytes == len(PDF)  # a size never recorded is filled
    assert second.sha256 == SHA and second.size_bytes == 7  # a recorded size stays
    assert Attachment.objects.get(pk=missing.pk).sha256 == ""  # no file: left empty, the walk goes on
    assert Attachment.objects.get(pk=done.pk).sha256 == "f" * 64  # a row that has one is not read again
    assert first.file.name == kept  # the file stays where it was
