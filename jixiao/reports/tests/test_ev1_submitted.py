"""EV-1 of the annual summary counts the self-evaluations the 自评统计 page counts as submitted: a record withdrawn or
returned to its unit (填报中/被退回 again, its earlier `submitted_at` kept) is not counted."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import World
from jixiao.evaluation import selectors as evaluation_selectors
from jixiao.evaluation import services
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    pay,
    row_ids,
    set_amounts,
    start,
)
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.stages import ev_1

pytestmark = pytest.mark.django_db


def _fill(user: Any, record: SelfEvaluation) -> None:
    """Every score as the rules give it (execution 100%, all targets met): nothing stands in the way of 提交."""
    ids = row_ids(record)
    rows = {
        ids["购置教学设备数量"]: {"actual_text": "120台", "claimed_score": "50"},
        ids["教学条件改善情况"]: {"actual_text": "明显改善", "qual_level": "ACHIEVED", "claimed_score": "30"},
        ids["师生满意度"]: {"actual_text": "95%", "claimed_score": "10"},
    }
    data = {"goal_actual": "已完成", "exec_score_claimed": "10", "total_claimed": "100", "grade_claimed": "优"}
    services.selfeval_save(actor=user, record=record, data=data, rows=rows)


def test_withdrawn_and_returned_self_evaluations_are_not_counted_as_submitted(world: World) -> None:
    for project in (world.school_project, world.branch_project, world.hospital_project):
        set_amounts(project, fiscal="100000")
        pay(project, "100000", date(YEAR, 11, 30))
        approved_target(world, project)
    start(world)
    records = {r.project_id: r for r in SelfEvaluation.objects.filter(fiscal_year=YEAR)}
    kept, withdrawn, returned = (
        records[world.hospital_project.pk],
        records[world.branch_project.pk],
        records[world.school_project.pk],
    )
    dept = world.users["dept_admin"]
    for record, user in ((kept, world.users["other_unit_user"]), (withdrawn, dept), (returned, dept)):
        _fill(user, record)
        record.refresh_from_db()
        services.selfeval_transition(actor=user, record=record, action="submit")
    withdrawn.refresh_from_db()
    services.selfeval_transition(actor=dept, record=withdrawn, action="withdraw")
    returned.refresh_from_db()
    services.selfeval_transition(actor=dept, record=returned, action="dept_return", comment="请补充佐证资料")
    assert SelfEvaluation.objects.filter(submitted_at__isnull=False).count() == 3
    figure = ev_1(Scope(region=world.region, work_year=YEAR, fiscal_year=YEAR))
    assert figure.values["projects"] == 1
    # The same count as the 自评统计 page's coverage.
    assert evaluation_selectors.statistics(world.users["performance"], YEAR)["evaluated"] == 1
