"""The standard 项目支出绩效自评表 workbook (DOMAIN.md §3.4): read a filled one, write one.

Reading follows the normative parse algorithm: fixed labels are checked (a mismatch rejects the sheet with the cell
address), indicator rows run from row 13 to the `总分` row, lv1/lv2 are forward-filled, numeric cells in the value
columns become text as the spec says. The workbook passes the upload checks of core.spreadsheets first.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side

from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import WAN_FORMAT, SpreadsheetError, norm, open_workbook, xlsx_text
from jixiao.evaluation.scoring.rules import LEVEL_LABELS
from jixiao.evaluation.scoring.sheet import FUND_KEYS, FundRow, IndicatorRow, SelfEvalSheet
from jixiao.indicators.valueparse import format_number

TITLE = "项目支出绩效自评表"
COLUMNS = "ABCDEFGHI"
FUND_HEADERS = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
INDICATOR_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]
FUND_ROW_LABELS = {
    "TOTAL": {"年度资金总额"},
    "FISCAL": {"其中:当年财政拨款", "当年财政拨款"},
    "CARRYOVER": {"上年结转资金"},
    "OTHER": {"其他资金"},
}
MAX_ROWS = 2000
WAN = Decimal(10000)
ZERO = Decimal(0)
# The largest number a cell may hold: an amount in 万元 that still fits a yuan column (core.money.MAX_YUAN); scores and
# weights are far smaller.
LARGEST = Decimal("999999999999")
# The largest 执行率 (a fraction: 999 is 99,900%) the record keeps (SelfEvalFund.exec_rate, numeric(9,6)); no real
# execution comes near it, a larger one is a typing error.
LARGEST_RATE = Decimal(999)


# A qualitative row's chosen 定性完成档次 travels in its 实际完成值 cell as a last line “（完成档次：达成年度指标）”:
# the national layout has no column for it. The reader takes the line off the text and keeps the level, so an exported
# form read back (or checked offline) is scored at the level the unit chose, and the text stays what the unit wrote.
LEVEL_LINE = "（完成档次：{}）"
_LEVEL_LINE_RE = re.compile(r"\s*[（(]\s*完成档次\s*[:：]\s*([^）)]*?)\s*[）)]\s*$")
_LEVEL_OF_LABEL = {
    **{label: code for code, label in LEVEL_LABELS.items()},
    "达成": "ACHIEVED",
    "部分达成": "PARTIAL",
    "未达成": "NOT_ACHIEVED",
}


class SelfEvalFormatError(DomainError):
    """The workbook does not follow the standard layout; the message names the cell."""


@dataclass(frozen=True)
class Cell:
    value: Any
    number_format: str = "General"


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = norm(value).replace(",", "")
    if text in ("", "—", "-", "/", "——"):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def value_text(cell: Cell) -> str:
    """Column E/F content as text: a % formatted number becomes value×100 followed by %, no exponent or zeros."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        number = Decimal(str(value))
        if "%" in (cell.number_format or ""):
            return f"{format_number(number * 100)}%"
        return format_number(number)
    return str(value).strip()


