"""The 版本与调整 card lists each change of an adjustment in the page's words: money in 万元 (it showed 500000.00
beside 万元 figures), 指标性质 as ≥/≤ and 取值依据 by name (it showed gte → lte, value_basis plan → history), the
一级/二级指标 by name rather than their database ids."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import World
from jixiao.targets import services
from jixiao.targets.tests.pages_helpers import TO_READY, make_target, move, nodes, valid_rows


def _changes(page: str) -> list[list[str]]:
    card = page.split("调整中（与第1版相比）")[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", card)
    return [list(row) for row in rows]


def test_the_pending_adjustment_is_listed_in_the_pages_words(world: World) -> None:
    target = make_target(world)
    rows = valid_rows(target)
    rows[1] |= {"value_basis": "plan"}
    target = services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    target = move(world, target, *TO_READY, ("budget", "approve"), ("unit_user", "request_adjustment"))
    unit = world.users["unit_user"]
    services.target_update(
        actor=unit,
        target=target,
        data={"annual_total_yuan": Decimal("300000.00"), "annual_fiscal_yuan": Decimal("300000.00")},
    )
    n = nodes(target)
    rows[1] |= {"operator": "lte", "value_basis": "history", "lv2": n["经济效益指标"]}
    services.target_save_indicators(actor=unit, target=target, rows=rows)
    changes = _changes(world.login("budget").get(f"/targets/{target.pk}/").content.decode())
    assert ["目标", "年度资金总额", "50.00万元", "30.00万元"] in changes
    assert ["设备使用率", "指标性质", "≥", "≤"] in changes
    assert ["设备使用率", "取值依据", "计划标准", "历史标准"] in changes
    assert ["设备使用率", "二级指标", "社会效益指标", "经济效益指标"] in changes
    text = str(changes)
    for raw in ("gte", "lte", "value_basis", "lv2_id", "history", "500000"):
        assert raw not in text, raw
