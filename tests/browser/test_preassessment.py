"""Issue 4, step 1 in a real Chromium: a unit files a 事前绩效评估 for a new 80万元 project, the department and the
business section pass it, the performance section concludes 核减后支持 at 60万元, the project then enters the library
with the reduced amount, and the statistics show the 20万元 cut."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.projects.models import Project


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", scale=0.1, verbosity=0)


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=todo-list]")


def act(page: Any, label: str, comment: str = "") -> None:
    if comment:
        page.fill("#id_comment", comment)
    page.click(f"button:has-text('{label}')")
    page.wait_for_selector("text=操作成功")


def test_assessment_gates_the_project_and_cuts_its_amount(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    login(page, base, "edu_unit")
    page.click("aside >> text=新增项目")
    page.fill("#id_code", "2026-E2E-PA1")
    page.fill("#id_name", "浏览器测试：学校运动场改造")
    page.select_option("#id_unit", index=1)
    page.select_option("#id_category", "specific")
    page.fill("#id_function_code", "2050202")
    page.fill("#id_fiscal_amount_yuan", "80")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存为草稿")
    project_url = page.url
    assert page.inner_text("[data-testid=pa-badge]") == "须评估·未申报"

    # The gate: without an assessment the project cannot be submitted.
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("text=须开展事前绩效评估")

    page.click("[data-testid=pa-start]")
    page.fill("#id_basic_situation", "现有运动场塑胶跑道老化，需整体改造")
    page.fill("#id_necessity", "保障学生体育课安全，符合教育发展规划")
    page.fill("#id_economy", "按市场询价和定额标准测算")
    page.fill("#id_target_reasonableness", "改造跑道400米，学生满意度≥90%")
    page.fill("#id_implementation_feasibility", "暑假期间施工，工期两个月")
    page.fill("#id_funding_compliance", "县级财政资金安排，来源合规")
    page.click("[data-testid=pa-save]")
    page.wait_for_selector("text=评估申报已保存为草稿")
    assessment_url = page.url
    assert page.inner_text("[data-testid=pa-requested]") == "80.00"
    act(page, "提交评估申报")

    login(page, base, "edu_admin")
    page.goto(assessment_url)
    act(page, "主管部门审核通过")

    login(page, base, "jkw")
    page.goto(assessment_url)
    act(page, "业务股室审核通过")

    login(page, base, "jxg")
    page.goto(assessment_url)
    page.fill("#id_score", "72")
    page.select_option("#id_conclusion", "support_reduced")
    page.fill("#id_supported_amount_yuan", "60")
    page.fill("#id_opinion", "部分设备单价偏高，核减20万元")
    page.click("[data-testid=conclude]")
    page.wait_for_selector("text=评估结论已保存")
    assert page.inner_text("[data-testid=pa-conclusion]") == "核减后支持"
    assert page.inner_text("[data-testid=pa-cut]") == "20.00"
    shot(page, "preassessment-concluded")

    login(page, base, "edu_unit")
    page.goto(project_url)
    assert page.inner_text("[data-testid=project-total]") == "60.00"
    assert page.inner_text("[data-testid=pa-badge]") == "核减后支持"
    act(page, "提交审核")
    login(page, base, "edu_admin")
    page.goto(project_url)
    act(page, "主管部门审核通过")
    login(page, base, "jkw")
    page.goto(project_url)
    act(page, "审核通过并入库")
    project = Project.objects.get(code="2026-E2E-PA1")
    assert project.status == "in_library" and str(project.fiscal_amount_yuan) == "600000.00"

    login(page, base, "jxg")
    page.click("aside >> text=评估统计")
    sentence = page.inner_text("[data-testid=pa-sentence]")
    assert "压减支出20.00万元" in sentence and "支持金额60.00万元" in sentence
    shot(page, "preassessment-statistics")
