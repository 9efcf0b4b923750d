"""佐证资料 of monitoring records: the same mechanism as the self-evaluation's (core.uploads, the shared card): upload
tied to an indicator row while the record may be saved, download by whoever sees it, 404 for another unit, locked
once reported (and while the round is closed), audited."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.monitoring import services, services_evidence
from jixiao.monitoring.models import MonitoringEvidence, MonitoringRecord, RecordStatus
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    school_record,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def record(world: World, media: Path) -> MonitoringRecord:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    return school_record(issued_round(world), world)


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _url(name: str, *args: int) -> str:
    return reverse(f"monitoring:{name}", args=args)


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def test_unit_uploads_files_for_a_row_and_reviewers_download_them(
    world: World, record: MonitoringRecord, media: Path
) -> None:
    quant = record.indicator_rows.get(name="购置教学设备数量")
    unit = world.login("unit_user")
    response = unit.post(
        _url("record_evidence_add", record.pk),
        {"uploads": [_file("到货验收单.pdf", PDF), _file("现场照片.png", PNG)], "row": quant.pk, "note": "已到货80台"},
    )
    assert response.status_code == 302
    files = list(MonitoringEvidence.objects.filter(record=record).order_by("id"))
    assert [(f.original_name, f.row_id) for f in files] == [("到货验收单.pdf", quant.pk), ("现场照片.png", quant.pk)]
    assert files[1].sha256 == hashlib.sha256(PNG).hexdigest() and files[1].file.name.startswith("monitoring/")
    page = unit.get(_url("record_detail", record.pk)).content.decode()
    assert "到货验收单.pdf" in page and "已到货80台" in page and 'data-testid="evidence-upload"' in page
    for persona in ("unit_user", "dept_admin", "business", "performance"):
        download = world.login(persona).get(_url("record_evidence_download", record.pk, files[0].pk))
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF, persona
    assert AuditEvent.objects.filter(event_type="monitoring.evidence_add").count() == 2
    assert AuditEvent.objects.filter(event_type="monitoring.evidence_download").count() == 4
    # The record's 操作日志 names the uploads in Chinese.
    assert "上传佐证材料" in page


def test_bad_files_are_a_400_and_nothing_is_stored(world: World, record: MonitoringRecord, media: Path) -> None:
    unit = world.login("unit_user")
    response = unit.post(
        _url("record_evidence_add", record.pk), {"uploads": [_file("a.pdf", PDF), _file("宏.xlsm", b"PK\x03\x04")]}
    )
    assert response.status_code == 400 and "只能上传" in response.content.decode()
    response = unit.post(_url("record_evidence_add", record.pk), {"uploads": [_file("空.pdf", b"")]})
    assert response.status_code == 400 and "文件为空" in response.content.decode()
    assert not MonitoringEvidence.objects.exists() and _stored(media) == []


def test_another_units_user_gets_404(world: World, record: MonitoringRecord) -> None:
    [evidence] = services_evidence.record_evidence_add(
        actor=world.users["unit_user"], record=record, files=[_file("a.pdf", PDF)]
    )
    other = world.login("other_unit_user")
    assert other.get(_url("record_evidence_download", record.pk, evidence.pk)).status_code == 404
    assert other.post(_url("record_evidence_delete", record.pk, evidence.pk)).status_code == 404
    assert other.post(_url("record_evidence_add", record.pk), {"uploads": [_file("b.pdf", PDF)]}).status_code == 404
    assert MonitoringEvidence.objects.count() == 1


def test_locked_once_reported_and_editable_again_when_returned(
    world: World, record: MonitoringRecord, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    unit_user = world.users["unit_user"]
    [evidence] = services_evidence.record_evidence_add(actor=unit_user, record=record, files=[_file("a.pdf", PDF)])
    record = fill_complete(world, record)
    record = services.record_transition(actor=unit_user, record=record, action="submit")
    assert record.status == RecordStatus.SUBMITTED
    unit = world.login("unit_user")
    refused = unit.post(_url("record_evidence_delete", record.pk, evidence.pk))
    assert refused.status_code == 409 and "不能删除佐证资料" in refused.content.decode()
    refused = unit.post(_url("record_evidence_add", record.pk), {"uploads": [_file("b.pdf", PDF)]})
    assert refused.status_code == 409 and "不能上传佐证资料" in refused.content.decode()
    assert MonitoringEvidence.objects.count() == 1

    services.record_transition(
        actor=world.users["dept_admin"], record=record, action="dept_return", comment="请补充验收单"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert unit.post(_url("record_evidence_delete", record.pk, evidence.pk)).status_code == 302
    assert not MonitoringEvidence.objects.exists() and _stored(media) == []
    assert AuditEvent.objects.filter(event_type="monitoring.evidence_delete", reason="a.pdf").count() == 1
