"""Arrangements shared by the appraisal tests: a local copy of the default table, a task, scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from conftest import World
from jixiao.appraisals import selectors, services
from jixiao.appraisals.models import Appraisal, AppraisalTask, AppraisalTemplate

YEAR = 2026


def default_template(kind: str = "DEPT") -> AppraisalTemplate:
    return AppraisalTemplate.objects.get(region=None, kind=kind)


def local_copy(world: World, kind: str = "DEPT") -> AppraisalTemplate:
    return services.template_copy(actor=world.users["performance"], source=default_template(kind), fiscal_year=YEAR)


def dept_task(
    world: World, template: AppraisalTemplate | None = None, fiscal_year: int = YEAR, **kwargs: Any
) -> AppraisalTask:
    return services.task_create(
        actor=world.users["performance"],
        template=template or default_template(),
        name=f"{fiscal_year}年度部门预算绩效管理工作考核",
        fiscal_year=fiscal_year,
        self_score_deadline=dt.date(2027, 1, 31),
        **kwargs,
    )


def leaves(appraisal: Appraisal) -> list[Any]:
    return [r.node for r in selectors.tree(selectors.template_nodes(appraisal.task.template)) if r.is_leaf]


def full_self_scores(appraisal: Appraisal, fraction: Decimal = Decimal(1)) -> dict[int, tuple[Any, str]]:
    return {
        n.pk: (str((n.points * fraction).quantize(Decimal("0.01"))), "") for n in leaves(appraisal) if n.kind == "SCORE"
    }


def to_perf_final(world: World, appraisal: Appraisal, self_fraction: Decimal = Decimal(1)) -> Appraisal:
    """Self-score (by the department), submit, and move through section scoring."""
    persona = "dept_admin" if appraisal.department_id == world.edu.pk else "performance"
    actor = world.users[persona]
    if appraisal.department_id == world.health.pk:
        from jixiao.accounts.models import Membership
        from jixiao.accounts.tests.factories import UserFactory

        actor = UserFactory(username=f"health_admin_{appraisal.pk}")
        Membership.objects.create(user=actor, role="dept_admin", region=world.region, department=world.health)
    appraisal = services.appraisal_save_self(
        actor=actor, appraisal=appraisal, scores=full_self_scores(appraisal, self_fraction)
    )
    appraisal = services.appraisal_transition(actor=actor, appraisal=appraisal, action="submit")
    return services.appraisal_transition(actor=world.users["performance"], appraisal=appraisal, action="section_done")


def finance_score(world: World, appraisal: Appraisal, scores: dict[str, str]) -> Appraisal:
    """Score every leaf: `scores` by code, other SCORE leaves full marks, bonus/penalty 0 unless given."""
    data: dict[int, tuple[Any, str]] = {}
    for node in leaves(appraisal):
        default = str(node.points) if node.kind == "SCORE" else "0"
        reason = "" if node.kind == "SCORE" else "上级通报表扬（示例理由）"  # a 加分/扣分 is given with its reason
        data[node.pk] = (scores.get(node.code, default), reason)
    return services.appraisal_save_eval(actor=world.users["performance"], appraisal=appraisal, scores=data)


def settings_form(**overrides: str) -> dict[str, str]:
    """A valid post of the 考核参数 page (every year), with some fields replaced."""
    form = {
        "fiscal_year": "",
        "weight_town": "0.6",
        "weight_street": "0.5",
        "weight_dev_zone": "0.4",
        "weight_department": "1",
        "commend_top_k": "3",
        "commend_min_score": "90",
        "interview_bottom_k": "",
        "interview_max_score": "",
        "grade_bands": "优秀:90,良好:80,合格:60,不合格:0",
    }
    return {**form, **overrides}
