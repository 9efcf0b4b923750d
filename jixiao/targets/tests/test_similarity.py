"""Similar-target detection: near duplicates across departments rank first, only visible targets are listed."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from jixiao.indicators.models import FrameworkNode
from jixiao.indicators.selectors import framework_for
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.similarity import bigrams, cosine, similar_targets


def _target(world: World, project: Any, goal: str, indicators: list[str]) -> PerformanceTarget:
    actor = world.users["performance"]
    target = PerformanceTarget.objects.create(
        fiscal_year=project.fiscal_year,
        region=project.region,
        project=project,
        department=project.department,
        unit=project.unit,
        framework=framework_for(project.region, project.fiscal_year),
        name=project.name,
        annual_goal=goal,
        created_by=actor,
    )
    node = FrameworkNode.objects.get(framework=target.framework, name="数量指标")
    for seq, name in enumerate(indicators, start=1):
        target.indicators.create(seq=seq, lv1=node.parent, lv2=node, name=name, target_text="≥1个")
    return target


@pytest.fixture
def targets(world: World) -> dict[str, PerformanceTarget]:
    world.hospital_project.name = "县医院培训中心多媒体教学设备购置"
    world.hospital_project.save(update_fields=["name"])
    return {
        "school": _target(
            world,
            world.school_project,
            "为县第一中学购置多媒体教学设备，改善教学条件",
            ["购置多媒体教学设备数量", "设备验收合格率", "教师满意度"],
        ),
        "hospital_twin": _target(
            world,
            world.hospital_project,
            "为县人民医院培训中心购置多媒体教学设备，改善培训教学条件",
            ["购置多媒体教学设备数量", "设备验收合格率", "学员满意度"],
        ),
        "canteen": _target(
            world,
            world.branch_project,
            "改造分校学生食堂，保障用餐安全",
            ["改造食堂面积", "食品安全事故发生次数"],
        ),
        "far": _target(
            world,
            world.far_project,
            "为县第一中学购置多媒体教学设备，改善教学条件",
            ["购置多媒体教学设备数量", "设备验收合格率", "教师满意度"],
        ),
    }


def test_bigram_cosine_of_identical_and_unrelated_texts() -> None:
    assert cosine(bigrams("教学设备购置"), bigrams("教学设备购置")) == pytest.approx(1.0)
    assert cosine(bigrams("教学设备购置"), bigrams("食堂改造")) == 0.0
    assert bigrams("≥95%，设备") == bigrams("设备")


def test_a_near_duplicate_in_another_department_ranks_first(
    world: World, targets: dict[str, PerformanceTarget]
) -> None:
    result = similar_targets(world.users["performance"], targets["school"])
    assert result[0].target == targets["hospital_twin"]
    assert result[0].target.department_id != targets["school"].department_id
    assert result[0].score > 0.6 and "相同指标2项" in result[0].reason
    scores = {r.target.pk: r.score for r in result}
    assert scores.get(targets["canteen"].pk, 0.0) < 0.2


def test_targets_of_other_regions_and_the_target_itself_are_not_listed(
    world: World, targets: dict[str, PerformanceTarget]
) -> None:
    listed = {r.target.pk for r in similar_targets(world.users["performance"], targets["school"], min_score=0)}
    assert listed == {targets["hospital_twin"].pk, targets["canteen"].pk}


def test_only_targets_the_user_may_see_are_listed(world: World, targets: dict[str, PerformanceTarget]) -> None:
    listed = {r.target.pk for r in similar_targets(world.users["unit_user"], targets["school"], min_score=0)}
    assert targets["hospital_twin"].pk not in listed
    assert similar_targets(world.users["other_unit_user"], targets["school"])[0].target == targets["hospital_twin"]


def test_limit_and_year_are_respected(world: World, targets: dict[str, PerformanceTarget]) -> None:
    next_year = ProjectFactory(unit=world.hospital, name="县医院培训中心多媒体教学设备购置", fiscal_year=2027)
    _target(world, next_year, targets["hospital_twin"].annual_goal, ["购置多媒体教学设备数量"])
    result = similar_targets(world.users["performance"], targets["school"], limit=1)
    assert [r.target for r in result] == [targets["hospital_twin"]]


def test_similarity_uses_a_fixed_number_of_queries(
    world: World, targets: dict[str, PerformanceTarget], django_assert_max_num_queries: Any
) -> None:
    for i in range(20):
        project = ProjectFactory(unit=world.hospital, name=f"医院设备购置{i}")
        _target(world, project, "购置设备", ["设备数量", "设备合格率"])
    user = world.users["performance"]
    user.active_membership  # noqa: B018 (load the membership outside the counted block)
    with django_assert_max_num_queries(4):
        similar_targets(user, targets["school"])
