"""A local table exported to Excel and imported back keeps each item's 自动指标 (by its Chinese name); a name that
is no metric is refused at its cell."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.imports import parse_score_sheet
from jixiao.appraisals.tests.helpers import local_copy

pytestmark = pytest.mark.django_db


def test_the_auto_metrics_survive_export_and_import(world: World) -> None:
    copy = local_copy(world)
    exported = world.login("performance").get(reverse("appraisals:template_export", args=[copy.pk])).content
    rows = list(openpyxl.load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "自动指标"
    assert next(r for r in rows if r[0] == "A1")[-1] == "事前评估覆盖率"
    nodes, errors = parse_score_sheet(exported)
    assert errors == []
    imported = services.template_import(
        actor=world.users["performance"], name="渠县考核表（导回）", kind="DEPT", fiscal_year=2027, nodes=nodes
    )
    expected = dict(copy.nodes.values_list("code", "auto_metric"))
    assert dict(imported.nodes.values_list("code", "auto_metric")) == expected
    assert expected["A1"] == "preassessment_coverage"


def test_an_unknown_metric_name_is_refused_at_its_cell() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["指标代码", "指标名称", "分值", "自动指标"])
    sheet.append(["A", "制度建设", 100, "制度覆盖率"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _nodes, errors = parse_score_sheet(buffer.getvalue())
    assert [(e.column, e.value) for e in errors] == [("自动指标", "制度覆盖率")]
    assert "事前评估覆盖率" in errors[0].message
