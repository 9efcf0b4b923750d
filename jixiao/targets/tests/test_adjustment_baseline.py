"""An approved target that arrived without a version snapshot (initial data, a migration from the old system) can
still be adjusted safely: the request records the approved version first, so the 预算股 sees the changes and
不同意调整 puts the approved goals and indicators back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget, TargetStatus, TargetVersion
from jixiao.targets.tests.pages_helpers import make_target, move, valid_rows


@pytest.fixture
def loaded(world: World) -> PerformanceTarget:
    """An approved target as initial data leaves it: approved, no TargetVersion."""
    target = make_target(world)
    PerformanceTarget.objects.filter(pk=target.pk).update(status=TargetStatus.APPROVED, annual_goal="批复的年度目标")
    target.refresh_from_db()
    assert not target.versions.exists()
    return target


def _adjust(world: World, target: PerformanceTarget) -> PerformanceTarget:
    target = move(world, target, ("unit_user", "request_adjustment"))
    unit = world.users["unit_user"]
    rows = valid_rows(target)
    rows[0] = {**rows[0], "target_text": "≥999台"}
    target = services.target_update(actor=unit, target=target, data={"annual_goal": "调整后的年度目标"})
    return services.target_save_indicators(actor=unit, target=target, rows=rows)


def test_the_request_records_the_approved_version(world: World, loaded: PerformanceTarget) -> None:
    _adjust(world, loaded)
    version = TargetVersion.objects.get(target=loaded, goal_version=1)
    assert version.snapshot["annual_goal"] == "批复的年度目标"
    assert version.snapshot["indicators"][0]["target_text"] == "≥120台"


def test_the_budget_section_sees_the_pending_changes(world: World, loaded: PerformanceTarget) -> None:
    _adjust(world, loaded)
    page = world.login("budget").get(f"/targets/{loaded.pk}/").content.decode()
    assert "调整中（与第1版相比）" in page
    assert "≥999台" in page and "≥120台" in page


def test_a_refused_adjustment_restores_the_approved_goals_and_indicators(
    world: World, loaded: PerformanceTarget
) -> None:
    target = _adjust(world, loaded)
    target = move(world, target, ("budget", "reject_adjustment"))
    target.refresh_from_db()
    assert target.status == TargetStatus.APPROVED and target.goal_version == 1
    assert target.annual_goal == "批复的年度目标"
    texts = list(target.indicators.order_by("seq").values_list("target_text", flat=True))
    assert texts == ["≥120台", "≥95%"]
    assert target.indicators.first().weight == Decimal("30.00")


def test_a_target_approved_here_keeps_its_single_approval_version(world: World) -> None:
    target = move(world, make_target(world), ("unit_user", "submit"), ("dept_admin", "dept_pass"))
    target = move(world, target, ("business", "section_pass"), ("performance", "grade_good"), ("budget", "approve"))
    move(world, target, ("unit_user", "request_adjustment"))
    assert list(TargetVersion.objects.filter(target=target).values_list("goal_version", "reason")) == [
        (1, "随预算批复")
    ]
