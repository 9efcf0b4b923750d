"""Issue 5, item 1 in a real Chromium: the budget section uploads a treasury payment CSV, follows the background job
to its summary, finds the payments in the scoped list, and the project page draws the cumulative execution chart
(static JS only: the CSP forbids inline scripts)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.core.money import format_wan
from jixiao.execution.models import Payment
from jixiao.execution.tests.helpers import csv_bytes, row
from jixiao.projects.models import Project
from tests.browser.helpers import login


@pytest.fixture
def demo(transactional_db: None, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", scale=0.1, verbosity=0)


def test_upload_payments_follow_job_and_see_the_chart(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    project = Project.objects.filter(status=Project.Status.IN_LIBRARY, fiscal_year=2026).order_by("code").first()
    assert project is not None
    before = Payment.objects.filter(project=project).count()
    codes = {"unit": project.unit.agency_code, "project": project.code, "region": project.region.mof_div_code}
    content = csv_bytes(
        [
            row("BT-1", "100000", **codes),
            row("BT-2", "50000", pay_date="2026-05-10", **codes),
            row("BT-3", "-10000", reverses="BT-1", **codes),
        ]
    )
    login(page, base, "ysg", DEMO_PASSWORD)
    page.click("aside >> text=导入支付数据")
    page.set_input_files("#id_file", files=[{"name": "支付明细.csv", "mimeType": "text/csv", "buffer": content}])
    page.click("button[type=submit] >> text=上传并导入")
    page.wait_for_selector("[data-testid=job-summary]")
    assert page.inner_text("[data-testid=job-status]") == "已完成"
    assert "导入成功" in page.inner_text("[data-testid=job-message]")
    page.wait_for_load_state()  # jobs.js sizes the bar on DOMContentLoaded; the summary can be parsed before that
    assert page.eval_on_selector(".jx-job-bar", "bar => bar.style.width") == "100%"
    summary = page.inner_text("[data-testid=job-summary]")
    assert "新增导入\t3" in summary and "其中冲销（退款）\t1" in summary
    shot(page, "execution-import-done")
    assert Payment.objects.filter(project=project).count() == before + 3

    page.click("aside >> text=支付数据")
    page.fill("#id_q", project.code)
    page.click("button[type=submit] >> text=查询")
    page.wait_for_url(f"**q={project.code}**")  # the unfiltered list may show BT-3 and totals too
    page.wait_for_selector("text=BT-3")
    total = sum(p.amount_yuan for p in Payment.objects.filter(project=project))
    assert format_wan(total) in page.inner_text("[data-testid=payment-totals]")

    page.goto(f"{base}/projects/{project.pk}/")
    page.wait_for_selector("#execution-chart canvas")
    assert "%" in page.inner_text("[data-testid=execution-rate]")
    shot(page, "execution-project-panel")
    assert not [e for e in errors if "Content Security Policy" in e]
