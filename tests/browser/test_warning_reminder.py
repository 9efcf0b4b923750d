"""An overdue 预警处置 case in a real Chromium: opening the case list escalates it and enqueues the job that drafts its
提醒敦促函 in 文书管理 (run at once by the tests' immediate task backend; a worker or the nightly command otherwise);
the performance section sees the draft on the case page, opens it and issues it (文号); the 主管部门 then finds it on
the case page and in 我收到的文书, and the Word file says what was late and by when to answer."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import docx
from django.utils import timezone

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.alerts.models import ReminderLetter, WarningCase
from jixiao.core.word import official_date
from jixiao.documents.models import OfficialDocument
from tests.browser.helpers import login
from tests.browser.test_warning_disposition import _open_case


def test_overdue_case_drafts_a_reminder_letter_finance_issues_it_and_the_department_reads_it(
    demo: None, live_server: Any, page: Any, shot: Any
) -> None:
    base = live_server.url
    case = _open_case()
    today = timezone.localdate()
    WarningCase.objects.filter(pk=case.pk).update(due_date=today - timedelta(days=1))

    login(page, base, "jxg", DEMO_PASSWORD)
    page.goto(f"{base}/alerts/cases/")  # opening the list escalates what is overdue (and its job drafts the letter)
    page.goto(f"{base}/alerts/cases/{case.pk}/")
    assert page.inner_text("[data-testid=case-status]") == "已逾期"
    assert page.inner_text("[data-testid=letter-status]") == "待印发"
    shot(page, "warning-reminder-draft")
    letter = ReminderLetter.objects.get(case=case)
    page.locator("[data-testid=case-letters] a").first.click()
    page.wait_for_url(f"**/documents/{letter.document_id}/")
    page.click("button:has-text('印发（编号）')")
    page.wait_for_selector("text=已印发，文号")
    document = OfficialDocument.objects.get(pk=letter.document_id)
    assert document.doc_no and document.feedback_deadline == today + timedelta(days=5)

    login(page, base, "edu_admin", DEMO_PASSWORD)
    page.goto(f"{base}/alerts/cases/{case.pk}/")
    assert page.inner_text("[data-testid=letter-status]") == f"已印发 {document.doc_no}"
    shot(page, "warning-reminder-issued")
    page.goto(f"{base}/documents/inbox/")
    page.click(f"a[href='/documents/{document.pk}/']")
    with page.expect_download() as info:
        page.click(f"a[href='/documents/{document.pk}/docx/']")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(info.value.path().read_bytes())).paragraphs)
    assert document.doc_no in text and f"{case.project.name}（项目编码{case.project.code}）" in text
    assert "触发红灯预警" in text and "已逾期1天仍未报送" in text
    assert f"请你单位于{official_date(today + timedelta(days=5))}前" in text
