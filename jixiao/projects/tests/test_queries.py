"""List pages and API lists use a bounded number of queries whatever the number of rows (no N+1)."""

from __future__ import annotations

from typing import Any

from conftest import World
from jixiao.projects.tests.factories import ProjectFactory


def _count_queries(client: Any, url: str, django_assert_max_num_queries: Any, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_project_list_query_count_does_not_grow_with_rows(world: World, django_assert_max_num_queries: Any) -> None:
    client = world.login("performance")
    for url in ["/projects/", "/api/v1/projects/"]:
        _count_queries(client, url, django_assert_max_num_queries, 15)
    ProjectFactory.create_batch(60, unit=world.school)
    ProjectFactory.create_batch(30, unit=world.hospital)
    for url in ["/projects/", "/api/v1/projects/", "/projects/?status=draft&category=specific"]:
        _count_queries(client, url, django_assert_max_num_queries, 15)
