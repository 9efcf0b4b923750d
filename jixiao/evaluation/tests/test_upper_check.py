"""上级核查 印证资料 (DOMAIN.md §2.4.6): an upper-level 真实性核查 lists its sampled projects; each project's unit gets
a 待办, uploads 印证资料 (core.evidence) and submits; the organising section returns (with a reason) or passes each;
when all have passed it downloads one zip with a 清单 and marks the check 已报送上级, which freezes it. Other units
get 404, every write is audited, refused files leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core import audit, todos
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import AuditEvent
from jixiao.evaluation import services_reeval, services_upper
from jixiao.evaluation.models import (
    AuthenticityCheck,
    SelfEvalStatus,
    SelfEvaluation,
    UpperCheckEvidence,
    UpperCheckProject,
)
from jixiao.evaluation.tests.selfeval_helpers import YEAR, approved_target, fill_clean, row_ids, set_amounts, start
from jixiao.targets.models import TargetIndicator

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
XLSX = b"PK\x03\x04" + b"\x00" * 40


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _file(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def _final_records(world: World) -> dict[str, SelfEvaluation]:
    """Finance-reviewed self-evaluations of the school (县第一中学), its branch (a unit below it) and the hospital."""
    for project in (world.school_project, world.branch_project, world.hospital_project):
        set_amounts(project, "1000000")
        approved_target(world, project)
    TargetIndicator.objects.filter(target__project=world.school_project, name="购置教学设备数量").update(is_core=True)
    start(world)
    records = {
        "school": SelfEvaluation.objects.get(project=world.school_project),
        "branch": SelfEvaluation.objects.get(project=world.branch_project),
        "hospital": SelfEvaluation.objects.get(project=world.hospital_project),
    }
    fill_clean(world, records["school"])
    SelfEvaluation.objects.update(status=SelfEvalStatus.FIN_REVIEWED, is_final=True)
    return records


@pytest.fixture
def check(world: World, media: Path) -> AuthenticityCheck:
    """The performance section's upper-level check of every finance-reviewed project, drawn."""
    _final_records(world)
    perf = world.users["performance"]
    created = services_reeval.check_create(
        actor=perf,
        fiscal_year=YEAR,
        title="2026年度上级财政真实性核查",
        sample_size=4,
        upper_level_request=True,
        materials_deadline=timezone.localdate() + timedelta(days=10),
    )
    return services_reeval.check_draw(actor=perf, check=created)


def _entry(check: AuthenticityCheck, code: str) -> UpperCheckProject:
    return UpperCheckProject.objects.get(check_batch=check, code=code)


def _titles(world: World, persona: str) -> dict[str, tuple[int, str]]:
    return {i.title: (i.count, i.hint) for i in todos.for_user(world.users[persona]) if i.stage == "真实性核查"}


def test_drawing_an_upper_level_check_lists_its_projects_and_gives_each_unit_a_todo(
    world: World, check: AuthenticityCheck
) -> None:
    assert sorted(check.upper_projects.values_list("code", "status")) == [
        ("P-BRANCH", "pending"),
        ("P-HOSP", "pending"),
        ("P-SCHOOL", "pending"),
    ]
    deadline = f"最早截止日期 {check.materials_deadline:%Y-%m-%d}"
    # The school's user also answers for the branch (a unit below it); the hospital's only for its own project.
    assert _titles(world, "unit_user") == {"待报送的上级核查印证资料": (2, deadline)}
    assert _titles(world, "other_unit_user") == {"待报送的上级核查印证资料": (1, deadline)}
    assert _titles(world, "dept_admin") == {"待报送的上级核查印证资料": (2, deadline)}
    assert "待审核的上级核查印证资料" not in _titles(world, "performance")  # nothing submitted yet
    page = world.login("unit_user").get("/evaluation/upper/?status=todo").content.decode()
    assert "一中教学设备购置" in page and "分校食堂改造" in page and "医院信息化建设" not in page
    # A check that is not an upper-level one asks nobody for anything.
    own = services_reeval.check_create(actor=world.users["business"], fiscal_year=YEAR)
    own = services_reeval.check_draw(actor=world.users["business"], check=own)
    assert not own.upper_projects.exists() and own.items.exists()
    detail = world.login("performance").get(f"/evaluation/authenticity/{check.pk}/").content.decode()
    assert detail.count('data-testid="upper-entry"') == 3 and 'data-testid="upper-forward"' not in detail


