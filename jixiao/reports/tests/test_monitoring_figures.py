"""MON-2 and MON-5 of the annual summary (DOMAIN.md §2.9, seed 001): a 部门整体 monitoring round is not a round of
监控项目, and the 部门整体 reviews are counted apart (“完成55个部门整体绩效监控审核工作”)."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import World
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.monitoring.tests.helpers import approved_target, issued_round, pay, put_in_library
from jixiao.reports.statistics import CATALOGUE
from jixiao.reports.statistics.base import Scope
from jixiao.reports.statistics.stages import mon_2, mon_5

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "200000", date(2026, 5, 10))
    issued_round(world)  # projects, 1—8月
    overall = issued_round(world, title="2026年1—8月部门整体绩效运行监控", scope=MonitoringTask.Scope.DEPT_OVERALL)
    MonitoringRecord.objects.filter(task=overall, department=world.edu).update(status=MonitoringRecord.Status.APPROVED)
    return world


def test_a_department_overall_round_is_not_counted_as_monitored_projects(rounds: World) -> None:
    figure = mon_2(Scope(region=rounds.region, work_year=2026, fiscal_year=2026))
    projects = MonitoringRecord.objects.filter(task__scope=MonitoringTask.Scope.ALL, project__isnull=False).count()
    assert [r["count"] for r in figure.values["rounds"]] == [projects]
    assert "部门整体" not in figure.sentence


def test_department_overall_monitoring_reviews_are_counted(rounds: World) -> None:
    figure = mon_5(Scope(region=rounds.region, work_year=2026, fiscal_year=2026))
    assert figure.values["departments"] == 2  # 县教育局, 县卫健局
    assert figure.values["reviewed"] == 1  # 县教育局's record passed review
    assert figure.sentence == "完成1个部门整体绩效监控审核工作（下达部门整体监控2个）"
    assert "MON-5" in CATALOGUE


def test_a_year_without_department_overall_rounds_says_so(world: World) -> None:
    figure = mon_5(Scope(region=world.region, work_year=2026, fiscal_year=2026))
    assert figure.values["departments"] == 0
    assert figure.sentence == "本年度未开展部门整体绩效监控"


def test_the_round_progress_follows_the_configured_time_progress_mode(world: World) -> None:
    """A county that reckons 序时进度 by days (监控参数) reads the same progress in MON-2 as its monitoring round: to
    31 August 2026 that is 243/365 = 66.58%, not 8/12 = 66.67%."""
    from jixiao.monitoring.models import MonitoringSettings

    MonitoringSettings.objects.create(region=world.region, fiscal_year=2026, time_progress_mode="day")
    put_in_library(world)
    approved_target(world)
    task = issued_round(world)
    assert task.time_progress is not None and f"{task.time_progress * 100:.2f}%" == "66.58%"
    figure = mon_2(Scope(region=world.region, work_year=2026, fiscal_year=2026))
    assert [r["time_progress"] for r in figure.values["rounds"]] == ["66.58%"]
    assert "序时进度66.58%" in figure.sentence
