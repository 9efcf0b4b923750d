"""结果应用 in a real Chromium: the budget section changes a proposal (a reason is required), the decision shows on
next year's project, and the unit's submission is refused with the Chinese reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import build_world
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory
from jixiao.results.models import ResultApplication
from jixiao.results.tests import helpers as h
from tests.browser.helpers import login


def test_budget_section_cuts_and_next_year_submission_is_refused(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    relax_second_factor_for_demo()
    school = h.arranged(world.school_project)
    h.pay(school, "190000.00")
    h.self_eval(school, "中")
    h.generate(world)
    following = ProjectFactory(
        unit=world.school,
        code="P-SCHOOL",
        fiscal_year=2027,
        start_year=2027,
        end_year=2027,
        fiscal_amount_yuan=Decimal("200000.00"),
        name="一中教学设备购置（2027）",
    )
    base = live_server.url

    login(page, base, world.users["budget"].username, TEST_PASSWORD)
    page.goto(f"{base}/results/?action=REDUCE_PCT")
    page.wait_for_selector("[data-testid=results-table]")
    assert "比例未设定" in page.inner_text("[data-testid=results-table]")
    page.click("text=一中教学设备购置")
    page.wait_for_selector("[data-testid=results-needs-pct]")
    page.fill("#id_amount_yuan", "15")
    page.click("[data-testid=results-decide]")
    page.wait_for_selector("[data-testid=form-errors]")
    assert "调整建议时须填写理由" in page.inner_text("[data-testid=form-errors]")
    page.fill("#id_amount_yuan", "15")
    page.fill("#id_reason", "按25%压缩")
    page.click("[data-testid=results-decide]")
    page.wait_for_selector("[data-testid=results-decision]")
    assert "按25%压缩" in page.inner_text("[data-testid=results-decision]")
    shot(page, "results-decided")
    app = ResultApplication.objects.get(project=school)
    assert app.decided_amount_yuan == Decimal("150000.00")

    login(page, base, world.users["unit_user"].username, TEST_PASSWORD)
    page.goto(f"{base}/projects/{following.pk}/")
    panel = page.inner_text("[data-testid=result-decision]")
    assert "2026年度绩效结果应用决定" in panel and "下年度安排不超过15.00万元" in panel
    page.click("button[value=submit]")
    page.wait_for_selector(".alert-danger[role=alert]")  # the message: the decision panel is an .alert-danger too
    assert "下年度安排不超过15.00万元" in page.inner_text("body")
    shot(page, "results-next-year-refused")
    assert Project.objects.get(pk=following.pk).status == "draft"
