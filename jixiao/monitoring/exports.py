"""Export of a record as the standard 监控表 (DOMAIN.md §3.3, cell by cell) and of a round as one flat list.

Every string is written as a text cell, so a value starting with = + - @ never becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import openpyxl
from django.utils import timezone
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.money import wan_from_yuan
from jixiao.core.spreadsheets import Rate, put, write_meta, write_workbook
from jixiao.monitoring import selectors
from jixiao.monitoring.models import Likelihood, MonitoringRecord, MonitoringTask, QualitativeLevel
from jixiao.monitoring.record_xlsx import DEPT_SHEET, PROJECT_SHEET, meta_rows

FUND_LABELS = ["年度资金总额", "其中：财政拨款", "上年结转资金", "其他资金"]
DEPT_FUND_LABELS = ["年度资金总额", "其中：财政拨款", "其他资金", ""]
INDICATOR_HEADERS = [
    ("B", "一级指标"),
    ("C", "二级指标"),
    ("D", "三级指标"),
    ("E", "年度指标值"),
    ("F", "1—N月执行情况"),
    ("G", "全年预计完成情况"),
    ("H", "偏差原因类别"),
    ("I", "偏差原因说明"),
    ("J", "完成目标可能性"),
    ("K", "改进措施"),
    ("L", "备注"),
    ("M", "预警"),
]
WAN_FORMAT = "#,##0.00"
PCT_FORMAT = "0.00%"
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)
WIDTHS = {"A": 12, "B": 14, "C": 14, "D": 20, "E": 14, "F": 16, "G": 16, "H": 14, "I": 18, "J": 12, "K": 18}


def merged(sheet: Worksheet, ref: str, value: Any, **kwargs: Any) -> None:
    put(sheet, ref.split(":")[0], value, **kwargs)
    if ":" in ref:
        sheet.merge_cells(ref)


def wan(yuan: Decimal | None) -> float | str:
    return "" if yuan is None else float(wan_from_yuan(yuan))


def _n(text: str, month: int) -> str:
    return text.replace("1—N月", f"1—{month}月")


def write_record_sheet(sheet: Worksheet, record: MonitoringRecord) -> int:
    """§3.3 cell by cell; returns the last row written."""
    task = record.task
    n = task.period_end_month
    dept = record.is_dept_overall
    merged(sheet, "A1:M1", DEPT_SHEET if dept else PROJECT_SHEET)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = CENTER
    merged(sheet, "A2:M2", f"（{task.fiscal_year}年1—{n}月）")
    sheet["A2"].alignment = CENTER
    if dept:
        put(sheet, "A3", "部门名称")
        merged(sheet, "B3:M3", record.department.name)
        put(sheet, "A4", "填报单位")
        merged(sheet, "B4:M4", record.unit.name)
    else:
        put(sheet, "A3", "项目名称")
        merged(sheet, "B3:M3", record.name)
        put(sheet, "A4", "主管部门")
        merged(sheet, "B4:F4", record.department.name)
        put(sheet, "G4", "实施单位")
        merged(sheet, "H4:M4", record.unit.name)
    # Funds block.
    merged(sheet, "A5:A9", "部门资金（万元）" if dept else "项目资金（万元）")
    fund_headers = ["年初预算数", "全年预算数", f"1—{n}月执行数", f"1—{n}月执行率"]
    fund_headers += ["全年预计执行数", "序时进度", "预警"]
    for letter, header in zip("CDEFGHI", fund_headers, strict=True):
        put(sheet, f"{letter}5", header)
    settings_row = selectors.settings_for(record.region, record.fiscal_year)
    labels = DEPT_FUND_LABELS if dept else FUND_LABELS
    for offset, label in enumerate(labels):
        put(sheet, f"B{6 + offset}", label)
    put(sheet, "C6", wan(record.annual_budget_yuan), number_format=WAN_FORMAT)
    put(sheet, "D6", wan(record.current_budget_yuan), number_format=WAN_FORMAT)
    put(sheet, "E6", wan(record.executed_to_date_yuan), number_format=WAN_FORMAT)
    put(sheet, "F6", float(record.exec_rate.quantize(Decimal("0.0001"))), number_format=PCT_FORMAT)
    put(sheet, "G6", wan(record.expected_annual_yuan), number_format=WAN_FORMAT)
    put(sheet, "H6", float(record.time_progress), number_format=PCT_FORMAT)
    put(sheet, "I6", selectors.record_light(record, settings_row.red_ratio_pct))
    splits = (
        [record.fiscal_budget_yuan, record.other_with_carryover_yuan]
        if dept
        else [record.fiscal_budget_yuan, record.carryover_budget_yuan, record.other_budget_yuan]
    )
    for offset, amount in enumerate(splits):
        put(sheet, f"D{7 + offset}", wan(amount), number_format=WAN_FORMAT)
    # Goal block.
    merged(sheet, "A10:A11", "年度总体目标")
    merged(sheet, "B10:F10", "年度总体目标")
    merged(sheet, "G10:M10", f"1—{n}月执行情况")
    merged(sheet, "B11:F11", record.year_goal)
    merged(sheet, "G11:M11", record.goal_execution)
    # Indicator block.
    rows = list(selectors.record_rows(record))
    last = 12 + max(len(rows), 1)
    merged(sheet, f"A12:A{last}", "绩效指标")
    for letter, header in INDICATOR_HEADERS:
        put(sheet, f"{letter}12", _n(header, n))
    likelihood = record.get_likelihood_display() if record.likelihood else ""
    for offset, row in enumerate(rows, start=13):
        completion = row.completion_to_date
        if row.is_qualitative and row.qualitative_level:
            level = str(QualitativeLevel(row.qualitative_level).label)
            completion = f"{level}；{completion}" if completion else level
        values = {
            "B": row.level1_name,
            "C": row.level2_name,
            "D": row.name,
            "E": row.target_value,
            "F": completion,
            "G": row.expected_annual,
            "H": selectors.reason_labels(row.deviation_reasons).replace("、", "，"),
            "I": row.deviation_text,
            "J": likelihood,
            "K": row.measures,
            "L": row.remark,
            "M": selectors.qualitative_light(row.qualitative_level) if row.is_qualitative else "",
        }
        for letter, value in values.items():
            put(sheet, f"{letter}{offset}", value)
    # Overall deviation analysis (record level), then the finance block.
    r = last + 1
    merged(sheet, f"A{r}:A{r + 1}", "偏差分析")
    merged(sheet, f"B{r}:D{r}", "偏差原因类别")
    merged(sheet, f"E{r}:I{r}", "偏差原因说明")
    put(sheet, f"J{r}", "完成目标可能性")
    merged(sheet, f"K{r}:M{r}", "改进措施")
    merged(sheet, f"B{r + 1}:D{r + 1}", selectors.reason_labels(record.deviation_reasons).replace("、", "，"))
    merged(sheet, f"E{r + 1}:I{r + 1}", record.deviation_text)
    put(sheet, f"J{r + 1}", likelihood)
    merged(sheet, f"K{r + 1}:M{r + 1}", record.measures)
    f = r + 2
    merged(sheet, f"A{f}:A{f + 1}", "财政审核意见")
    put(sheet, f"B{f}", "是否需要整改")
    merged(sheet, f"C{f}:F{f}", "整改要求和建议")
    merged(sheet, f"G{f}:M{f}", "整改结果和结论")
    sheet.merge_cells(f"C{f + 1}:F{f + 1}")
    sheet.merge_cells(f"G{f + 1}:M{f + 1}")
    _style(sheet, f + 1)
    return f + 1


def _style(sheet: Worksheet, last: int) -> None:
    for row in sheet.iter_rows(min_row=3, max_row=last, min_col=1, max_col=13):
        for cell in row:
            cell.border = BORDER
            if cell.alignment is None or not cell.alignment.horizontal:
                cell.alignment = WRAP
    for r in (5, 10, 12):
        for cell in sheet[r]:
            cell.font = Font(bold=True)
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    # Thirteen columns: printed on A4 landscape, one page wide (as the 申报表 is printed), the title rows repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = "1:2"


def export_record(record: MonitoringRecord) -> bytes:
    """The record's 监控表 plus the hidden `_meta` sheet (DOMAIN.md §3.0): template, year, record id and each indicator
    row's id, so that the filled workbook comes back to this record and its rows (`record_xlsx.read_record`)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DEPT_SHEET if record.is_dept_overall else PROJECT_SHEET
    write_record_sheet(sheet, record)
    write_meta(workbook, meta_rows(sheet.title, record, list(selectors.record_rows(record))))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROUND_SHEET = "监控填报汇总"
