"""A project cancelled (撤销项目) while its 绩效目标 was in review: the target went on through the review and could be
approved with the budget for a project that no longer exists, and a draft target could still be submitted."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.projects.models import Project
from jixiao.projects.services import project_transition
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import make_target, move


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


def _cancel(world: World) -> Project:
    return project_transition(
        actor=world.users["unit_user"], project=world.school_project, action="cancel", comment="不再实施"
    )


def test_a_project_whose_target_is_in_review_cannot_be_cancelled(world: World, target: PerformanceTarget) -> None:
    move(world, target, ("unit_user", "submit"))
    response = world.login("unit_user").post(
        f"/projects/{world.school_project.pk}/transition/", {"action": "cancel", "comment": "不再实施"}
    )
    assert response.status_code == 400
    assert "该项目的绩效目标“待主管部门审核”" in response.content.decode()
    world.school_project.refresh_from_db()
    assert world.school_project.status == Project.Status.DRAFT


def test_a_project_with_a_draft_target_is_cancelled_and_the_target_cannot_be_submitted(
    world: World, target: PerformanceTarget
) -> None:
    assert _cancel(world).status == Project.Status.CANCELLED
    with pytest.raises(DomainError, match="项目已撤销，不能提交绩效目标"):
        services.target_transition(actor=world.users["unit_user"], target=target, action="submit")
    target.refresh_from_db()
    assert target.status == PerformanceTarget.Status.DRAFT
