"""Set-up shared by the monitoring tests: in-library projects, an approved target, payments and a round."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from conftest import World
from jixiao.execution.models import Payment
from jixiao.execution.tests.factories import payment_create
from jixiao.indicators.models import FrameworkNode
from jixiao.monitoring import services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget, TargetIndicator


def put_in_library(world: World) -> None:
    Project.objects.filter(
        pk__in=[world.school_project.pk, world.branch_project.pk, world.hospital_project.pk, world.far_project.pk]
    ).update(status=Project.Status.IN_LIBRARY)


def approved_target(world: World, project: Project | None = None) -> PerformanceTarget:
    """An approved target of 一中教学设备购置 with a quantitative and a qualitative indicator."""
    from jixiao.indicators.selectors import framework_for

    project = project or world.school_project
    framework = framework_for(project.region, project.fiscal_year)
    target = PerformanceTarget.objects.create(
        fiscal_year=project.fiscal_year,
        region=project.region,
        project=project,
        department=project.department,
        unit=project.unit,
        framework=framework,
        name=project.name,
        annual_goal="年内购置教学设备120台，改善教学条件",
        annual_total_yuan=Decimal("480000.00"),
        annual_fiscal_yuan=Decimal("480000.00"),
        status=PerformanceTarget.Status.APPROVED,
    )
    nodes = {n.name: n for n in FrameworkNode.objects.filter(framework=framework)}
    TargetIndicator.objects.create(
        target=target,
        seq=1,
        lv1=nodes["产出指标"],
        lv2=nodes["数量指标"],
        name="购置教学设备数量",
        operator="gte",
        target_text="≥120",
        unit="台",
    )
    TargetIndicator.objects.create(
        target=target,
        seq=2,
        lv1=nodes["效益指标"],
        lv2=nodes["社会效益指标"],
        name="教学条件改善情况",
        operator="qual",
        target_text="明显改善",
    )
    TargetIndicator.objects.create(
        target=target,
        seq=3,
        year_flag=TargetIndicator.YearFlag.MIDTERM,
        lv1=nodes["产出指标"],
        lv2=nodes["数量指标"],
        name="中期指标不进入年度监控",
        operator="gte",
        target_text="≥300台",
    )
    return target


_voucher = {"n": 0}


def pay(project: Project, amount: str, on: date, reverses: str = "") -> Payment:
    _voucher["n"] += 1
    return payment_create(project, amount, on, voucher_no=f"V{_voucher['n']:06d}", reverses=reverses)


def round_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "2026年1—8月绩效运行监控",
        "fiscal_year": 2026,
        "period_end_month": 8,
        "start_date": date(2026, 9, 1),
        "deadline": date(2026, 9, 20),
        "warn_days": 3,
        "scope": MonitoringTask.Scope.ALL,
    }
    data.update(overrides)
    return data


def issued_round(world: World, **overrides: Any) -> MonitoringTask:
    selected = overrides.pop("selected_projects", None)
    perf = world.users["performance"]
    task = services.task_create(actor=perf, data=round_data(**overrides), selected_projects=selected)
    services.task_issue(actor=world.users["performance"], task=task)
    task.refresh_from_db()
    return task


def school_record(task: MonitoringTask, world: World) -> MonitoringRecord:
    return MonitoringRecord.objects.get(task=task, project=world.school_project)


def fill_complete(world: World, record: MonitoringRecord, **overrides: Any) -> MonitoringRecord:
    """Fill every field a submit needs (green: execution on time progress)."""
    data: dict[str, Any] = {
        "executed_to_date_yuan": record.executed_from_payments_yuan,
        "expected_annual_yuan": record.current_budget_yuan,
        "goal_execution": "已购置设备80台",
        "likelihood": "certain",
    }
    data.update(overrides)
    rows: dict[int, dict[str, Any]] = {}
    for row in record.indicator_rows.all():
        if row.is_qualitative:
            rows[row.pk] = {"qualitative_level": "achieved", "completion_to_date": "教室设备已更新"}
        else:
            rows[row.pk] = {"completion_to_date": "80台", "expected_annual": "120台"}
    return services.record_save(actor=world.users["unit_user"], record=record, data=data, rows=rows)
