"""佐证资料 of 单位自评 records: the unit uploads files (several at once, tied to an indicator row) while it may still
save the record, everyone who sees the record downloads them, another unit gets 404, refused files leave nothing
behind, every add/remove/download is audited, and the 真实性核查 page shows each file under its indicator."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core import audit
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services, services_evidence, services_reeval
from jixiao.evaluation.models import SelfEvalEvidence, SelfEvalStatus, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    row_ids,
    school_record,
    set_amounts,
    start,
)
from jixiao.monitoring import services_evidence as monitoring_evidence
from jixiao.monitoring.models import MonitoringRecord
from jixiao.monitoring.tests.helpers import issued_round, put_in_library
from jixiao.targets.models import TargetIndicator

pytestmark = pytest.mark.django_db
BASE = "/evaluation/self/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
XLSX = b"PK\x03\x04" + b"\x00" * 40


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def record(world: World, media: Path) -> SelfEvaluation:
    set_amounts(world.school_project, fiscal="100000")
    pay(world.school_project, "100000", date(YEAR, 11, 30))
    approved_target(world)
    approved_target(world, world.hospital_project)
    start(world)
    return school_record(world)


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def test_unit_uploads_several_files_tied_to_a_row_and_downloads_the_same_bytes(
    world: World, record: SelfEvaluation, media: Path
) -> None:
    row = row_ids(record)["购置教学设备数量"]
    unit = world.login("unit_user")
    response = unit.post(
        f"{BASE}{record.pk}/evidence/",
        {"uploads": [_file("验收单.pdf", PDF), _file("设备清单.xlsx", XLSX)], "row": row, "note": "设备验收资料"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"{BASE}{record.pk}/#evidence")
    files = list(SelfEvalEvidence.objects.filter(self_eval=record).order_by("id"))
    assert [(f.original_name, f.row_id, f.note) for f in files] == [
        ("验收单.pdf", row, "设备验收资料"),
        ("设备清单.xlsx", row, "设备验收资料"),
    ]
    assert files[0].sha256 == hashlib.sha256(PDF).hexdigest() and files[0].size_bytes == len(PDF)
    assert files[0].uploaded_by == world.users["unit_user"]
    assert "验收单" not in files[0].file.name and files[0].file.name.startswith("selfeval/")  # generated name
    assert len(_stored(media)) == 2

    page = unit.get(f"{BASE}{record.pk}/").content.decode()
    assert "验收单.pdf" in page and "设备清单.xlsx" in page and "购置教学设备数量" in page and "设备验收资料" in page
    # Everyone who sees the record downloads the same bytes; each download is audited.
    for persona in ("unit_user", "dept_admin", "business", "performance"):
        download = world.login(persona).get(f"{BASE}{record.pk}/evidence/{files[0].pk}/")
        assert download.status_code == 200, persona
        assert b"".join(download.streaming_content) == PDF
        assert "attachment" in download["Content-Disposition"]
    added = AuditEvent.objects.filter(event_type="evaluation.evidence_add", object_id=str(record.pk))
    assert sorted(e.reason for e in added) == ["设备清单.xlsx", "验收单.pdf"]
    assert {e.changes["sha256"][1] for e in added} == {f.sha256 for f in files}
    assert AuditEvent.objects.filter(event_type="evaluation.evidence_download").count() == 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "只能上传"),
        ("伪装.pdf", b"MZ\x90\x00", "文件内容与扩展名不符"),
        ("空白.pdf", b"", "文件为空"),
        ("大文件.pdf", PDF + b"x" * 64, "文件不能超过"),
    ],
)
def test_a_bad_file_is_refused_with_400_and_nothing_is_stored(
    world: World, record: SelfEvaluation, media: Path, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.JIXIAO_MAX_UPLOAD_BYTES = len(PDF) + 10
    # A good file beside the bad one is not kept either: all or nothing.
    response = world.login("unit_user").post(
        f"{BASE}{record.pk}/evidence/", {"uploads": [_file("验收单.pdf", PDF), _file(name, content)]}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body and f"“{name}”" in body and 'data-testid="evidence-error"' in body
    assert not SelfEvalEvidence.objects.exists() and _stored(media) == []
    assert not AuditEvent.objects.filter(event_type="evaluation.evidence_add").exists()


def test_no_file_chosen_is_a_400_with_a_chinese_message(world: World, record: SelfEvaluation) -> None:
    response = world.login("unit_user").post(f"{BASE}{record.pk}/evidence/", {"note": "没有文件"})
    assert response.status_code == 400 and "请选择要上传的文件" in response.content.decode()


def test_a_row_of_another_record_is_refused(world: World, record: SelfEvaluation, media: Path) -> None:
    other_row = SelfEvaluation.objects.get(project=world.hospital_project).indicators.first()
    assert other_row is not None
    response = world.login("unit_user").post(
        f"{BASE}{record.pk}/evidence/", {"uploads": [_file("验收单.pdf", PDF)], "row": other_row.pk}
    )
    assert response.status_code == 400 and not SelfEvalEvidence.objects.exists() and _stored(media) == []


def test_another_units_user_gets_404_on_download_upload_and_delete(world: World, record: SelfEvaluation) -> None:
    [evidence] = services_evidence.selfeval_evidence_add(
        actor=world.users["unit_user"], record=record, files=[_file("验收单.pdf", PDF)]
    )
    other = world.login("other_unit_user")
    assert other.get(f"{BASE}{record.pk}/evidence/{evidence.pk}/").status_code == 404
    assert other.post(f"{BASE}{record.pk}/evidence/{evidence.pk}/delete/").status_code == 404
    assert other.post(f"{BASE}{record.pk}/evidence/", {"uploads": [_file("x.pdf", PDF)]}).status_code == 404
    # Its own record's id with this file's id: still missing, the file belongs to another record.
    own = SelfEvaluation.objects.get(project=world.hospital_project)
    assert other.get(f"{BASE}{own.pk}/evidence/{evidence.pk}/").status_code == 404
    assert other.post(f"{BASE}{own.pk}/evidence/{evidence.pk}/delete/").status_code == 404
    assert SelfEvalEvidence.objects.count() == 1
    assert not AuditEvent.objects.filter(event_type="evaluation.evidence_download").exists()


def test_files_are_locked_after_submission_and_editable_again_when_returned(
    world: World, record: SelfEvaluation, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    unit_user = world.users["unit_user"]
    [evidence] = services_evidence.selfeval_evidence_add(
        actor=unit_user, record=record, files=[_file("验收单.pdf", PDF)], note="验收单"
    )
    record = fill_clean(world, record)
    record = services.selfeval_transition(actor=unit_user, record=record, action="submit")
    assert record.status == SelfEvalStatus.SUBMITTED
    unit = world.login("unit_user")
    page = unit.get(f"{BASE}{record.pk}/").content.decode()
    assert "验收单.pdf" in page and 'data-testid="evidence-upload"' not in page and "删除</button>" not in page

    refused = unit.post(f"{BASE}{record.pk}/evidence/{evidence.pk}/delete/")
    assert refused.status_code == 409 and "不能删除佐证资料" in refused.content.decode()
    refused = unit.post(f"{BASE}{record.pk}/evidence/", {"uploads": [_file("补充.pdf", PDF)]})
    assert refused.status_code == 409 and "不能上传佐证资料" in refused.content.decode()
    with pytest.raises(ConflictError):
        services_evidence.selfeval_evidence_delete(actor=unit_user, evidence=evidence)
    assert SelfEvalEvidence.objects.count() == 1 and len(_stored(media)) == 1

    services.selfeval_transition(
        actor=world.users["dept_admin"], record=record, action="dept_return", comment="请补充验收单原件扫描件"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        assert unit.post(f"{BASE}{record.pk}/evidence/{evidence.pk}/delete/").status_code == 302
    assert not SelfEvalEvidence.objects.exists() and _stored(media) == []
    deleted = AuditEvent.objects.get(event_type="evaluation.evidence_delete")
    assert deleted.reason == "验收单.pdf" and deleted.changes["sha256"] == [evidence.sha256, None]


def test_readers_cannot_add_or_remove(world: World, record: SelfEvaluation) -> None:
    [evidence] = services_evidence.selfeval_evidence_add(
        actor=world.users["unit_user"], record=record, files=[_file("验收单.pdf", PDF)]
    )
    business = world.login("business")
    assert business.post(f"{BASE}{record.pk}/evidence/{evidence.pk}/delete/").status_code == 403
    assert business.post(f"{BASE}{record.pk}/evidence/", {"uploads": [_file("x.pdf", PDF)]}).status_code == 403
    assert 'data-testid="evidence-upload"' not in business.get(f"{BASE}{record.pk}/").content.decode()
    assert SelfEvalEvidence.objects.count() == 1


def test_a_failure_after_the_first_file_is_written_leaves_nothing(
    world: World, record: SelfEvaluation, media: Path, monkeypatch: Any
) -> None:
    def broken(events: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        services_evidence.selfeval_evidence_add(
            actor=world.users["unit_user"], record=record, files=[_file("a.pdf", PDF), _file("b.xlsx", XLSX)]
        )
    assert not SelfEvalEvidence.objects.exists() and _stored(media) == []


def test_authenticity_page_lists_files_under_their_indicator(world: World, media: Path) -> None:
    set_amounts(world.school_project, "1000000")
    approved_target(world)
    TargetIndicator.objects.filter(target__project=world.school_project, name="购置教学设备数量").update(is_core=True)
    TargetIndicator.objects.filter(target__project=world.school_project, name="师生满意度").update(is_core=True)
    start(world)
    record = school_record(world)
    ids = row_ids(record)
    unit_user = world.users["unit_user"]
    add = services_evidence.selfeval_evidence_add
    add(actor=unit_user, record=record, files=[_file("设备验收单.pdf", PDF)], row_id=ids["购置教学设备数量"])
    add(actor=unit_user, record=record, files=[_file("问卷统计表.xlsx", XLSX)], row_id=ids["师生满意度"])
    add(actor=unit_user, record=record, files=[_file("项目总结.pdf", PDF)], note="年度总结")
    # Tied to a row that is not a core indicator: shown with the project's other files.
    add(actor=unit_user, record=record, files=[_file("现场照片.pdf", PDF)], row_id=ids["教学条件改善情况"])
    fill_clean(world, record)
    SelfEvaluation.objects.filter(pk=record.pk).update(status=SelfEvalStatus.FIN_REVIEWED, is_final=True)
    business = world.users["business"]
    check = services_reeval.check_create(actor=business, fiscal_year=YEAR)
    check = services_reeval.check_draw(actor=business, check=check)
    assert sorted(check.items.values_list("indicator_name", flat=True)) == ["师生满意度", "购置教学设备数量"]

    client = world.login("business")
    response = client.get(f"/evaluation/authenticity/{check.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = {
        name: chunk
        for chunk in html.split('data-testid="auth-item"')[1:]
        for name in ("购置教学设备数量", "师生满意度")
        if f"<td>{name}</td>" in chunk
    }
    tied = {name: chunk.split('data-testid="auth-evidence"')[1].split("</td>")[0] for name, chunk in rows.items()}
    assert "设备验收单.pdf" in tied["购置教学设备数量"] and "问卷统计表.xlsx" not in tied["购置教学设备数量"]
    assert "问卷统计表.xlsx" in tied["师生满意度"] and "设备验收单.pdf" not in tied["师生满意度"]
    assert html.count('data-testid="auth-untied-evidence"') == 1
    untied = html.split('data-testid="auth-untied-evidence"')[1].split("</td>")[0]
    assert "项目总结.pdf" in untied and "年度总结" in untied and "现场照片.pdf" in untied
    assert "设备验收单.pdf" not in untied
    # The checker downloads from the page.
    evidence = SelfEvalEvidence.objects.get(original_name="设备验收单.pdf")
    link = f"{BASE}{record.pk}/evidence/{evidence.pk}/"
    assert link in tied["购置教学设备数量"]
    assert b"".join(client.get(link).streaming_content) == PDF


def test_authenticity_page_lists_the_projects_monitoring_evidence_of_the_year(world: World, media: Path) -> None:
    """Beside each core indicator, the files of the project's 监控表 (same year) tied to that indicator; the others
    (tied to no row, or to a row not checked) under the project, each with its round."""
    put_in_library(world)
    set_amounts(world.school_project, "1000000")
    approved_target(world)
    TargetIndicator.objects.filter(target__project=world.school_project, name="购置教学设备数量").update(is_core=True)
    TargetIndicator.objects.filter(target__project=world.school_project, name="师生满意度").update(is_core=True)
    august = MonitoringRecord.objects.get(task=issued_round(world), project=world.school_project)
    rows = {r.name: r.pk for r in august.indicator_rows.all()}
    unit_user = world.users["unit_user"]
    add = monitoring_evidence.record_evidence_add
    add(actor=unit_user, record=august, files=[_file("到货验收单.pdf", PDF)], row_id=rows["购置教学设备数量"])
    add(actor=unit_user, record=august, files=[_file("改善情况照片.pdf", PDF)], row_id=rows["教学条件改善情况"])
    add(actor=unit_user, record=august, files=[_file("进度说明.pdf", PDF)], note="1—8月进度")
    june = MonitoringRecord.objects.get(
        task=issued_round(world, period_end_month=6, title="2026年1—6月绩效运行监控"), project=world.school_project
    )
    june_row = june.indicator_rows.get(name="购置教学设备数量").pk
    add(actor=unit_user, record=june, files=[_file("六月到货单.pdf", PDF)], row_id=june_row)
    start(world)
    record = school_record(world)
    fill_clean(world, record)
    SelfEvaluation.objects.filter(pk=record.pk).update(status=SelfEvalStatus.FIN_REVIEWED, is_final=True)
    business = world.users["business"]
    check = services_reeval.check_draw(
        actor=business, check=services_reeval.check_create(actor=business, fiscal_year=YEAR)
    )

    client = world.login("business")
    html = client.get(f"/evaluation/authenticity/{check.pk}/").content.decode()
    chunks = {
        name: chunk
        for chunk in html.split('data-testid="auth-item"')[1:]
        for name in ("购置教学设备数量", "师生满意度")
        if f"<td>{name}</td>" in chunk
    }
    cells = {name: chunk.split('data-testid="auth-evidence"')[1].split("</td>")[0] for name, chunk in chunks.items()}
    assert 'data-testid="auth-monitoring-evidence"' in cells["购置教学设备数量"]
    assert "到货验收单.pdf" in cells["购置教学设备数量"] and "2026年1—8月" in cells["购置教学设备数量"]
    assert "auth-monitoring-evidence" not in cells["师生满意度"]
    assert html.count('data-testid="auth-monitoring-untied"') == 1
    untied = html.split('data-testid="auth-monitoring-untied"')[1].split("</td>")[0]
    assert "改善情况照片.pdf" in untied and "进度说明.pdf" in untied and "1—8月进度" in untied
    assert "到货验收单.pdf" not in untied
    assert "六月到货单.pdf" in cells["购置教学设备数量"] and "2026年1—6月" in cells["购置教学设备数量"]
    # The checker downloads it through the monitoring record's own (scoped, audited) link.
    evidence = august.evidence.get(original_name="到货验收单.pdf")
    link = f"/monitoring/records/{august.pk}/evidence/{evidence.pk}/"
    assert link in cells["购置教学设备数量"]
    assert b"".join(client.get(link).streaming_content) == PDF
    # Only the check's year: a record of another year is not listed.
    MonitoringRecord.objects.filter(pk=june.pk).update(fiscal_year=YEAR - 1)
    assert "六月到货单.pdf" not in client.get(f"/evaluation/authenticity/{check.pk}/").content.decode()


def test_the_api_lists_a_records_files_with_their_hash_and_download_address(
    world: World, record: SelfEvaluation, media: Path
) -> None:
    row = row_ids(record)["购置教学设备数量"]
    world.login("unit_user").post(
        f"{BASE}{record.pk}/evidence/", {"uploads": [_file("验收单.pdf", PDF)], "row": row, "note": "验收资料"}
    )
    evidence = SelfEvalEvidence.objects.get(self_eval=record)
    api = f"/api/v1/selfevaluations/{record.pk}/evidence/"
    listing = world.login("performance").get(api)
    assert listing.status_code == 200
    (item,) = listing.json()
    assert item["original_name"] == "验收单.pdf" and item["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (item["row"], item["indicator"], item["note"], item["size_bytes"]) == (
        row,
        "购置教学设备数量",
        "验收资料",
        len(PDF),
    )
    download = world.login("performance").get(item["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert item["download_url"] == f"{BASE}{record.pk}/evidence/{evidence.pk}/"
    # Another unit's user: the record is not theirs, so neither is its list.
    assert world.login("other_unit_user").get(api).status_code == 404