ROUND_HEADERS = [
    "任务编号",
    "监控期间",
    "主管部门",
    "实施单位",
    "项目编码",
    "项目（部门）名称",
    "年初预算数（万元）",
    "全年预算数（万元）",
    "1—N月执行数（万元）",
    "支付数据执行数（万元）",
    "执行率",
    "序时进度",
    "执行率÷序时进度（%）",
    "全年预计执行数（万元）",
    "完成目标可能性",
    "偏差原因类别",
    "偏差原因说明",
    "改进措施",
    "状态",
    "报送时间",
]


def round_headers(task: MonitoringTask) -> list[str]:
    return [_n(h, task.period_end_month) for h in ROUND_HEADERS]


def round_rows(task: MonitoringTask, records: Iterable[MonitoringRecord]) -> Iterator[list[Any]]:
    """One row per record; money in 万元, rates as numbers shown as percentages (0.4567 shows 45.67%)."""
    labels = dict(Likelihood.choices)
    for r in records:
        ratio = selectors.record_ratio(r)
        yield [
            task.task_no,
            task.period_label,
            r.department.name,
            r.unit.name,
            r.project.code if r.project_id else "",  # type: ignore[union-attr]
            r.name,
            wan(r.annual_budget_yuan),
            wan(r.current_budget_yuan),
            wan(r.executed_to_date_yuan),
            wan(r.executed_from_payments_yuan),
            Rate(r.exec_rate.quantize(Decimal("0.0001"))),
            Rate(r.time_progress),
            float(ratio) if ratio is not None else "",
            wan(r.expected_annual_yuan),
            str(labels.get(r.likelihood, "")),
            selectors.reason_labels(r.deviation_reasons),
            r.deviation_text,
            r.measures,
            r.get_status_display(),
            timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
        ]


def export_round(task: MonitoringTask, records: Iterable[MonitoringRecord]) -> bytes:
    """The round's 监控填报汇总 with its title row: one row per record the user sees (a list short enough for a
    direct export; a longer one is streamed or written by a job without the title row, views.task_export)."""
    title = task.title if task.period_label in task.title else f"{task.title}（{task.period_label}）"
    return write_workbook([(ROUND_SHEET, round_headers(task), round_rows(task, records))], title=title)
