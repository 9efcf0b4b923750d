"""A city's 绩效科 in a real Chromium: its project list names each row's county (both counties code their projects
alike and have a 县教育局), and choosing a county in the 财政区划 filter lists that county's projects only."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from conftest import _member, build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.organizations.models import FinanceSection
from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties
from jixiao.projects.tests.factories import ProjectFactory
from tests.browser.helpers import login


def test_a_city_user_reads_and_filters_the_project_list_by_county(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    relax_second_factor_for_demo()  # finance staff log in with a password alone in this test
    cache.clear()
    city, _counties = city_with_counties(world.region, world.other_region)
    section = FinanceSectionFactory(region=city, code="JX", name="绩效科", kind=FinanceSection.Kind.PERFORMANCE)
    _member("city_perf", "performance", city, section=section)
    ProjectFactory(unit=world.far_unit, code="P-SCHOOL", name="宣汉县一中教学设备购置")  # the same code, elsewhere
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    login(page, live_server.url, "city_perf", TEST_PASSWORD)
    page.goto(f"{live_server.url}/projects/?ordering=code")
    headers = page.locator("[data-testid=project-table] thead th").all_inner_texts()
    column = headers.index("财政区划") + 1
    counties = set(page.locator(f"[data-testid=project-table] tbody td:nth-child({column})").all_inner_texts())
    assert counties == {"渠县", "宣汉县"}
    options = page.locator("#id_region option").all_inner_texts()
    assert options == ["全部", "宣汉县", "渠县"]  # the city's counties, flush under it
    shot(page, "city-project-list")

    page.select_option("#id_region", label="宣汉县")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**region={world.other_region.pk}**")
    rows = page.locator("[data-testid=project-table] tbody tr")
    assert set(page.locator(f"[data-testid=project-table] tbody td:nth-child({column})").all_inner_texts()) == {
        "宣汉县"
    }
    assert rows.count() == 2  # 外县项目 and its P-SCHOOL
    assert page.inner_text("[data-testid=project-count]") == "2"
    assert errors == []
