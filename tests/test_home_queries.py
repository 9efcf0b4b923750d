"""The home page (我的待办) asks every stage for its 待办 counts: a fixed cost per registered provider, never a cost
per row (aggregate queries only)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from jixiao.core import todos
from jixiao.projects.models import Project, ProjectStatus
from jixiao.projects.selectors import project_todos
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.selectors import target_todos
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move

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


def test_status_counts_count_only_the_statuses_asked_for(world: World, django_assert_num_queries: Any) -> None:
    ProjectFactory.create_batch(3, unit=world.school, submitted=True)
    ProjectFactory.create_batch(2, unit=world.school, in_library=True)
    gone = ProjectFactory(unit=world.school, submitted=True)
    Project.objects.filter(pk=gone.pk).update(is_deleted=True)
    visible = Project.objects.visible_to(world.users["performance"])
    counts = todos.status_counts(visible, ["submitted", "draft", "submitted"])
    assert counts == {"submitted": 3, "draft": visible.filter(status="draft").count()}
    with django_assert_num_queries(0):
        assert todos.status_counts(visible, []) == {}


def test_project_and_target_todos_equal_a_plain_recount_of_their_status(world: World) -> None:
    ProjectFactory.create_batch(2, unit=world.school, submitted=True)
    ProjectFactory.create_batch(3, unit=world.hospital, dept_approved=True)
    ProjectFactory.create_batch(4, unit=world.school, in_library=True)
    ProjectFactory(unit=world.school, status=ProjectStatus.RETURNED)
    gone = ProjectFactory(unit=world.school, submitted=True)
    Project.objects.filter(pk=gone.pk).update(is_deleted=True)
    make_target(world)  # one target in 草稿
    world.school_project = ProjectFactory(unit=world.school, in_library=True)
    move(world, make_target(world), *TO_PERF_REVIEW)  # and one waiting for the 绩效股
    seen = 0
    for persona in ("performance", "business", "dept_admin", "unit_user", "other_unit_user"):
        user = world.users[persona]
        for model, items in ((Project, project_todos(user)), (PerformanceTarget, target_todos(user))):
            for item in items:
                status = item.url.rsplit("status=", 1)[1]
                assert item.count == model.objects.visible_to(user).filter(status=status).count(), (persona, item)
                seen += item.count > 0
    assert seen >= 6  # the check above compared real counts, not only zeros
