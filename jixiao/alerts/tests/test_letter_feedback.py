"""A unit that answers its 提醒敦促函 in 文书管理 answers the letter's 预警处置 cases still unanswered: the feedback is
their 说明 (documents tells alerts through `document_feedback_given`; alerts.receivers answers). A case answered on
its own page keeps its 说明, and an answer given on the case page does not come back as a second one."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from jixiao.alerts import services
from jixiao.alerts.models import CaseStatus, ReminderLetter, WarningCase
from jixiao.alerts.sweep import sweep_region
from jixiao.alerts.tests.conftest import issue_letter, pay, use_sichuan
from jixiao.core.models import AuditEvent
from jixiao.documents.models import DocumentStatus, OfficialDocument

AS_OF = date(2026, 9, 4)
ESCALATED = date(2026, 9, 19)


@pytest.fixture
def letter(library: Any) -> ReminderLetter:
    """The school's issued 提醒敦促函, covering its project's two overdue cases."""
    use_sichuan(library.region)
    pay(library.school_project, "50000", date(2026, 3, 1))
    sweep_region(library.region, 2026, AS_OF)
    services.escalate_overdue(today=ESCALATED)
    found = ReminderLetter.objects.get(case__project=library.school_project, case__rule_code="W-EXEC-RATIO")
    issue_letter(library, found.document_id)
    return found


def _cases(letter: ReminderLetter) -> list[WarningCase]:
    ids = ReminderLetter.objects.filter(document_id=letter.document_id).values_list("case_id", flat=True)
    return list(WarningCase.objects.filter(pk__in=ids).order_by("pk"))


def _responses(case: WarningCase) -> Any:
    return AuditEvent.objects.filter(event_type="alerts.case_respond", object_id=str(case.pk))


def test_answering_the_letter_answers_its_cases(library: Any, letter: ReminderLetter) -> None:
    cases = _cases(letter)
    assert len(cases) == 2 and {c.status for c in cases} == {CaseStatus.OVERDUE}
    unit = library.login("unit_user")
    page = unit.get(f"/alerts/cases/{letter.case_id}/").content.decode()
    assert "也可直接在文书页面反馈，反馈内容即作为本函所列尚未说明的各项预警的单位说明" in page
    response = unit.post(f"/documents/{letter.document_id}/feedback/", {"text": "设备招标延后，9月底前完成支付"})
    assert response.status_code == 302
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.status == DocumentStatus.FEEDBACK_RECEIVED
    assert document.recipients.get().feedback_text == "设备招标延后，9月底前完成支付"  # not rewritten by the cases
    for case in _cases(letter):
        assert case.status == CaseStatus.PROPOSED and case.explanation == "设备招标延后，9月底前完成支付"
        assert case.proposed_option == "" and case.proposed_by == library.users["unit_user"]
        [event] = _responses(case)
        assert event.changes["status"] == [CaseStatus.OVERDUE, CaseStatus.PROPOSED]
        assert "在文书管理中反馈提醒敦促函" in event.reason
    page = library.login("performance").get(f"/alerts/cases/{letter.case_id}/").content.decode()
    assert "设备招标延后" in page and "未提出（单位在文书管理中反馈提醒敦促函" in page
    # Finance decides; with no proposal to change, no reason is asked for.
    finance = library.login("performance")
    response = finance.post(f"/alerts/cases/{letter.case_id}/decide/", {"option": "CONTINUE", "reason": ""})
    assert response.status_code == 302
    assert WarningCase.objects.get(pk=letter.case_id).status == CaseStatus.DECIDED


def test_a_case_answered_on_its_page_keeps_its_own_explanation(library: Any, letter: ReminderLetter) -> None:
    first, second = _cases(letter)
    services.case_respond(
        actor=library.users["unit_user"], case=first, explanation="节点延后", option="CONTINUE", amount_yuan=None
    )
    unit = library.login("unit_user")
    unit.post(f"/documents/{letter.document_id}/feedback/", {"text": "已核实"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.explanation, first.proposed_option) == ("节点延后", "CONTINUE")
    assert (second.explanation, second.status) == ("已核实", CaseStatus.PROPOSED)
    assert _responses(first).count() == 1 and _responses(second).count() == 1


def test_answering_on_the_case_page_does_not_come_back_from_the_letter(library: Any, letter: ReminderLetter) -> None:
    """The last case's 说明 answers the letter (`feedback_from_elsewhere`); the letter's answer does not answer the
    cases again."""
    for case in _cases(letter):
        services.case_respond(
            actor=library.users["unit_user"], case=case, explanation="已说明", option="CONTINUE", amount_yuan=None
        )
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.status == DocumentStatus.FEEDBACK_RECEIVED
    for case in _cases(letter):
        assert (case.explanation, case.proposed_option) == ("已说明", "CONTINUE")
        assert _responses(case).count() == 1


def test_a_file_only_answer_points_to_the_file(library: Any, letter: ReminderLetter) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("情况说明.pdf", b"%PDF-1.4 minimal", content_type="application/pdf")
    library.login("unit_user").post(f"/documents/{letter.document_id}/feedback/", {"text": "", "file": upload})
    for case in _cases(letter):
        assert case.explanation == "见提醒敦促函反馈附件《情况说明.pdf》"


def test_another_letter_or_a_late_answer_changes_no_case(library: Any, letter: ReminderLetter) -> None:
    """A case decided meanwhile is not reopened, and a document that is no 提醒敦促函 of alerts answers nothing."""
    first, second = _cases(letter)
    WarningCase.objects.filter(pk=first.pk).update(status=CaseStatus.DECIDED)
    library.login("unit_user").post(f"/documents/{letter.document_id}/feedback/", {"text": "已核实"})
    first.refresh_from_db()
    assert first.status == CaseStatus.DECIDED and first.explanation == ""
    assert WarningCase.objects.get(pk=second.pk).status == CaseStatus.PROPOSED
    assert (
        services.cases_answer_from_letter(
            actor=library.users["unit_user"], document_id=letter.document_id + 999, text="x"
        )
        == 0
    )
    # A user who may not answer cases (the 绩效股) answers none through a letter.
    assert (
        services.cases_answer_from_letter(actor=library.users["performance"], document_id=letter.document_id, text="x")
        == 0
    )
    assert ESCALATED + timedelta(days=5) == letter.feedback_deadline


def test_after_a_holding_reply_to_the_letter_the_unit_may_still_propose_until_finance_decides(
    library: Any, letter: ReminderLetter
) -> None:
    """A holding reply in 文书管理 (“正在核实”) becomes the cases' 说明 with no proposal; the case page then offers
    补充说明并提出处置建议 (the reply prefilled). Once a proposal is made, or finance has decided, it is closed."""
    unit = library.login("unit_user")
    unit.post(f"/documents/{letter.document_id}/feedback/", {"text": "正在核实，稍后报送处置建议"})
    case = WarningCase.objects.get(pk=letter.case_id)
    assert (case.status, case.proposed_option) == (CaseStatus.PROPOSED, "")
    page = unit.get(f"/alerts/cases/{case.pk}/").content.decode()
    assert "补充说明并提出处置建议" in page and 'data-testid="supplement-hint"' in page
    assert "正在核实，稍后报送处置建议</textarea>" in page
    assert (
        'data-testid="supplement-hint"'
        not in library.login("performance").get(f"/alerts/cases/{case.pk}/").content.decode()
    )

    response = unit.post(
        f"/alerts/cases/{case.pk}/respond/", {"explanation": "核实后：设备招标延后至9月", "option": "CONTINUE"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.explanation, case.proposed_option) == (
        CaseStatus.PROPOSED,
        "核实后：设备招标延后至9月",
        "CONTINUE",
    )
    assert _responses(case).count() == 2
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.recipients.get().feedback_text == "正在核实，稍后报送处置建议"  # the letter's answer stays
    assert "补充说明并提出处置建议" not in unit.get(f"/alerts/cases/{case.pk}/").content.decode()
    again = unit.post(f"/alerts/cases/{case.pk}/respond/", {"explanation": "再改", "option": "CONTINUE"})
    assert again.status_code == 409
    case.refresh_from_db()
    assert case.explanation == "核实后：设备招标延后至9月"
    # Finance now changes a proposal: a reason is asked for.
    finance = library.login("performance")
    refused = finance.post(f"/alerts/cases/{case.pk}/decide/", {"option": "SUSPEND", "reason": ""})
    assert refused.status_code == 400
