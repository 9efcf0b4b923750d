"""The organisation endpoints of the REST API (`/api/v1/regions/`, `departments/`, `units/`)."""

from __future__ import annotations

import pytest

from conftest import World


@pytest.mark.parametrize("endpoint", ["regions", "departments", "units"])
def test_a_row_outside_the_scope_or_missing_is_a_404_in_chinese(world: World, endpoint: str) -> None:
    # Django's Http404 carried its English text through DRF ("No BudgetUnit matches the given query.").
    client = world.login("unit_user")
    for pk in (world.hospital.pk if endpoint == "units" else 9_999_999, 9_999_999):
        response = client.get(f"/api/v1/{endpoint}/{pk}/")
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert "matches" not in detail and detail == "未找到。"


def test_an_api_address_that_does_not_exist_answers_json_in_chinese(world: World) -> None:
    """/api/v1/payments/5/ (the payments have a list only) or a mistyped endpoint answered the HTML error page,
    which an API client cannot read."""
    client = world.login("performance")
    for url in ("/api/v1/payments/5/", "/api/v1/unitz/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "未找到。"}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")  # pages keep the Chinese page


def test_the_unit_and_department_lists_take_the_pages_filters(world: World) -> None:
    """/api/v1/units/?department=… answered every unit in scope: the filters of the 预算单位 and 主管部门 pages were
    not on the API, and a filter it did not know was silently left out."""
    client = world.login("performance")
    units = client.get("/api/v1/units/", {"department": world.edu.pk}).json()["results"]
    assert {u["agency_code"] for u in units} == {"101001", "101002"}
    units = client.get("/api/v1/units/", {"q": "分校"}).json()["results"]
    assert [u["agency_code"] for u in units] == ["101002"]
    departments = client.get("/api/v1/departments/", {"q": "卫健"}).json()["results"]
    assert [d["dept_code"] for d in departments] == ["102"]
    response = client.get("/api/v1/units/", {"department": "abc"})
    assert response.status_code == 400 and "department" in response.json()
