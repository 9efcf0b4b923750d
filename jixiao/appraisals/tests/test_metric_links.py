"""Every auto metric's 查看明细 link opens its list filtered to the appraisal's year and the department."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.appraisals import metrics
from jixiao.appraisals.tests.helpers import dept_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(metrics.METRICS))
def test_the_drill_down_keeps_the_year(world: World, key: str) -> None:
    task = dept_task(world, fiscal_year=2031)  # not a year any list opens on by itself
    ctx = metrics.Context(world.region, 2031, task)
    url = metrics._url(metrics.METRICS[key], ctx, world.edu.pk)
    page = world.login("performance").get(url)
    assert page.status_code == 200
    assert 'value="2031"' in page.content.decode(), url


def test_the_preassessment_drill_down_lists_the_departments_projects_only(world: World) -> None:
    """事前评估覆盖率 counts a department's projects that need an assessment: its 查看明细 opens that department's
    projects with their 事前评估 column, not every department's assessments of the county."""
    task = dept_task(world)
    ctx = metrics.Context(world.region, 2026, task)
    url = metrics._url(metrics.METRICS["preassessment_coverage"], ctx, world.edu.pk)
    page = world.login("performance").get(url).content.decode()
    assert world.school_project.name in page
    assert world.hospital_project.name not in page
