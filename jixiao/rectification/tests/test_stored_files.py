"""问题整改报告 on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept, shown and audited, the shared
upload checks with nothing left on disk, and the migration that fills the SHA-256 of older rows."""

from __future__ import annotations

import hashlib
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core import audit
from jixiao.core.models import AuditEvent
from jixiao.rectification.models import FeedbackFile
from jixiao.rectification.tests.helpers import PDF, issued_case, pdf

pytestmark = pytest.mark.django_db
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def test_the_reports_keep_their_sha256_and_note_shown_and_audited(world: World, media: Path) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    response = unit.post(
        f"/rectification/{rect.pk}/feedback/",
        {"measures": "已规范支付", "reports": [pdf(), pdf("凭证.pdf")], "report_note": "  含上缴凭证  "},
    )
    assert response.status_code == 302
    rows = list(FeedbackFile.objects.filter(rectification=rect).order_by("id"))
    assert [(r.original_name, r.sha256, r.size_bytes, r.note) for r in rows] == [
        ("问题整改报告.pdf", SHA, len(PDF), "含上缴凭证"),
        ("凭证.pdf", SHA, len(PDF), "含上缴凭证"),
    ]
    assert all(r.file.name.startswith("rectification/") and r.uploaded_by == world.users["unit_user"] for r in rows)
    added = AuditEvent.objects.filter(event_type="rectification.report_file_add")
    assert sorted(e.reason for e in added) == ["凭证.pdf", "问题整改报告.pdf"]
    assert all(e.changes["sha256"] == [None, SHA] for e in added)
    business = world.login("business")
    page = business.get(f"/rectification/{rect.pk}/").content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "说明：含上缴凭证" in page
    download = business.get(f"/rectification/{rect.pk}/files/{rows[0].pk}/")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    opened = AuditEvent.objects.get(event_type="rectification.report_file_download")
    assert opened.changes == {"sha256": [None, SHA]} and opened.object_id == str(rect.pk)


def test_a_refused_type_is_a_400_and_nothing_is_stored_even_beside_a_good_file(world: World, media: Path) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    exe = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "已整改", "reports": [pdf(), exe]})
    assert response.status_code == 400 and "“run.exe”：只能上传" in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "issued" and not FeedbackFile.objects.exists() and _stored(media) == []


def test_a_refusal_after_the_check_leaves_no_file_behind(world: World, media: Path, monkeypatch: Any) -> None:
    rect = issued_case(world)

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        world.login("unit_user").post(f"/rectification/{rect.pk}/feedback/", {"measures": "已整改", "reports": pdf()})
    rect.refresh_from_db()
    assert rect.status == "issued" and not FeedbackFile.objects.exists() and _stored(media) == []


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World, media: Path) -> None:
    rect = issued_case(world)
    kept = default_storage.save("rectification/2025/01/old.pdf", ContentFile(PDF))
    old = FeedbackFile.objects.create(rectification=rect, file=kept, original_name="a.pdf", size_bytes=0, sha256="")
    missing = FeedbackFile.objects.create(
        rectification=rect, file="rectification/2025/01/gone.pdf", original_name="b.pdf", size_bytes=0, sha256=""
    )

    migration = import_module("jixiao.rectification.migrations.0005_feedbackfile_fill_sha256")
    migration.fill(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    old.refresh_from_db()
    missing.refresh_from_db()
    assert (old.sha256, old.size_bytes, old.file.name) == (SHA, len(PDF), kept)
    assert (missing.sha256, missing.size_bytes) == ("", 0)
