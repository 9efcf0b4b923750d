"""Review statistics per department: counts from targets, events and opinions, computed in one query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import World
from jixiao.indicators.models import FrameworkNode
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.targets import services
from jixiao.targets.models import PerformanceTarget, ReviewComment, TargetEvent
from jixiao.targets.statistics import target_statistics


def _ready(world: World, project: Any, amount: str = "500000.00") -> PerformanceTarget:
    unit_user = world.users["unit_user"]
    target = services.target_create_for_project(actor=unit_user, project=project)
    funds = {"annual_total_yuan": Decimal(amount), "annual_fiscal_yuan": Decimal(amount)}  # 财政拨款 ≤ 资金总额
    target = services.target_update(actor=unit_user, target=target, data=funds)
    nodes = {n.name: n for n in FrameworkNode.objects.filter(framework=target.framework)}
    rows = [
        {"lv1": nodes["产出指标"], "lv2": nodes["数量指标"], "name": "数量", "target_text": "≥10台"},
        {"lv1": nodes["效益指标"], "lv2": nodes["社会效益指标"], "name": "使用率", "target_text": "≥95%"},
    ]
    return services.target_save_indicators(actor=unit_user, target=target, rows=rows)


def _move(world: World, target: PerformanceTarget, *steps: tuple[str, str, str]) -> PerformanceTarget:
    for persona, action, comment in steps:
        target = services.target_transition(actor=world.users[persona], target=target, action=action, comment=comment)
    return target


@pytest.fixture
def small_world(world: World) -> World:
    school = _ready(world, world.school_project)
    school = _move(
        world,
        school,
        ("unit_user", "submit", ""),
        ("dept_admin", "dept_return", "产出指标不够细化"),
        ("unit_user", "resubmit", ""),
        ("dept_admin", "dept_pass", ""),
    )
    services.target_comment(actor=world.users["business"], target=school, text="时效指标缺失")
    _move(world, school, ("business", "section_pass", ""), ("performance", "grade_excellent", ""))
    branch = _ready(world, world.branch_project, "300000.00")
    _move(
        world,
        branch,
        ("unit_user", "submit", ""),
        ("dept_admin", "dept_pass", ""),
        ("business", "section_pass", ""),
        ("performance", "grade_poor", "目标与资金严重不匹配"),
    )
    _ready(world, ProjectFactory(unit=world.school, name="未提交项目"))
    # 卫健局: returned twice (counted once) with two opinions, seeded as rows.
    hospital = PerformanceTarget.objects.create(
        fiscal_year=2026,
        region=world.region,
        project=world.hospital_project,
        department=world.health,
        unit=world.hospital,
        framework=school.framework,
        name="医院信息化建设",
        status="returned",
        review_grade="fair",
    )
    for action, to_status in [("submit", "unit_submitted"), ("perf_return", "returned"), ("grade_fair", "returned")]:
        TargetEvent.objects.create(target=hospital, action=action, to_status=to_status)
    for text in ("意见一", "意见二"):
        ReviewComment.objects.create(target=hospital, stage="perf", text=text)
    far = ProjectFactory(unit=world.far_unit, name="外县项目2")
    PerformanceTarget.objects.create(
        fiscal_year=2026,
        region=world.other_region,
        project=far,
        department=far.department,
        unit=world.far_unit,
        framework=school.framework,
        name="外县目标",
        status="rejected",
        annual_total_yuan=Decimal("999"),
    )
    return world


def test_numbers_per_department_for_the_performance_section(small_world: World) -> None:
    rows = target_statistics(small_world.users["performance"], 2026)
    education, health = rows
    assert {k: education[k] for k in education if k != "department_id"} == {
        "dept_code": "101",
        "department": "县教育局",
        "total": 3,
        "submitted": 2,
        "returned": 1,
        "excellent": 1,
        "good": 0,
        "fair": 0,
        "poor": 1,
        "opinions": 3,
        "rejected": 1,
        "rejected_amount_yuan": Decimal("300000.00"),
        "scored": 0,
        "score_total": Decimal("0"),
        "mean_score": None,
    }
    assert (health["dept_code"], health["submitted"], health["returned"], health["fair"]) == ("102", 1, 1, 1)
    assert (health["opinions"], health["rejected"], health["rejected_amount_yuan"]) == (2, 0, Decimal("0"))


def test_a_department_admin_sees_only_its_department(small_world: World) -> None:
    rows = target_statistics(small_world.users["dept_admin"], 2026)
    assert [r["dept_code"] for r in rows] == ["101"]


def test_other_years_are_empty(small_world: World) -> None:
    assert target_statistics(small_world.users["performance"], 2027) == []


def test_statistics_are_one_query(small_world: World, django_assert_num_queries: Any) -> None:
    user = small_world.users["performance"]
    user.active_membership  # noqa: B018 (load the membership outside the counted block)
    with django_assert_num_queries(1):
        target_statistics(user, 2026)


def test_the_region_narrows_the_rows_and_the_page_offers_the_counties_of_a_wider_user(small_world: World) -> None:
    """A province has 20,000 departments: a user above county level picks a county (the page's list); a county user
    sees its own departments, without a list."""
    assert target_statistics(small_world.users["performance"], 2026, small_world.other_region) == []
    assert len(target_statistics(small_world.users["performance"], 2026, small_world.region)) == 2

    from conftest import _member
    from jixiao.organizations.tests.factories import FinanceSectionFactory, city_with_counties

    city, _counties = city_with_counties(small_world.region, small_world.other_region)  # both become the city's
    user = _member("city_perf", "performance", city, section=FinanceSectionFactory(region=city, code="JX"))
    client = Client()
    client.force_login(user)
    page = client.get("/targets/statistics/", {"fiscal_year": 2026})
    assert [r.name for r in page.context["regions"]] == ["宣汉县", "渠县"]  # by code
    chosen = client.get("/targets/statistics/", {"fiscal_year": 2026, "region": small_world.region.pk})
    assert chosen.context["region"] == small_world.region
    assert [row[0][1] for row in chosen.context["body"]] == ["县教育局", "县卫健局"]
    assert small_world.login("performance").get("/targets/statistics/").context["regions"] == []


def test_targets_under_review_without_a_submit_event_count_as_submitted(small_world: World) -> None:
    """Targets that arrive already past the draft (seeded or migrated, no 提交 event) are 已报送 too."""
    school = PerformanceTarget.objects.get(project=small_world.school_project)
    for status, name in (
        ("approved", "已批复的迁入目标"),
        ("section_review", "初审中的迁入目标"),
        ("draft", "迁入草稿"),
    ):
        PerformanceTarget.objects.create(
            fiscal_year=2026,
            region=small_world.region,
            project=ProjectFactory(unit=small_world.school, name=name),
            department=small_world.edu,
            unit=small_world.school,
            framework=school.framework,
            name=name,
            status=status,
        )
    education = target_statistics(small_world.users["performance"], 2026)[0]
    assert (education["total"], education["submitted"]) == (6, 4)


def test_the_page_has_a_total_row_adding_up_the_departments(small_world: World) -> None:
    response = small_world.login("performance").get("/targets/statistics/", {"fiscal_year": 2026})
    rows = target_statistics(small_world.users["performance"], 2026)
    total = dict(zip(response.context["headers"], (v for _, v in response.context["total"]), strict=True))
    assert total["主管部门"] == "合计"
    assert total["目标数"] == sum(r["total"] for r in rows) and total["已报送"] == sum(r["submitted"] for r in rows)
    assert total["未通过金额（万元）"] == sum(r["rejected_amount_yuan"] for r in rows)
    assert 'data-testid="statistics-total"' in response.content.decode()
    empty = small_world.login("performance").get("/targets/statistics/", {"fiscal_year": 2027})
    assert empty.context["total"] == [] and 'data-testid="statistics-total"' not in empty.content.decode()


def test_scored_reviews_give_each_department_and_the_total_a_mean_score(small_world: World) -> None:
    """评分审核 (seed 003 S18, 评审小组逐个打分): the targets scored and their mean, rounded once; the 合计 row's mean
    is over every scored target, not a mean of the departments' means."""
    scores = {small_world.school_project.pk: Decimal("91.50"), small_world.branch_project.pk: Decimal("58.00")}
    for target in PerformanceTarget.objects.filter(project__in=list(scores)):  # graded 优 and 差; a third is a draft
        target.review_score = scores[target.project_id]
        target.save(update_fields=["review_score"])
    hospital = PerformanceTarget.objects.get(department=small_world.health)
    hospital.review_score = Decimal("70.33")
    hospital.save(update_fields=["review_score"])
    education, health = target_statistics(small_world.users["performance"], 2026)
    assert (education["scored"], education["score_total"], education["mean_score"]) == (
        2,
        Decimal("149.50"),
        Decimal("74.75"),
    )
    assert (health["scored"], health["mean_score"]) == (1, Decimal("70.33"))
    response = small_world.login("performance").get("/targets/statistics/", {"fiscal_year": 2026})
    total = dict(zip(response.context["headers"], (v for _, v in response.context["total"]), strict=True))
    assert total["评分审核数"] == 3
    assert total["平均审核得分"] == Decimal("73.28")  # (149.50 + 70.33) / 3 = 73.2766…, not (74.75 + 70.33) / 2
    page = response.content.decode()
    assert "平均审核得分" in page and ">74.75<" in page and ">73.28<" in page
