"""A year typed into a link or a filter is a year (2000–2100) or ignored: never a 500 (`core.numbers.year_or_none`)."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.numbers import is_year, year_or_none

PAGES = [
    ("/alerts/", "fiscal_year"),
    ("/alerts/calendar/", "fiscal_year"),
    ("/alerts/tiers/", "fiscal_year"),
    ("/keyeval/", "fiscal_year"),
    ("/appraisals/", "fiscal_year"),
    ("/preassessment/", "fiscal_year"),
    ("/disclosure/", "fiscal_year"),
    ("/targets/", "fiscal_year"),
    ("/bulletins/", "fiscal_year"),
    ("/reports/", "year"),
    ("/evaluation/self/statistics/", "fiscal_year"),
    ("/rectification/statistics/", "year"),
    ("/results/links/", "fiscal_year"),
    ("/monitoring/new/", "fiscal_year"),
    ("/projects/autocomplete/", "fiscal_year"),
    ("/experts/reviews/settings/", "year"),
]
BAD = ["99999999999", "999999", "1999", "２０２６", "²", "-1", "20 26"]


def test_year_or_none_takes_only_years_in_range() -> None:
    assert year_or_none("2026") == 2026 and year_or_none(" 2000 ") == 2000 and year_or_none(2100) == 2100
    assert [year_or_none(raw) for raw in [*BAD, "", None, "2101", "02026"]] == [None] * (len(BAD) + 4)
    assert is_year(2026) and is_year(2000) and is_year(2100)
    assert not any(is_year(v) for v in (1999, 2101, True, "2026", 2026.0, None))


@pytest.mark.parametrize(("path", "name"), PAGES)
def test_pages_ignore_a_year_that_is_not_one(world: World, path: str, name: str) -> None:
    client = world.login("performance")
    assert client.get(path, {name: "2026"}).status_code == 200
    for raw in BAD:
        assert client.get(path, {name: raw}).status_code == 200, raw


def test_a_tier_selection_for_an_impossible_year_is_not_an_error(world: World) -> None:
    response = world.login("performance").post("/alerts/tiers/select/", {"fiscal_year": "999999"})
    assert response.status_code < 500


@pytest.mark.parametrize(
    "path", ["/targets/", "/evaluation/self/", "/execution/payments/", "/preassessment/", "/keyeval/"]
)
def test_a_list_names_a_year_out_of_range_at_its_box_and_leaves_it_out(world: World, path: str) -> None:
    """20266 typed for 2026 on these lists silently listed nothing; now the 年度 box says why (as on 项目列表) and
    the list shows what the other filters select (`core.filters.YearFilter`)."""
    client = world.login("performance")
    response = client.get(path, {"fiscal_year": "20266"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="invalid-feedback d-block" data-testid="filter-error">确保该值小于或等于2100。</div>' in page
    assert response.context["page"].paginator.count == client.get(path).context["page"].paginator.count


@pytest.mark.parametrize("path", ["/api/v1/targets/", "/api/v1/selfevaluations/", "/api/v1/preassessments/"])
def test_the_api_refuses_a_year_out_of_range_naming_the_field(world: World, path: str) -> None:
    response = world.login("performance").get(path, {"fiscal_year": "20266"})
    assert response.status_code == 400 and response.json() == {"fiscal_year": ["确保该值小于或等于2100。"]}
