"""The opinion box of the target page says what the user's own buttons need: a unit submitting its draft was told
“退回、评级时必须填写意见”, steps it cannot take; its 申请调整 needs a reason, which the box did not say."""

from __future__ import annotations

import re

import pytest

from conftest import World
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, TO_READY, make_target, move


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    return make_target(world)


def _box(world: World, persona: str, target: PerformanceTarget) -> tuple[str, str]:
    page = world.login(persona).get(f"/targets/{target.pk}/").content.decode()
    label = re.search(r'<label class="form-label small mb-0" for="id_comment">([^<]*)</label>', page)
    placeholder = re.search(r'id="id_comment" name="comment"[^>]*placeholder="([^"]*)"', page)
    assert label and placeholder
    return label.group(1), placeholder.group(1)


def test_the_unit_submitting_is_not_told_about_returns_and_grades(world: World, target: PerformanceTarget) -> None:
    assert _box(world, "unit_user", target) == ("说明", "选填")


def test_each_stage_names_the_buttons_that_need_an_opinion(world: World, target: PerformanceTarget) -> None:
    target = move(world, target, ("unit_user", "submit"))
    assert _box(world, "dept_admin", target) == ("审核意见", "退回修改时必须填写意见")
    target = move(world, target, ("dept_admin", "dept_pass"), ("business", "section_pass"))
    assert _box(world, "performance", target) == ("审核意见", "退回、评级时必须填写意见")


def test_an_adjustment_request_asks_for_its_reason(world: World, target: PerformanceTarget) -> None:
    assert TO_PERF_REVIEW[0][1] == "submit"
    target = move(world, target, *TO_READY, ("budget", "approve"))
    assert _box(world, "unit_user", target) == ("说明", "申请调整时必须填写理由")


def test_an_adjustment_request_without_a_reason_is_refused_in_the_boxs_words(
    world: World, target: PerformanceTarget
) -> None:
    # The box asks the unit for a 说明/理由; the refusal told it to fill in an 审核意见, which it does not write.
    target = move(world, target, *TO_READY, ("budget", "approve"))
    response = world.login("unit_user").post(
        f"/targets/{target.pk}/transition/", {"action": "request_adjustment", "comment": " "}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "申请调整须填写理由" in page and "请填写审核意见" not in page
    target.refresh_from_db()
    assert target.status == "approved"
