"""联合审核 in a real Chromium: the 绩效股 names 县卫健局 the lead department of 衔接资金项目; a 衔接资金项目 passed by
县教育局 is refused 入库 by the 业务股室; 县卫健局's user finds it in 我的待办, agrees on its 联合审核 page; then the
业务股室 puts it in the library."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.cache import cache

from conftest import _member, build_world
from jixiao.accounts.models import SecurityPolicy
from jixiao.accounts.tests.factories import TEST_PASSWORD
from jixiao.projects.models import Project, ProjectEvent
from jixiao.projects.tests.factories import ProjectFactory
from tests.browser.helpers import login


def test_the_lead_department_agrees_and_the_section_enters_the_project(live_server: Any, page: Any, shot: Any) -> None:
    world = build_world()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_finance": False})
    cache.clear()
    _member("p_lead", "dept_admin", world.region, department=world.health)
    project = ProjectFactory(
        unit=world.school, fiscal_amount_yuan=Decimal("100000.00"), is_rural_link=True, status="dept_approved"
    )
    ProjectEvent.objects.create(
        project=project, action="dept_approve", from_status="submitted", to_status="dept_approved"
    )
    base = live_server.url

    login(page, base, "p_perf", TEST_PASSWORD)
    page.goto(f"{base}/projects/joint-review/settings/")
    card = page.locator("[data-testid=joint-rule-rural_link]")
    card.locator("select[name=department]").select_option(label="县卫健局")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("text=衔接资金项目联合审核设置已保存（县卫健局，启用）")

    login(page, base, "p_business", TEST_PASSWORD)
    page.goto(f"{base}/projects/{project.pk}/")
    page.click("button[value=section_approve]")
    page.wait_for_selector("text=须经县卫健局联合审核同意后方可入库")
    assert Project.objects.get(pk=project.pk).status == "dept_approved"

    login(page, base, "p_lead", TEST_PASSWORD)
    assert "衔接资金项目待联合审核" in page.content()  # 我的待办
    page.click("a[href='/projects/joint-review/?show=waiting']")
    page.click(f"text={project.name}")
    page.check("input[name=verdict][value=agree]")
    page.fill("textarea[name=comment]", "符合巩固衔接资金项目库管理要求")
    shot(page, "joint-review")
    page.click("[data-testid=joint-submit]")
    page.wait_for_selector(f"text=已提交对项目“{project.name}”的联合审核意见")
    assert "同意入库" in page.inner_text("[data-testid=joint-card]")

    login(page, base, "p_business", TEST_PASSWORD)
    page.goto(f"{base}/projects/{project.pk}/")
    assert "同意入库" in page.inner_text("[data-testid=joint-card]")
    page.click("button[value=section_approve]")
    page.wait_for_load_state()
    assert Project.objects.get(pk=project.pk).status == "in_library"
