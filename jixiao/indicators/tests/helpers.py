"""Test helpers shared by the indicator tests."""

from __future__ import annotations

from typing import Any

from conftest import World
from jixiao.indicators import services
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorLibraryItem

VIEWERS = {
    "performance",
    "budget",
    "business",
    "dept_admin",
    "unit_user",
    "other_unit_user",
    "expert",
    "agency",
    "leader",
    "oversight",
}
EXPORTERS = VIEWERS - {"expert", "agency"}
PROPOSERS = {"dept_admin", "unit_user", "other_unit_user"}
MANAGERS = {"performance"}
# Who may see 县第一中学's draft proposal (县教育局, 对口 教科文股).
SEES_PROPOSAL = {"performance", "business", "dept_admin", "unit_user"}


def proposal_data(name: str = "课后服务覆盖学校数", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": IndicatorCategory.objects.get(code="0102"),
        "lv1": FrameworkNode.objects.get(framework__code="2015_88", code="output"),
        "lv2": FrameworkNode.objects.get(framework__code="2015_88", code="output.quantity"),
        "name": name,
        "operator": "gte",
        "unit": "所",
        "typical_value": "32",
        "explanation": "开展义务教育课后服务的学校数量。",
        "scoring_standard": "完成目标值得满分；未完成的按比例计分。",
        "value_basis": "plan",
        "data_source": "课后服务工作台账",
        "is_core": False,
    }
    data.update(overrides)
    return data


def move(world: World, item: IndicatorLibraryItem, *steps: tuple[str, str]) -> IndicatorLibraryItem:
    """Apply (persona, action) steps through the service; returns the refreshed item."""
    for persona, action in steps:
        item = services.indicator_item_transition(
            actor=world.users[persona], item=item, action=action, comment="意见" if "return" in action else ""
        )
    return item
