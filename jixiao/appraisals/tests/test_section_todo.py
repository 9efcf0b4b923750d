"""The business section's 待办 考核股室评分待完成 counts the appraisals whose items of its 股室 still lack a score."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task, full_self_scores, leaves, local_copy
from jixiao.core.todos import for_user

pytestmark = pytest.mark.django_db


def _section_count(world: World) -> int:
    # A line counting nothing is not listed.
    return next((t.count for t in for_user(world.users["business"]) if t.title == "考核股室评分待完成"), 0)


def test_the_line_clears_once_the_section_scored_its_items(world: World) -> None:
    copy = local_copy(world)
    e1 = copy.nodes.get(code="E1")
    services.node_save(
        actor=world.users["performance"],
        template=copy,
        node=e1,
        data={"code": "E1", "name": e1.name, "points": "10", "kind": "SCORE", "responsible_section": "教科文股"},
    )
    task = dept_task(world, template=copy)
    appraisal = Appraisal.objects.get(task=task, department=world.edu)
    dept = world.users["dept_admin"]
    services.appraisal_save_self(actor=dept, appraisal=appraisal, scores=full_self_scores(appraisal))
    appraisal = services.appraisal_transition(actor=dept, appraisal=appraisal, action="submit")
    assert _section_count(world) == 1

    node = next(n for n in leaves(appraisal) if n.code == "E1")
    services.appraisal_save_eval(
        actor=world.users["business"], appraisal=appraisal, scores={node.pk: ("8", "已报送部门评价报告")}
    )
    # Nothing is left for the section: the line no longer asks it to score (the 绩效股 still has it to review).
    assert _section_count(world) == 0
    perf = {t.title: t.count for t in for_user(world.users["performance"])}
    assert perf["考核评分待审定"] == 1
