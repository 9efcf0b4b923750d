"""A 资产管理绩效考评 task appraises every unit, several of one department: (task, department) is unique for the
department appraisals only, so issuing it in a county whose departments have two units does not fail (it did, 500)."""

from __future__ import annotations

from decimal import Decimal

from conftest import World
from jixiao.appraisals.models import Appraisal, AppraisalNode
from jixiao.appraisals.tests.helpers import default_template, dept_task, local_copy


def test_an_asset_task_takes_two_units_of_one_department(world: World) -> None:
    template = local_copy(world, "ASSET_MANAGEMENT")
    AppraisalNode.objects.create(template=template, code="1", name="资产配置", points=Decimal("60"), order=1)
    AppraisalNode.objects.create(template=template, code="2", name="资产使用", points=Decimal("40"), order=2)
    task = dept_task(world, template=template)
    rows = Appraisal.objects.filter(task=task)
    edu_units = set(rows.filter(department=world.edu).values_list("unit__name", flat=True))
    assert {"县第一中学", "县第一中学分校"} <= edu_units
    assert rows.filter(unit__isnull=True).count() == 0
    # A department task still holds each department once.
    dept = dept_task(world, template=default_template())
    assert Appraisal.objects.filter(task=dept, department=world.edu).count() == 1
