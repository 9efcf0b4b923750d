"""The 绩效目标 card on the project page: after 入库 the unit's next step (填报绩效目标) is on the project page, and
once a target exists the page says where it stands and links to it."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import make_target

pytestmark = pytest.mark.django_db


def test_project_without_target_offers_to_fill_one(world: World) -> None:
    project = world.school_project
    unit = world.login("unit_user")
    page = unit.get(f"/projects/{project.pk}/").content.decode()
    assert "尚未填报绩效目标" in page and 'data-testid="project-target-start"' in page
    response = unit.post("/targets/start/", {"project": project.pk})
    target = PerformanceTarget.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/edit/"
    # Who does not fill targets sees no button (and, with no target, no card).
    reviewer = world.login("business").get(f"/projects/{world.hospital_project.pk}/").content.decode()
    assert 'data-testid="project-target-card"' not in reviewer


def test_project_with_target_shows_its_status_and_links_to_it(world: World) -> None:
    target = make_target(world)
    page = world.login("dept_admin").get(f"/projects/{world.school_project.pk}/").content.decode()
    assert 'data-testid="project-target-card"' in page and target.get_status_display() in page
    assert f'href="/targets/{target.pk}/"' in page and 'data-testid="project-target-start"' not in page


def test_cancelled_project_has_no_target_card(world: World) -> None:
    Project.objects.filter(pk=world.school_project.pk).update(status=Project.Status.CANCELLED)
    page = world.login("unit_user").get(f"/projects/{world.school_project.pk}/").content.decode()
    assert 'data-testid="project-target-card"' not in page


def test_a_deleted_target_is_neither_shown_nor_offered_again(world: World) -> None:
    """One target per project and year, a deleted one included: the card offers no 填报 that could not work."""
    target = make_target(world)
    PerformanceTarget.objects.filter(pk=target.pk).update(is_deleted=True)
    page = world.login("unit_user").get(f"/projects/{world.school_project.pk}/").content.decode()
    assert f'href="/targets/{target.pk}/"' not in page and 'data-testid="project-target-start"' not in page
