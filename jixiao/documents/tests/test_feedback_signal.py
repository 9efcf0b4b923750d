"""The stages above documents learn of an answer through `signals.document_feedback_given` (documents cannot import
them), and the 提醒敦促函's last sentence is the {consequence} placeholder with the old wording as its default."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jixiao.documents import services
from jixiao.documents.forms import DraftForm
from jixiao.documents.models import DocType, DocumentTemplate
from jixiao.documents.signals import document_feedback_given

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("jixiao.documents.migrations.0004_reminder_consequence")


@pytest.fixture
def heard() -> Any:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    document_feedback_given.connect(receiver, dispatch_uid="test_feedback_signal")
    yield calls
    document_feedback_given.disconnect(dispatch_uid="test_feedback_signal")


def test_an_answer_is_told_to_the_stages_with_its_text_and_file(world: Any, issue_notice: Any, heard: Any) -> None:
    doc = issue_notice(world.school, feedback_deadline=timezone.localdate())
    upload = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 minimal", content_type="application/pdf")
    response = world.login("unit_user").post(f"/documents/{doc.pk}/feedback/", {"text": "已整改", "file": upload})
    assert response.status_code == 302
    [call] = heard
    assert call["document"].pk == doc.pk and call["actor"] == world.users["unit_user"]
    assert (call["text"], call["file_name"], call["from_elsewhere"]) == ("已整改", "整改报告.pdf", False)
    assert call["recipient"].pk == doc.recipients.get().pk


def test_an_answer_from_the_stage_says_so(world: Any, issue_notice: Any, heard: Any) -> None:
    doc = issue_notice(world.school, feedback_deadline=timezone.localdate())
    services.feedback_from_elsewhere(actor=world.users["unit_user"], document_id=doc.pk, text="已在问题整改中反馈")
    [call] = heard
    assert call["from_elsewhere"] is True and call["text"] == "已在问题整改中反馈"


def test_a_refused_answer_tells_nobody(world: Any, issue_notice: Any, heard: Any) -> None:
    doc = issue_notice(world.school, feedback_deadline=timezone.localdate())
    assert world.login("unit_user").post(f"/documents/{doc.pk}/feedback/", {"text": ""}).status_code == 400
    assert heard == [] and doc.recipients.get().feedback_at is None


def test_the_reminder_letter_names_the_default_consequence_unless_given(world: Any) -> None:
    default = DocumentTemplate.objects.get(doc_type=DocType.REMINDER_LETTER, region=None)
    assert "逾期仍未办理的，{consequence}，并将有关情况纳入预算绩效管理工作考核" in default.body

    def draft(**context: str) -> Any:
        return services.document_draft(
            actor=world.users["performance"],
            doc_type=DocType.REMINDER_LETTER,
            region=world.region,
            recipients=[world.school],
            context={"subject": "绩效监控填报", "problems": "逾期未报送", **context},
            fiscal_year=2026,
        )

    plain = draft()
    assert "逾期仍未办理的，我局将按规定进行约谈，" in plain.body and "【待填写：逾期后果】" not in plain.body
    assert plain.context["consequence"] == "我局将按规定进行约谈"
    given = draft(consequence="我局将按规定暂缓拨付资金")
    assert "逾期仍未办理的，我局将按规定暂缓拨付资金，" in given.body and "进行约谈" not in given.body
    # A document whose template does not ask for it carries no such value.
    notice = services.document_draft(
        actor=world.users["performance"],
        doc_type=DocType.RECTIFICATION_NOTICE,
        region=world.region,
        recipients=[world.school],
        context={"subject": "x"},
        fiscal_year=2026,
    )
    assert "consequence" not in notice.context


def test_the_draft_form_offers_the_consequence_with_its_default(world: Any) -> None:
    form = DraftForm(used={DocType.REMINDER_LETTER: ["consequence", "problems"]})
    field = form.fields["consequence"]
    assert field.label == "逾期仍未办理的后果" and "留空时为“我局将按规定进行约谈”" in field.help_text


def test_the_migration_changes_only_unedited_rows(world: Any) -> None:
    DocumentTemplate.objects.filter(doc_type=DocType.REMINDER_LETTER, region=None).update(body=MIGRATION.OLD)
    edited = MIGRATION.OLD.replace("进行约谈", "通报批评")
    DocumentTemplate.objects.create(
        doc_type=DocType.REMINDER_LETTER, region=world.region, title_pattern="关于{subject}的提醒敦促函", body=edited
    )
    MIGRATION.forwards(apps, None)
    default = DocumentTemplate.objects.get(doc_type=DocType.REMINDER_LETTER, region=None)
    assert default.body == MIGRATION.NEW
    assert DocumentTemplate.objects.get(doc_type=DocType.REMINDER_LETTER, region=world.region).body == edited
    MIGRATION.forwards(apps, None)  # re-runnable: nothing left to change
    assert DocumentTemplate.objects.get(pk=default.pk).version == default.version
