"""On a phone (390 px): the menu slides in from the ☰ button instead of taking half the screen, and a page's
tables scroll in their own box, so no page is wider than the screen. A unit checks its 待办 and opens its projects;
a leader opens the 驾驶舱. Printing still shows the whole table (the phone rules are for screens only)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.projects.tests.factories import ProjectFactory
from tests.browser.helpers import login

WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def test_a_unit_and_a_leader_use_jixiao_on_a_phone(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    cache.clear()
    for i in range(3):
        ProjectFactory(unit=world.school, name=f"县第一中学教学设备购置第{i}批")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, "p_unit", TEST_PASSWORD)
    assert page.evaluate(WIDTHS)[0] <= 390
    menu = page.locator("#jx-menu")
    assert not menu.is_visible()  # the menu waits behind ☰
    page.click("[data-testid=menu-toggle]")
    menu.get_by_role("link", name="项目列表").click()
    page.wait_for_selector("[data-testid=project-table]")
    assert "县第一中学教学设备购置第2批" in page.inner_text("[data-testid=project-table]")
    scroll, screen = page.evaluate(WIDTHS)
    assert scroll <= screen, (scroll, screen)
    table = page.eval_on_selector("[data-testid=project-table]", "t => [t.scrollWidth, t.clientWidth]")
    assert table[0] > table[1]  # wider than the screen: it scrolls in its own box
    shot(page, "phone-unit-projects")

    login(page, base, "p_leader", TEST_PASSWORD, wait_for=None)
    page.goto(f"{base}/reports/")
    page.wait_for_load_state()
    scroll, screen = page.evaluate(WIDTHS)
    assert scroll <= screen, (scroll, screen)
    shot(page, "phone-leader-dashboard")

    # On a wide screen the menu is the usual column beside the page, without the ☰ button.
    page.set_viewport_size({"width": 1366, "height": 768})
    assert menu.is_visible() and not page.locator("[data-testid=menu-toggle]").is_visible()
