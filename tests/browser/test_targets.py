"""The target flow of issue 3 in a real Chromium: a unit writes a target with library indicators, it passes
the department, is returned by the business section, fixed, graded 良 by the performance section and
approved with the budget; the approved target is locked."""

from __future__ import annotations

import re
from typing import Any

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from tests.browser.helpers import login


def act(page: Any, label: str, comment: str = "") -> None:
    if comment:
        page.fill("#id_comment", comment)
    page.click(f"[data-testid=actions] button:has-text('{label}')")
    page.wait_for_selector("text=操作成功")


def test_target_goes_from_unit_to_approval_and_locks(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    login(page, base, "edu_unit", DEMO_PASSWORD)
    # The demo already has a target for every project: the unit first enters a new project.
    page.click("aside >> text=新增项目")
    page.fill("#id_code", "2026-E2E-T01")
    page.fill("#id_name", "浏览器测试：公办幼儿园扩容")
    # 实施单位 is a search box (a county has ~400 units): the unit's own one comes chosen; type and pick it again.
    assert page.input_value("#id_unit") == "县第一中学"
    page.fill("#id_unit", "第一中学")
    page.locator("[data-jx-ac-list] [data-id]", has_text="县第一中学").first.click()
    page.select_option("#id_category", "specific")
    page.fill("#id_function_code", "2050201")
    page.fill("#id_fiscal_amount_yuan", "120")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存为草稿")
    page.click("aside a:text-is('绩效目标')")
    page.click("[data-testid=start-target]")
    shot(page, "target-start")
    page.click("[data-testid=start-table] tr:has-text('2026-E2E-T01') button:has-text('填报绩效目标')")
    page.wait_for_selector("text=请填写绩效指标")
    edit_url = page.url
    target_url = re.sub(r"edit/$", "", edit_url)
    page.fill("#id_goal-annual_goal", "新增公办幼儿园学位，改善办学条件")

    # A library indicator picked by typing: the row is filled from the library.
    page.click("[data-testid=add-indicator]")
    page.fill("#id_ind-0-name", "新增学位")
    page.wait_for_selector("[data-testid=indicator-suggestions] button")
    shot(page, "target-edit-search")
    page.click("[data-testid=indicator-suggestions] button >> nth=0")
    assert page.input_value("#id_ind-0-target_text") != ""
    assert page.input_value("#id_ind-0-library_item") != ""
    assert page.input_value("#id_ind-0-value_basis") != ""  # the library's 取值依据 (it stayed —)
    assert page.eval_on_selector("#id_ind-0-lv1", "el => el.options[el.selectedIndex].text") == "产出指标"
    page.click("[data-testid=save-target]")
    page.wait_for_selector("text=绩效目标已保存")
    # Only an output indicator: the smart check says a benefit indicator is missing.
    assert "缺少效益指标" in page.inner_text("[data-testid=findings]")

    page.click("[data-testid=add-indicator]")
    page.select_option("#id_ind-1-lv1", label="效益指标")
    page.select_option("#id_ind-1-lv2", label="社会效益指标")
    page.fill("#id_ind-1-name", "库中没有的指标名称")  # no match: the box says so instead of staying empty
    page.wait_for_selector("text=指标库中未找到匹配的指标，可继续填写为自定义指标")
    page.fill("#id_ind-1-name", "适龄幼儿入园率")
    page.locator("#id_ind-1-name").press("Escape")
    page.fill("#id_ind-1-target_text", "≥90%")
    page.fill("#id_ind-1-unit", "%")
    page.wait_for_load_state("networkidle")  # the name's library search may still be answering
    page.click("[data-testid=save-target]")
    page.wait_for_selector("text=绩效目标已保存")
    # The message is still there from the first save: wait for the page the second save rendered.
    page.wait_for_selector("[data-testid=findings]:not(:has-text('缺少效益指标'))")
    assert "缺少效益指标" not in page.inner_text("[data-testid=findings]")
    shot(page, "target-edit")
    page.goto(target_url)
    act(page, "提交审核")

    login(page, base, "edu_admin", DEMO_PASSWORD)
    page.goto(target_url)
    act(page, "主管部门审核通过")

    login(page, base, "jkw", DEMO_PASSWORD)
    page.goto(target_url)
    act(page, "退回修改", "入园率指标值偏低，请按上年实际值调整")
    assert "入园率指标值偏低" in page.inner_text("[data-testid=timeline]")

    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.goto(edit_url)
    page.fill("#id_ind-1-target_text", "≥95%")
    page.click("[data-testid=save-target]")
    page.wait_for_selector("text=绩效目标已保存")
    page.goto(target_url)
    act(page, "修改后重新提交")

    login(page, base, "jkw", DEMO_PASSWORD)
    page.goto(target_url)
    act(page, "初审通过")

    login(page, base, "jxg", DEMO_PASSWORD)
    page.goto(target_url)
    for field in ("#id_aspect_1", "#id_aspect_2", "#id_aspect_4"):
        page.select_option(field, "符合")
    page.select_option("#id_aspect_3", "基本符合")
    page.fill("#id_comment", "指标较完整，建议细化质量指标")
    shot(page, "target-grade")
    page.click("[data-testid=actions] button:has-text('评为“良”')")
    page.wait_for_selector("text=操作成功")
    assert page.inner_text("[data-testid=target-grade]") == "良"

    login(page, base, "ysg", DEMO_PASSWORD)
    page.goto(f"{base}/targets/approve/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=approve-table] tr:has-text('教育局') button:has-text('批复该部门目标')")
    page.wait_for_selector("text=已随预算批复")
    shot(page, "target-approve-batch")

    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.goto(target_url)
    assert "已批复" in page.inner_text("[data-testid=target-status]")
    assert page.locator("[data-testid=edit-target]").count() == 0
    assert "随预算批复" in page.inner_text("[data-testid=timeline]")
    shot(page, "target-detail-approved")
    page.goto(edit_url)
    page.wait_for_selector("text=不能修改")
    assert page.url == target_url


def test_the_printed_declaration_starts_its_indicator_table_on_the_first_page(
    demo: None, live_server: Any, page: Any, tmp_path: Any
) -> None:
    """Printed from Chromium, the 申报表's indicator table moved whole to page 2 and left page 1 half empty: its
    first row, holding the block label that spans every indicator row, was kept from breaking. Only that row may
    break now; the others still stay whole and the column heads repeat."""
    import subprocess

    from jixiao.targets.models import PerformanceTarget

    target = PerformanceTarget.objects.filter(project__isnull=False).order_by("pk").first()
    assert target is not None and target.indicators.count() >= 5
    login(page, live_server.url, "jxg", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/targets/{target.pk}/print/")
    page.emulate_media(media="print")
    pdf = tmp_path / "declaration.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    first = text.split("\f")[0]
    assert "项目支出绩效目标申报表" in first and "一级指标" in first and "三级指标" in first
