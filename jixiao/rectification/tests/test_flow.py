"""The rectification flow (issue 7 item 2): notice issued with its 整改通知书 → the unit answers with a report →
returned → answered again → closed with the section's 预算调整意见; scoping, bad input and audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.documents.models import OfficialDocument
from jixiao.rectification import selectors, services
from jixiao.rectification.models import FeedbackFile, Rectification, RectificationLetter
from jixiao.rectification.tests.helpers import YEAR, draft_case, issued_case, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_full_flow_with_return_and_resubmit(world: World) -> None:
    rect = draft_case(world)
    assert rect.status == "draft" and rect.unit == world.school and rect.findings.count() == 1
    perf = world.login("performance")
    response = perf.post(f"/rectification/{rect.pk}/issue/", {"requirements": "", "deadline": ""})
    assert response.status_code == 400 and "整改要求" in response.content.decode()
    deadline = timezone.localdate() + timedelta(days=15)
    response = perf.post(
        f"/rectification/{rect.pk}/issue/", {"requirements": "规范资金支付", "deadline": deadline.isoformat()}
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "issued" and rect.deadline == deadline and rect.issued_at is not None
    notice = RectificationLetter.objects.get(rectification=rect, kind="NOTICE")
    document = OfficialDocument.objects.get(pk=notice.document_id)
    assert document.doc_type == "RECTIFICATION_NOTICE" and document.doc_no == notice.doc_no and "〔" in notice.doc_no
    assert document.feedback_deadline == deadline and "项目资金未按合同约定支付" in document.body
    assert list(document.recipients.values_list("unit_id", flat=True)) == [world.school.pk]

    unit = world.login("unit_user")
    page = unit.get(f"/rectification/{rect.pk}/").content.decode()
    assert notice.doc_no in page and "提交整改反馈" in page
    response = unit.post(
        f"/rectification/{rect.pk}/feedback/", {"measures": "已规范支付并收回结余资金", "reports": pdf()}
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "feedback_submitted" and FeedbackFile.objects.filter(rectification=rect).count() == 1

    business = world.login("business")
    response = business.post(f"/rectification/{rect.pk}/return/", {"reason": ""})
    assert response.status_code == 400
    response = business.post(f"/rectification/{rect.pk}/return/", {"reason": "结余资金上缴凭证缺失"})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "returned" and rect.returned_count == 1 and rect.review_opinion == "结余资金上缴凭证缺失"
    assert "结余资金上缴凭证缺失" in unit.get(f"/rectification/{rect.pk}/").content.decode()

    response = unit.post(
        f"/rectification/{rect.pk}/feedback/", {"measures": "补充上缴凭证", "reports": pdf("凭证.pdf")}
    )
    assert response.status_code == 302
    response = business.post(
        f"/rectification/{rect.pk}/close/", {"opinion": "整改到位", "fin_adjust_advice": "下年度按实际需要安排"}
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.rectify_end and rect.closed_on_time
    assert rect.fin_adjust_advice == "下年度按实际需要安排"
    actions = [e.action for e in selectors.events_of(rect)]
    assert actions == ["create", "issue", "submit_feedback", "return", "submit_feedback", "close"]
    events = set(
        AuditEvent.objects.filter(object_type="rectification.rectification", object_id=str(rect.pk)).values_list(
            "event_type", flat=True
        )
    )
    assert {
        "rectification.create",
        "rectification.issue",
        "rectification.letter_notice",
        "rectification.submit_feedback",
        "rectification.return",
        "rectification.close",
    } <= events
    # The feedback file downloads for the reviewer, under its original name.
    file_row = FeedbackFile.objects.filter(rectification=rect).first()
    assert file_row is not None
    download = business.get(f"/rectification/{rect.pk}/files/{file_row.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    summary = selectors.rectification_summary(world.users["performance"], YEAR)
    assert summary["total"] == 1 and summary["closed"] == 1 and summary["closed_on_time"] == 1
    assert selectors.open_rectification_project_ids(YEAR) == set()
    # 其中按期办结 opens the cases closed on time (the list's 仅按期办结), from the statistics and the dashboard.
    on_time = business.get("/rectification/", {"year": YEAR, "status": "closed", "on_time": "on"})
    assert on_time.context["page"].paginator.count == 1
    rect.closed_on_time = False
    rect.save(update_fields=["closed_on_time"])
    late = business.get("/rectification/", {"year": YEAR, "status": "closed", "on_time": "on"})
    assert late.context["page"].paginator.count == 0
    statistics = business.get("/rectification/statistics/", {"year": YEAR}).content.decode()
    assert "status=closed&on_time=on" in statistics


def test_bad_upload_is_refused_in_chinese_and_nothing_is_stored(world: World) -> None:
    rect = issued_case(world)
    unit = world.login("unit_user")
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "已整改", "reports": fake})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    exe = SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "已整改", "reports": exe})
    assert response.status_code == 400 and "只能上传" in response.content.decode()
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "已整改"})
    assert response.status_code == 400 and "请上传问题整改报告" in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "issued" and rect.feedback_measures == ""
    assert not FeedbackFile.objects.filter(rectification=rect).exists()


def test_scoping_404_for_others_and_403_without_capability(world: World) -> None:
    school = issued_case(world)
    hospital = issued_case(world, world.hospital_project)
    assert world.login("other_unit_user").get(f"/rectification/{school.pk}/").status_code == 404
    assert world.login("other_unit_user").get(f"/rectification/{hospital.pk}/").status_code == 200
    assert world.login("dept_admin").get(f"/rectification/{school.pk}/").status_code == 200
    # The business section (教科文股) sees its 对口 department only.
    assert world.login("business").get(f"/rectification/{hospital.pk}/").status_code == 404
    assert world.login("leader").get(f"/rectification/{hospital.pk}/").status_code == 200
    assert world.login("expert").get("/rectification/").status_code == 403
    # The other unit cannot answer someone else's case, even by posting directly.
    response = world.login("other_unit_user").post(f"/rectification/{school.pk}/feedback/", {"measures": "x"})
    assert response.status_code == 404
    assert world.login("unit_user").post(f"/rectification/{school.pk}/close/", {}).status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.rectification_sweep(actor=world.users["unit_user"])
    with pytest.raises(PermissionDeniedError):
        services.finding_create_manual(actor=world.users["dept_admin"], data={})
    listing = world.login("unit_user").get("/rectification/").content.decode()
    assert school.title in listing and "医院信息化建设" not in listing
    unit_cases = selectors.rectifications_filtered(world.users["unit_user"], {})
    assert [r.pk for r in unit_cases] == [school.pk]


def test_bad_input_is_refused_and_stale_state_conflicts(world: World) -> None:
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="考核或审计"):
        services.finding_create_manual(actor=perf, data={"source_type": "SELF_EVAL", "description": "x"})
    with pytest.raises(DomainError, match="问题描述"):
        services.finding_create_manual(actor=perf, data={"source_type": "AUDIT", "description": " "})
    rect = draft_case(world)
    with pytest.raises(DomainError, match="晚于今天"):
        services.rectification_issue(actor=perf, rectification=rect, requirements="整改", deadline=timezone.localdate())
    stale = Rectification.objects.get(pk=rect.pk)
    services.rectification_issue(actor=perf, rectification=rect, requirements="整改")
    with pytest.raises(ConflictError):
        services.rectification_issue(actor=perf, rectification=stale, requirements="整改")
    # Without a deadline the region's rule gives one: 20 working days by default.
    rect.refresh_from_db()
    assert rect.deadline is not None and rect.deadline > timezone.localdate() + timedelta(days=20)
    assert Rectification.objects.count() == 1 and RectificationLetter.objects.count() == 1


def test_department_level_finding_is_addressed_to_the_department(world: World) -> None:
    rect = services.finding_create_manual(
        actor=world.users["performance"],
        data={
            "fiscal_year": YEAR,
            "source_type": "APPRAISAL",
            "department": world.edu,
            "category": "OTHER",
            "severity": "MEDIUM",
            "description": "2025年度考核中绩效自评覆盖率未达到要求",
        },
    )
    assert rect.unit is None and rect.department == world.edu and rect.addressee == world.edu
    assert world.login("dept_admin").get(f"/rectification/{rect.pk}/").status_code == 404  # not issued yet
    services.rectification_issue(actor=world.users["performance"], rectification=rect, requirements="提高覆盖率")
    assert world.login("dept_admin").get(f"/rectification/{rect.pk}/").status_code == 200
    assert world.login("unit_user").get(f"/rectification/{rect.pk}/").status_code == 404
    document = OfficialDocument.objects.get(pk=RectificationLetter.objects.get(rectification=rect).document_id)
    assert list(document.recipients.values_list("department_id", flat=True)) == [world.edu.pk]


def test_the_unit_answers_the_notice_once_through_the_case(world: World) -> None:
    """The 整改通知书 asks for feedback by the deadline; the unit's 整改反馈 on the case is that answer, so the
    notice leaves 我收到的文书 → 待反馈 instead of asking the unit to answer the same thing a second time."""
    rect = issued_case(world)
    notice = RectificationLetter.objects.get(rectification=rect, kind="NOTICE")
    unit = world.login("unit_user")
    assert notice.doc_no in unit.get("/documents/inbox/?feedback=1").content.decode()
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "已规范支付", "reports": pdf()})
    assert response.status_code == 302
    document = OfficialDocument.objects.get(pk=notice.document_id)
    row = document.recipients.get()
    assert row.feedback_at is not None and row.read_at is not None and "已规范支付" in row.feedback_text
    assert document.status == "feedback_received"
    assert notice.doc_no not in unit.get("/documents/inbox/?feedback=1").content.decode()
    # Returned and answered again: the notice keeps its first answer, the case takes the new one.
    world.login("business").post(f"/rectification/{rect.pk}/return/", {"reason": "凭证缺失"})
    response = unit.post(f"/rectification/{rect.pk}/feedback/", {"measures": "补充凭证", "reports": pdf("凭证.pdf")})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "feedback_submitted" and document.recipients.get().feedback_text == row.feedback_text


def test_each_step_says_what_was_done_not_a_generic_success(world: World) -> None:
    """下达, 提交整改反馈, 退回 and 办结 all answered “操作成功”: the message now names the step taken."""
    rect = draft_case(world)
    finance, unit = world.login("performance"), world.login("unit_user")

    def said(client: Any, step: str, data: dict[str, Any]) -> str:
        response = client.post(f"/rectification/{rect.pk}/{step}/", data, follow=True)
        assert response.status_code == 200
        return response.content.decode()

    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    page = said(finance, "issue", {"document": "NOTICE", "requirements": "规范资金支付", "deadline": deadline})
    assert "整改事项已下达，整改通知书已印发" in page and "操作成功" not in page
    page = said(unit, "feedback", {"measures": "已规范支付", "reports": pdf()})
    assert "整改反馈已提交，待财政审核" in page
    assert "已退回重新整改" in said(finance, "return", {"reason": "报告未附凭证"})
    said(unit, "feedback", {"measures": "已补充凭证", "reports": pdf()})
    assert "整改已审核通过，事项办结" in said(finance, "close", {"opinion": "整改到位"})
