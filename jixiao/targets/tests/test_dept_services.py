"""Department-overall targets (部门整体支出, DOMAIN.md §3.2): creation, the budget block, 年度主要任务 and the
review workflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.organizations.tests.factories import BudgetUnitFactory
from jixiao.targets import services, services_dept
from jixiao.targets.models import AnnualTask, PerformanceTarget, TargetStatus
from jixiao.targets.tests.pages_helpers import move, valid_rows

YEAR = 2026


def budget(**overrides: str) -> dict[str, Any]:
    """A budget block that adds up: 5000 = 4500 + 500 = 3000 + 2000 (万元), in yuan."""
    values = {
        "annual_goal": "保障全县义务教育均衡发展",
        "annual_total_yuan": "50000000",
        "annual_fiscal_yuan": "45000000",
        "other_yuan": "5000000",
        "basic_yuan": "30000000",
        "project_spending_yuan": "20000000",
        **overrides,
    }
    return {k: Decimal(v) if k.endswith("_yuan") else v for k, v in values.items()}


TASKS = [
    {"name": "义务教育保障", "content": "落实义务教育经费保障机制", "amount_yuan": Decimal("12000000")},
    {"name": "教师培训", "content": "", "amount_yuan": Decimal("3000000")},
]


@pytest.fixture
def dept_target(world: World) -> PerformanceTarget:
    return services_dept.target_create_dept_overall(
        actor=world.users["dept_admin"], department=world.edu, fiscal_year=YEAR
    )


def save(world: World, target: PerformanceTarget, **kwargs: Any) -> PerformanceTarget:
    args: dict[str, Any] = {"goals": budget(), "tasks": TASKS, "rows": valid_rows(target), **kwargs}
    return services_dept.target_save_dept(actor=world.users["dept_admin"], target=target, **args)


def test_department_admin_creates_the_target_owned_by_the_first_level_unit(
    world: World, dept_target: PerformanceTarget
) -> None:
    assert dept_target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL
    assert (dept_target.department, dept_target.unit, dept_target.fiscal_year) == (world.edu, world.school, YEAR)
    assert dept_target.project is None and dept_target.status == TargetStatus.DRAFT
    assert dept_target.name == "县教育局部门整体支出" and dept_target.framework_id is not None


def test_creating_twice_returns_the_same_target(world: World, dept_target: PerformanceTarget) -> None:
    again = services_dept.target_create_dept_overall(
        actor=world.users["dept_admin"], department=world.edu, fiscal_year=YEAR
    )
    assert again.pk == dept_target.pk
    assert PerformanceTarget.objects.filter(subject_type="dept_overall", department=world.edu).count() == 1


def test_the_unit_is_the_lowest_coded_first_level_unit(world: World) -> None:
    BudgetUnitFactory(department=world.edu, agency_code="101000", name="县教育局本级")
    target = services_dept.target_create_dept_overall(
        actor=world.users["dept_admin"], department=world.edu, fiscal_year=YEAR
    )
    assert target.unit.name == "县教育局本级"


def test_a_department_without_an_active_first_level_unit_is_refused(world: World) -> None:
    world.school.is_active = False
    world.school.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="没有一级预算单位"):
        services_dept.target_create_dept_overall(
            actor=world.users["dept_admin"], department=world.edu, fiscal_year=YEAR
        )


def test_unit_user_of_another_department_gets_not_found(world: World) -> None:
    with pytest.raises(NotFoundError):
        services_dept.target_create_dept_overall(
            actor=world.users["other_unit_user"], department=world.edu, fiscal_year=YEAR
        )
    assert not PerformanceTarget.objects.filter(subject_type="dept_overall").exists()


@pytest.mark.parametrize("persona", ["leader", "business", "expert", "sys_admin"])
def test_roles_without_target_edit_cannot_create(world: World, persona: str) -> None:
    with pytest.raises(PermissionDeniedError):
        services_dept.target_create_dept_overall(actor=world.users[persona], department=world.edu, fiscal_year=YEAR)


def test_goals_budget_tasks_and_indicators_are_saved_together(world: World, dept_target: PerformanceTarget) -> None:
    target = save(world, dept_target)
    target.refresh_from_db()
    assert target.annual_goal == "保障全县义务教育均衡发展"
    assert (target.annual_total_yuan, target.annual_fiscal_yuan) == (Decimal("50000000"), Decimal("45000000"))
    assert (target.basic_yuan, target.project_spending_yuan) == (Decimal("30000000"), Decimal("20000000"))
    assert list(target.tasks.values_list("seq", "name", "amount_yuan")) == [
        (1, "义务教育保障", Decimal("12000000.00")),
        (2, "教师培训", Decimal("3000000.00")),
    ]
    assert target.indicators.count() == 2


def test_saving_again_replaces_the_tasks(world: World, dept_target: PerformanceTarget) -> None:
    target = save(world, dept_target)
    target = save(world, target, tasks=[TASKS[1]])
    assert list(target.tasks.values_list("name", flat=True)) == ["教师培训"]
    assert AnnualTask.objects.count() == 1


BAD_BLOCKS = [
    ({"annual_fiscal_yuan": "-1"}, "财政拨款不能为负数"),
    ({"basic_yuan": "-1", "project_spending_yuan": "50000001"}, "基本支出不能为负数"),
    ({"annual_fiscal_yuan": "60000000", "other_yuan": "0"}, "财政拨款不能大于资金总额"),
    ({"other_yuan": "-5000000", "annual_fiscal_yuan": "55000000"}, "其他资金不能为负数"),
    ({"other_yuan": "4000000"}, "应等于财政拨款（4500万元）与其他资金（400万元）之和"),
    ({"basic_yuan": "31000000"}, "资金总额（5000万元）应等于基本支出与项目支出之和（5100万元）"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_BLOCKS)
def test_a_budget_block_that_does_not_add_up_saves_nothing(
    world: World, dept_target: PerformanceTarget, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        save(world, dept_target, goals=budget(**overrides))
    dept_target.refresh_from_db()
    assert dept_target.annual_total_yuan == 0 and dept_target.annual_goal == ""
    assert not dept_target.tasks.exists() and not dept_target.indicators.exists()


def test_other_funds_may_be_left_out_and_all_zero_is_allowed(world: World, dept_target: PerformanceTarget) -> None:
    goals = budget()
    del goals["other_yuan"]
    assert save(world, dept_target, goals=goals).annual_total_yuan == Decimal("50000000")
    zero = budget(
        annual_total_yuan="0", annual_fiscal_yuan="0", other_yuan="0", basic_yuan="0", project_spending_yuan="0"
    )
    assert save(world, dept_target, goals=zero, tasks=[]).annual_total_yuan == 0


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([{"name": "超支", "amount_yuan": Decimal("20000000.01")}], "不能超过项目支出（2000万元）"),
        ([{"name": "负数", "amount_yuan": Decimal("-1")}], "第1行：预算金额不能为负数"),
        ([TASKS[0], {"name": " ", "amount_yuan": Decimal("1")}], "第2行：任务名称不能为空"),
    ],
)
def test_bad_tasks_save_nothing(world: World, dept_target: PerformanceTarget, tasks: list[Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        save(world, dept_target, tasks=tasks)
    dept_target.refresh_from_db()
    assert dept_target.annual_total_yuan == 0 and not dept_target.tasks.exists()


def test_tasks_may_use_the_whole_project_spending(world: World, dept_target: PerformanceTarget) -> None:
    target = save(world, dept_target, tasks=[{"name": "全部", "content": "", "amount_yuan": Decimal("20000000")}])
    assert target.tasks.get().amount_yuan == Decimal("20000000")


def test_an_indicator_error_rolls_back_goals_and_tasks(world: World, dept_target: PerformanceTarget) -> None:
    rows = valid_rows(dept_target)
    rows[0]["target_text"] = " "
    with pytest.raises(DomainError, match="三级指标名称和指标值不能为空"):
        save(world, dept_target, rows=rows)
    dept_target.refresh_from_db()
    assert dept_target.annual_total_yuan == 0 and not dept_target.tasks.exists()


def test_a_project_target_is_not_saved_as_a_department_target(world: World) -> None:
    project_target = services.target_create_for_project(actor=world.users["unit_user"], project=world.school_project)
    with pytest.raises(DomainError, match="不是部门整体支出绩效目标"):
        save(world, project_target)


def test_unit_user_of_another_department_cannot_save(world: World, dept_target: PerformanceTarget) -> None:
    with pytest.raises(NotFoundError):
        services_dept.target_save_dept(
            actor=world.users["other_unit_user"], target=dept_target, goals=budget(), tasks=TASKS, rows=[]
        )
    assert not dept_target.tasks.exists()


def test_the_review_workflow_runs_for_a_department_target(world: World, dept_target: PerformanceTarget) -> None:
    target = save(world, dept_target)
    target = move(
        world,
        target,
        ("dept_admin", "submit"),
        ("dept_admin", "dept_pass"),
        ("business", "section_pass"),
        ("performance", "grade_good"),
        ("budget", "approve"),
    )
    assert target.status == TargetStatus.APPROVED and target.review_grade == "good"
    assert target.versions.count() == 1
    with pytest.raises(DomainError):
        save(world, target)
