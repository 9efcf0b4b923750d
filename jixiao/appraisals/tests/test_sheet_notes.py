"""The exported score sheet carries each item's 说明: the self-score note (a 加分/扣分's required reason) and the
finance scorer's note, the latter only where finance scores are shown."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from conftest import World
from jixiao.appraisals import services
from jixiao.appraisals.models import Appraisal
from jixiao.appraisals.tests.helpers import dept_task, full_self_scores, leaves

pytestmark = pytest.mark.django_db


def _rows(client: Any, appraisal: Appraisal) -> list[tuple[Any, ...]]:
    response = client.get(reverse("appraisals:sheet_export", args=[appraisal.pk]))
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_sheet_export_keeps_the_notes(world: World) -> None:
    edu = Appraisal.objects.get(task=dept_task(world), department=world.edu)
    nodes = {n.code: n for n in leaves(edu)}
    scores = full_self_scores(edu)
    scores[nodes["H"].pk] = ("2", "经验被省厅推广")
    scores[nodes["A1"].pk] = ("9", "1个项目评估未出结论")
    dept = world.users["dept_admin"]
    edu = services.appraisal_save_self(actor=dept, appraisal=edu, scores=scores)
    edu = services.appraisal_transition(actor=dept, appraisal=edu, action="submit")
    services.appraisal_save_eval(
        actor=world.users["performance"], appraisal=edu, scores={nodes["A1"].pk: ("8", "按系统计算")}
    )

    rows = _rows(world.login("performance"), edu)
    headers = rows[1]
    assert headers[-2:] == ("自评说明", "评分说明")
    by_code = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[2:]}
    assert by_code["H"]["自评说明"] == "经验被省厅推广"
    assert (by_code["A1"]["自评说明"], by_code["A1"]["评分说明"]) == ("1个项目评估未出结论", "按系统计算")

    # The department's copy before ranking: its own notes, no finance note (as no finance score).
    by_code = {r[0]: dict(zip(headers, r, strict=True)) for r in _rows(world.login("dept_admin"), edu)[2:]}
    assert by_code["A1"]["自评说明"] == "1个项目评估未出结论" and by_code["A1"]["评分说明"] is None
