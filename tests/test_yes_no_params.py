"""A 是/否 filter takes true/false (1/0) or nothing: any other value is named, not read as 全部
(`core.filters.YesNoFilter`; NullBooleanField silently listed everything for ?is_policy=maybe)."""

from __future__ import annotations

import pytest

from conftest import World

MESSAGE = "请选择“是”或“否”（true 或 false）"
API = [
    ("/api/v1/projects/", "is_policy"),
    ("/api/v1/units/", "is_active"),
    ("/api/v1/departments/", "is_active"),
    ("/api/v1/indicators/", "is_core"),
    ("/api/v1/payments/", "refunds"),
    ("/api/v1/selfevaluations/", "flagged"),
]


@pytest.mark.parametrize(("path", "name"), API)
def test_the_api_refuses_a_yes_no_filter_that_is_neither(world: World, path: str, name: str) -> None:
    client = world.login("performance")
    assert client.get(path, {name: "true"}).status_code == 200
    assert client.get(path, {name: "0"}).status_code == 200
    response = client.get(path, {name: "maybe"})
    assert response.status_code == 400 and response.json() == {name: [MESSAGE]}


def test_the_project_list_names_the_bad_value_at_its_box_and_lists_the_rest(world: World) -> None:
    client = world.login("performance")
    response = client.get("/projects/", {"is_policy": "maybe"})
    assert response.status_code == 200
    assert f'data-testid="filter-error">{MESSAGE}</div>' in response.content.decode()
    assert response.context["page"].paginator.count == client.get("/projects/").context["page"].paginator.count
    policy = client.get("/projects/", {"is_policy": "true"}).context["page"].paginator.count
    assert policy == sum(1 for p in response.context["page"].paginator.object_list if p.is_policy)
