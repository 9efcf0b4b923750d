"""培训材料 on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept, shown and audited, the shared upload
checks with a 4xx and nothing left on disk, and the migration that fills the SHA-256 of older rows."""

from __future__ import annotations

import datetime as dt
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
from jixiao.training import services
from jixiao.training.models import TrainingMaterial, TrainingSession

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%training material\n"
SHA = hashlib.sha256(PDF).hexdigest()


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _session(world: World) -> TrainingSession:
    data = {
        "held_on": dt.date(2026, 4, 10),
        "topic": "预算绩效管理业务培训",
        "organiser": "县财政局绩效股",
        "trainer_type": "staff",
        "audience": ["finance_staff"],
        "kind": "training",
        "session_count": 1,
        "attendance": 40,
        "note": "",
    }
    return services.training_create(actor=world.users["performance"], data=data)


def test_the_upload_keeps_its_sha256_and_note_shown_and_audited(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    session = _session(world)
    client = world.login("performance")
    upload = SimpleUploadedFile("课件.pdf", PDF)
    url = reverse("training:material_upload", args=[session.pk])
    assert client.post(url, {"file": upload, "note": "上午场课件"}).status_code == 302
    material = TrainingMaterial.objects.get()
    assert (material.sha256, material.size_bytes, material.note) == (SHA, len(PDF), "上午场课件")
    assert material.file.name.startswith("training/")
    added = AuditEvent.objects.get(event_type="training.material_add")
    assert added.changes["sha256"] == [None, SHA] and added.object_id == str(session.pk)
    page = client.get(reverse("training:detail", args=[session.pk])).content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "说明：上午场课件" in page
    client.get(reverse("training:material_download", args=[session.pk, material.pk]))
    assert AuditEvent.objects.get(event_type="training.material_download").changes == {"sha256": [None, SHA]}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training:material_delete", args=[session.pk, material.pk]))
    assert not TrainingMaterial.objects.exists() and _stored() == []
    assert AuditEvent.objects.get(event_type="training.material_delete").changes["sha256"] == [SHA, None]


def test_a_refused_type_is_a_400_in_chinese_and_nothing_is_stored(world: World, monkeypatch: Any) -> None:
    session = _session(world)
    client = world.login("performance")
    url = reverse("training:material_upload", args=[session.pk])
    response = client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00")})
    page = response.content.decode()
    assert response.status_code == 400 and "“run.exe”：只能上传" in page and 'data-testid="material-error"' in page
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"file": SimpleUploadedFile("课件.pdf", PDF), "note": "长" * 501}).status_code == 400
    assert not TrainingMaterial.objects.exists() and _stored() == []

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        client.post(url, {"file": SimpleUploadedFile("课件.pdf", PDF)})
    assert not TrainingMaterial.objects.exists() and _stored() == []


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World) -> None:
    session = _session(world)
    kept = default_storage.save("training/2025/01/old.pdf", ContentFile(PDF))
    old = TrainingMaterial.objects.create(session=session, file=kept, original_name="a.pdf", size_bytes=3, sha256="")
    missing = TrainingMaterial.objects.create(
        session=session, file="training/2025/01/gone.pdf", original_name="b.pdf", size_bytes=3, sha256=""
    )

    migration = import_module("jixiao.training.migrations.0003_material_fill_sha256")
    migration.fill(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    old.refresh_from_db()
    missing.refresh_from_db()
    assert (old.sha256, old.size_bytes, old.file.name) == (SHA, 3, kept)
    assert missing.sha256 == ""
