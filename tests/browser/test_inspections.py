"""季度检查 in a real Chromium: the 教科文股 opens its coverage grid, records the second-quarter check of 县教育局 from
the grid's 登记 link, and the performance section takes the problem found up in 问题整改 → 待整改问题."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.inspections.models import Inspection
from jixiao.rectification.models import Rectification
from tests.browser.helpers import login


def test_record_a_check_from_the_coverage_grid_and_send_its_problem_to_rectification(
    live_server: Any, page: Any, shot: Any
) -> None:
    world = build_world()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    base = live_server.url

    login(page, base, "p_business", TEST_PASSWORD)
    page.goto(f"{base}/inspections/coverage/?fiscal_year=2026")
    table = page.locator("[data-testid=coverage-table]")
    assert "县教育局" in table.inner_text() and "县卫健局" not in table.inner_text()  # its 对口 department only
    row = table.locator("tbody tr", has_text="县教育局")
    row.locator("td").nth(4).get_by_role("link", name="登记").click()  # the second quarter's cell
    page.wait_for_selector("[data-testid=inspection-form]")
    assert page.input_value("#id_quarter") == "2" and page.input_value("#id_fiscal_year") == "2026"
    page.fill("#id_inspected_on", "2026-06-18")
    page.fill("#id_inspectors", "教科文股 张三")
    page.fill("#id_findings", "专项业务经费支出进度慢于序时进度。")
    page.fill("#id_opinions", "加快支付进度。")
    page.click("[data-testid=inspection-form] button[type=submit]")
    page.wait_for_selector("[data-testid=inspection-detail]")
    assert "专项业务经费支出进度慢于序时进度" in page.inner_text("[data-testid=inspection-findings]")
    inspection = Inspection.objects.get()
    assert (inspection.quarter, inspection.department_id, inspection.section_id) == (
        2,
        world.edu.pk,
        world.edu_section.pk,
    )
    page.goto(f"{base}/inspections/coverage/?fiscal_year=2026")
    assert "已检查·有问题" in page.inner_text("[data-testid=coverage-table]")
    shot(page, "inspection-coverage")

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/inspections/{inspection.pk}/")
    page.click("[data-testid=inspection-to-rectification]")
    page.wait_for_selector("[data-testid=candidate-table]")
    row = page.locator("[data-testid=candidate-table] tbody tr", has_text="慢于序时进度")
    assert "股室季度检查" in row.inner_text() and "县教育局" in row.inner_text()
    row.locator("input[type=checkbox]").check()
    page.click("[data-testid=candidate-submit]")
    page.wait_for_load_state()
    case = Rectification.objects.get()
    assert (case.department_id, case.source_type) == (world.edu.pk, "INSPECTION")
    shot(page, "inspection-to-rectification")