def test_unit_uploads_submits_the_section_returns_with_a_reason_then_passes(
    world: World, check: AuthenticityCheck, media: Path
) -> None:
    entry = _entry(check, "P-SCHOOL")
    core_row = row_ids(entry.self_eval)["购置教学设备数量"]
    unit, perf = world.login("unit_user"), world.login("performance")
    base = f"/evaluation/upper/{entry.pk}/"

    refused = unit.post(f"{base}transition/", {"action": "upper_submit"}, follow=True)
    assert "请先上传印证资料再提交" in refused.content.decode()
    # Only the indicators under check are offered; the file goes under its indicator on the page.
    page = unit.get(base).content.decode()
    assert f'<option value="{core_row}">' in page and "师生满意度（" not in page
    response = unit.post(
        f"{base}evidence/",
        {"uploads": [_file("设备验收单.pdf"), _file("入库单.xlsx", XLSX)], "row": core_row, "note": "验收资料"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"{base}#evidence")
    unit.post(f"{base}evidence/", {"uploads": [_file("项目总结.pdf")]})
    files = list(UpperCheckEvidence.objects.filter(entry=entry).order_by("id"))
    assert [(f.original_name, f.row_id) for f in files] == [
        ("设备验收单.pdf", core_row),
        ("入库单.xlsx", core_row),
        ("项目总结.pdf", None),
    ]
    assert files[0].file.name.startswith("uppercheck/") and "验收单" not in files[0].file.name
    page = unit.get(base).content.decode()
    tied = page.split('data-testid="upper-item-files"')[1].split("</td>")[0]
    assert "设备验收单.pdf" in tied and "入库单.xlsx" in tied and "项目总结.pdf" not in tied
    assert "项目总结.pdf" in page.split('data-testid="upper-untied"')[1].split("</td>")[0]

    assert unit.post(f"{base}transition/", {"action": "upper_submit", "comment": "已按指标上传"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == "submitted" and entry.unit_note == "已按指标上传"
    review = next(i for i in todos.for_user(world.users["performance"]) if i.title == "待审核的上级核查印证资料")
    assert review.count == 1 and perf.get(review.url).content.decode().count('data-testid="upper-row"') == 1
    # Submitted: the unit's files are locked (409), nothing changes.
    locked = unit.post(f"{base}evidence/", {"uploads": [_file("补充.pdf")]})
    assert locked.status_code == 409 and "不能上传印证资料" in locked.content.decode()
    assert unit.post(f"{base}evidence/{files[2].pk}/delete/").status_code == 409
    # The unit cannot pass its own materials; the section cannot submit for it.
    unit.post(f"{base}transition/", {"action": "upper_approve"})
    perf.post(f"{base}transition/", {"action": "upper_submit"})
    entry.refresh_from_db()
    assert entry.status == "submitted"

    # The section reads the files (audited) and returns without a reason: refused; with one: back to the unit.
    download = perf.get(f"{base}evidence/{files[0].pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    answer = perf.post(f"{base}transition/", {"action": "upper_return"}, follow=True)
    assert "退回须填写理由" in answer.content.decode()
    perf.post(f"{base}transition/", {"action": "upper_return", "comment": "请补充设备验收单原件扫描件"})
    entry.refresh_from_db()
    assert entry.status == "returned" and entry.returned_count == 1
    assert "请补充设备验收单原件扫描件" in unit.get(base).content.decode()
    assert _titles(world, "unit_user")["待报送的上级核查印证资料"][0] == 2

    assert unit.post(f"{base}evidence/{files[2].pk}/delete/").status_code == 302
    unit.post(f"{base}evidence/", {"uploads": [_file("验收单原件.pdf")], "row": core_row})
    unit.post(f"{base}transition/", {"action": "upper_submit"})
    perf.post(f"{base}transition/", {"action": "upper_approve", "comment": "资料齐全"})
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.reviewed_by == world.users["performance"]
    assert entry.review_opinion == "资料齐全"
    assert [e.action for e in entry.events.order_by("id")] == [
        "upper_submit",
        "upper_return",
        "upper_submit",
        "upper_approve",
    ]
    events = AuditEvent.objects.filter(object_id=str(entry.pk), event_type__startswith="evaluation.upper_")
    assert sorted(e.event_type for e in events) == sorted(
        ["evaluation.upper_evidence_add"] * 4
        + ["evaluation.upper_evidence_delete", "evaluation.upper_evidence_download"]
        + ["evaluation.upper_submit"] * 2
        + ["evaluation.upper_return", "evaluation.upper_approve"]
    )
    added = events.filter(event_type="evaluation.upper_evidence_add", reason="设备验收单.pdf").get()
    assert added.changes["sha256"] == [None, hashlib.sha256(PDF).hexdigest()]
    assert added.changes["row"] == [None, "购置教学设备数量"]


def test_a_refused_step_shows_the_page_again_with_the_text_typed(world: World, check: AuthenticityCheck) -> None:
    """A 提交 before any file, or a 退回 refused, was a redirect that dropped the 报送说明 or 审核意见 typed: it is the
    page again (400) with the message and the text still in its box; nothing changes."""
    entry = _entry(check, "P-SCHOOL")
    base = f"/evaluation/upper/{entry.pk}/"
    unit = world.login("unit_user")
    refused = unit.post(f"{base}transition/", {"action": "upper_submit", "comment": "已按指标上传验收单和合同"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "请先上传印证资料再提交" in page
    assert 'value="已按指标上传验收单和合同"' in page
    bad = unit.post(f"{base}transition/", {"action": "提交", "comment": "报送说明"})
    assert bad.status_code == 400 and "操作无效：操作：" in bad.content.decode()
    assert 'value="报送说明"' in bad.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending" and entry.unit_note == ""


def test_a_bad_status_filter_is_named_and_keeps_only_my_sections_checks(world: World, check: AuthenticityCheck) -> None:
    """A status not offered dropped the 仅本股室组织的核查 tick with it, silently listing every check: the status is
    named in Chinese under its box and the tick still filters."""
    section = world.users["business"].active_membership.section  # type: ignore[union-attr]
    AuthenticityCheck.objects.filter(pk=check.pk).update(organiser=section)
    perf = world.login("performance")
    assert perf.get("/evaluation/upper/").content.decode().count('data-testid="upper-row"') == 3
    assert perf.get("/evaluation/upper/", {"mine": "on"}).content.decode().count('data-testid="upper-row"') == 0
    page = perf.get("/evaluation/upper/", {"status": "已审核", "mine": "on"}).content.decode()
    assert page.count('data-testid="upper-row"') == 0 and 'data-testid="filter-error"' in page
    assert "选择一个有效的选项" in page


def test_other_units_and_other_sections_get_404_and_readers_403(world: World, check: AuthenticityCheck) -> None:
    school = _entry(check, "P-SCHOOL")
    [evidence] = services_upper.upper_evidence_add(
        actor=world.users["unit_user"], entry=school, files=[_file("验收单.pdf")]
    )
    base = f"/evaluation/upper/{school.pk}/"
    other = world.login("other_unit_user")
    assert other.get(base).status_code == 404
    assert other.get(f"{base}evidence/{evidence.pk}/").status_code == 404
    assert other.post(f"{base}evidence/", {"uploads": [_file("x.pdf")]}).status_code == 404
    assert other.post(f"{base}evidence/{evidence.pk}/delete/").status_code == 404
    assert other.post(f"{base}transition/", {"action": "upper_submit"}).status_code == 404
    # Its own project's id with this file's id: still missing, the file belongs to another project.
    own = _entry(check, "P-HOSP")
    assert other.get(f"/evaluation/upper/{own.pk}/evidence/{evidence.pk}/").status_code == 404
    assert other.post(f"/evaluation/upper/{own.pk}/evidence/{evidence.pk}/delete/").status_code == 404
    listing = other.get("/evaluation/upper/").content.decode()
    assert "医院信息化建设" in listing and "一中教学设备购置" not in listing
    # 教科文股 did not organise this check (the performance section did): not its project either.
    business = world.login("business")
    assert business.get(base).status_code == 404
    assert business.post(f"{base}transition/", {"action": "upper_approve"}).status_code == 404
    assert business.get(f"/evaluation/authenticity/{check.pk}/package/").status_code == 404
    # Readers have no such work.
    assert world.login("leader").get("/evaluation/upper/").status_code == 403
    assert world.login("leader").get(base).status_code == 404
    assert world.login("unit_user").get(f"/evaluation/authenticity/{check.pk}/package/").status_code == 403
    assert UpperCheckEvidence.objects.count() == 1
    assert not AuditEvent.objects.filter(event_type="evaluation.upper_evidence_download").exists()
    school.refresh_from_db()
    assert school.status == "pending"


def test_every_post_needs_the_csrf_token(world: World, check: AuthenticityCheck) -> None:
    school = _entry(check, "P-SCHOOL")
    [evidence] = services_upper.upper_evidence_add(
        actor=world.users["unit_user"], entry=school, files=[_file("验收单.pdf")]
    )
    unit = Client(enforce_csrf_checks=True)
    assert unit.login(username=world.users["unit_user"].username, password=TEST_PASSWORD)
    base = f"/evaluation/upper/{school.pk}/"
    assert unit.post(f"{base}evidence/", {"uploads": [_file("x.pdf")]}).status_code == 403
    assert unit.post(f"{base}evidence/{evidence.pk}/delete/").status_code == 403
    assert unit.post(f"{base}transition/", {"action": "upper_submit"}).status_code == 403
    perf = Client(enforce_csrf_checks=True)
    assert perf.login(username=world.users["performance"].username, password=TEST_PASSWORD)
    assert perf.post(f"/evaluation/authenticity/{check.pk}/forward/").status_code == 403
    school.refresh_from_db()
    assert school.status == "pending" and UpperCheckEvidence.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("setup.exe", b"MZ\x90\x00", "只能上传"), ("伪装.pdf", b"MZ\x90\x00", "文件内容与扩展名不符")],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(
    world: World, check: AuthenticityCheck, media: Path, name: str, content: bytes, message: str
) -> None:
    school = _entry(check, "P-SCHOOL")
    response = world.login("unit_user").post(
        f"/evaluation/upper/{school.pk}/evidence/", {"uploads": [_file("验收单.pdf"), _file(name, content)]}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not UpperCheckEvidence.objects.exists() and _stored(media) == []


def test_a_failure_after_the_first_file_is_written_leaves_nothing(
    world: World, check: AuthenticityCheck, media: Path, monkeypatch: Any
) -> None:
    def broken(events: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record_all", broken)
    with pytest.raises(RuntimeError):
        services_upper.upper_evidence_add(
            actor=world.users["unit_user"],
            entry=_entry(check, "P-SCHOOL"),
            files=[_file("a.pdf"), _file("b.xlsx", XLSX)],
        )
    assert not UpperCheckEvidence.objects.exists() and _stored(media) == []


def _pass_all(world: World, check: AuthenticityCheck) -> None:
    for code, persona in (("P-SCHOOL", "unit_user"), ("P-BRANCH", "dept_admin"), ("P-HOSP", "other_unit_user")):
        entry = _entry(check, code)
        actor = world.users[persona]
        rows = row_ids(entry.self_eval)
        services_upper.upper_evidence_add(
            actor=actor, entry=entry, files=[_file("验收单.pdf")], row_id=rows["购置教学设备数量"], note="验收"
        )
        services_upper.upper_evidence_add(actor=actor, entry=entry, files=[_file("验收单.pdf", PDF + b"2")])
        entry = services_upper.entry_transition(actor=actor, entry=entry, action="upper_submit")
        services_upper.entry_transition(actor=world.users["performance"], entry=entry, action="upper_approve")


def test_the_package_holds_every_file_and_the_list_and_forwarding_freezes_the_check(
    world: World, check: AuthenticityCheck, media: Path
) -> None:
    perf = world.login("performance")
    detail = f"/evaluation/authenticity/{check.pk}/"
    # Not every project has passed: no package, no forwarding. Each refusal is the check's page with the reason and
    # its status (400), not a redirect; the page's forms post to the check's own address.
    for early in (perf.get(f"{detail}package/"), perf.post(f"{detail}forward/")):
        assert early.status_code == 400
        text = early.content.decode()
        assert "还有3个项目的印证资料未审核通过" in text and 'data-testid="auth-designate-form"' not in text
        assert text.count('<form method="post" action="/evaluation/authenticity/') >= 2
        assert '<form method="post">' not in text and '<form method="post" class' not in text
    check.refresh_from_db()
    assert check.forwarded_at is None
    with pytest.raises(DomainError, match="未审核通过"):
        services_upper.check_forward(actor=world.users["performance"], check=check)

    _pass_all(world, check)
    assert _titles(world, "performance")["待报送上级的真实性核查"][0] == 1
    page = perf.get(detail).content.decode()
    assert 'data-testid="upper-forward"' in page and 'data-testid="upper-package"' in page

    response = perf.get(f"{detail}package/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = sorted(archive.namelist())
    assert names == [
        "01_P-BRANCH_分校食堂改造/其他资料/验收单.pdf",
        "01_P-BRANCH_分校食堂改造/购置教学设备数量/验收单.pdf",
        "02_P-HOSP_医院信息化建设/其他资料/验收单.pdf",
        "02_P-HOSP_医院信息化建设/购置教学设备数量/验收单.pdf",
        "03_P-SCHOOL_一中教学设备购置/其他资料/验收单.pdf",
        "03_P-SCHOOL_一中教学设备购置/购置教学设备数量/验收单.pdf",
        "印证资料清单.xlsx",
    ]
    assert archive.read("03_P-SCHOOL_一中教学设备购置/购置教学设备数量/验收单.pdf") == PDF
    assert archive.read("03_P-SCHOOL_一中教学设备购置/其他资料/验收单.pdf") == PDF + b"2"
    book = openpyxl.load_workbook(io.BytesIO(archive.read("印证资料清单.xlsx")))
    rows = list(book["印证资料清单"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 6
    school = next(r for r in rows if r[1] == "P-SCHOOL" and r[5] == "购置教学设备数量")
    assert school[2] == "一中教学设备购置" and school[3] == "县第一中学" and school[8] == "验收单.pdf"
    assert school[9] == "03_P-SCHOOL_一中教学设备购置/购置教学设备数量/验收单.pdf"
    assert school[11] == hashlib.sha256(PDF).hexdigest() and school[12] == "验收"
    assert [r[1] for r in book["项目"].iter_rows(min_row=3, values_only=True)] == ["P-BRANCH", "P-HOSP", "P-SCHOOL"]
    downloaded = AuditEvent.objects.get(event_type="evaluation.upper_check_download")
    assert downloaded.changes["sha256"] == [None, hashlib.sha256(body).hexdigest()]
    assert downloaded.changes["files"] == [None, 6]

    assert perf.post(f"{detail}forward/").status_code == 302
    check.refresh_from_db()
    assert check.forwarded_at is not None and check.forwarded_by == world.users["performance"]
    assert AuditEvent.objects.filter(event_type="evaluation.upper_check_forward", object_id=str(check.pk)).exists()
    assert "待报送上级的真实性核查" not in {t for t, (n, _) in _titles(world, "performance").items() if n}
    assert "已报送上级" in perf.get("/evaluation/authenticity/").content.decode()
    # Frozen: no return, no new file, no second forward; the package stays downloadable.
    school_entry = _entry(check, "P-SCHOOL")
    with pytest.raises(ConflictError, match="已报送上级"):
        services_upper.entry_transition(
            actor=world.users["performance"], entry=school_entry, action="upper_return", comment="再补充"
        )
    with pytest.raises(ConflictError, match="已报送上级"):
        services_upper.upper_evidence_add(actor=world.users["unit_user"], entry=school_entry, files=[_file("x.pdf")])
    with pytest.raises(ConflictError, match="已报送上级"):
        services_upper.check_forward(actor=world.users["performance"], check=check)
    unit_page = world.login("unit_user").get(f"/evaluation/upper/{school_entry.pk}/").content.decode()
    assert 'data-testid="upper-actions"' not in unit_page and 'data-testid="evidence-upload"' not in unit_page
    assert perf.get(f"{detail}package/").status_code == 200


def test_a_file_changed_on_disk_is_not_packaged(world: World, check: AuthenticityCheck, media: Path) -> None:
    _pass_all(world, check)
    stored = UpperCheckEvidence.objects.order_by("id").first()
    assert stored is not None
    Path(stored.file.path).write_bytes(PDF + b"tampered")
    with pytest.raises(DomainError, match="校验值不符"):
        services_upper.check_package(actor=world.users["performance"], check=check)
    assert not AuditEvent.objects.filter(event_type="evaluation.upper_check_download").exists()


def test_control_characters_in_the_texts_do_not_break_the_package_list(
    world: World, check: AuthenticityCheck, media: Path
) -> None:
    """A 实际完成值, a file's 说明 or a review opinion pasted with a control character (\\x01, \\x1b) is written to the
    印证资料清单 without it (openpyxl refuses the character: the download was a 500)."""
    _pass_all(world, check)
    school = _entry(check, "P-SCHOOL")
    school.self_eval.indicators.filter(name="购置教学设备数量").update(actual_text="120\x01台")
    UpperCheckEvidence.objects.filter(entry=school, note="验收").update(note="验\x1b收")
    UpperCheckProject.objects.filter(pk=school.pk).update(review_opinion="齐全\x07")
    package = services_upper.check_package(actor=world.users["performance"], check=check)
    try:
        archive = zipfile.ZipFile(package.file)
        book = openpyxl.load_workbook(io.BytesIO(archive.read("印证资料清单.xlsx")))
    finally:
        package.file.close()
    rows = list(book["印证资料清单"].iter_rows(min_row=3, values_only=True))
    row = next(r for r in rows if r[1] == "P-SCHOOL" and r[5] == "购置教学设备数量")
    assert (row[7], row[12], row[17]) == ("120台", "验收", "齐全")


def test_the_deadline_cannot_be_in_the_past(world: World) -> None:
    with pytest.raises(DomainError, match="截止日期"):
        services_reeval.check_create(
            actor=world.users["performance"],
            fiscal_year=YEAR,
            upper_level_request=True,
            materials_deadline=date(2000, 1, 1),
        )


def test_a_past_deadline_on_the_page_is_named_at_its_box(world: World) -> None:
    """The 新建核查 form refuses a 印证资料报送截止日期 already past under that box (400, what was typed kept), not only
    in a message above the form; nothing is created."""
    past = timezone.localdate() - timedelta(days=5)
    response = world.login("performance").post(
        "/evaluation/authenticity/",
        {
            "fiscal_year": YEAR,
            "title": "上级核查",
            "upper_level_request": "on",
            "materials_deadline": f"{past:%Y-%m-%d}",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'value="上级核查"' in body
    box = body[body.index('name="materials_deadline"') :].split("</div>", 1)[0]
    assert f"印证资料报送截止日期不能早于今天（{timezone.localdate():%Y-%m-%d}）" in box
    assert not AuthenticityCheck.objects.exists()
