"""存量资金清理 in a real Chromium: the 绩效股 opens the October clean-up, ticks the page with 全选 (the count follows),
writes the basis, confirms, and both idle balances are recovered; the list then shows what was recovered."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.alerts.models import FundAdjustment
from jixiao.alerts.tests.conftest import in_library, pay
from tests.browser.helpers import login


def test_tick_the_page_and_recover_the_idle_balances(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    in_library(world.school_project, world.branch_project, world.hospital_project)
    pay(world.school_project, "100000.00", date(2026, 2, 10))  # idle since February, 20%
    pay(world.hospital_project, "400000.00", date(2026, 9, 20))  # spends: not idle
    base = live_server.url

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/alerts/idle-funds/?fiscal_year=2026&as_of=2026-10-15")
    assert page.inner_text("[data-testid=idle-count]") == "2 个"
    table = page.locator("[data-testid=idle-table]")
    assert "一中教学设备购置" in table.inner_text() and "医院信息化建设" not in table.inner_text()
    school = table.locator("tbody tr", has_text="一中教学设备购置")
    text = school.inner_text()
    assert "沉淀资金" in text and "执行缓慢" in text and "2026年2月" in text
    page.check("[data-bulk-all]")
    assert page.inner_text("[data-testid=idle-recover-bar] [data-bulk-count]") == "2"
    page.fill("[data-testid=idle-reason]", "依据存量资金清理通知收回，统筹用于民生支出")
    shot(page, "idle-funds")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定收回所选项目的可收回金额？
    page.click("[data-testid=idle-recover]")
    page.wait_for_selector("text=已收回2个项目的存量资金90.00万元")
    assert page.inner_text("[data-testid=idle-count]") == "0 个"
    assert page.inner_text("[data-testid=idle-recovered]") == "90.00 万元"
    recovered = FundAdjustment.objects.filter(source=FundAdjustment.Source.IDLE_FUNDS, kind=FundAdjustment.Kind.RECOVER)
    assert sorted(recovered.values_list("amount_yuan", flat=True)) == [Decimal("400000.00"), Decimal("500000.00")]
