"""A project's target is started only in a year open for 填报 (as projects and 部门整体 targets are): the start page
of a closed year says so and offers no button, and the service refuses a new target there."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.organizations.tests.factories import FiscalYearFactory
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget


def test_a_target_cannot_be_started_in_a_closed_year(world: World) -> None:
    FiscalYearFactory(year=2025, is_current=False, is_open=False)
    project = ProjectFactory(unit=world.school, name="一中去年的项目", fiscal_year=2025)
    with pytest.raises(DomainError, match="2025年度未设置或已关闭填报"):
        services.target_create_for_project(actor=world.users["unit_user"], project=project)
    client = world.login("unit_user")
    page = client.get("/targets/start/?fiscal_year=2025").content.decode()
    assert "2025年度已关闭填报" in page and "一中去年的项目" in page
    assert 'name="project"' not in page  # no 填报绩效目标 button
    response = client.post("/targets/start/?fiscal_year=2025", {"project": project.pk})
    assert response.status_code == 400 and "2025年度未设置或已关闭填报" in response.content.decode()
    assert "一中去年的项目" in response.content.decode()  # the same year's list again, not a 302
    assert not PerformanceTarget.objects.filter(project=project).exists()


def test_an_open_year_with_nothing_left_says_so_plainly(world: World) -> None:
    page = world.login("unit_user").get("/targets/start/?fiscal_year=2027").content.decode()
    assert "没有尚未填报绩效目标的项目" in page and "所有项目都已填报" not in page
