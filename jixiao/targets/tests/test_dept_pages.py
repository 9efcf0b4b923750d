"""The department-overall target pages: start, the edit page (budget block in 万元, tasks grid, indicator grid)
and the detail block, with the permission matrix over every persona."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import PERSONAS, World
from jixiao.targets import services_dept
from jixiao.targets.models import PerformanceTarget
from jixiao.targets.tests.pages_helpers import valid_rows

YEAR = 2026
EDITORS = {"dept_admin", "unit_user", "other_unit_user"}
# Who may edit 县教育局's target: editors whose scope holds it (its unit is 县第一中学).
EDITS_EDU = {"dept_admin", "unit_user"}


@pytest.fixture
def dept_target(world: World) -> PerformanceTarget:
    return services_dept.target_create_dept_overall(
        actor=world.users["dept_admin"], department=world.edu, fiscal_year=YEAR
    )


def form_data(
    target: PerformanceTarget, tasks: list[tuple[str, str, str]] | None = None, **goals: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "goal-annual_goal": goals.get("annual_goal", "保障全县义务教育均衡发展"),
        "goal-annual_total_yuan": goals.get("total", "5000"),
        "goal-annual_fiscal_yuan": goals.get("fiscal", "4500"),
        "goal-other_yuan": goals.get("other", "500"),
        "goal-basic_yuan": goals.get("basic", "3000"),
        "goal-project_spending_yuan": goals.get("project", "2000"),
    }
    tasks = [("义务教育保障", "落实经费保障机制", "1200"), ("教师培训", "", "300")] if tasks is None else tasks
    data.update({"task-TOTAL_FORMS": str(len(tasks)), "task-INITIAL_FORMS": "0"})
    for i, (name, content, amount) in enumerate(tasks):
        data.update({f"task-{i}-name": name, f"task-{i}-content": content, f"task-{i}-amount_yuan": amount})
    rows = valid_rows(target)
    data.update({"ind-TOTAL_FORMS": str(len(rows)), "ind-INITIAL_FORMS": "0"})
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"ind-{i}-{key}"] = str(value.pk) if hasattr(value, "pk") else str(value)
    return data


def test_department_admin_starts_the_target_from_the_start_page(world: World) -> None:
    client = world.login("dept_admin")
    page = client.get(f"/targets/dept/start/?fiscal_year={YEAR}")
    assert page.status_code == 200 and "县教育局" in page.content.decode() and "县卫健局" not in page.content.decode()
    response = client.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": YEAR})
    target = PerformanceTarget.objects.get(subject_type="dept_overall", department=world.edu)
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/dept-edit/"
    again = client.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": YEAR})
    assert again["Location"] == response["Location"]
    # A year closed for 填报: the year's departments again with the reason, 400 (was a redirect).
    closed = client.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": 2019})
    assert closed.status_code == 400 and "2019年度未设置或已关闭填报" in closed.content.decode()
    assert "查看" in client.get(f"/targets/dept/start/?fiscal_year={YEAR}").content.decode()


def test_starting_for_a_department_outside_the_scope_is_404(world: World) -> None:
    client = world.login("other_unit_user")
    assert client.post("/targets/dept/start/", {"department": world.edu.pk, "fiscal_year": YEAR}).status_code == 404
    assert not PerformanceTarget.objects.filter(subject_type="dept_overall").exists()


def test_edit_page_shows_budget_in_wan_and_saves_everything(world: World, dept_target: PerformanceTarget) -> None:
    client = world.login("dept_admin")
    page = client.get(f"/targets/{dept_target.pk}/dept-edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "年度主要任务" in html and "js/targets_dept.js" in html and 'id="jx-ind-table"' in html
    response = client.post(f"/targets/{dept_target.pk}/dept-edit/", form_data(dept_target))
    assert response.status_code == 302
    dept_target.refresh_from_db()
    assert dept_target.annual_total_yuan == Decimal("50000000.00")
    assert dept_target.basic_yuan == Decimal("30000000.00") and dept_target.project_spending_yuan == Decimal(
        "20000000.00"
    )
    assert list(dept_target.tasks.values_list("name", "amount_yuan")) == [
        ("义务教育保障", Decimal("12000000.00")),
        ("教师培训", Decimal("3000000.00")),
    ]
    assert dept_target.indicators.count() == 2
    reloaded = client.get(f"/targets/{dept_target.pk}/dept-edit/").content.decode()
    assert 'value="5000"' in reloaded and 'value="义务教育保障"' in reloaded and 'value="1200"' in reloaded
    detail = client.get(f"/targets/{dept_target.pk}/").content.decode()
    assert 'data-testid="dept-block"' in detail and "义务教育保障" in detail and "500.00" in detail
    # No medium-term rows: the 部门整体 form asks for none, so they would only read 0.00 万元 and —.
    assert "中期资金总额" not in detail and "中期目标" not in detail


@pytest.mark.parametrize(
    ("overrides", "tasks", "message"),
    [
        ({"basic": "3100"}, None, "应等于基本支出与项目支出之和"),
        ({"other": "400"}, None, "与其他资金（400万元）之和"),
        ({"fiscal": "5100", "other": "0"}, None, "财政拨款不能大于资金总额"),
        ({}, [("超支任务", "", "2000.01")], "不能超过项目支出"),
        ({"basic": "-1"}, None, "填写有误"),
        ({}, [("重复", "", "1"), ("重复", "", "1")], "年度主要任务名称重复"),
    ],
)
def test_invalid_edit_is_400_and_saves_nothing(
    world: World, dept_target: PerformanceTarget, overrides: dict[str, str], tasks: Any, message: str
) -> None:
    client = world.login("dept_admin")
    response = client.post(f"/targets/{dept_target.pk}/dept-edit/", form_data(dept_target, tasks, **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    dept_target.refresh_from_db()
    assert dept_target.annual_total_yuan == 0 and dept_target.annual_goal == ""
    assert not dept_target.tasks.exists() and not dept_target.indicators.exists()


def test_a_save_from_a_stale_page_is_409_and_keeps_the_newer_save(world: World, dept_target: PerformanceTarget) -> None:
    client = world.login("dept_admin")
    shown = dept_target.version
    assert client.post(f"/targets/{dept_target.pk}/dept-edit/", form_data(dept_target)).status_code == 302
    stale = {**form_data(dept_target, annual_goal="旧页面的目标"), "goal-version": str(shown)}
    response = client.post(f"/targets/{dept_target.pk}/dept-edit/", stale)
    body = response.content.decode()
    assert response.status_code == 409 and "该绩效目标已被他人修改，请刷新后重试" in body and "旧页面的目标" in body
    dept_target.refresh_from_db()
    assert dept_target.annual_goal == "保障全县义务教育均衡发展" and dept_target.tasks.count() == 2


@pytest.mark.parametrize("grid", ["task", "ind"])
def test_a_row_count_below_the_rows_sent_keeps_the_saved_rows(
    world: World, dept_target: PerformanceTarget, grid: str
) -> None:
    client = world.login("dept_admin")
    assert client.post(f"/targets/{dept_target.pk}/dept-edit/", form_data(dept_target)).status_code == 302
    tampered = {**form_data(dept_target, annual_goal="不应保存"), f"{grid}-TOTAL_FORMS": "-1"}
    response = client.post(f"/targets/{dept_target.pk}/dept-edit/", tampered)
    assert response.status_code == 400 and "表格的行数与提交的内容不一致" in response.content.decode()
    dept_target.refresh_from_db()
    assert dept_target.tasks.count() == 2 and dept_target.indicators.count() == 2
    assert dept_target.annual_goal != "不应保存"


def test_a_project_target_is_sent_to_its_own_edit_page(world: World) -> None:
    from jixiao.targets.tests.pages_helpers import make_target

    target = make_target(world)
    response = world.login("unit_user").get(f"/targets/{target.pk}/dept-edit/")
    assert response.status_code == 302 and response["Location"] == f"/targets/{target.pk}/edit/"


def test_anonymous_is_sent_to_login(anonymous_client: Client, dept_target: PerformanceTarget) -> None:
    assert anonymous_client.get("/targets/dept/start/").status_code == 302
    assert anonymous_client.get(f"/targets/{dept_target.pk}/dept-edit/").status_code == 302
    assert anonymous_client.post(f"/targets/{dept_target.pk}/dept-edit/", {}).status_code == 302


@pytest.mark.parametrize("persona", PERSONAS)
def test_dept_pages_follow_the_capability_table(world: World, dept_target: PerformanceTarget, persona: str) -> None:
    client = world.login(persona)
    assert client.get("/targets/dept/start/").status_code == (200 if persona in EDITORS else 403)
    expected = 200 if persona in EDITS_EDU else 404 if persona in EDITORS else 403
    assert client.get(f"/targets/{dept_target.pk}/dept-edit/").status_code == expected
    posted = client.post(f"/targets/{dept_target.pk}/dept-edit/", form_data(dept_target))
    assert posted.status_code == (302 if persona in EDITS_EDU else expected)
