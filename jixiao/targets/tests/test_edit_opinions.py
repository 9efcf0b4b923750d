"""The unit edits a returned target with the reviewers' opinions beside the form (the return reason and the 修改意见
on the target or one indicator): 我的待办 asks it to 按审核意见修改, and the form page showed none of them."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import make_target, move, valid_rows


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


def test_a_returned_target_shows_the_opinions_on_its_form(world: World, target: PerformanceTarget) -> None:
    target = move(world, target, ("unit_user", "submit"))
    indicator = target.indicators.order_by("seq").first()
    services.target_comment(
        actor=world.users["dept_admin"], target=target, text="设备数量与预算不匹配，请核实", indicator=indicator
    )
    target = services.target_transition(
        actor=world.users["dept_admin"], target=target, action="dept_return", comment="请补充满意度指标"
    )
    page = world.login("unit_user").get(f"/targets/{target.pk}/edit/").content.decode()
    card = page.split('data-testid="edit-opinions"')[1].split("</table>")[0]
    assert "请补充满意度指标" in card and "设备数量与预算不匹配，请核实" in card
    assert "主管部门审核" in card and indicator is not None and indicator.name in card


def test_a_draft_without_opinions_shows_no_card(world: World, target: PerformanceTarget) -> None:
    page = world.login("unit_user").get(f"/targets/{target.pk}/edit/").content.decode()
    assert 'data-testid="edit-opinions"' not in page


def test_an_opinion_on_one_indicator_keeps_naming_it_after_the_unit_saves_the_grid(
    world: World, target: PerformanceTarget
) -> None:
    # Saving the grid replaces the indicator rows: the opinion's link was cleared and the 针对 column then read
    # “整体目标”, as if the reviewer had written about the whole target.
    target = move(world, target, ("unit_user", "submit"))
    indicator = target.indicators.order_by("seq").last()
    assert indicator is not None
    services.target_comment(
        actor=world.users["dept_admin"], target=target, text="使用率目标偏低，请提高", indicator=indicator
    )
    target = services.target_transition(
        actor=world.users["dept_admin"], target=target, action="dept_return", comment="请按意见修改"
    )
    rows = valid_rows(target)
    rows[1]["target_text"] = "≥98%"
    services.target_save_indicators(actor=world.users["unit_user"], target=target, rows=rows)
    page = world.login("dept_admin").get(f"/targets/{target.pk}/").content.decode()
    card = page.split('data-testid="comments"')[1].split("</table>")[0]
    row = next(r for r in card.split("<tr>") if "使用率目标偏低" in r)
    assert "设备使用率" in row and "整体目标" not in row
    edit = world.login("unit_user").get(f"/targets/{target.pk}/edit/").content.decode()
    opinions = edit.split('data-testid="edit-opinions"')[1].split("</table>")[0]
    row = next(r for r in opinions.split("<tr>") if "使用率目标偏低" in r)
    assert "设备使用率" in row and "整体目标" not in row
