"""批量审核 of projects (core.bulk): the ticked projects go through the single-item transition, all or nothing; 入库
still passes the 事前评估 gate row by row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.projects import services
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory

BULK = "/projects/bulk/"
SMALL = Decimal("100000.00")  # below the 事前评估 threshold: no assessment needed to enter the library


@pytest.fixture
def four(world: World) -> list[Project]:
    """Four small projects of 县第一中学 submitted to 县教育局."""
    return [ProjectFactory(unit=world.school, fiscal_amount_yuan=SMALL, submitted=True) for _ in range(4)]


def trail(project: Project) -> tuple[Any, ...]:
    """What a review leaves on a project, without ids and times."""
    project.refresh_from_db()
    events = [
        (e.actor_id, e.actor_role, e.action, e.from_status, e.to_status, e.comment)
        for e in project.events.order_by("id")
    ]
    audits = list(
        AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk))
        .order_by("seq")
        .values_list("event_type", "reason", "changes")
    )
    return project.status, project.version, events, audits


def states(projects: list[Project]) -> list[tuple[str, int]]:
    return list(Project.objects.filter(pk__in=[p.pk for p in projects]).order_by("pk").values_list("status", "version"))


def test_bulk_approval_leaves_what_approving_one_by_one_leaves(world: World, four: list[Project]) -> None:
    dept = world.login("dept_admin")
    one_by_one, batch = four[:2], four[2:]
    for project in one_by_one:
        response = dept.post(f"/projects/{project.pk}/transition/", {"action": "dept_approve", "comment": "同意"})
        assert response.status_code == 302
    response = dept.post(
        f"{BULK}?status=submitted", {"ids": [p.pk for p in batch], "action": "dept_approve", "comment": "同意"}
    )
    assert response.status_code == 302 and response["Location"] == "/projects/?status=submitted"
    assert "已批量通过 2 项（主管部门审核通过）" in dept.get(response["Location"]).content.decode()
    assert trail(batch[0]) == trail(one_by_one[0]) and trail(batch[1]) == trail(one_by_one[1])
    record = AuditEvent.objects.get(event_type="project.bulk_dept_approve")
    assert record.changes == {"ids": [p.pk for p in batch], "status": ["submitted", "dept_approved"]}
    # The business section's queue now ticks all four, and its batch puts them into the library.
    business = world.login("business")
    queue = business.get("/projects/", {"status": "dept_approved"}).content.decode()
    assert queue.count('name="ids"') == 4
    response = business.post(f"{BULK}?status=dept_approved", {"ids": [p.pk for p in four], "action": "section_approve"})
    assert response.status_code == 302
    assert {s for s, _v in states(four)} == {"in_library"}


def test_a_project_the_gate_keeps_out_fails_the_batch_and_is_named(world: World, four: list[Project]) -> None:
    big = ProjectFactory(unit=world.school, name="未评估的大项目", status="dept_approved")  # 50万, no 事前评估
    for project in four:
        services.project_transition(actor=world.users["dept_admin"], project=project, action="dept_approve")
    business = world.login("business")
    before = states([*four, big])
    response = business.post(
        f"{BULK}?status=dept_approved", {"ids": [*(p.pk for p in four), big.pk], "action": "section_approve"}
    )
    assert response.status_code == 400
    assert "项目“" in response.content.decode() and "须开展事前绩效评估" in response.content.decode()
    assert states([*four, big]) == before
    assert not AuditEvent.objects.filter(event_type="project.section_approve").exists()


def test_bulk_return_needs_a_reason_and_records_it_on_every_project(world: World, four: list[Project]) -> None:
    dept = world.login("dept_admin")
    ids = [p.pk for p in four[:2]]
    response = dept.post(f"{BULK}?status=submitted", {"ids": ids, "action": "dept_return", "comment": " "})
    assert response.status_code == 400 and "请填写退回原因" in response.content.decode()
    assert {s for s, _v in states(four[:2])} == {"submitted"}
    response = dept.post(f"{BULK}?status=submitted", {"ids": ids, "action": "dept_return", "comment": "请补充测算依据"})
    assert response.status_code == 302
    for project in four[:2]:
        project.refresh_from_db()
        assert project.status == "returned"
        assert project.events.get(action="dept_return").comment == "请补充测算依据"


def test_another_departments_project_fails_the_whole_batch_as_not_found(world: World, four: list[Project]) -> None:
    hospital = ProjectFactory(unit=world.hospital, fiscal_amount_yuan=SMALL, submitted=True)
    far = ProjectFactory(unit=world.far_unit, fiscal_amount_yuan=SMALL, submitted=True)
    dept = world.login("dept_admin")
    before = states([*four, hospital, far])
    for stranger in (hospital, far):
        assert dept.post(BULK, {"ids": [four[0].pk, stranger.pk], "action": "dept_approve"}).status_code == 404
    assert dept.post(BULK, {"ids": [four[0].pk, "x"], "action": "dept_approve"}).status_code == 404
    assert states([*four, hospital, far]) == before


def test_a_project_moved_meanwhile_is_a_conflict_keeping_the_typed_reason(world: World, four: list[Project]) -> None:
    services.project_transition(actor=world.users["unit_user"], project=four[1], action="withdraw")
    dept = world.login("dept_admin")
    before = states(four)
    response = dept.post(
        f"{BULK}?status=submitted", {"ids": [p.pk for p in four[:3]], "action": "dept_return", "comment": "依据不足"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "所选项目中有状态已变化的，请刷新后重试" in page and "依据不足</textarea>" in page
    assert f'value="{four[0].pk}" aria-label="选择{four[0].name}" checked' in page
    assert states(four) == before


def test_only_the_reviewers_of_the_stage_may_act_and_only_by_post_with_csrf(world: World, four: list[Project]) -> None:
    ids = [p.pk for p in four]
    for persona in ("unit_user", "business", "performance"):
        assert world.login(persona).post(BULK, {"ids": ids, "action": "dept_approve"}).status_code in {403, 404}
    with pytest.raises(DomainError, match="不能批量"):
        services.project_bulk_transition(actor=world.users["unit_user"], ids=ids, action="submit")
    assert world.login("dept_admin").get(BULK).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.login(username=world.users["dept_admin"].username, password=TEST_PASSWORD)
    assert strict.post(BULK, {"ids": ids, "action": "dept_approve"}).status_code == 403
    assert {s for s, _v in states(four)} == {"submitted"}


def test_the_list_ticks_rows_only_when_filtered_to_the_users_review_stage(world: World, four: list[Project]) -> None:
    dept = world.login("dept_admin")
    queue = dept.get("/projects/", {"status": "submitted"}).content.decode()
    assert queue.count('name="ids"') == 4 and 'data-testid="bulk-approve"' in queue
    everything = dept.get("/projects/").content.decode()
    assert 'name="ids"' not in everything and "?status=submitted" in everything  # the hint leads to the queue
    assert 'name="ids"' not in world.login("unit_user").get("/projects/", {"status": "submitted"}).content.decode()
