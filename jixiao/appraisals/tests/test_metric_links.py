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
