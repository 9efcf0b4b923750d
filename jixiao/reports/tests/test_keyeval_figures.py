"""EV-3 of the annual summary as seed 001 states it: every 评价对象类型 with its count, zeros included
(“下级政府财政综合运行绩效评价 0 个…”), and the issued reports listed one by one (序号 / 评价报告)."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.keyeval import services
from jixiao.keyeval.models import EvalTemplate, KeyEvalStatus, KeyEvaluation
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.stages import ev_3

pytestmark = pytest.mark.django_db


def _evaluation(world: World, title: str, object_type: str) -> KeyEvaluation:
    template = EvalTemplate.objects.get(
        kind=EvalTemplate.Kind.PROJECT_10, region__isnull=True, fiscal_year__isnull=True
    )
    data = {
        "fiscal_year": 2026,
        "title": title,
        "kind": KeyEvaluation.Kind.FINANCE,
        "object_type": object_type,
        "budget_book": KeyEvaluation.BudgetBook.GENERAL,
        "mode": KeyEvaluation.Mode.SELF_RUN,
        "template": template,
        "methods": "社会调查、实地核查",
        "basic_situation": "项目用于购置教学设备。",
    }
    return services.evaluation_create(actor=world.users["performance"], data=data, projects=[world.school_project])


def test_every_object_type_and_each_issued_report_is_in_the_appendix(world: World) -> None:
    issued = _evaluation(world, "一中教学设备购置", KeyEvaluation.ObjectType.PROJECT)
    _evaluation(world, "学生营养改善计划", KeyEvaluation.ObjectType.OTHER_MAJOR_PROJECT)  # not issued yet
    KeyEvaluation.objects.filter(pk=issued.pk).update(status=KeyEvalStatus.ISSUED)
    figure = ev_3(Scope(region=world.region, work_year=2026, fiscal_year=2026))
    rows = dict(figure.table)
    for label in KeyEvaluation.ObjectType.labels:
        assert f"对象：{label}（个）" in rows
    assert rows["对象：下级政府财政综合运行（个）"] == "0"
    assert rows["对象：部门整体（个）"] == "0"
    assert rows["对象：其他重大项目（个）"] == "1"
    assert figure.values["reports"] == ["一中教学设备购置"]
    assert rows["评价报告1"] == "一中教学设备购置"
    assert "评价报告2" not in rows
