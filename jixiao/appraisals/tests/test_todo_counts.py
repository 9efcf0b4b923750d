"""The 考核 待办 counts: self-scoring and final review from one conditional-aggregate query, equal to the separate
counts they replaced."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from conftest import PERSONAS, World
from jixiao.appraisals.models import Appraisal, AppraisalStatus, ExamineeType
from jixiao.appraisals.selectors import appraisal_todos
from jixiao.appraisals.tests.helpers import YEAR, dept_task

pytestmark = pytest.mark.django_db


def _separate_counts(user: Any) -> dict[str, int]:
    """The provider's former logic: one COUNT query per item."""
    membership = user.active_membership
    out: dict[str, int] = {}
    if membership is None or not membership.can("appraisal.view"):
        return out
    qs = Appraisal.objects.visible_to(user)
    if membership.can("appraisal.self_score"):
        self_q = Q(status__in=(AppraisalStatus.TASK_ISSUED, AppraisalStatus.SELF_SCORING))
        if not membership.can("appraisal.final"):
            self_q &= Q(examinee_type=ExamineeType.DEPARTMENT)
        else:
            self_q &= ~Q(examinee_type=ExamineeType.DEPARTMENT)
        out["考核自评待填报"] = qs.filter(self_q).count()
    if membership.can("appraisal.section_score") and not membership.can("appraisal.final"):
        count = 0
        if membership.section_id:
            count = (
                qs.filter(status=AppraisalStatus.SECTION_SCORING)
                .filter(task__template__nodes__responsible_section=membership.section.name)
                .distinct()
                .count()
            )
        out["考核股室评分待完成"] = count
    if membership.can("appraisal.final"):
        out["考核评分待审定"] = qs.filter(
            status__in=(AppraisalStatus.SECTION_SCORING, AppraisalStatus.PERF_FINAL)
        ).count()
    return out


def test_merged_counts_equal_the_separate_counts_for_every_persona(world: World) -> None:
    task = dept_task(world)
    edu = Appraisal.objects.get(task=task, department=world.edu)
    health = Appraisal.objects.get(task=task, department=world.health)
    Appraisal.objects.filter(pk=health.pk).update(status=AppraisalStatus.SECTION_SCORING)
    # A second task (next year's: one per year and kind) whose appraisals are of a non-department examinee type
    # (finance self-scores them).
    other = dept_task(world, fiscal_year=YEAR + 1)
    Appraisal.objects.filter(task=other, department=world.edu).update(
        examinee_type=ExamineeType.LOWER_FINANCE, status=AppraisalStatus.SELF_SCORING
    )
    Appraisal.objects.filter(task=other, department=world.health).update(status=AppraisalStatus.PERF_FINAL)

    for persona in PERSONAS:
        user = world.users[persona]
        got = {item.title: item.count for item in appraisal_todos(user)}
        assert got == _separate_counts(user), persona
    perf = {item.title: item.count for item in appraisal_todos(world.users["performance"])}
    assert perf["考核评分待审定"] == 2
    hints = {item.title: item.hint for item in appraisal_todos(world.users["performance"])}
    # The lines count 考核对象 while their link opens the list of 考核任务: the hint says so.
    assert hints["考核评分待审定"] == "按考核对象计；审定得分后排名并确定考核结果"
    dept = {item.title: item.count for item in appraisal_todos(world.users["dept_admin"])}
    assert dept["考核自评待填报"] == 1  # the first task's 县教育局 appraisal (the second one is not a department's)
    assert edu.status in (AppraisalStatus.TASK_ISSUED, AppraisalStatus.SELF_SCORING)


def test_performance_section_counts_in_one_query(world: World) -> None:
    dept_task(world)
    user = world.users["performance"]
    assert user.active_membership is not None  # resolve the identity outside the measured block
    with CaptureQueriesContext(connection) as captured:
        items = appraisal_todos(user)
    assert len(captured) == 1
    assert {item.title for item in items} == {"考核自评待填报", "考核评分待审定"}
