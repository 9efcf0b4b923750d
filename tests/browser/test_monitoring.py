"""Issue 5, item 2 in a real Chromium: the performance section issues a May round for one department, the unit finds
it in 我的待办 with execution pre-filled from payments, cannot submit a red record (完全不可能) without reasons, adds
them and submits; the department returns it with an opinion that the unit sees on the timeline."""

from __future__ import annotations

from typing import Any

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import User
from jixiao.core.money import format_wan
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus
from tests.browser.helpers import login


def test_issue_fill_red_record_and_return(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    base = live_server.url
    edu_unit = User.objects.get(username="edu_unit").active_membership.unit
    assert edu_unit is not None

    login(page, base, "jxg", DEMO_PASSWORD)
    page.click("aside >> text=新建监控任务")
    page.fill("#id_title", "2026年1—5月教育项目运行监控")
    page.fill("#id_fiscal_year", "2026")
    page.select_option("#id_period_end_month", "5")
    page.fill("#id_start_date", "2026-06-01")
    page.fill("#id_deadline", "2099-06-20")
    # 限定主管部门 is a search box (a province has 20,000 departments): type, pick the suggestion.
    department = edu_unit.department
    page.fill("#id_department", department.name)
    page.click(f"[data-jx-ac-list] [data-id='{department.pk}']")
    assert page.input_value("input[type=hidden][name=department]") == str(department.pk)
    page.click("[data-testid=mon-task-save]")
    page.wait_for_selector("text=已保存为草稿")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定下达监控任务…吗？
    page.click("[data-testid=mon-task-issue]")
    page.wait_for_selector("text=监控任务已下达")
    assert "序时进度" in page.inner_text("[data-testid=mon-overall]")
    task = MonitoringTask.objects.get(period_end_month=5)
    records = MonitoringRecord.objects.filter(task=task, unit__path__startswith=edu_unit.path)
    record = records.filter(indicator_rows__isnull=False).order_by("id").first() or records.order_by("id").first()
    assert record is not None

    login(page, base, "edu_unit", DEMO_PASSWORD)
    assert "监控表待填报" in page.inner_text("[data-testid=todo-list]")
    page.goto(f"{base}/monitoring/records/?task={task.pk}&todo=fill")
    page.click(f"[data-testid=mon-record-table] >> a[href='/monitoring/records/{record.pk}/']")
    page.click("[data-testid=mon-fill]")
    prefilled = page.input_value("#id_executed_to_date_yuan")
    assert format_wan(record.executed_from_payments_yuan).replace(",", "") == f"{float(prefilled or 0):.2f}"
    page.fill("#id_expected_annual_yuan", format_wan(record.current_budget_yuan).replace(",", ""))
    page.fill("#id_goal_execution", "受施工季节影响，主要工程安排在下半年")
    page.select_option("#id_likelihood", "impossible")
    for field in page.query_selector_all("input[name$='-completion_to_date']"):
        field.fill("完成40%")
    for field in page.query_selector_all("input[name$='-expected_annual']"):
        field.fill("完成80%")
    for select in page.query_selector_all("select[name$='-qualitative_level']"):
        select.select_option("partial")
    shot(page, "monitoring-form")
    page.click("[data-testid=mon-save-submit]")
    page.wait_for_selector("text=填报内容已保存，但未能报送")
    assert "完全不可能" in page.content()

    page.check("input[name=deviation_reasons][value=FUNDS]")
    page.check("input[name=deviation_reasons][value=HARDWARE]")
    page.fill("#id_deviation_text", "配套资金未到位，场地条件不具备")
    page.fill("#id_measures", "申请调整实施计划，年内完成招标")
    page.click("[data-testid=mon-save-submit]")
    page.wait_for_selector("text=监控表已报送")
    shot(page, "monitoring-submitted")
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED and record.deviation_reasons == ["FUNDS", "HARDWARE"]

    login(page, base, "edu_admin", DEMO_PASSWORD)
    page.goto(f"{base}/monitoring/records/{record.pk}/")
    page.fill("#id_comment", "请补充配套资金到位时间")
    page.click("[data-testid=actions] >> button:has-text('退回修改')")
    page.wait_for_selector("text=操作成功")

    login(page, base, "edu_unit", DEMO_PASSWORD)
    page.goto(f"{base}/monitoring/records/{record.pk}/")
    assert "请补充配套资金到位时间" in page.inner_text("[data-testid=timeline]")
    assert "被退回" in page.content()
