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


def test_my_appraisals_are_for_the_examinee_only(world: World) -> None:
    """我的考核 lists a department's own appraisals; a read-only role (局领导, 人大/审计, 预算股) is no examinee and got
    the first 50 appraisals of the region under that heading."""
    dept_task(world)
    assert "我的考核" in world.login("dept_admin").get("/appraisals/").content.decode()
    for persona in ("leader", "oversight", "budget", "business", "performance"):
        page = world.login(persona).get("/appraisals/")
        assert page.status_code == 200 and "我的考核" not in page.content.decode(), persona
