"""文书 in a real Chromium: the performance section drafts a 整改通知书 to 县第一中学 from the page, completes the
body and issues it (文号 assigned); the unit finds it in its 待办 and 我收到的文书, opening it signs the receipt,
and it answers with text; the performance section sees the receipt and the answer."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.documents.models import DocumentStatus, OfficialDocument
from tests.browser.helpers import login


def test_draft_issue_receive_and_answer_a_notice(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    # This flow is about documents, not the second factor: the security administrator has switched TOTP off.
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    base = live_server.url

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/documents/new/")
    page.select_option("#id_doc_type", "RECTIFICATION_NOTICE")
    # 主送预算单位 is a search box (a province has 80,000 units): type, pick the suggestion, a badge appears.
    page.fill("#id_units", "第一中学")
    page.click(f"[data-jx-ac-list] [data-id='{world.school.pk}']")
    page.wait_for_selector(f"[data-jx-ac-chip] input[name=units][value='{world.school.pk}']", state="attached")
    # A second badge, the first one again (no duplicate), then the second removed: only the school is sent.
    page.fill("#id_units", "人民医院")
    page.click(f"[data-jx-ac-list] [data-id='{world.hospital.pk}']")
    page.wait_for_selector(f"[data-jx-ac-chip] input[name=units][value='{world.hospital.pk}']", state="attached")
    page.fill("#id_units", "第一中学")
    page.click(f"[data-jx-ac-list] [data-id='{world.school.pk}']")
    chips = page.locator("[data-jx-ac-chosen] [data-jx-ac-chip]")
    assert chips.all_inner_texts() == ["县第一中学", "县人民医院"]
    chips.nth(1).locator("[data-jx-ac-remove]").click()
    assert chips.all_inner_texts() == ["县第一中学"]
    page.fill("#id_subject", "教学设备购置项目")
    page.fill("#id_project", "县第一中学教学设备购置项目")
    page.fill("#id_problems", "1.设备验收资料不完整")
    page.fill("#id_requirements", "补齐验收资料")
    page.fill("#id_deadline", "2026年12月31日")
    page.click("[data-testid=doc-save]")
    page.wait_for_selector("[data-testid=doc-body]")
    assert "【待填写：联系人及电话】" in page.inner_text("[data-testid=doc-body]")
    page.click("[data-testid=doc-edit]")
    body = page.input_value("#id_body").replace("【待填写：联系人及电话】", "绩效股 0818-7200000")
    page.fill("#id_body", body)
    page.click("[data-testid=doc-save]")
    page.click("[data-testid=doc-issue]")
    page.wait_for_selector("text=已印发，文号")
    doc = OfficialDocument.objects.get()
    assert doc.status == DocumentStatus.ISSUED and doc.doc_no in page.inner_text("[data-testid=doc-no]")
    shot(page, "documents-issued")

    login(page, base, "p_unit", TEST_PASSWORD)
    assert "收到的文书未签收" in page.inner_text("[data-testid=todo-list]")
    page.goto(f"{base}/documents/inbox/")
    page.click(f"text={doc.title}")
    page.wait_for_selector("[data-testid=feedback-form]")
    assert "补齐验收资料" in page.inner_text("[data-testid=doc-body]")
    page.fill("#id_text", "已补齐验收资料并登记固定资产")
    page.click("[data-testid=feedback-submit]")
    page.wait_for_selector("text=反馈已提交")

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/documents/{doc.pk}/")
    recipients = page.inner_text("[data-testid=recipients]")
    assert "县第一中学" in recipients and "已补齐验收资料并登记固定资产" in recipients
    assert "县人民医院" not in recipients
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FEEDBACK_RECEIVED
    shot(page, "documents-feedback")
