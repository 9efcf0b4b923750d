"""Export of targets as the standard 申报表 sheets (§3.1, §3.2) and as the flat batch layout (§3.5).

Exports take the filtered queryset the list shows. Every string is written as a text cell, so a value
starting with = + - @ never becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import openpyxl
from django.db.models import Prefetch, QuerySet
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.errors import DomainError
from jixiao.core.money import wan_from_yuan
from jixiao.core.spreadsheets import put, text_cell, write_meta, write_only_workbook
from jixiao.core.streaming import MAX_SHEET_ROWS
from jixiao.targets.columns import (
    DEPT_SHEET,
    DEPT_TITLE,
    FLAT_NOTES,
    FORM_DEPT,
    FORM_PROJECT,
    FUND_COLUMNS,
    GRID_COLUMNS,
    INDICATOR_COLUMNS,
    MAIN_COLUMNS,
    OPERATOR_LABELS,
    PROJECT_TITLE,
    TEMPLATE_DEPT,
    TEMPLATE_FLAT,
    TEMPLATE_PROJECT,
    TEMPLATE_VERSION,
    VALUE_BASIS_LABELS,
)
from jixiao.targets.models import AnnualTask, PerformanceTarget, TargetIndicator

WAN_FORMAT = "#,##0.00"
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WIDTHS = {"A": 12, "B": 12, "C": 14, "D": 22, "E": 8, "F": 14, "G": 8, "H": 12, "I": 6}


def for_export(queryset: QuerySet[PerformanceTarget]) -> QuerySet[PerformanceTarget]:
    indicators = TargetIndicator.objects.select_related("lv1", "lv2").order_by("seq", "id")
    return queryset.select_related("department", "unit", "project", "region", "framework").prefetch_related(
        Prefetch("indicators", queryset=indicators),
        Prefetch("tasks", queryset=AnnualTask.objects.order_by("seq", "id")),
    )


def wan(yuan: Decimal | None) -> float:
    """元 → 万元 as a numeric cell; float repr keeps the 6 decimals exactly."""
    return float(wan_from_yuan(yuan))


def weight_cell(weight: Decimal | None) -> float | str:
    return float(weight) if weight is not None else ""


def _merged(sheet: Worksheet, ref: str, value: Any, **kwargs: Any) -> None:
    put(sheet, ref.split(":")[0], value, **kwargs)
    if ":" in ref:
        sheet.merge_cells(ref)


def indicator_cells(row: TargetIndicator) -> dict[str, Any]:
    """The B–N values of one indicator row."""
    values: dict[str, Any] = {
        "lv1": row.lv1.name,
        "lv2": row.lv2.name,
        "name": row.name,
        "operator": OPERATOR_LABELS.get(row.operator, ""),
        "target_text": row.target_text,
        "unit": row.unit,
        "midterm_text": row.midterm_text,
        "weight": weight_cell(row.weight),
        "explanation": row.explanation,
        "scoring_standard": row.scoring_standard,
        "value_basis": VALUE_BASIS_LABELS.get(row.value_basis, ""),
        "data_source": row.data_source,
        "remark": row.remark,
    }
    return values


def _grid(sheet: Worksheet, start: int, rows: Sequence[TargetIndicator], *, dept: bool) -> int:
    """Header on `start`, rows below; returns the last row written. B and C are written on every row."""
    for letter, header, _field in GRID_COLUMNS:
        put(sheet, f"{letter}{start}", "" if dept and letter == "H" else header)
        sheet[f"{letter}{start}"].font = Font(bold=True)
        sheet[f"{letter}{start}"].alignment = CENTER
    for offset, row in enumerate(rows, start=1):
        values = indicator_cells(row)
        for letter, _header, field in GRID_COLUMNS:
            if dept and letter == "H":
                continue
            put(sheet, f"{letter}{start + offset}", values[field], number_format="0.00" if field == "weight" else None)
    return start + len(rows)


def _title(sheet: Worksheet, title: str, year: int) -> None:
    _merged(sheet, "A1:N1", title)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = CENTER
    _merged(sheet, "A2:N2", f"（{year}年度）")
    sheet["A2"].alignment = CENTER


def write_project_sheet(sheet: Worksheet, target: PerformanceTarget) -> None:
    """§3.1 cell by cell."""
    project = target.project
    _title(sheet, PROJECT_TITLE, target.fiscal_year)
    put(sheet, "A3", "项目名称")
    _merged(sheet, "B3:N3", target.name)
    put(sheet, "A4", "主管部门及代码")
    _merged(sheet, "B4:G4", f"{target.department.name}（{target.department.dept_code}）")
    put(sheet, "H4", "实施单位")
    _merged(sheet, "I4:N4", target.unit.name)
    put(sheet, "A5", "项目属性")
    _merged(sheet, "B5:G5", ("新增" if project.is_new else "延续") if project else "")
    put(sheet, "H5", "项目期")
    period = (
        f"{project.start_year}年—{project.end_year}年" if project else f"{target.fiscal_year}年—{target.fiscal_year}年"
    )
    _merged(sheet, "I5:N5", period)
    _merged(sheet, "A6:A8", "项目资金（万元）")
    funds = [
        ("中期资金总额", target.mid_total_yuan, "年度资金总额", target.annual_total_yuan),
        ("其中：财政拨款", target.mid_fiscal_yuan, "其中：财政拨款", target.annual_fiscal_yuan),
        (
            "其他资金",
            target.mid_total_yuan - target.mid_fiscal_yuan,
            "其他资金",
            target.annual_total_yuan - target.annual_fiscal_yuan,
        ),
    ]
    for r, (mid_label, mid, year_label, year) in enumerate(funds, start=6):
        put(sheet, f"B{r}", mid_label)
        put(sheet, f"C{r}", wan(mid), number_format=WAN_FORMAT)
        put(sheet, f"D{r}", year_label)
        put(sheet, f"E{r}", wan(year), number_format=WAN_FORMAT)
    _merged(sheet, "A9:A10", "总体目标")
    _merged(sheet, "B9:G9", f"中期目标（{period}）")
    _merged(sheet, "H9:N9", "年度目标")
    _merged(sheet, "B10:G10", target.midterm_goal)
    _merged(sheet, "H10:N10", target.annual_goal)
    rows = list(target.indicators.all())
    last = _grid(sheet, 11, rows, dept=False)
    _merged(sheet, f"A11:A{max(last, 11)}", "绩效指标")
    _style(sheet, last)


def write_dept_sheet(sheet: Worksheet, target: PerformanceTarget) -> None:
    """§3.2: label-anchored blocks in column A."""
    _title(sheet, DEPT_TITLE, target.fiscal_year)
    put(sheet, "A3", "部门（单位）名称")
    _merged(sheet, "B3:F3", target.department.name)
    put(sheet, "G3", "部门编码")
    put(sheet, "H3", target.department.dept_code)
    put(sheet, "A4", "年度主要任务")
    put(sheet, "B4", "任务名称")
    _merged(sheet, "C4:F4", "主要内容")
    put(sheet, "G4", "预算金额（万元）")
    r = 4
    for r, task in enumerate(target.tasks.all(), start=5):  # one row per 年度主要任务, below its header
        put(sheet, f"B{r}", task.name)
        _merged(sheet, f"C{r}:F{r}", task.content)
        put(sheet, f"G{r}", wan(task.amount_yuan), number_format=WAN_FORMAT)
    _budget_block(sheet, target, r + 1)
    put(sheet, f"A{r + 3}", "年度总体目标")
    _merged(sheet, f"B{r + 3}:N{r + 3}", target.annual_goal)
    put(sheet, f"A{r + 4}", "年度绩效指标")
    last = _grid(sheet, r + 4, list(target.indicators.all()), dept=True)
    _style(sheet, last)


def _budget_block(sheet: Worksheet, target: PerformanceTarget, r: int) -> None:
    put(sheet, f"A{r}", "年度部门整体支出预算（万元）")
    for letter, label in zip("BCDEF", ["资金总额", "财政拨款", "其他资金", "基本支出", "项目支出"], strict=True):
        put(sheet, f"{letter}{r}", label)
    amounts = [
        target.annual_total_yuan,
        target.annual_fiscal_yuan,
        target.annual_total_yuan - target.annual_fiscal_yuan,
        target.basic_yuan,
        target.project_spending_yuan,
    ]
    for letter, amount in zip("BCDEF", amounts, strict=True):
        put(sheet, f"{letter}{r + 1}", wan(amount), number_format=WAN_FORMAT)


def _style(sheet: Worksheet, last: int) -> None:
    for row in sheet.iter_rows(min_row=3, max_row=last, min_col=1, max_col=14):
        for cell in row:
            cell.border = BORDER
            if cell.alignment is None or not cell.alignment.horizontal:
                cell.alignment = WRAP
    for letter in "ABCDEFGHIJKLMN":
        sheet.column_dimensions[letter].width = WIDTHS.get(letter, 16)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


def sheet_name(target: PerformanceTarget, used: set[str]) -> str:
    """Unique, at most 31 characters, without the characters Excel forbids."""
    base = target.project.code if target.project else f"部门整体-{target.department.dept_code}"
    base = "".join("_" if c in "[]:*?/\\" else c for c in f"{base}-{target.name}")[:31]
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.lower())
    return name


def _meta_rows(sheet: str, target: PerformanceTarget, template: str) -> list[tuple[str, str, str]]:
    rows = [
        (sheet, "template", template),
        (sheet, "template_version", TEMPLATE_VERSION),
        (sheet, "fiscal_year", str(target.fiscal_year)),
        (sheet, "mof_div_code", target.region.mof_div_code),
        (sheet, "dept_code", target.department.dept_code),
        (sheet, "agency_code", target.unit.agency_code),
        (sheet, "pro_code", target.project.code if target.project else ""),
        (sheet, "record_id", str(target.pk)),
    ]
    rows += [(sheet, f"row.{k}.indicator_id", str(row.pk)) for k, row in enumerate(target.indicators.all(), start=1)]
    return rows


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_declarations(targets: Iterable[PerformanceTarget]) -> bytes:
    """One 申报表 sheet per target (project or 部门整体) plus the hidden `_meta` sheet."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    items = list(targets)
    used: set[str] = set()
    meta: list[tuple[str, str, str]] = []
    for target in items:
        dept = target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL
        if len(items) == 1:
            name = DEPT_SHEET if dept else PROJECT_TITLE
            used.add(name.lower())
        else:
            name = sheet_name(target, used)
        sheet = workbook.create_sheet(name)
        (write_dept_sheet if dept else write_project_sheet)(sheet, target)
        meta += _meta_rows(name, target, TEMPLATE_DEPT if dept else TEMPLATE_PROJECT)
    if not items:
        put(workbook.create_sheet(PROJECT_TITLE), "A1", "没有符合条件的绩效目标")
    write_meta(workbook, meta)
    return _save(workbook)


