from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from conftest import World
from jixiao.monitoring import hooks, services
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    school_record,
)


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    pay(world.hospital_project, "100000", date(2026, 3, 1))
    return world


def _open(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_record_export_is_the_standard_monitoring_form_cell_by_cell(ready: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(hooks, "_light", [])  # the local estimate, whatever the warning engine registered
    record = school_record(issued_round(ready), ready)
    quant, qual = record.indicator_rows.order_by("seq")
    services.record_save(
        actor=ready.users["unit_user"],
        record=record,
        data={
            "expected_annual_yuan": Decimal("480000"),
            "goal_execution": "=已购置设备80台",  # formula-looking text stays text
            "likelihood": "possible",
            "deviation_reasons": ["FUNDS", "HARDWARE"],
            "deviation_text": "部分设备到货延迟",
            "measures": "督促供应商9月到货",
        },
        rows={
            quant.pk: {
                "completion_to_date": "80台",
                "expected_annual": "120台",
                "deviation_reasons": ["STAFF"],
                "deviation_text": "安装人员不足",
                "measures": "增派人员",
                "remark": "按合同",
            },
            qual.pk: {"qualitative_level": "partial", "completion_to_date": "部分教室已更新"},
        },
    )
    response = ready.login("unit_user").get(reverse("monitoring:record_export", args=[record.pk]))
    assert response.status_code == 200
    workbook = _open(response.content)
    assert workbook.sheetnames == ["项目支出绩效目标执行监控表", "_meta"]
    ws = workbook["项目支出绩效目标执行监控表"]
    assert ws["A1"].value == "项目支出绩效目标执行监控表"
    assert ws["A2"].value == "（2026年1—8月）"
    assert (ws["A3"].value, ws["B3"].value) == ("项目名称", "一中教学设备购置")
    assert (ws["A4"].value, ws["B4"].value, ws["G4"].value, ws["H4"].value) == (
        "主管部门",
        "县教育局",
        "实施单位",
        "县第一中学",
    )
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:M1", "A2:M2", "B3:M3", "B4:F4", "H4:M4", "A5:A9", "B10:F10", "G10:M10", "B11:F11", "G11:M11"} <= merged
    assert ws["A5"].value == "项目资金（万元）"
    assert [ws[f"{c}5"].value for c in "CDEFGHI"] == [
        "年初预算数",
        "全年预算数",
        "1—8月执行数",
        "1—8月执行率",
        "全年预计执行数",
        "序时进度",
        "预警",
    ]
    assert [ws[f"B{r}"].value for r in range(6, 10)] == ["年度资金总额", "其中：财政拨款", "上年结转资金", "其他资金"]
    assert ws["C6"].value == 48 and ws["D6"].value == 50 and ws["E6"].value == 33 and ws["G6"].value == 48
    assert ws["F6"].value == pytest.approx(0.66) and ws["F6"].number_format == "0.00%"
    assert ws["H6"].value == pytest.approx(0.6667)
    assert ws["I6"].value == "绿灯"  # 0.66 / 0.6667 = 99%
    assert ws["D7"].value == 50 and ws["D8"].value == 0 and ws["D9"].value == 0
    assert (ws["A10"].value, ws["B10"].value, ws["G10"].value) == ("年度总体目标", "年度总体目标", "1—8月执行情况")
    assert ws["B11"].value == "年内购置教学设备120台，改善教学条件"
    assert ws["G11"].value == "=已购置设备80台" and ws["G11"].data_type == "s"
    assert ws["A12"].value == "绩效指标"
    assert [ws[f"{c}12"].value for c in "BCDEFGHIJKLM"] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "1—8月执行情况",
        "全年预计完成情况",
        "偏差原因类别",
        "偏差原因说明",
        "完成目标可能性",
        "改进措施",
        "备注",
        "预警",
    ]
    assert [ws[f"{c}13"].value for c in "BCDEFGHIJKL"] == [
        "产出指标",
        "数量指标",
        "购置教学设备数量",
        "≥120台",
        "80台",
        "120台",
        "人员保障",
        "安装人员不足",
        "有可能",
        "增派人员",
        "按合同",
    ]
    assert ws["D14"].value == "教学条件改善情况"
    assert ws["F14"].value == "部分达成年度指标并具有一定效果；部分教室已更新"
    assert ws["M14"].value == "黄灯"
    assert "A12:A14" in merged
    # Overall deviation analysis, then the finance block.
    assert (ws["A15"].value, ws["B15"].value, ws["E15"].value, ws["J15"].value, ws["K15"].value) == (
        "偏差分析",
        "偏差原因类别",
        "偏差原因说明",
        "完成目标可能性",
        "改进措施",
    )
    assert (ws["B16"].value, ws["E16"].value, ws["J16"].value, ws["K16"].value) == (
        "经费保障，硬件条件保障",
        "部分设备到货延迟",
        "有可能",
        "督促供应商9月到货",
    )
    assert (ws["A17"].value, ws["B17"].value, ws["C17"].value, ws["G17"].value) == (
        "财政审核意见",
        "是否需要整改",
        "整改要求和建议",
        "整改结果和结论",
    )


def test_light_provider_hook_overrides_the_local_estimate(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def provider(_record: MonitoringRecord) -> str:
        return "红灯"

    hooks.light_provider(provider)
    try:
        content = ready.login("unit_user").get(reverse("monitoring:record_export", args=[record.pk])).content
    finally:
        hooks._light.remove(provider)
    assert _open(content).active["I6"].value == "红灯"


def test_dept_overall_export_uses_the_department_layout(ready: World) -> None:
    task = issued_round(ready, scope=MonitoringTask.Scope.DEPT_OVERALL)
    record = MonitoringRecord.objects.get(task=task, department=ready.edu)
    content = ready.login("dept_admin").get(reverse("monitoring:record_export", args=[record.pk])).content
    ws = _open(content)["部门整体支出绩效目标执行监控表"]
    assert ws["A1"].value == "部门整体支出绩效目标执行监控表"
    assert (ws["A3"].value, ws["B3"].value, ws["A4"].value, ws["B4"].value) == (
        "部门名称",
        "县教育局",
        "填报单位",
        "县第一中学",
    )
    assert [ws[f"B{r}"].value for r in range(6, 9)] == ["年度资金总额", "其中：财政拨款", "其他资金"]
    assert ws["D6"].value == 100  # two projects of 50万元
    assert ws["E6"].value == 33


def test_round_export_is_a_flat_list_of_visible_records(ready: World) -> None:
    task = issued_round(ready)
    record = fill_complete(ready, school_record(task, ready))
    services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    content = ready.login("performance").get(reverse("monitoring:task_export", args=[task.pk])).content
    ws = _open(content)["监控填报汇总"]
    assert ws["A1"].value == "2026年1—8月绩效运行监控"  # the period once
    headers = [c.value for c in ws[2]]
    assert headers[:6] == ["任务编号", "监控期间", "主管部门", "实施单位", "项目编码", "项目（部门）名称"]
    assert "1—8月执行数（万元）" in headers and "执行率÷序时进度（%）" in headers
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert len(rows) == 3
    school = next(r for r in rows if r[4] == "P-SCHOOL")
    col = {h: i for i, h in enumerate(headers)}
    assert school[col["1—8月执行数（万元）"]] == 33
    assert school[col["完成目标可能性"]] == "确定能"
    assert school[col["状态"]] == "待主管部门审核"
    hospital = next(r for r in rows if r[4] == "P-HOSP")
    assert hospital[col["执行率÷序时进度（%）"]] == pytest.approx(30.0)
    # Rates are numbers shown as percentages; money in 万元 shows two decimals.
    school_row = next(row for row in ws.iter_rows(min_row=3) if row[4].value == "P-SCHOOL")
    rate, progress = school_row[col["执行率"]], school_row[col["序时进度"]]
    assert isinstance(rate.value, float) and rate.value == pytest.approx(0.66)
    assert rate.number_format == progress.number_format == "0.00%"
    assert school_row[col["1—8月执行数（万元）"]].number_format == "#,##0.00"
    # A unit's export holds only its own records.
    own = _open(ready.login("unit_user").get(reverse("monitoring:task_export", args=[task.pk])).content)
    codes = {row[4].value for row in own["监控填报汇总"].iter_rows(min_row=3)}
    assert codes == {"P-SCHOOL", "P-BRANCH"}


def test_the_record_form_prints_on_a4_landscape_one_page_wide(ready: World) -> None:
    """The 13-column 监控表 printed portrait at 100%, its right-hand columns spilling onto extra pages."""
    record = school_record(issued_round(ready), ready)
    content = ready.login("unit_user").get(reverse("monitoring:record_export", args=[record.pk])).content
    ws = _open(content)["项目支出绩效目标执行监控表"]
    setup = ws.page_setup
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", "9", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$2"
