"""指标案例库 in a real Chromium: the performance section files an approved target from its page as a worked example,
and a unit finds it under its 行业领域 and reads the frozen table, with no button to change it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.indicators.models import IndicatorCategory
from jixiao.targets.models import TargetCase
from jixiao.targets.tests.pages_helpers import TO_READY, make_target, move
from tests.browser.helpers import login


def test_file_an_approved_target_as_a_case_and_a_unit_reads_it(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    base = live_server.url
    target = move(world, make_target(world), *TO_READY, ("budget", "approve"))
    category = IndicatorCategory.objects.get(code="0102")

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/targets/{target.pk}/")
    page.click("[data-testid=make-case]")
    page.wait_for_selector("[data-testid=case-form]")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_note", "数量、质量指标量化，可供同类项目参照。")
    page.click("[data-testid=case-form] button[type=submit]")
    page.wait_for_selector("[data-testid=case-indicators]")
    assert TargetCase.objects.get().category == category

    login(page, base, "p_unit", TEST_PASSWORD)
    page.goto(f"{base}/targets/cases/?category={category.parent_id}")
    page.get_by_role("link", name=target.name).click()
    page.wait_for_selector("[data-testid=case-indicators]")
    assert "购置教学设备数量" in page.inner_text("[data-testid=case-indicators]")
    assert "可供同类项目参照" in page.inner_text("[data-testid=case-note]")
    assert page.get_by_role("link", name="修改").count() == 0
    shot(page, "target-case")
