"""Shared set-up of the page tests: a target of 县第一中学 with a valid indicator grid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import World
from jixiao.indicators.models import FrameworkNode
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget


def nodes(target: PerformanceTarget) -> dict[str, FrameworkNode]:
    return {n.name: n for n in FrameworkNode.objects.filter(framework=target.framework)}


def valid_rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    n = nodes(target)
    return [
        {
            "lv1": n["产出指标"],
            "lv2": n["数量指标"],
            "name": "购置教学设备数量",
            "operator": "gte",
            "target_text": "≥120台",
            "unit": "台",
            "weight": Decimal("30"),
        },
        {
            "lv1": n["效益指标"],
            "lv2": n["社会效益指标"],
            "name": "设备使用率",
            "operator": "gte",
            "target_text": "≥95%",
            "unit": "%",
            "weight": Decimal("20"),
        },
    ]


def make_target(world: World) -> PerformanceTarget:
    unit = world.users["unit_user"]
    target = services.target_create_for_project(actor=unit, project=world.school_project)
    return services.target_save_indicators(actor=unit, target=target, rows=valid_rows(target))


def move(world: World, target: PerformanceTarget, *steps: tuple[str, str]) -> PerformanceTarget:
    for persona, action in steps:
        target = services.target_transition(
            actor=world.users[persona], target=target, action=action, comment="测试意见"
        )
    return target


TO_PERF_REVIEW = (("unit_user", "submit"), ("dept_admin", "dept_pass"), ("business", "section_pass"))
TO_READY = (*TO_PERF_REVIEW, ("performance", "grade_good"))
