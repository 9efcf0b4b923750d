"""Target services per transition: status, event row, audit event, versions and diffs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.indicators.models import FrameworkNode
from jixiao.targets import services, snapshots
from jixiao.targets.models import PerformanceTarget, ReviewComment


def _nodes(target: PerformanceTarget) -> dict[str, FrameworkNode]:
    return {n.name: n for n in FrameworkNode.objects.filter(framework=target.framework)}


def _rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    n = _nodes(target)
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


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    target = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    return services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=_rows(target))


def _move(world: World, persona: str, target: PerformanceTarget, action: str, comment: str = "") -> PerformanceTarget:
    return services.target_transition(actor=world.users[persona], target=target, action=action, comment=comment)


def test_target_is_created_from_the_project_with_its_funds(world: World, target: PerformanceTarget) -> None:
    assert target.annual_fiscal_yuan == world.school_project.fiscal_amount_yuan
    assert target.framework.code == "2015_88"
    again = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    assert again.pk == target.pk


def test_indicator_values_are_parsed_into_shadow_fields(target: PerformanceTarget) -> None:
    rows = {r.name: r for r in target.indicators.all()}
    assert rows["设备使用率"].parsed_op == "GE" and rows["设备使用率"].parsed_value == Decimal("95")
    assert rows["购置教学设备数量"].parsed_unit == "台"


def test_full_review_path_to_approval_records_events_audit_and_a_version(
    world: World, target: PerformanceTarget
) -> None:
    target = _move(world, "unit_user", target, "submit")
    target = _move(world, "dept_admin", target, "dept_pass")
    target = _move(world, "business", target, "section_pass")
    target = _move(world, "performance", target, "grade_good", "指标值偏保守，已与单位协商调整")
    assert target.status == "ready_for_budget" and target.review_grade == "good"
    target = _move(world, "budget", target, "approve")
    assert target.status == "approved" and target.is_locked and target.approved_at is not None
    assert target.versions.get().goal_version == 1
    actions = list(target.events.order_by("id").values_list("action", flat=True))
    assert actions == ["create", "submit", "dept_pass", "section_pass", "grade_good", "approve"]
    assert AuditEvent.objects.filter(object_type="targets.performancetarget", event_type="target.approve").exists()
    with pytest.raises(ConflictError):
        services.target_update(actor=world.users["unit_user"], target=target, data={"annual_goal": "改"})


def test_a_return_goes_back_to_the_returning_stage_on_resubmit(world: World, target: PerformanceTarget) -> None:
    target = _move(world, "unit_user", target, "submit")
    target = _move(world, "dept_admin", target, "dept_pass")
    with pytest.raises(DomainError):
        _move(world, "business", target, "section_return")
    target = _move(world, "business", target, "section_return", "产出指标不够细化")
    assert target.status == "returned" and target.returned_from == "section_review"
    assert ReviewComment.objects.get(target=target).stage == "section"
    target = _move(world, "unit_user", target, "resubmit")
    assert target.status == "section_review"


def test_grade_poor_rejects_and_grade_fair_returns(world: World, target: PerformanceTarget) -> None:
    for action in ("submit", "dept_pass", "section_pass"):
        target = _move(
            world, {"submit": "unit_user", "dept_pass": "dept_admin"}.get(action, "business"), target, action
        )
    fair = _move(world, "performance", target, "grade_fair", "目标与资金不匹配")
    assert fair.status == "returned" and fair.review_grade == "fair"


def test_submit_is_blocked_by_smart_check_errors(world: World) -> None:
    target = services.target_create_for_project(actor=world.users["unit_user"], project=world.branch_project)
    with pytest.raises(DomainError, match="智能审核未通过"):
        _move(world, "unit_user", target, "submit")


def test_unit_cannot_review_and_foreign_unit_cannot_see(world: World, target: PerformanceTarget) -> None:
    target = _move(world, "unit_user", target, "submit")
    with pytest.raises(PermissionDeniedError):
        _move(world, "unit_user", target, "dept_pass")
    with pytest.raises(NotFoundError):
        services.target_update(actor=world.users["other_unit_user"], target=target, data={"annual_goal": "x"})


def test_adjustment_creates_a_new_version_with_a_visible_diff(world: World, target: PerformanceTarget) -> None:
    for persona, action in [
        ("unit_user", "submit"),
        ("dept_admin", "dept_pass"),
        ("business", "section_pass"),
        ("performance", "grade_excellent"),
        ("budget", "approve"),
    ]:
        target = _move(world, persona, target, action)
    target = _move(world, "unit_user", target, "request_adjustment", "采购价格下降，数量增加")
    rows = _rows(target)
    rows[0]["target_text"] = "≥150台"
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    target = _move(world, "budget", target, "approve_adjustment")
    assert target.goal_version == 2
    v1, v2 = target.versions.order_by("goal_version")
    changes = snapshots.diff(v1.snapshot, v2.snapshot)
    assert {"where": "购置教学设备数量", "field": "指标值", "before": "≥120台", "after": "≥150台"} in changes


def test_refused_adjustment_restores_the_approved_indicators(world: World, target: PerformanceTarget) -> None:
    for persona, action in [
        ("unit_user", "submit"),
        ("dept_admin", "dept_pass"),
        ("business", "section_pass"),
        ("performance", "grade_excellent"),
        ("budget", "approve"),
    ]:
        target = _move(world, persona, target, action)
    target = _move(world, "unit_user", target, "request_adjustment", "想改")
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=_rows(target)[:1])
    target = _move(world, "budget", target, "reject_adjustment", "理由不充分")
    assert target.goal_version == 1
    assert set(target.indicators.values_list("name", flat=True)) == {"购置教学设备数量", "设备使用率"}


def test_batch_approval_approves_only_ready_targets_of_the_department(world: World, target: PerformanceTarget) -> None:
    for persona, action in [
        ("unit_user", "submit"),
        ("dept_admin", "dept_pass"),
        ("business", "section_pass"),
        ("performance", "grade_excellent"),
    ]:
        target = _move(world, persona, target, action)
    other = services.target_create_for_project(actor=world.users["unit_user"], project=world.branch_project)
    count = services.targets_approve_batch(actor=world.users["budget"], department_id=world.edu.pk, fiscal_year=2026)
    assert count == 1
    target.refresh_from_db()
    other.refresh_from_db()
    assert target.status == "approved" and other.status == "draft"


def test_versions_record_annual_tasks_and_their_changes(world: World, target: PerformanceTarget) -> None:
    from jixiao.targets.models import AnnualTask

    AnnualTask.objects.create(target=target, seq=1, name="校舍维修", content="维修教学楼", amount_yuan=Decimal("100"))
    before = snapshots.snapshot(target)
    AnnualTask.objects.filter(target=target).update(amount_yuan=Decimal("150"))
    AnnualTask.objects.create(target=target, seq=2, name="设备购置", amount_yuan=Decimal("50"))
    changes = snapshots.diff(before, snapshots.snapshot(target))
    assert {"where": "校舍维修", "field": "预算金额", "before": "0.01万元", "after": "0.015万元"} in changes
    assert any(c["where"] == "设备购置" and c["before"] == "（新增）" for c in changes)
