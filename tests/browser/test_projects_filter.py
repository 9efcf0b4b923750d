"""The project list's 预算单位 filter in a real Chromium: search as you type, pick, filter, and the name stays."""

from __future__ import annotations

from typing import Any

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.organizations.models import BudgetUnit
from tests.browser.helpers import login


def test_unit_filter_searches_as_you_type_and_filters_the_list(
    demo: None, live_server: Any, page: Any, shot: Any
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    login(page, live_server.url, "jxg", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/")
    assert page.locator("select[name=unit]").count() == 0

    page.fill("#id_unit", "医院")
    # Focusing the box already lists every unit; wait for the rows that answer the typed text.
    suggestion = page.locator("[data-jx-ac-list][data-jx-ac-q='医院'] [data-id]").first
    suggestion.wait_for()
    assert page.locator("[data-jx-ac-list] [data-id]").count() <= 20
    chosen_name = suggestion.get_attribute("data-text") or ""
    chosen_id = suggestion.get_attribute("data-id") or ""
    assert "医院" in chosen_name
    shot(page, "project-list-unit-autocomplete")
    suggestion.click()
    assert page.input_value("#id_unit") == chosen_name
    assert page.input_value("input[type=hidden][name=unit]") == chosen_id

    page.click("form button[type=submit]")
    page.wait_for_url(f"**unit={chosen_id}**")
    unit_cells = page.locator("[data-testid=project-table] tbody tr td:nth-child(5)").all_inner_texts()
    expected = BudgetUnit.objects.get(pk=chosen_id).name
    assert unit_cells and set(unit_cells) == {expected}

    # The export link takes the filter shown now (the list was filtered in place), not the first page load's.
    with page.expect_download() as download:
        page.click("[data-testid=export-link]")
    assert f"unit={chosen_id}" in download.value.url

    # A reload (or a shared link) shows the chosen unit's name again; clearing the box drops the filter.
    page.reload()
    assert page.input_value("#id_unit") == chosen_name
    page.fill("#id_unit", "")
    assert page.input_value("input[type=hidden][name=unit]") == ""
    page.keyboard.press("Escape")
    assert errors == []
