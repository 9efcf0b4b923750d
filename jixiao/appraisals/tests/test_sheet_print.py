"""A 考核评分表 printed from the browser (for the 局长's signature, for the file) reads as a table: the score columns
are as wide as their boxes only where there are boxes to type in, and the drill-down links stay on the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task

pytestmark = pytest.mark.django_db


def test_a_read_only_sheet_leaves_the_indicator_column_its_width(world: World) -> None:
    """The leader's and the 绩效股's printed sheet kept two 9rem score columns meant for input boxes, so on A4 the
    指标 column shrank to two characters a line (事前/绩效/评估/覆盖/率) while 自评得分 held “10.00” in a wide
    empty column, and every auto metric printed its 查看明细 link."""
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    url = reverse("appraisals:detail", args=[edu.pk])
    page = world.login("performance").get(url).content.decode()
    assert 'name="ind_' not in page and 'name="eval_' not in page  # nothing to type in here
    assert "width:9rem" not in page
    assert 'data-testid="metric-link"' in page
    assert '<div><a href="' not in page  # every 查看明细 sits in a no-print line
    assert page.count('<div class="no-print"><a href="') == page.count('data-testid="metric-link"')


def test_the_sheet_being_filled_keeps_its_score_boxes_wide(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    page = world.login("dept_admin").get(reverse("appraisals:detail", args=[edu.pk])).content.decode()
    assert 'name="ind_' in page and '<th style="width:9rem">自评得分</th>' in page


def _form_tags(page: str) -> list[str]:
    return [tag.split(">", 1)[0] for tag in page.split("<form")[1:]]


def test_the_printed_task_and_list_leave_out_their_forms(world: World) -> None:
    """The printed ranking carried the empty 意见（撤销排名时必填） box of the 审定并排名 form (its buttons left out),
    and the printed task list its 查询 boxes: the forms are no-print; the ranking rule line still prints."""
    task = dept_task(world)
    client = world.login("performance")
    page = client.get(reverse("appraisals:task", args=[task.pk])).content.decode()
    actions = [tag for tag in _form_tags(page) if 'data-testid="task-actions"' in tag]
    assert actions and "no-print" in actions[0]
    assert "排名规则" in page.split('data-testid="task-actions"', 1)[1].split("</form>", 1)[1]
    listing = client.get(reverse("appraisals:list")).content.decode()
    searches = [tag for tag in _form_tags(listing) if 'method="get"' in tag]
    assert searches and all("no-print" in tag for tag in searches)
