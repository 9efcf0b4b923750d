"""The 绩效目标 lines of 我的待办: each counts its targets, opens the list at that status and says what is asked."""

from __future__ import annotations

import pytest

from conftest import World
from jixiao.core import todos
from jixiao.targets.tests.pages_helpers import make_target, move

pytestmark = pytest.mark.django_db


def _lines(world: World, persona: str) -> dict[str, todos.TodoItem]:
    return {i.title: i for i in todos.for_user(world.users[persona]) if i.stage == "绩效目标"}


def test_each_line_says_what_its_reader_is_asked_to_do(world: World) -> None:
    target = make_target(world)
    draft = _lines(world, "unit_user")["绩效目标草稿"]
    assert (draft.count, draft.hint) == (1, "请完善后提交审核")
    assert draft.url.endswith("?status=draft")

    move(world, target, ("unit_user", "submit"), ("dept_admin", "dept_return"))
    returned = _lines(world, "unit_user")["绩效目标被退回"]
    assert (returned.count, returned.hint) == (1, "请按审核意见修改后重新提交")

    move(world, target, ("unit_user", "resubmit"))
    review = _lines(world, "dept_admin")["绩效目标待主管部门审核"]
    assert (review.count, review.hint) == (1, "待审核")


def test_the_panel_line_asks_for_an_opinion_or_a_recusal(world: World) -> None:
    from jixiao.targets.selectors import panel_todos

    [line] = panel_todos(world.users["expert"])
    assert (line.title, line.hint) == ("待会审的绩效目标", "请提交会审意见，有利害关系的请声明回避")
