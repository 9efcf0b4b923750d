"""批量审核 in a real Chromium: the department opens its 待办 “绩效目标待主管部门审核”, lands on the target list
filtered to that state, ticks two of three rows, presses 批量通过, confirms the count in the dialog and sees the
message; the two targets move on to the business section, the third stays."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from playwright.sync_api import expect

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget, TargetStatus
from jixiao.targets.tests.pages_helpers import valid_rows
from tests.browser.helpers import login


def test_department_passes_two_ticked_targets_in_one_go(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    relax_second_factor_for_demo()
    cache.clear()
    unit = world.users["unit_user"]
    projects = [world.school_project, world.branch_project, ProjectFactory(unit=world.school, name="一中图书购置")]
    targets = []
    for project in projects:
        target = services.target_create_for_project(actor=unit, project=project)
        target = services.target_save_indicators(actor=unit, target=target, rows=valid_rows(target))
        targets.append(services.target_transition(actor=unit, target=target, action="submit"))
    base = live_server.url

    login(page, base, world.users["dept_admin"].username, TEST_PASSWORD)
    page.click("[data-testid=todo-list] tr:has-text('绩效目标待主管部门审核') a")
    page.wait_for_selector("[data-testid=bulk-bar]")
    assert "status=unit_submitted" in page.url
    # bulk.js disables the buttons once the page has loaded (without JS they stay usable); nothing is ticked yet.
    expect(page.locator("[data-testid=bulk-approve]")).to_be_disabled()
    for target in targets[:2]:
        page.check(f"input[name=ids][value='{target.pk}']")
    assert page.inner_text("[data-testid=bulk-count]") == "2"
    page.click("[data-testid=bulk-approve]")
    page.wait_for_selector("[data-testid=bulk-confirm].show")
    assert "确定对所选 2 项执行“主管部门审核通过”？" in page.inner_text("[data-testid=bulk-confirm]")
    shot(page, "bulk-review-confirm")
    page.click("[data-testid=bulk-confirm-ok]")
    page.wait_for_selector("text=已批量通过 2 项（主管部门审核通过）")
    shot(page, "bulk-review-done")
    # The list still shows the rows awaiting the department: only the third.
    assert page.locator("input[name=ids]").count() == 1
    statuses = dict(PerformanceTarget.objects.filter(pk__in=[t.pk for t in targets]).values_list("pk", "status"))
    assert statuses == {
        targets[0].pk: TargetStatus.SECTION_REVIEW,
        targets[1].pk: TargetStatus.SECTION_REVIEW,
        targets[2].pk: TargetStatus.UNIT_SUBMITTED,
    }

    # A return without a reason is stopped in the page; with one it goes through.
    page.check("[data-testid=bulk-all]")
    page.click("[data-testid=bulk-return]")
    expect(page.locator("[data-testid=bulk-comment].is-invalid")).to_be_visible()
    page.fill("[data-testid=bulk-comment]", "请补充满意度指标")
    page.click("[data-testid=bulk-return]")
    page.wait_for_selector("[data-testid=bulk-confirm].show")
    page.click("[data-testid=bulk-confirm-ok]")
    page.wait_for_selector("text=已批量退回 1 项（退回修改）")
    assert PerformanceTarget.objects.get(pk=targets[2].pk).status == TargetStatus.RETURNED
