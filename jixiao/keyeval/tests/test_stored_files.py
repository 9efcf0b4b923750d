"""重点评价文件 on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept, shown and audited, the shared
upload checks with a 4xx and nothing left on disk, and the migration that fills the SHA-256 of older rows."""

from __future__ import annotations

import hashlib
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
from django.urls import reverse

from conftest import World
from jixiao.core import audit
from jixiao.core.models import AuditEvent
from jixiao.keyeval import services
from jixiao.keyeval.models import EvalTemplate, KeyEvalDocument, KeyEvaluation

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%keyeval document\n"
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _evaluation(world: World) -> KeyEvaluation:
    data = {
        "fiscal_year": 2026,
        "title": "一中教学设备购置",
        "kind": KeyEvaluation.Kind.FINANCE,
        "object_type": KeyEvaluation.ObjectType.PROJECT,
        "budget_book": KeyEvaluation.BudgetBook.GENERAL,
        "mode": KeyEvaluation.Mode.SELF_RUN,
        "template": EvalTemplate.objects.get(
            kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True, fiscal_year__isnull=True
        ),
        "basic_situation": "项目用于购置教学设备。",
    }
    return services.evaluation_create(actor=world.users["performance"], data=data, projects=[world.school_project])


def test_the_upload_keeps_its_sha256_and_note_shown_and_audited(world: World) -> None:
    ev = _evaluation(world)
    client = world.login("performance")
    upload = SimpleUploadedFile("评价通知.pdf", PDF)
    url = reverse("keyeval:document_upload", args=[ev.pk])
    assert client.post(url, {"kind": "notice", "file": upload, "note": "正式印发版"}).status_code == 302
    doc = KeyEvalDocument.objects.get()
    assert (doc.sha256, doc.size_bytes, doc.note, doc.kind) == (SHA, len(PDF), "正式印发版", "notice")
    assert doc.file.name.startswith("keyeval/")
    added = AuditEvent.objects.get(event_type="keyeval.document_add")
    assert added.changes["sha256"] == [None, SHA] and added.changes["kind"] == [None, "评价通知"]
    page = client.get(reverse("keyeval:detail", args=[ev.pk])).content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "说明：正式印发版" in page
    client.get(reverse("keyeval:document_download", args=[ev.pk, doc.pk]))
    assert AuditEvent.objects.get(event_type="keyeval.document_download").changes == {"sha256": [None, SHA]}


def test_a_refused_type_is_a_400_in_chinese_and_nothing_is_stored(world: World, monkeypatch: Any) -> None:
    ev = _evaluation(world)
    client = world.login("performance")
    url = reverse("keyeval:document_upload", args=[ev.pk])
    response = client.post(url, {"kind": "notice", "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00")})
    page = response.content.decode()
    assert response.status_code == 400 and "“run.exe”：只能上传" in page and 'data-testid="document-error"' in page
    assert client.post(url, {"kind": "notice"}).status_code == 400
    # A file was chosen but it is empty: the page names the file and says so (it said 请选择要上传的文件).
    response = client.post(url, {"kind": "notice", "file": SimpleUploadedFile("通知.pdf", b"")})
    page = response.content.decode()
    assert response.status_code == 400 and "“通知.pdf”：文件为空" in page and "请选择要上传的文件" not in page
    response = client.post(url, {"kind": "nonsense", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 400 and "请选择文件类型" in response.content.decode()
    assert not KeyEvalDocument.objects.exists() and _stored() == []

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        client.post(url, {"kind": "notice", "file": SimpleUploadedFile("通知.pdf", PDF)})
    assert not KeyEvalDocument.objects.exists() and _stored() == []


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World) -> None:
    ev = _evaluation(world)
    kept = default_storage.save("keyeval/2025/01/old.pdf", ContentFile(PDF))
    old = KeyEvalDocument.objects.create(
        evaluation=ev, kind="notice", file=kept, original_name="a.pdf", size_bytes=3, sha256=""
    )
    missing = KeyEvalDocument.objects.create(
        evaluation=ev, kind="other", file="keyeval/2025/01/gone.pdf", original_name="b.pdf", size_bytes=3, sha256=""
    )

    migration = import_module("jixiao.keyeval.migrations.0006_document_fill_sha256")
    migration.fill(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    old.refresh_from_db()
    missing.refresh_from_db()
    assert (old.sha256, old.size_bytes, old.file.name) == (SHA, 3, kept)
    assert missing.sha256 == ""