def _key(target: PerformanceTarget) -> dict[str, Any]:
    return {
        "form_type": FORM_DEPT if target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL else FORM_PROJECT,
        "fiscal_year": target.fiscal_year,
        "mof_div_code": target.region.mof_div_code,
        "dept_code": target.department.dept_code,
        "agency_code": target.unit.agency_code,
        "pro_code": target.project.code if target.project else "",
    }


def _main_row(target: PerformanceTarget) -> dict[str, Any]:
    project = target.project
    return {
        **_key(target),
        "dept_name": target.department.name,
        "agency_name": target.unit.name,
        "pro_name": target.name if project else "",
        "project_attr": ("新增" if project.is_new else "延续") if project else "",
        "start_year": project.start_year if project else "",
        "end_year": project.end_year if project else "",
        "midterm_goal": target.midterm_goal,
        "annual_goal": target.annual_goal,
        "basic_wan": wan(target.basic_yuan),
        "project_spending_wan": wan(target.project_spending_yuan),
        "status": target.get_status_display(),
    }


def _fund_rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    key = _key(target)
    return [
        {
            **key,
            "fund_source": "TOTAL",
            "mid_total_wan": wan(target.mid_total_yuan),
            "annual_total_wan": wan(target.annual_total_yuan),
        },
        {
            **key,
            "fund_source": "FISCAL",
            "mid_total_wan": wan(target.mid_fiscal_yuan),
            "annual_total_wan": wan(target.annual_fiscal_yuan),
        },
        {
            **key,
            "fund_source": "OTHER",
            "mid_total_wan": wan(target.mid_total_yuan - target.mid_fiscal_yuan),
            "annual_total_wan": wan(target.annual_total_yuan - target.annual_fiscal_yuan),
        },
    ]


