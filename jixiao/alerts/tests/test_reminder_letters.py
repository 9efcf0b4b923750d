"""An overdue 预警处置 case drafts a 提醒敦促函 in 文书管理: addressed to the project's unit, with a feedback deadline
of the escalation day plus the region's configured days (national default 5). The 绩效股 issues it; the unit then
receives and answers it. Another unit sees neither the case nor the document."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from docx import Document

from jixiao.alerts import services
from jixiao.alerts.letters import draft_missing
from jixiao.alerts.models import ReminderLetter, WarningCase, WarningSetting
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import issue_letter, pay, use_sichuan
from jixiao.core.errors import ConflictError
from jixiao.core.models import AuditEvent
from jixiao.core.todos import for_user
from jixiao.documents.documents import render_docx
from jixiao.documents.models import DocType, DocumentStatus, OfficialDocument
from jixiao.projects.models import Project

AS_OF = date(2026, 9, 4)
DUE = date(2026, 9, 18)  # 10 working days after AS_OF
ESCALATED = DUE + timedelta(days=1)


@pytest.fixture
def case(library: Any) -> WarningCase:
    use_sichuan(library.region)
    pay(library.school_project, "50000", date(2026, 3, 1))
    sweep_region(library.region, 2026, AS_OF)
    found = WarningCase.objects.get(project=library.school_project, rule_code="W-EXEC-RATIO")
    assert found.due_date == DUE
    return found


def _documents_of(case: WarningCase) -> Any:
    return OfficialDocument.objects.filter(
        related_type=ContentType.objects.get_for_model(WarningCase), related_id=str(case.pk)
    )


def test_escalation_drafts_one_reminder_letter_with_the_default_deadline(library: Any, case: WarningCase) -> None:
    assert services.escalate_overdue(today=ESCALATED) == 6
    letter = ReminderLetter.objects.get(case=case)
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert (document.doc_type, document.status, document.doc_no) == (DocType.REMINDER_LETTER, DocumentStatus.DRAFT, "")
    assert document.region == library.region and document.fiscal_year == 2026
    assert document.created_by is None  # the system drafted it
    assert letter.status == ReminderLetter.Status.DRAFTED
    assert letter.feedback_deadline == document.feedback_deadline == ESCALATED + timedelta(days=5)
    assert letter.title == document.title == "关于一中教学设备购置预警处置逾期的提醒敦促函"
    assert [r.unit for r in document.recipients.all()] == [library.school_project.unit]
    context = document.context
    assert (context["recipient"], context["unit"], context["project"]) == (
        "县第一中学",
        "县第一中学",
        "一中教学设备购置",
    )
    assert context["deadline"] == "2026年9月24日"
    assert "执行进度" in context["problems"] and "红灯" in context["problems"]
    assert "要求于2026年9月18日前说明预警原因并提出处置建议" in context["problems"]
    assert "截至2026年9月19日已逾期1天仍未报送" in context["problems"]
    assert "该项目已暂停拨付" in context["problems"]  # the rule's on_timeout is SUSPEND_PAYMENT
    assert "【待填写" not in document.body and "县第一中学：" in document.body
    assert "逾期仍未办理的，我局将按规定进行约谈，" in document.body  # the template's default consequence
    assert AuditEvent.objects.filter(event_type="alerts.case_escalate", object_id=str(case.pk)).exists()
    assert AuditEvent.objects.filter(event_type="documents.draft", object_id=str(document.pk)).exists()
    # The project's two overdue cases share one letter: one document per unit, not one per case.
    other = WarningCase.objects.get(project=library.school_project, rule_code="W-EXEC-CHECKPOINT")
    assert ReminderLetter.objects.get(case=other).document_id == document.pk
    assert context["problems"].count("预警规则：") == 2
    # The unit reads the rules by their names, no codes: in the letter and in its 关联 line.
    assert "预警规则：预算执行预警；" in context["problems"] and "W-EXEC" not in document.body
    assert document.related_repr == "预警处置：一中教学设备购置（预算执行预警）"

    # A second run escalates nothing and drafts nothing.
    assert services.escalate_overdue(today=ESCALATED + timedelta(days=3)) == 0
    assert draft_missing(today=ESCALATED + timedelta(days=3), region=None, feedback_days=lambda *_: 5) == 0
    assert ReminderLetter.objects.filter(case=case).count() == 1
    assert _documents_of(case).count() == 1


def test_the_regions_setting_row_overrides_the_default_days(library: Any, case: WarningCase) -> None:
    client = library.login("performance")
    response = client.post(
        "/alerts/rules/profile/", {"fiscal_year": "2026", "profile": "sichuan_2025", "reminder_feedback_days": "8"}
    )
    assert response.status_code == 302
    row = WarningSetting.objects.get(region=library.region, fiscal_year=2026)
    assert (row.profile, row.reminder_feedback_days) == ("sichuan_2025", 8)
    saved = AuditEvent.objects.filter(event_type="alerts.setting_save", object_id=str(row.pk)).get()
    assert saved.changes["reminder_feedback_days"] == [None, 8]
    page = client.get("/alerts/rules/?fiscal_year=2026").content.decode()
    assert 'data-testid="reminder-days-in-force">8<' in page and "提醒敦促函8日内反馈" in page
    # The row of every year (from use_sichuan) keeps the national default; the 2026 row wins for 2026.
    assert WarningSetting.objects.get(region=library.region, fiscal_year=None).reminder_feedback_days == 5
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    assert letter.feedback_deadline == ESCALATED + timedelta(days=8)
    assert OfficialDocument.objects.get(pk=letter.document_id).context["deadline"] == "2026年9月27日"


def test_a_wrong_number_of_days_is_refused_and_saves_nothing(library: Any) -> None:
    client = library.login("performance")
    response = client.post("/alerts/rules/profile/", {"profile": "sichuan_2025", "reminder_feedback_days": "0"})
    # The rules page again with the reason and 400 (not a redirect), the days as typed.
    assert response.status_code == 400
    assert not WarningSetting.objects.filter(region=library.region).exists()
    page = response.content.decode()
    assert "提醒敦促函反馈期限（日）：确保该值大于或等于" in page and 'name="reminder_feedback_days" value="0"' in page
    # Leaving the days empty keeps the row's value (a new row: the national default).
    client.post("/alerts/rules/profile/", {"profile": "sichuan_2025", "reminder_feedback_days": ""})
    assert WarningSetting.objects.get(region=library.region, fiscal_year=None).reminder_feedback_days == 5


def test_finance_issues_the_letter_and_the_unit_receives_it(library: Any, case: WarningCase) -> None:
    w = library
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    doc_url = f"/documents/{letter.document_id}/"
    finance = w.login("performance")
    page = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-letters"' in page and letter.title in page
    assert 'data-testid="letter-status">待印发<' in page and "2026-09-24" in page and f'href="{doc_url}"' in page
    assert "请审核后" in page
    todos = {i.title: i for i in for_user(w.users["performance"])}
    assert todos["文书草稿待印发"].count >= 1
    assert todos["文书草稿待印发"].hint == "核对文书内容后编号印发"
    # The draft is finance's: the unit sees neither it nor its line on the case page yet.
    unit = w.login("unit_user")
    assert unit.get(doc_url).status_code == 404
    assert 'data-testid="case-letters"' not in unit.get(f"/alerts/cases/{case.pk}/").content.decode()

    issue_letter(w, letter.document_id)
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.status == DocumentStatus.ISSUED and document.doc_no
    # The 绩效股 also receives documents (from the region above), but it sent this one: not told to sign or answer it.
    assert 'data-testid="letter-hint"' not in finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    page = unit.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert f'data-testid="letter-status">已印发 {document.doc_no}<' in page and f'href="{doc_url}"' in page
    assert "本函所列2项预警均说明后，即作为对提醒敦促函的反馈" in page  # the project's two cases share the letter
    assert letter.title in unit.get("/documents/inbox/").content.decode()
    unit_todos = {i.title: i for i in for_user(w.users["unit_user"])}
    assert unit_todos["文书待反馈"].count == 1
    assert unit.get(doc_url).status_code == 200  # opening signs the receipt
    # Answering the letter's cases answers the letter, with the last of them: one obligation, answered once.
    other = WarningCase.objects.get(project=w.school_project, rule_code="W-EXEC-CHECKPOINT")
    services.case_respond(
        actor=w.users["unit_user"], case=other, explanation="节点延后", option="CONTINUE", amount_yuan=None
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.READ  # the letter's other case still waits
    response = unit.post(
        f"/alerts/cases/{case.pk}/respond/",
        {"explanation": "设备招标延后", "option": "ADJUST_DOWN", "amount_yuan": "15"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.FEEDBACK_RECEIVED
    row = document.recipients.get()
    assert row.feedback_text == (
        "已在预警处置中说明原因并提出处置建议：2项预警均已说明，最后一项：设备招标延后（建议：调减15.00万元）"
    )
    assert not [i for i in for_user(w.users["unit_user"]) if i.title == "文书待反馈" and i.count]
    page = finance.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="letter-status">已反馈' in page and 'data-testid="letter-hint"' not in page

    text = "\n".join(p.text for p in Document(io.BytesIO(render_docx(document))).paragraphs)
    assert document.doc_no in text and "县第一中学：" in text
    assert "你单位以下项目在2026年度预算绩效运行监控中触发红灯预警，逾期未报送处置说明" in text
    assert "1. 一中教学设备购置（项目编码P-SCHOOL）：预警规则" in text and "\n2. 一中教学设备购置" in text
    assert "请你单位于2026年9月24日前通过预算绩效管理信息系统逐项说明红灯预警原因并提出处置建议" in text


def test_a_letter_answered_in_documents_first_is_not_answered_twice(library: Any, case: WarningCase) -> None:
    w = library
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    issue_letter(w, letter.document_id)
    unit = w.login("unit_user")
    assert unit.post(f"/documents/{letter.document_id}/feedback/", {"text": "正在核实"}).status_code == 302
    # The letter's answer is the cases' 说明 (alerts.receivers.letter_answered): the case waits for finance now.
    case.refresh_from_db()
    assert (case.status, case.explanation) == ("PROPOSED", "正在核实")
    # The unit may still add its proposal (a holding reply does not cost it that), once; the letter keeps its answer.
    services.case_respond(actor=w.users["unit_user"], case=case, explanation="x", option="CONTINUE", amount_yuan=None)
    with pytest.raises(ConflictError):
        services.case_respond(
            actor=w.users["unit_user"], case=case, explanation="y", option="CONTINUE", amount_yuan=None
        )
    row = OfficialDocument.objects.get(pk=letter.document_id).recipients.get()
    assert row.feedback_text == "正在核实"


def test_a_department_answering_for_its_unit_does_not_answer_the_units_letter(library: Any, case: WarningCase) -> None:
    w = library
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    issue_letter(w, letter.document_id)
    for item in ReminderLetter.objects.filter(document_id=letter.document_id).select_related("case"):
        services.case_respond(
            actor=w.users["dept_admin"], case=item.case, explanation="y", option="CONTINUE", amount_yuan=None
        )
    assert OfficialDocument.objects.get(pk=letter.document_id).recipients.get().feedback_at is None


def test_another_unit_sees_neither_the_case_nor_its_letter(library: Any, case: WarningCase) -> None:
    w = library
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    issue_letter(w, letter.document_id)
    other = w.login("other_unit_user")
    assert other.get(f"/documents/{letter.document_id}/").status_code == 404
    assert other.get(f"/documents/{letter.document_id}/docx/").status_code == 404
    assert other.get(f"/alerts/cases/{case.pk}/").status_code == 404
    assert letter.title not in other.get("/documents/inbox/").content.decode()


def test_a_placeholder_escalated_before_stays_shown_without_a_document(library: Any, case: WarningCase) -> None:
    ReminderLetter.objects.create(
        project=case.project, fiscal_year=2026, case=case, title="关于一中教学设备购置预警处置逾期的提醒敦促函"
    )
    page = library.login("unit_user").get(f"/alerts/cases/{case.pk}/").content.decode()
    assert 'data-testid="letter-status">待生成<' in page
    assert services.escalate_overdue(today=ESCALATED) == 6  # the case's letter exists: no second one
    assert ReminderLetter.objects.filter(case=case).count() == 1 and not _documents_of(case).exists()


def test_a_letter_that_cannot_be_drafted_does_not_stop_the_escalation(library: Any, case: WarningCase) -> None:
    """The project's unit outside the project's region (inconsistent data) cannot be addressed: the case is still
    escalated, with a placeholder letter and no document."""
    Project.objects.filter(pk=case.project_id).update(region=library.other_region)
    assert services.escalate_overdue(today=ESCALATED, region=library.other_region) == 2
    case.refresh_from_db()
    letter = ReminderLetter.objects.get(case=case)
    assert case.status == "OVERDUE" and letter.document_id is None and letter.status == ReminderLetter.Status.PENDING
    assert not _documents_of(case).exists()


def test_a_single_overdue_case_gets_its_own_letter_point_by_point(library: Any, case: WarningCase) -> None:
    WarningCase.objects.filter(project__unit=case.project.unit).exclude(pk=case.pk).delete()
    services.escalate_overdue(today=ESCALATED)
    letter = ReminderLetter.objects.get(case=case)
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.title == "关于一中教学设备购置预警处置逾期的提醒敦促函"
    problems = document.context["problems"]
    assert problems.startswith(
        "一中教学设备购置（项目编码P-SCHOOL）在2026年度预算绩效运行监控中触发红灯预警：\n1. 预警规则"
    )
    assert "\n2. 2026年9月4日下达红灯预警处置" in problems and "逐项" not in document.context["requirements"]
    assert ReminderLetter.objects.filter(document_id=document.pk).count() == 1
