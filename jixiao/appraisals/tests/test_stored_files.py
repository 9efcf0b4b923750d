"""考核佐证材料 on `core.models.StoredFile` (decision 0006): the SHA-256 and 说明 kept, shown and audited, the shared
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
from jixiao.appraisals.models import Appraisal, AppraisalEvidence
from jixiao.appraisals.tests.helpers import dept_task, leaves
from jixiao.core import audit
from jixiao.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%appraisal evidence\n"
SHA = hashlib.sha256(PDF).hexdigest()


def _stored() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _edu(world: World) -> Appraisal:
    return Appraisal.objects.get(task=dept_task(world), department=world.edu)


def test_the_upload_keeps_its_sha256_and_note_shown_and_audited(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    edu = _edu(world)
    node = leaves(edu)[0]
    client = world.login("dept_admin")
    upload = SimpleUploadedFile("制度文件.pdf", PDF)
    url = reverse("appraisals:evidence_upload", args=[edu.pk])
    assert client.post(url, {"file": upload, "node": node.pk, "note": "2026年修订版"}).status_code == 302
    evidence = AppraisalEvidence.objects.get()
    assert (evidence.sha256, evidence.size_bytes, evidence.note, evidence.node) == (SHA, len(PDF), "2026年修订版", node)
    assert evidence.file.name.startswith("appraisals/")
    added = AuditEvent.objects.get(event_type="appraisal.evidence_add")
    assert added.changes["sha256"] == [None, SHA] and added.changes["node"] == [None, node.code]
    page = client.get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert f'title="{SHA}"' in page and f"{SHA[:12]}…" in page and "说明：2026年修订版" in page
    client.get(reverse("appraisals:evidence_download", args=[edu.pk, evidence.pk]))
    assert AuditEvent.objects.get(event_type="appraisal.evidence_download").changes == {"sha256": [None, SHA]}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("appraisals:evidence_delete", args=[edu.pk, evidence.pk]))
    assert not AppraisalEvidence.objects.exists() and _stored() == []
    assert AuditEvent.objects.get(event_type="appraisal.evidence_delete").changes["sha256"] == [SHA, None]


def test_a_refused_type_is_a_400_in_chinese_and_nothing_is_stored(world: World, monkeypatch: Any) -> None:
    edu = _edu(world)
    client = world.login("dept_admin")
    url = reverse("appraisals:evidence_upload", args=[edu.pk])
    response = client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00")})
    page = response.content.decode()
    assert response.status_code == 400 and "“run.exe”：只能上传" in page and 'data-testid="evidence-error"' in page
    assert client.post(url, {}).status_code == 400

    def broken(events: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        client.post(url, {"file": SimpleUploadedFile("制度文件.pdf", PDF)})
    assert not AppraisalEvidence.objects.exists() and _stored() == []


def test_the_migration_fills_the_sha256_of_older_rows_and_skips_a_missing_file(world: World) -> None:
    edu = _edu(world)
    kept = default_storage.save("appraisals/2025/01/old.pdf", ContentFile(PDF))
    old = AppraisalEvidence.objects.create(appraisal=edu, file=kept, original_name="a.pdf", size_bytes=3, sha256="")
    missing = AppraisalEvidence.objects.create(
        appraisal=edu, file="appraisals/2025/01/gone.pdf", original_name="b.pdf", size_bytes=3, sha256=""
    )

    migration = import_module("jixiao.appraisals.migrations.0009_evidence_fill_sha256")
    migration.fill(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))

    old.refresh_from_db()
    missing.refresh_from_db()
    assert (old.sha256, old.size_bytes, old.file.name) == (SHA, 3, kept)
    assert missing.sha256 == ""