def _indicator_rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    key = _key(target)
    rows = []
    for row in target.indicators.all():
        cells = indicator_cells(row)
        rows.append(
            {
                **key,
                **cells,
                "indicator_id": str(row.pk),
                "seq": row.seq,
                "lv3": row.name,
                "yearflag": row.year_flag.upper(),
                "is_core": "是" if row.is_core else "否",
            }
        )
    return rows


def _flat_head(workbook: Any, title: str, columns: list[tuple[str, str]]) -> Any:
    """A write-only sheet with its two head rows (label, code): its rows are appended as the targets are read."""
    sheet = workbook.create_sheet(title)
    for c, (_code, label) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = max(10, len(label) * 2 + 2)
    sheet.freeze_panes = "A3"
    bold = Font(bold=True)
    labels = []
    for _code, label in columns:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        labels.append(cell)
    sheet.append(labels)
    sheet.append([code for code, _label in columns])
    return sheet


def _flat_append(sheet: Any, columns: list[tuple[str, str]], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        sheet.append(
            [
                text_cell(sheet, row.get(code, ""), WAN_FORMAT if code.endswith("_wan") else None)
                for code, _label in columns
            ]
        )
        count += 1
    return count


def write_flat(
    targets: Iterable[PerformanceTarget], target: Any, *, progress: Callable[[int], None] | None = None
) -> int:
    """§3.5: 说明, 主表, 资金, 指标 and a hidden `_meta`, written to `target` (a path or a binary file) in openpyxl's
    write-only mode: the three sheets grow side by side as the targets are read, so memory stays flat whatever the
    list's length. `progress(n)` is told after each target; returns the number of targets written. More indicators
    than one sheet holds raise DomainError before the file is finished."""
    with write_only_workbook() as workbook:
        notes = workbook.create_sheet("说明")
        notes.column_dimensions["A"].width = 100
        for line in FLAT_NOTES:
            notes.append([text_cell(notes, line)])
        main = _flat_head(workbook, "主表", MAIN_COLUMNS)
        funds = _flat_head(workbook, "资金", FUND_COLUMNS)
        indicators = _flat_head(workbook, "指标", INDICATOR_COLUMNS)
        written = indicator_rows = 0
        for item in targets:
            _flat_append(main, MAIN_COLUMNS, [_main_row(item)])
            _flat_append(funds, FUND_COLUMNS, _fund_rows(item))
            indicator_rows += _flat_append(indicators, INDICATOR_COLUMNS, _indicator_rows(item))
            if indicator_rows > MAX_SHEET_ROWS - 1:  # the sheet's second head row takes one
                raise DomainError(f"指标超过Excel单表上限{MAX_SHEET_ROWS:,}行，请按年度、部门或状态筛选后分批导出")
            written += 1
            if progress is not None:
                progress(written)
        write_meta(workbook, [("", "template", TEMPLATE_FLAT), ("", "template_version", TEMPLATE_VERSION)])
        workbook.save(target)
        return written
