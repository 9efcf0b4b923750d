"""Issuing, numbering, rendering and receipts of official documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.documents import selectors, services
from jixiao.documents.models import DocType, DocumentSeries, DocumentStatus, OfficialDocument

pytestmark = pytest.mark.django_db


def test_issue_assigns_the_next_number_of_the_series_and_year(world: Any, issue_notice: Any) -> None:
    year = timezone.localdate().year
    first = issue_notice()
    second = issue_notice(doc_type=DocType.OPINION_LETTER)
    assert first.doc_no == f"渠财绩〔{year}〕1号"
    assert second.doc_no == f"渠财绩〔{year}〕2号"
    assert first.status == second.status == DocumentStatus.ISSUED
    assert first.series == second.series == DocumentSeries.objects.get(region=world.region, doc_type="")


def test_a_type_with_its_own_series_counts_separately(world: Any, issue_notice: Any) -> None:
    services.series_save(
        actor=world.users["performance"], doc_type=DocType.INTERVIEW_SUMMONS, abbrev="渠财约", issuer_name="渠县财政局"
    )
    issue_notice()
    summons = issue_notice(doc_type=DocType.INTERVIEW_SUMMONS)
    assert summons.doc_no == f"渠财约〔{timezone.localdate().year}〕1号"


def test_the_database_refuses_a_duplicate_number(world: Any, issue_notice: Any) -> None:
    first = issue_notice()
    second = issue_notice()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficialDocument.objects.filter(pk=second.pk).update(doc_seq=first.doc_seq)


def test_body_is_rendered_with_context_and_missing_values_are_marked(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    assert doc.body.startswith("县第一中学：")
    assert "1.绩效目标未细化量化" in doc.body
    assert "【待填写：办理期限】" in doc.body  # no deadline in the context: a visible marker, no crash
    assert "渠县财政局" in doc.body
    assert doc.title == "关于一中教学设备购置问题限期整改的通知"
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in doc.body
    assert "{" not in doc.body


def test_draft_has_no_number_until_issued(world: Any) -> None:
    perf = world.users["performance"]
    context = {
        "subject": "监控表报送",
        "problems": "监控表逾期未报送",
        "deadline": "2026年12月31日",
        "requirements": "报送监控表",
        "contact": "绩效股 0818-7200000",
    }
    draft = services.document_draft(
        actor=perf, doc_type=DocType.REMINDER_LETTER, region=world.region, recipients=[world.edu], context=context
    )
    assert draft.status == DocumentStatus.DRAFT and draft.doc_no == ""
    assert "{date}" in draft.body  # filled at issue
    issued = services.document_issue_draft(actor=perf, document=draft)
    assert issued.doc_no.endswith("1号")
    assert "{date}" not in issued.body
    with pytest.raises(ConflictError):
        services.document_issue_draft(actor=perf, document=issued)


def test_issue_needs_a_recipient_and_nothing_is_half_written(world: Any) -> None:
    with pytest.raises(DomainError, match="主送单位"):
        services.document_issue(
            actor=world.users["performance"],
            doc_type=DocType.REMINDER_LETTER,
            region=world.region,
            recipients=[],
            context={},
        )
    assert not OfficialDocument.objects.exists()


def test_recipient_outside_the_region_is_refused(world: Any) -> None:
    with pytest.raises(DomainError, match="不在发文区划"):
        services.document_issue(
            actor=world.users["performance"],
            doc_type=DocType.REMINDER_LETTER,
            region=world.region,
            recipients=[world.far_unit],
            context={},
        )


def test_unit_cannot_issue_and_other_region_is_not_found(world: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.document_issue(
            actor=world.users["unit_user"],
            doc_type=DocType.REMINDER_LETTER,
            region=world.region,
            recipients=[world.school],
            context={},
        )
    with pytest.raises(NotFoundError):
        services.document_issue(
            actor=world.users["performance"],
            doc_type=DocType.REMINDER_LETTER,
            region=world.other_region,
            recipients=[world.far_unit],
            context={},
        )


def test_system_actor_may_issue_and_is_audited(world: Any) -> None:
    doc = services.document_issue(
        actor=None,
        doc_type=DocType.REMINDER_LETTER,
        region=world.region,
        recipients=[world.school],
        context={"problems": "红色预警未处置"},
        related=world.school_project,
    )
    assert doc.related == world.school_project
    assert AuditEvent.objects.filter(event_type="documents.issue", object_id=str(doc.pk)).exists()


def test_read_receipts_and_feedback_move_the_document(world: Any, issue_notice: Any) -> None:
    doc = issue_notice(world.school, world.hospital, feedback_deadline=dt.date(2026, 12, 31))
    unit, other = world.users["unit_user"], world.users["other_unit_user"]
    services.document_mark_read(actor=unit, document=doc)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.ISSUED
    services.document_mark_read(actor=other, document=doc)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READ
    row = doc.recipients.get(unit=world.school)
    assert row.read_by == unit and row.read_at is not None
    pdf = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    services.document_feedback(actor=unit, document=doc, text="已整改", upload=pdf)
    services.document_feedback(actor=other, document=doc, text="已整改完毕")
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FEEDBACK_RECEIVED
    assert doc.recipients.get(unit=world.school).feedback_file_name == "整改报告.pdf"
    with pytest.raises(ConflictError):
        services.document_feedback(actor=unit, document=doc, text="再次反馈")
    services.document_close(actor=world.users["performance"], document=doc, comment="整改完成")
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.CLOSED
    events = set(AuditEvent.objects.filter(object_id=str(doc.pk)).values_list("event_type", flat=True))
    assert {"documents.issue", "documents.read", "documents.feedback", "documents.close"} <= events


def test_feedback_file_must_match_its_extension(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError, match="文件内容与扩展名不符"):
        services.document_feedback(actor=world.users["unit_user"], document=doc, text="见附件", upload=fake)
    assert doc.recipients.get().feedback_at is None
    with pytest.raises(DomainError, match="请填写反馈内容"):
        services.document_feedback(actor=world.users["unit_user"], document=doc, text=" ")


def test_other_unit_cannot_sign_or_answer(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    with pytest.raises(NotFoundError):
        services.document_mark_read(actor=world.users["other_unit_user"], document=doc)
    with pytest.raises(NotFoundError):
        services.document_feedback(actor=world.users["other_unit_user"], document=doc, text="x")


def test_finance_opening_does_not_sign_for_the_unit(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    assert services.document_mark_read(actor=world.users["performance"], document=doc) is None
    assert doc.recipients.get().read_at is None


def test_document_counts_per_type(world: Any, issue_notice: Any) -> None:
    doc = issue_notice()
    issue_notice(doc_type=DocType.OPINION_LETTER)
    issue_notice(fiscal_year=2025)
    services.document_feedback(actor=world.users["unit_user"], document=doc, text="已整改")
    counts = selectors.document_counts(world.users["performance"], 2026)
    assert counts["RECTIFICATION_NOTICE"] == {"issued": 1, "read": 1, "feedback_done": 1}
    assert counts["OPINION_LETTER"] == {"issued": 1, "read": 0, "feedback_done": 0}
    assert counts["ANNUAL_REPORT"] == {"issued": 0, "read": 0, "feedback_done": 0}
    assert selectors.document_counts(world.users["other_unit_user"], 2026)["RECTIFICATION_NOTICE"]["issued"] == 0
