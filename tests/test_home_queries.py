"""The home page (我的待办) asks every stage for its 待办 counts: a fixed cost per registered provider, never a cost
per row (aggregate queries only)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from jixiao.core import todos
from jixiao.projects.tests.factories import ProjectFactory

# Per request: session, user, membership (x2), the session save; per provider at most three aggregate queries.
REQUEST_OVERHEAD = 8
PER_PROVIDER = 3


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_home_todo_queries_do_not_grow_with_rows(world: World) -> None:
    for persona in ("performance", "unit_user"):
        client = world.login(persona)
        before = _home_queries(client)
        ProjectFactory.create_batch(30, unit=world.school, submitted=True)
        ProjectFactory.create_batch(30, unit=world.hospital, dept_approved=True)
        after = _home_queries(client)
        assert after <= before
        assert after <= REQUEST_OVERHEAD + PER_PROVIDER * len(todos.providers())
