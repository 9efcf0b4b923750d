"""The 绩效考核 page the 待办 links to lists every appraisal the 待办 counts, whatever its task's year."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task
from jixiao.core.todos import for_user

pytestmark = pytest.mark.django_db


def test_next_years_task_waiting_for_the_self_score_is_on_the_page(world: World) -> None:
    task = dept_task(world, fiscal_year=2027)  # the current budget year is 2026
    mine = Appraisal.objects.get(task=task, department=world.edu)
    item = next(i for i in for_user(world.users["dept_admin"]) if i.title == "考核自评待填报")
    assert item.count == 1
    client = world.login("dept_admin")
    page = client.get(item.url).content.decode()
    assert f"/appraisals/{mine.pk}/" in page and task.name in page
    # A year asked for shows that year only.
    assert f"/appraisals/{mine.pk}/" not in client.get("/appraisals/?fiscal_year=2026").content.decode()
    assert f"/appraisals/{mine.pk}/" in client.get("/appraisals/?fiscal_year=2027").content.decode()
    perf_page = world.login("performance").get(item.url).content.decode()
    assert f"/appraisals/tasks/{task.pk}/" in perf_page
