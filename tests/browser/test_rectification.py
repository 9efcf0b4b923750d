"""Issue 7's quality bar for 整改 in a real Chromium: an overdue rectification escalates to a 提醒敦促函. The
performance section finds the overdue case in the list, runs the sweep from the page, the case shows the letter with
its 文号 in its documents and timeline, and the unit sees the letter on its case (and downloads it as Word) and the
overdue case in its 待办."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import docx
from django.utils import timezone

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.rectification import services
from jixiao.rectification.models import Category, Rectification, RectificationLetter, Severity
from tests.browser.helpers import login


def _overdue_case() -> Rectification:
    world = build_world()
    relax_second_factor_for_demo()  # the test is about rectification, not the second factor (as in the demo)
    perf = world.users["performance"]
    rect = services.finding_create_manual(
        actor=perf,
        data={
            "fiscal_year": 2026,
            "source_type": "AUDIT",
            "source_label": "2026年度县审计局预算执行审计",
            "project": world.school_project,
            "category": Category.FUNDS,
            "severity": Severity.HIGH,
            "description": "结余资金未及时上缴财政",
        },
    )
    rect = services.rectification_issue(
        actor=perf,
        rectification=rect,
        requirements="收回结余资金并报送问题整改报告",
        deadline=timezone.localdate() + timedelta(days=10),
    )
    # Issued a while ago and never answered: six days past the deadline (the rule escalates after five).
    Rectification.objects.filter(pk=rect.pk).update(deadline=timezone.localdate() - timedelta(days=6))
    return rect


def test_overdue_rectification_escalates_to_a_reminder_letter(live_server: Any, page: Any, shot: Any) -> None:
    rect = _overdue_case()
    base = live_server.url

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/rectification/?overdue=1")
    row = page.locator("[data-testid=rect-table] tbody tr", has_text="发现问题整改")
    assert row.count() == 1
    assert row.locator("[data-testid=rect-overdue]").is_visible()
    page.click("[data-testid=rect-sweep]")
    page.wait_for_selector("text=发出提醒敦促函1份")
    assert "已发提醒敦促函" in page.locator("[data-testid=rect-table]").inner_text()
    letter = RectificationLetter.objects.get(rectification=rect, kind="REMINDER")
    assert letter.doc_no and "〔" in letter.doc_no
    page.click(f"[data-testid=rect-table] a[href='/rectification/{rect.pk}/']")
    page.wait_for_selector("[data-testid=rect-letters]")
    letters = page.locator("[data-testid=rect-letters]").inner_text()
    assert "提醒敦促函" in letters and letter.doc_no in letters
    assert letter.doc_no in page.locator("[data-testid=letter-reminder]").inner_text()
    assert "逾期发提醒敦促函" in page.locator("[data-testid=rect-events]").inner_text()
    shot(page, "rectification-escalated")
    # Running the sweep again changes nothing: one letter per case.
    page.goto(f"{base}/rectification/")
    page.click("[data-testid=rect-sweep]")
    page.wait_for_selector("text=发出提醒敦促函0份")
    assert RectificationLetter.objects.filter(rectification=rect, kind="REMINDER").count() == 1

    login(page, base, "p_unit", TEST_PASSWORD)
    todo = page.locator("[data-testid=todo-list]").inner_text()
    assert "整改待反馈" in todo and "已逾期6天" in todo
    page.goto(f"{base}/rectification/{rect.pk}/")
    assert letter.doc_no in page.locator("[data-testid=letter-reminder]").inner_text()
    assert page.locator("[data-testid=feedback-form]").is_visible()
    with page.expect_download() as info:
        page.click("[data-testid=rect-letters] li:has-text('提醒敦促函') [data-testid=letter-download]")
    content = open(info.value.path(), "rb").read()  # noqa: SIM115 - the browser's download
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
    assert letter.doc_no in text and "逾期6天" in text
    shot(page, "rectification-unit-sees-letter")
