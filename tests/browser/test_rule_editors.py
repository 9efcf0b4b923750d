"""The two configuration editors in a real Chromium, no JSON typed: the 绩效股 adds a band to a 预警规则 with 添加一档,
removes one with 删除 and saves; a non-number is refused at its row with the rows kept. On 智能审核规则 a refused
parameter is marked and kept, a valid one saved."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.alerts.models import WarningRule
from jixiao.targets.models import SmartCheckRule
from tests.browser.helpers import login


def test_performance_section_edits_bands_and_parameters_without_json(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    # This flow is about the editors, not the second factor: the security administrator has switched TOTP off.
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    base = live_server.url
    rule = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=None)
    login(page, base, "p_perf", TEST_PASSWORD)

    page.goto(f"{base}/alerts/rules/{rule.pk}/")
    rows = page.locator("#jx-band-table tbody tr")
    assert rows.count() == 3  # the blank rows drawn for a page without scripts are dropped
    page.click("[data-testid=band-add]")
    new = rows.nth(3)
    new.locator("[data-band-field=color]").select_option("GREEN")
    new.locator("[data-band-field=op]").select_option(">=")
    new.locator("[data-band-field=value]").fill("六十")
    rows.nth(2).locator("[data-testid=band-remove]").click()  # GREEN >= 80 goes; the new row becomes the 3rd
    page.click("[data-testid=rule-save]")
    page.wait_for_selector("[data-testid=form-error]")
    assert "第3档：数值“六十”不是数字" in page.inner_text("[data-testid=form-error]")
    assert rows.count() == 3 and rows.nth(2).locator("[data-band-field=value]").input_value() == "六十"
    shot(page, "alert-rule-bands-refused")
    rows.nth(2).locator("[data-band-field=value]").fill("80")
    page.click("[data-testid=rule-save]")
    page.wait_for_selector("text=规则已保存")
    own = WarningRule.objects.get(code="W-EXEC-RATIO", profile="national_default", region=world.region)
    assert own.bands == [
        {"color": "RED", "op": "<", "value": 60},
        {"color": "YELLOW", "op": "<", "value": 80},
        {"color": "GREEN", "op": ">=", "value": 80},
    ]

    page.goto(f"{base}/targets/rules/")
    page.fill("[data-testid=param-T-FAR-ABOVE-HISTORY-ratio]", "3倍")
    page.locator("[data-testid=rule-T-FAR-ABOVE-HISTORY] button").click()
    page.wait_for_selector("[data-testid=rule-error]")
    assert "须为数值" in page.inner_text("[data-testid=rule-error]")
    assert page.input_value("[data-testid=param-T-FAR-ABOVE-HISTORY-ratio]") == "3倍"
    shot(page, "smart-check-rule-refused")
    page.fill("[data-testid=param-T-FAR-ABOVE-HISTORY-ratio]", "3")
    page.locator("[data-testid=rule-T-FAR-ABOVE-HISTORY] button").click()
    page.wait_for_selector("text=已保存规则 T-FAR-ABOVE-HISTORY")
    assert SmartCheckRule.objects.get(code="T-FAR-ABOVE-HISTORY", region=world.region).params == {"ratio": "3"}