def rate_value(cell: Cell) -> Decimal | None:
    """The printed 执行率 as a fraction (0.955) whether written as 95.5%, "95.5%" or 0.955. NaN or Infinity (a text
    “NaN%”, a number too large for a float) comes back as it is, for the caller to refuse (_Grid.rate): arithmetic
    on it would raise."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
        if not number.is_finite() or "%" in (cell.number_format or "") or number <= Decimal("1.5"):
            return number
        return number / 100
    text = norm(value)
    if text.endswith("%"):
        percent = _decimal(text[:-1])
        return percent if percent is None or not percent.is_finite() else percent / 100
    return _decimal(text)


class _Grid:
    def __init__(self, worksheet: Any) -> None:
        self.name = worksheet.title
        self.rows: list[list[Cell]] = []
        for row in worksheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=len(COLUMNS)):
            cells = [Cell(c.value, getattr(c, "number_format", "General") or "General") for c in row]
            cells.extend(Cell(None) for _ in range(len(COLUMNS) - len(cells)))
            self.rows.append(cells)

    def cell(self, address: str) -> Cell:
        column, row = address[0], int(address[1:])
        if row > len(self.rows):
            return Cell(None)
        return self.rows[row - 1][COLUMNS.index(column)]

    def text(self, address: str) -> str:
        value = self.cell(address).value
        return "" if value is None else str(value).strip()

    def expect(self, address: str, expected: str | set[str]) -> None:
        found = norm(self.cell(address).value)
        wanted = {norm(expected)} if isinstance(expected, str) else {norm(e) for e in expected}
        if found not in wanted:
            shown = "或".join(f"“{e}”" for e in sorted(expected if isinstance(expected, set) else {expected}))
            raise SelfEvalFormatError(f"工作表“{self.name}”单元格{address}应为{shown}，实际为“{self.text(address)}”")

    def rate(self, address: str) -> Decimal | None:
        """The 执行率 of a funds row (rate_value), refused with the cell when it is not a number the record can keep:
        NaN or Infinity typed as text, or outside 0 … 99,900% (1E+10 would overflow the stored rate)."""
        value = rate_value(self.cell(address))
        if value is not None and (not value.is_finite() or not ZERO <= value <= LARGEST_RATE):
            raise SelfEvalFormatError(
                f"工作表“{self.name}”单元格{address}（执行率）数值超出范围：“{self.text(address)}”，"
                "应为0%至99900%之间的百分比"
            )
        return value

    def number(self, address: str, *, required: bool = False, label: str = "") -> Decimal | None:
        value = _decimal(self.cell(address).value)
        if value is None and required:
            raise SelfEvalFormatError(f"工作表“{self.name}”单元格{address}（{label}）应为数字")
        if value is None and norm(self.cell(address).value) not in ("", "—", "-", "/", "——"):
            raise SelfEvalFormatError(f"工作表“{self.name}”单元格{address}（{label}）不是数字：“{self.text(address)}”")
        if value is not None and (not value.is_finite() or abs(value) > LARGEST):
            raise SelfEvalFormatError(
                f"工作表“{self.name}”单元格{address}（{label}）数值超出范围：“{self.text(address)}”"
            )
        return value


def _sheet(grid: _Grid) -> SelfEvalSheet:
    grid.expect("A1", TITLE)
    year_match = re.search(r"\((\d{4})年度\)", norm(grid.cell("A2").value))
    if not year_match:
        raise SelfEvalFormatError(f"工作表“{grid.name}”单元格A2应为“（YYYY年度）”，实际为“{grid.text('A2')}”")
    year = int(year_match.group(1))
    if not 1000 <= year <= 9999:  # “（0999年度）”: the value parser takes four-digit years only
        raise SelfEvalFormatError(f"工作表“{grid.name}”单元格A2的年度“{year_match.group(1)}”无效，应为四位年份")
    sheet = SelfEvalSheet(fiscal_year=year)
    grid.expect("A3", "项目名称")
    grid.expect("A4", "主管部门")
    grid.expect("F4", "实施单位")
    sheet.project_name, sheet.department, sheet.unit = grid.text("B3"), grid.text("B4"), grid.text("G4")
    grid.expect("A5", "项目资金（万元）")
    for column, header in zip("CDEFGH", FUND_HEADERS, strict=True):
        grid.expect(f"{column}5", header)
    for row, key in zip(range(6, 10), FUND_KEYS, strict=True):
        grid.expect(f"B{row}", FUND_ROW_LABELS[key])
        amounts = [grid.number(f"{c}{row}", label="金额（万元）") for c in "CDE"]
        yuan = [None if a is None else a * WAN for a in amounts]
        if key != "TOTAL":
            yuan = [a if a is not None else Decimal(0) for a in yuan]
        sheet.funds[key] = FundRow(yuan[0], yuan[1], yuan[2], grid.rate(f"G{row}"))
    sheet.exec_weight = grid.number("F6", label="执行率分值")
    sheet.exec_score_claimed = grid.number("H6", label="执行率得分")
    grid.expect("A10", "年度总体目标")
    sheet.goal_expected, sheet.goal_actual = grid.text("B11"), grid.text("F11")
    for column, header in zip("BCDEFGHI", INDICATOR_HEADERS, strict=True):
        grid.expect(f"{column}12", header)
    _indicators(grid, sheet)
    return sheet


def _indicators(grid: _Grid, sheet: SelfEvalSheet) -> None:
    lv1 = lv2 = ""
    row = 13
    while norm(grid.cell(f"A{row}").value) != "总分":
        if row > len(grid.rows) or all(grid.cell(f"{c}{row}").value in (None, "") for c in "BCDEFGHI"):
            raise SelfEvalFormatError(f"工作表“{grid.name}”第{row}行：未找到“总分”行（E_NO_TOTAL_ROW）")
        lv1 = grid.text(f"B{row}") or lv1
        lv2 = grid.text(f"C{row}") or lv2
        actual, level = _level_line(grid, f"F{row}")
        sheet.rows.append(
            IndicatorRow(
                row=row,
                lv1=lv1,
                lv2=lv2,
                name=grid.text(f"D{row}"),
                target_text=value_text(grid.cell(f"E{row}")),
                actual_text=actual,
                weight=grid.number(f"G{row}", label="分值"),
                claimed=grid.number(f"H{row}", label="得分"),
                deviation=grid.text(f"I{row}"),
                level_claimed=level,
            )
        )
        row += 1
    if not sheet.rows:
        raise SelfEvalFormatError(f"工作表“{grid.name}”没有绩效指标行")
    sheet.total_weight = grid.number(f"G{row}", label="分值合计")
    sheet.total_claimed = grid.number(f"H{row}", label="总分")
    grade = norm(grid.cell(f"I{row}").value)
    sheet.grade_claimed = grade or None


def _level_line(grid: _Grid, address: str) -> tuple[str, str | None]:
    """The 实际完成值 text without its “（完成档次：…）” line, and the level that line names (None without one)."""
    text = value_text(grid.cell(address))
    match = _LEVEL_LINE_RE.search(text)
    if match is None:
        return text, None
    level = _LEVEL_OF_LABEL.get(norm(match.group(1)))
    if level is None:
        choices = "、".join(LEVEL_LABELS.values())
        raise SelfEvalFormatError(
            f"工作表“{grid.name}”单元格{address}：完成档次“{match.group(1)}”无效，应为{choices}之一"
        )
    return text[: match.start()].rstrip(), level


def _actual_cell(indicator: IndicatorRow) -> str:
    if indicator.level_claimed not in LEVEL_LABELS:
        return indicator.actual_text
    line = LEVEL_LINE.format(LEVEL_LABELS[str(indicator.level_claimed)])
    return f"{indicator.actual_text}\n{line}" if indicator.actual_text else line


def _chosen_sheets(workbook: Any) -> list[Any]:
    names = workbook.sheetnames
    if TITLE in names:
        return [workbook[TITLE]]
    numbered = sorted(n for n in names if re.fullmatch(r"自评表-\d{4}", n))
    if numbered:
        return [workbook[n] for n in numbered]
    return [workbook.worksheets[0]]


def read_selfevaluations(upload: IO[bytes] | bytes) -> list[SelfEvalSheet]:
    """Every self-evaluation in the workbook (one sheet, or 自评表-0001 … in order)."""
    workbook = open_workbook(upload, read_only=True)
    try:
        return [_sheet(_Grid(ws)) for ws in _chosen_sheets(workbook)]
    except DomainError:
        raise
    except Exception as exc:  # a sheet's XML is read only here: damage (or no sheet at all) shows now, in many types
        raise SpreadsheetError("文件无法解析，请确认是 Excel（.xlsx）格式") from exc
    finally:
        workbook.close()


# ---- writing ----------------------------------------------------------------------------------------------------


def _wan(yuan: Decimal | None) -> Decimal | str:
    return "—" if yuan is None else (yuan / WAN)


def write_selfevaluations(sheets: list[SelfEvalSheet]) -> bytes:
    """The standard layout with its merges; one sheet, or 自评表-0001 … for several."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for index, sheet in enumerate(sheets, start=1):
        ws = workbook.create_sheet(TITLE if len(sheets) == 1 else f"自评表-{index:04d}")
        _write_one(ws, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put(ws: Any, address: str, value: Any, merge: str | None = None) -> None:
    cell = ws[address]
    if isinstance(value, str):
        value = xlsx_text(value)  # a control character pasted into a text would make the export fail
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = Border(*(Side(style="thin"),) * 4)
    if merge:
        ws.merge_cells(f"{address}:{merge}")


def _write_one(ws: Any, sheet: SelfEvalSheet) -> None:
    _put(ws, "A1", TITLE, "I1")
    ws["A1"].font = Font(bold=True, size=14)
    _put(ws, "A2", f"（{sheet.fiscal_year}年度）", "I2")
    _put(ws, "A3", "项目名称")
    _put(ws, "B3", sheet.project_name, "I3")
    _put(ws, "A4", "主管部门")
    _put(ws, "B4", sheet.department, "E4")
    _put(ws, "F4", "实施单位")
    _put(ws, "G4", sheet.unit, "I4")
    _put(ws, "A5", "项目资金（万元）", "A9")
    for column, header in zip("CDEFG", FUND_HEADERS, strict=False):
        _put(ws, f"{column}5", header)
    _put(ws, "H5", "得分", "I5")
    labels = {"TOTAL": "年度资金总额", "FISCAL": "其中：当年财政拨款", "CARRYOVER": "上年结转资金", "OTHER": "其他资金"}
    for row, key in zip(range(6, 10), FUND_KEYS, strict=True):
        fund = sheet.funds.get(key, FundRow())
        _put(ws, f"B{row}", labels[key])
        for column, yuan in zip("CDE", (fund.initial_yuan, fund.annual_yuan, fund.executed_yuan), strict=True):
            # DOMAIN.md §3.0: the cell holds the exact 万元 (cents survive a round trip) and shows two decimals.
            _put(ws, f"{column}{row}", _wan(yuan))
            ws[f"{column}{row}"].number_format = WAN_FORMAT
        if key == "TOTAL":
            _put(ws, "F6", sheet.exec_weight if sheet.exec_weight is not None else Decimal(10))
            _put(ws, "H6", sheet.exec_score_claimed, "I6")
        else:
            _put(ws, f"F{row}", "—")
            _put(ws, f"H{row}", "—", f"I{row}")
        rate = fund.rate_claimed
        _put(ws, f"G{row}", rate if rate is not None else "—")
        if rate is not None:
            ws[f"G{row}"].number_format = "0.00%"
    _put(ws, "A10", "年度总体目标", "A11")
    _put(ws, "B10", "预期目标", "E10")
    _put(ws, "F10", "实际完成情况", "I10")
    _put(ws, "B11", sheet.goal_expected, "E11")
    _put(ws, "F11", sheet.goal_actual, "I11")
    last = 12 + len(sheet.rows)
    _put(ws, "A12", "绩效指标", f"A{last}")
    for column, header in zip("BCDEFGHI", INDICATOR_HEADERS, strict=True):
        _put(ws, f"{column}12", header)
    for offset, indicator in enumerate(sheet.rows, start=13):
        i = indicator
        values = [i.lv1, i.lv2, i.name, i.target_text, _actual_cell(i), i.weight, i.claimed, i.deviation]
        for column, value in zip("BCDEFGHI", values, strict=True):
            _put(ws, f"{column}{offset}", value)
    total = last + 1
    _put(ws, f"A{total}", "总分", f"F{total}")
    _put(ws, f"G{total}", sheet.total_weight if sheet.total_weight is not None else Decimal(100))
    _put(ws, f"H{total}", sheet.total_claimed)
    _put(ws, f"I{total}", sheet.grade_claimed or "")
    for column, width in zip(COLUMNS, (12, 16, 14, 24, 14, 14, 8, 8, 30), strict=True):
        ws.column_dimensions[column].width = width
