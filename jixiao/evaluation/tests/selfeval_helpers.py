"""Set-up shared by the 单位自评 tests: approved targets that fit the 10/50/30/10 scheme, payments, a round."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from conftest import World
from jixiao.evaluation import services
from jixiao.evaluation.models import SelfEvaluation
from jixiao.execution.models import Payment
from jixiao.execution.tests.factories import payment_create
from jixiao.indicators.models import FrameworkNode
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget, TargetIndicator

YEAR = 2026


def approved_target(
    world: World, project: Project | None = None, *, dept_overall: bool = False, **overrides: Any
) -> PerformanceTarget:
    """An approved target: 产出 50 (quantitative), 效益 30 (qualitative), 满意度 10 (percentage)."""
    from jixiao.indicators.selectors import framework_for

    project = project or world.school_project
    framework = framework_for(project.region, project.fiscal_year)
    fields: dict[str, Any] = {
        "fiscal_year": project.fiscal_year,
        "region": project.region,
        "project": project,
        "department": project.department,
        "unit": project.unit,
        "framework": framework,
        "name": project.name,
        "annual_goal": "年内购置教学设备120台，改善教学条件",
        "status": PerformanceTarget.Status.APPROVED,
    }
    if dept_overall:
        fields.update(project=None, subject_type=PerformanceTarget.Subject.DEPT_OVERALL, name="部门整体支出")
    fields.update(overrides)
    target = PerformanceTarget.objects.create(**fields)
    nodes = {n.name: n for n in FrameworkNode.objects.filter(framework=framework)}
    rows = [
        ("产出指标", "数量指标", "购置教学设备数量", "gte", "≥120", "台", "50"),
        ("效益指标", "社会效益指标", "教学条件改善情况", "qual", "明显改善", "", "30"),
        ("满意度指标", "服务对象满意度指标", "师生满意度", "gte", "≥90%", "", "10"),
    ]
    for seq, (lv1, lv2, name, op, text, unit, weight) in enumerate(rows, start=1):
        TargetIndicator.objects.create(
            target=target,
            seq=seq,
            lv1=nodes[lv1],
            lv2=nodes[lv2],
            name=name,
            operator=op,
            target_text=text,
            unit=unit,
            weight=Decimal(weight),
        )
    TargetIndicator.objects.create(
        target=target,
        seq=9,
        year_flag=TargetIndicator.YearFlag.MIDTERM,
        lv1=nodes["产出指标"],
        lv2=nodes["数量指标"],
        name="中期指标不进入年度自评",
        operator="gte",
        target_text="≥300",
        unit="台",
    )
    return target


_voucher = {"n": 0}


def pay(project: Project, amount: str, on: date) -> Payment:
    _voucher["n"] += 1
    return payment_create(project, amount, on, voucher_no=f"SE{_voucher['n']:06d}")


def set_amounts(project: Project, fiscal: str = "100000", carryover: str = "0", other: str = "0") -> None:
    Project.objects.filter(pk=project.pk).update(
        fiscal_amount_yuan=Decimal(fiscal), carryover_amount_yuan=Decimal(carryover), other_amount_yuan=Decimal(other)
    )


def start(world: World, year: int = YEAR) -> Any:
    return services.task_start(actor=world.users["performance"], fiscal_year=year, deadline=date(year + 1, 3, 31))


def school_record(world: World) -> SelfEvaluation:
    return SelfEvaluation.objects.get(project=world.school_project)


def row_ids(record: SelfEvaluation) -> dict[str, int]:
    return {r.name: r.pk for r in record.indicators.all()}


def fill_clean(world: World, record: SelfEvaluation, **overrides: Any) -> SelfEvaluation:
    """Fill so that every score matches the rules (execution 100%, all targets met): no flags."""
    ids = row_ids(record)
    rows = {
        ids["购置教学设备数量"]: {"actual_text": "120台", "claimed_score": "50", "deviation_analysis": ""},
        ids["教学条件改善情况"]: {
            "actual_text": "教学条件明显改善，达到预期",
            "qual_level": "ACHIEVED",
            "claimed_score": "30",
        },
        ids["师生满意度"]: {"actual_text": "95%", "claimed_score": "10"},
    }
    data: dict[str, Any] = {
        "goal_actual": "已购置教学设备120台，教学条件明显改善",
        "exec_score_claimed": "10",
        "total_claimed": "100",
        "grade_claimed": "优",
    }
    data.update(overrides)
    return services.selfeval_save(actor=world.users["unit_user"], record=record, data=data, rows=rows)
