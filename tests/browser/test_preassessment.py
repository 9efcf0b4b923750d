"""Issue 4, step 1 in a real Chromium: a unit files a 事前绩效评估 for a new 80万元 project, the department and the
business section pass it, the performance section concludes 调整后支持 at 60万元 (the cut is the adjustment, so
no separate confirmation is needed), the project then enters the library with the reduced amount, and the statistics
show the 20万元 cut. The second test runs the same flow with a
three-expert panel (expert1..expert3 of the demo pool's 教育 field) whose average score precedes the conclusion."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.preassessment.models import PreAssessmentRuleSet, ScoringTemplate
from jixiao.projects.models import Project
from tests.browser.helpers import login


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    """The default rule and scoring templates are migration data, which an earlier transactional test flushed."""
    if not PreAssessmentRuleSet.objects.exists():
        import_module("jixiao.preassessment.migrations.0002_national_default_rule").create_default(apps, None)
    if not ScoringTemplate.objects.exists():
        import_module("jixiao.preassessment.migrations.0004_default_scoring_templates").install(apps, None)


def act(page: Any, label: str, comment: str = "") -> None:
    if comment:
        page.fill("#id_comment", comment)
    page.click(f"button:has-text('{label}')")
    page.wait_for_selector("text=操作成功")


def file_assessment(page: Any, base: str, code: str, name: str) -> tuple[str, str]:
    """edu_unit files an 80万元 project and its assessment; the department and the business section pass it."""
    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.click("aside >> text=新增项目")
    page.fill("#id_code", code)
    page.fill("#id_name", name)
    # 实施单位 is a search box (a county has ~400 units): the unit's own one comes chosen; type and pick it again.
    assert page.input_value("#id_unit") == "县第一中学"
    page.fill("#id_unit", "第一中学")
    page.locator("[data-jx-ac-list] [data-id]", has_text="县第一中学").first.click()
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

    login(page, base, "edu_admin", DEMO_PASSWORD)
    page.goto(assessment_url)
    act(page, "主管部门审核通过")

    login(page, base, "jkw", DEMO_PASSWORD)
    page.goto(assessment_url)
    act(page, "业务股室审核通过")
    return project_url, assessment_url


def conclude_adjusted(page: Any, score: str) -> None:
    """jxg, on the assessment page: 调整后支持 at 60万元 (a score between 60 and 80 suggests exactly that)."""
    page.fill("#id_score", score)
    page.select_option("#id_conclusion", "support_after_adjustment")
    page.fill("#id_supported_amount_yuan", "60")
    page.fill("#id_opinion", "部分设备单价偏高，核减20万元")
    page.click("[data-testid=conclude]")
    page.wait_for_selector("text=评估结论已保存")
    assert page.inner_text("[data-testid=pa-conclusion]") == "调整后支持"
    assert page.inner_text("[data-testid=pa-cut]") == "20.00"
    assert page.inner_text("[data-testid=pa-library]") == "可以入库"


def statistics_figures(page: Any, base: str) -> tuple[Decimal, Decimal]:
    """(支持金额, 压减支出) in 万元 on 评估统计 for the performance section (the demo holds assessments too)."""
    login(page, base, "jxg", DEMO_PASSWORD)
    page.click("aside >> text=评估统计")
    sentence = page.inner_text("[data-testid=pa-sentence]")
    supported = re.search(r"支持金额([\d,.]+)万元", sentence)
    cut = re.search(r"压减支出([\d,.]+)万元", sentence)
    assert supported and cut, sentence
    return Decimal(supported.group(1).replace(",", "")), Decimal(cut.group(1).replace(",", ""))


def enter_library_and_check_cut(
    page: Any, base: str, project_url: str, code: str, shot: Any, before: tuple[Decimal, Decimal]
) -> None:
    """The project goes through with 60万元, and the statistics grow by its 60万元 supported and 20万元 cut."""
    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.goto(project_url)
    assert page.inner_text("[data-testid=project-total]") == "60.00"
    assert page.inner_text("[data-testid=pa-badge]") == "调整后支持"
    act(page, "提交审核")
    login(page, base, "edu_admin", DEMO_PASSWORD)
    page.goto(project_url)
    act(page, "主管部门审核通过")
    login(page, base, "jkw", DEMO_PASSWORD)
    page.goto(project_url)
    act(page, "审核通过并入库")
    project = Project.objects.get(code=code)
    assert project.status == "in_library" and str(project.fiscal_amount_yuan) == "600000.00"

    supported, cut = statistics_figures(page, base)
    assert (supported - before[0], cut - before[1]) == (Decimal("60.00"), Decimal("20.00"))
    shot(page, "preassessment-statistics")


def test_assessment_gates_the_project_and_cuts_its_amount(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    before = statistics_figures(page, base)
    project_url, assessment_url = file_assessment(page, base, "2026-E2E-PA1", "浏览器测试：学校运动场改造")

    login(page, base, "jxg", DEMO_PASSWORD)
    page.goto(assessment_url)
    conclude_adjusted(page, "72")
    shot(page, "preassessment-concluded")

    enter_library_and_check_cut(page, base, project_url, "2026-E2E-PA1", shot, before)


def score_sheet(page: Any, share: float, comment: str) -> Decimal:
    """Fill every checkpoint with `share` of its full points (one decimal) and submit; return the total."""
    # The caller clicked a link: wait for the sheet, or the inputs would be counted on the page being left.
    page.wait_for_selector("[data-testid=score-submit]")
    inputs = page.locator("[data-testid=score-form] input[id^=points-]")
    total = Decimal(0)
    for i in range(inputs.count()):
        field = inputs.nth(i)
        full = Decimal(field.locator("xpath=ancestor::tr/td[2]").inner_text().strip())
        value = (full * Decimal(str(share))).quantize(Decimal("0.1"))
        field.fill(str(value))
        total += value
    page.fill("#id_comment", comment)
    page.click("[data-testid=score-submit]")
    page.wait_for_selector("text=评分已提交")
    return total


def test_expert_panel_scores_the_assessment_before_the_cut(
    migration_data: None, demo: None, live_server: Any, page: Any, shot: Any
) -> None:
    base = live_server.url
    code, name = "2026-E2E-PA2", "浏览器测试：学校运动场改造（专家评审）"
    before = statistics_figures(page, base)
    project_url, assessment_url = file_assessment(page, base, code, name)

    # The performance section draws three 教育 experts; 县教育局's own staff would be avoided.
    login(page, base, "jxg", DEMO_PASSWORD)
    page.goto(assessment_url)
    page.click("[data-testid=pa-panel-link] a")
    page.wait_for_selector("[data-testid=panel-draw-form]")
    page.fill("#id_field", "教育")
    page.fill("#id_size", "3")
    page.click("[data-testid=panel-draw]")
    page.wait_for_selector("text=已抽取3名评审专家")
    panel_url = page.url
    members = page.inner_text("[data-testid=panel-members]")
    for expert in ("赵文博", "钱淑芬", "孙立新"):
        assert expert in members

    totals = []
    for username, share in (("expert1", 0.7), ("expert2", 0.72), ("expert3", 0.68)):
        login(page, base, username, DEMO_PASSWORD)
        page.click("aside >> text=我的评审任务")
        page.click(f"[data-testid=my-reviews] >> text={name}")
        totals.append(score_sheet(page, share, f"{username}：测算依据基本充分，设备单价偏高"))
        assert "已提交" in page.inner_text("[data-testid=my-reviews]")
    assert all(Decimal(60) <= total < Decimal(80) for total in totals)

    login(page, base, "jxg", DEMO_PASSWORD)
    page.goto(panel_url)
    average = page.inner_text("[data-testid=panel-average]").strip()
    assert Decimal(average) == (sum(totals) / 3).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert "3/3已提交" in page.inner_text("body")
    shot(page, "preassessment-panel")
    page.click("[data-testid=panel-confirm]")
    page.wait_for_selector("text=已确认专家评分")
    conclude_adjusted(page, average)
    shot(page, "preassessment-panel-concluded")

    enter_library_and_check_cut(page, base, project_url, code, shot, before)
