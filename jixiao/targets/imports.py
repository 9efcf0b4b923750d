"""Parsing filled 申报表 workbooks (§3.1, §3.2) and the flat batch layout (§3.5).

Pure functions: file in → parsed targets + per-cell errors out. Matching to stored targets and checking the
一级/二级 names against the framework happen in `services_exchange`, which needs the database.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core import spreadsheets
from jixiao.core.money import MoneyError, yuan_from_wan
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_digits
from jixiao.core.spreadsheets import META_SHEET, norm
from jixiao.indicators.valueparse import Kind, parse_op, parse_value
from jixiao.targets.columns import (
    DEPT_TITLE,
    FORM_DEPT,
    FORM_PROJECT,
    GRID_COLUMNS,
    PROJECT_TITLE,
    REQUIRED_CODES,
    TEXT_LIMITS,
    VALUE_BASIS_LABELS,
    ParsedIndicator,
    ParsedTarget,
    SheetCellError,
    is_blank,
)

MAX_INDICATOR_ROWS = 20_000
OP_TO_MODEL = {"GE": "gte", "GT": "gt", "EQ": "eq", "LE": "lte", "LT": "lt", "QUAL": "qual"}
BASIS_BY_LABEL = {norm(label): value for value, label in VALUE_BASIS_LABELS.items()}
YEAR_RE = re.compile(r"\((\d{4})年度\)")
CODE_RE = re.compile(r"\(([0-9A-Za-z]+)\)$")
# A raw cell: (column as shown in the error report, value, number format).
Raw = tuple[str, Any, str]


def open_workbook(upload: IO[bytes] | bytes) -> openpyxl.Workbook:
    """Open an upload after the same container checks `read_rows` does (size, zip, entries, macros)."""
    data = upload if isinstance(upload, bytes) else upload.read()
    spreadsheets._check_container(data)  # the shared safety checks; core has no public wrapper
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise spreadsheets.SpreadsheetError("文件无法解析，请确认是 Excel（.xlsx）格式") from exc


def is_flat(workbook: openpyxl.Workbook) -> bool:
    return {"主表", "指标"} <= set(workbook.sheetnames)


def parse_target_workbook(upload: IO[bytes] | bytes) -> tuple[list[ParsedTarget], list[SheetCellError]]:
    """Either layout, told apart by its sheets."""
    workbook = open_workbook(upload)
    if is_flat(workbook):
        return parse_flat(workbook)
    return parse_declarations(workbook)


# --- cell values -----------------------------------------------------------------------------------


def text_of(value: Any, number_format: str = "") -> str:
    """A cell as text; numbers without exponent or trailing zeros, `%` formats as percent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or ""):
            return _plain(number * 100) + "%"
        return _plain(number)
    return str(value).strip()


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def money_of(value: Any) -> Decimal:
    """万元 cell → 元; `—`/empty is 0. Raises ValueError with a Chinese message."""
    if is_blank(value):
        return Decimal("0.00")
    if isinstance(value, str) and value.strip().startswith("="):
        raise ValueError("不支持公式，请填写数值")
    try:
        amount = yuan_from_wan(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if amount < 0:
        raise ValueError("金额不能为负数")
    return amount


def weight_of(value: Any) -> Decimal | None:
    if is_blank(value):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("分值应为数字") from exc
    if not number.is_finite() or not 0 <= number < 1000:
        raise ValueError("分值应为0～999.99之间的数字")
    weight = number.quantize(Decimal("0.01"))
    if weight >= 1000:  # 999.999 rounds to 1000.00, more than the column's 5 digits (a database error)
        raise ValueError("分值应为0～999.99之间的数字")
    return weight


def _limited(field: str, text: str) -> str:
    limit = TEXT_LIMITS.get(field)
    if limit and len(text) > limit:
        raise ValueError(f"长度不能超过{limit}个字符")
    return text


def _err(sheet: str, row: int, raw: Raw, message: str) -> SheetCellError:
    return SheetCellError(sheet, row, raw[0], text_of(raw[1], raw[2])[:100], message)


def _operator(raw_op: Raw, target_text: str, fiscal_year: int) -> tuple[str, Any]:
    """The model operator and the parsed value (for the unit); the column wins over the text."""
    declared = None
    if not is_blank(raw_op[1]):
        declared = parse_op(text_of(raw_op[1]))  # ValueError carries the Chinese message
    parsed = parse_value(target_text, fiscal_year=fiscal_year)
    if declared is not None:
        return OP_TO_MODEL[str(declared)], parsed
    if parsed.op is not None:
        return OP_TO_MODEL[str(parsed.op)], parsed
    return "qual" if parsed.kind in {Kind.QUAL, Kind.UNPARSED} else "eq", parsed


def indicator_values(
    cells: dict[str, Raw], *, sheet: str, row: int, fiscal_year: int
) -> tuple[dict[str, Any], list[SheetCellError]]:
    """Typed fields of one indicator row from its raw cells (keys as in GRID_COLUMNS plus flat extras)."""
    values: dict[str, Any] = {}
    errors: list[SheetCellError] = []

    def run(field: str, fn: Any) -> None:
        try:
            values[field] = fn()
        except ValueError as exc:
            errors.append(_err(sheet, row, cells[field], str(exc)))

    for field in ("name", "target_text"):
        if is_blank(cells[field][1]):
            errors.append(_err(sheet, row, cells[field], "必填"))
        else:
            run(field, lambda f=field: _limited(f, text_of(cells[f][1], cells[f][2])))
    for field in ("midterm_text", "explanation", "scoring_standard", "data_source", "remark"):
        if field in cells:
            run(field, lambda f=field: _limited(f, text_of(cells[f][1], cells[f][2])))
    if "weight" in cells:
        run("weight", lambda: weight_of(cells["weight"][1]))
    if "value_basis" in cells:
        run("value_basis", lambda: _basis(cells["value_basis"][1]))
    if "yearflag" in cells:
        run("year_flag", lambda: _year_flag(cells["yearflag"][1]))
    if "is_core" in cells:
        run("is_core", lambda: _yes_no(cells["is_core"][1]))
    if "target_text" in values:
        try:
            values["operator"], parsed = _operator(cells["operator"], values["target_text"], fiscal_year)
        except ValueError as exc:
            errors.append(_err(sheet, row, cells["operator"], str(exc)))
        else:
            written = text_of(cells["unit"][1]) if not is_blank(cells["unit"][1]) else ""
            run("unit", lambda: _limited("unit", written or (parsed.unit_raw or "")))
    return values, errors


def _basis(value: Any) -> str:
    if is_blank(value):
        return ""
    key = norm(value)
    if key in BASIS_BY_LABEL:
        return BASIS_BY_LABEL[key]
    if key in VALUE_BASIS_LABELS:
        return key
    raise ValueError("可选值：" + "、".join(VALUE_BASIS_LABELS.values()))


def _year_flag(value: Any) -> str:
    key = norm(value).upper()
    flags = {"": "annual", "ANNUAL": "annual", "年度": "annual", "MIDTERM": "midterm", "中期": "midterm"}
    if key not in flags:
        raise ValueError("可选值：ANNUAL、MIDTERM")
    return flags[key]


def _yes_no(value: Any) -> bool:
    key = norm(value)
    if key not in {"", "是", "否"}:
        raise ValueError("可选值：是、否")
    return key == "是"


# --- 申报表 sheets ---------------------------------------------------------------------------------


def read_meta(workbook: openpyxl.Workbook) -> dict[str, dict[str, str]]:
    """`_meta` as {sheet: {key: value}}; absent sheet → {}."""
    if META_SHEET not in workbook.sheetnames:
        return {}
    meta: dict[str, dict[str, str]] = {}
    for values in workbook[META_SHEET].iter_rows(min_row=2, max_col=3, values_only=True):
        sheet, key, value = (text_of(v) for v in values)
        if key:
            meta.setdefault(sheet, {})[key] = value
    return meta


def _raw(ws: Worksheet, ref: str) -> Raw:
    cell = ws[ref]
    return ref, cell.value, cell.number_format or ""


def find_label(ws: Worksheet, label: str, start: int = 1) -> int | None:
    wanted = norm(label)
    for r in range(start, ws.max_row + 1):
        if norm(ws[f"A{r}"].value) == wanted:
            return r
    return None


def parse_declarations(workbook: openpyxl.Workbook) -> tuple[list[ParsedTarget], list[SheetCellError]]:
    meta = read_meta(workbook)
    parsed: list[ParsedTarget] = []
    errors: list[SheetCellError] = []
    for ws in workbook.worksheets:
        if ws.title == META_SHEET or ws.sheet_state != "visible":
            continue
        title = norm(ws["A1"].value)
        if title == norm(PROJECT_TITLE):
            item, sheet_errors = _parse_project_sheet(ws, meta.get(ws.title, {}))
        elif title == norm(DEPT_TITLE):
            item, sheet_errors = _parse_dept_sheet(ws, meta.get(ws.title, {}))
        elif ws.max_row <= 1 and ws.max_column <= 1 and title == "":
            continue
        else:
            errors.append(
                SheetCellError(
                    ws.title,
                    1,
                    "A1",
                    text_of(ws["A1"].value)[:100],
                    "无法识别的申报表：标题应为“项目支出绩效目标申报表”或“部门（单位）整体支出绩效目标申报表”",
                )
            )
            continue
        parsed.append(item)
        errors += sheet_errors
    if not parsed and not errors:
        errors.append(SheetCellError("", 1, "", "", "文件中没有申报表"))
    return parsed, errors


def _year(ws: Worksheet, meta: dict[str, str], errors: list[SheetCellError]) -> int | None:
    match = YEAR_RE.search(norm(ws["A2"].value))
    if match:
        return int(match.group(1))
    if is_digits(meta.get("fiscal_year", "")):
        return int(meta["fiscal_year"])
    errors.append(_err(ws.title, 2, _raw(ws, "A2"), "应为“（YYYY年度）”"))
    return None


def _expect(ws: Worksheet, ref: str, labels: set[str], errors: list[SheetCellError]) -> None:
    if norm(ws[ref].value) not in {norm(label) for label in labels}:
        row = int(re.sub(r"\D", "", ref))
        errors.append(_err(ws.title, row, _raw(ws, ref), "应为“" + "”或“".join(sorted(labels)) + "”"))


def _anchor(ws: Worksheet, label: str, errors: list[SheetCellError]) -> int | None:
    row = find_label(ws, label)
    if row is None:
        errors.append(SheetCellError(ws.title, 0, "A", "", f"找不到“{label}”所在行"))
    return row


def _money_cells(ws: Worksheet, refs: dict[str, str], errors: list[SheetCellError]) -> dict[str, Decimal | None]:
    amounts: dict[str, Decimal | None] = {}
    for field, ref in refs.items():
        raw = _raw(ws, ref)
        try:
            amounts[field] = money_of(raw[1])
        except ValueError as exc:
            errors.append(_err(ws.title, int(re.sub(r"\D", "", ref)), raw, str(exc)))
            amounts[field] = None
    return amounts


def _check_sum(
    ws: Worksheet, ref: str, total: Decimal | None, parts: list[Decimal | None], what: str, errors: list[SheetCellError]
) -> None:
    if total is None or any(p is None for p in parts):
        return
    if abs(total - sum(p for p in parts if p is not None)) > Decimal("0.01"):
        errors.append(_err(ws.title, int(re.sub(r"\D", "", ref)), _raw(ws, ref), what))


def _parse_project_sheet(ws: Worksheet, meta: dict[str, str]) -> tuple[ParsedTarget, list[SheetCellError]]:
    errors: list[SheetCellError] = []
    item = ParsedTarget(
        sheet=ws.title,
        row=3,
        subject="project",
        record_id=meta.get("record_id", ""),
        pro_code=meta.get("pro_code", ""),
        mof_div_code=meta.get("mof_div_code", ""),
    )
    item.fiscal_year = _year(ws, meta, errors)
    r = _anchor(ws, "项目名称", errors)
    if r:
        item.name = text_of(ws[f"B{r}"].value)
        if not item.name:
            errors.append(_err(ws.title, r, _raw(ws, f"B{r}"), "必填"))
        item.goals["name"] = item.name[:200]
    r = _anchor(ws, "主管部门及代码", errors)
    if r:
        code = CODE_RE.search(norm(ws[f"B{r}"].value))
        item.dept_code = code.group(1) if code else meta.get("dept_code", "")
        item.unit_name = text_of(ws[f"I{r}"].value)
    r = _anchor(ws, "项目资金(万元)", errors)
    if r:
        _expect(ws, f"B{r}", {"中期资金总额"}, errors)
        _expect(ws, f"D{r}", {"年度资金总额"}, errors)
        _expect(ws, f"B{r + 1}", {"其中：财政拨款", "财政拨款"}, errors)
        _expect(ws, f"B{r + 2}", {"其他资金"}, errors)
        refs = {
            "mid_total_yuan": f"C{r}",
            "mid_fiscal_yuan": f"C{r + 1}",
            "mid_other": f"C{r + 2}",
            "annual_total_yuan": f"E{r}",
            "annual_fiscal_yuan": f"E{r + 1}",
            "annual_other": f"E{r + 2}",
        }
        amounts = _money_cells(ws, refs, errors)
        for prefix, col in (("mid", "C"), ("annual", "E")):
            if not is_blank(ws[f"{col}{r + 2}"].value):
                parts = [amounts[f"{prefix}_fiscal_yuan"], amounts[f"{prefix}_other"]]
                _check_sum(
                    ws,
                    f"{col}{r}",
                    amounts[f"{prefix}_total_yuan"],
                    parts,
                    "资金总额应等于财政拨款与其他资金之和",
                    errors,
                )
        item.goals.update({k: v for k, v in amounts.items() if k.endswith("_yuan") and v is not None})
    r = _anchor(ws, "总体目标", errors)
    if r:
        for field, ref in (("midterm_goal", f"B{r + 1}"), ("annual_goal", f"H{r + 1}")):
            try:
                item.goals[field] = _limited(field, text_of(ws[ref].value))
            except ValueError as exc:
                errors.append(_err(ws.title, r + 1, _raw(ws, ref), str(exc)))
    r = _anchor(ws, "绩效指标", errors)
    if r and item.fiscal_year:
        _check_grid_header(ws, r, set(), errors)
        item.indicators, grid_errors = _parse_grid(ws, r, "绩效指标", item.fiscal_year, meta, dept=False)
        errors += grid_errors
    return item, errors


def _check_grid_header(ws: Worksheet, row: int, skip: set[str], errors: list[SheetCellError]) -> None:
    for letter, header, _field in GRID_COLUMNS:
        if letter not in skip and norm(ws[f"{letter}{row}"].value) != norm(header):
            errors.append(_err(ws.title, row, _raw(ws, f"{letter}{row}"), f"表头应为“{header}”"))


def _grid_rows(ws: Worksheet, header_row: int, label: str) -> Iterator[int]:
    """Data rows until the next block label, the 总分 row, or the first fully empty row."""
    for r in range(header_row + 1, ws.max_row + 1):
        a = norm(ws[f"A{r}"].value)
        if a and a != norm(label):
            return
        if all(ws[f"{letter}{r}"].value in (None, "") for letter, _h, _f in GRID_COLUMNS):
            return
        yield r


def _parse_grid(
    ws: Worksheet, header_row: int, label: str, fiscal_year: int, meta: dict[str, str], *, dept: bool
) -> tuple[list[ParsedIndicator], list[SheetCellError]]:
    rows: list[ParsedIndicator] = []
    errors: list[SheetCellError] = []
    lv1 = lv2 = ""
    for k, r in enumerate(_grid_rows(ws, header_row, label), start=1):
        if k > MAX_INDICATOR_ROWS:
            errors.append(SheetCellError(ws.title, r, "", "", f"每张表最多{MAX_INDICATOR_ROWS}个指标"))
            break
        cells = {field: _raw(ws, f"{letter}{r}") for letter, _h, field in GRID_COLUMNS if not (dept and letter == "H")}
        lv1 = text_of(cells["lv1"][1]) or lv1  # forward-fill B and C (merged or left empty)
        lv2 = text_of(cells["lv2"][1]) or lv2
        for field, value in (("lv1", lv1), ("lv2", lv2)):
            if not value:
                errors.append(_err(ws.title, r, cells[field], "必填"))
        values, row_errors = indicator_values(cells, sheet=ws.title, row=r, fiscal_year=fiscal_year)
        errors += row_errors
        rows.append(ParsedIndicator(ws.title, r, lv1, lv2, values, meta.get(f"row.{k}.indicator_id", "")))
    if not rows:
        errors.append(SheetCellError(ws.title, header_row + 1, "D", "", "没有填写绩效指标"))
    return rows, errors


@dataclasses.dataclass
class ParsedDeptTarget(ParsedTarget):
    """A §3.2 sheet: also its 年度主要任务 rows (name, content, amount_yuan), saved by services_dept.
    None when the sheet has no 年度主要任务 block: the stored tasks are then kept."""

    tasks: list[dict[str, Any]] | None = None


def _parse_tasks(ws: Worksheet, header_row: int, errors: list[SheetCellError]) -> list[dict[str, Any]]:
    """Rows below the 年度主要任务 header until the next block label in column A or an empty row."""
    tasks: list[dict[str, Any]] = []
    for r in range(header_row + 1, ws.max_row + 1):
        if not is_blank(ws[f"A{r}"].value) or all(is_blank(ws[f"{c}{r}"].value) for c in "BCDEFG"):
            break
        name = text_of(ws[f"B{r}"].value)
        content = " ".join(text_of(ws[f"{c}{r}"].value) for c in "CDEF" if not is_blank(ws[f"{c}{r}"].value))
        if not name:
            errors.append(_err(ws.title, r, _raw(ws, f"B{r}"), "必填"))
        elif len(name) > 200:
            errors.append(_err(ws.title, r, _raw(ws, f"B{r}"), "长度不能超过200个字符"))
        if len(content) > 2000:
            errors.append(_err(ws.title, r, _raw(ws, f"C{r}"), "长度不能超过2000个字符"))
        try:
            amount = money_of(ws[f"G{r}"].value)
        except ValueError as exc:
            errors.append(_err(ws.title, r, _raw(ws, f"G{r}"), str(exc)))
            amount = Decimal("0.00")
        tasks.append({"name": name, "content": content, "amount_yuan": amount})
    return tasks


def _parse_dept_sheet(ws: Worksheet, meta: dict[str, str]) -> tuple[ParsedTarget, list[SheetCellError]]:
    errors: list[SheetCellError] = []
    item = ParsedDeptTarget(
        sheet=ws.title,
        row=3,
        subject="dept_overall",
        record_id=meta.get("record_id", ""),
        mof_div_code=meta.get("mof_div_code", ""),
    )
    item.fiscal_year = _year(ws, meta, errors)
    r = _anchor(ws, "部门（单位）名称", errors)
    if r:
        _expect(ws, f"G{r}", {"部门编码"}, errors)
        item.name = text_of(ws[f"B{r}"].value)
        item.dept_code = text_of(ws[f"H{r}"].value) or meta.get("dept_code", "")
        if not item.dept_code:
            errors.append(_err(ws.title, r, _raw(ws, f"H{r}"), "必填"))
    r = find_label(ws, "年度主要任务")
    if r:
        item.tasks = _parse_tasks(ws, r, errors)
    r = _anchor(ws, "年度部门整体支出预算（万元）", errors)
    if r:
        refs = {
            "annual_total_yuan": f"B{r + 1}",
            "annual_fiscal_yuan": f"C{r + 1}",
            "other": f"D{r + 1}",
            "basic_yuan": f"E{r + 1}",
            "project_spending_yuan": f"F{r + 1}",
        }
        amounts = _money_cells(ws, refs, errors)
        total = amounts["annual_total_yuan"]
        if not is_blank(ws[f"D{r + 1}"].value):
            parts = [amounts["annual_fiscal_yuan"], amounts["other"]]
            _check_sum(ws, f"B{r + 1}", total, parts, "资金总额应等于财政拨款与其他资金之和", errors)
        if amounts["basic_yuan"] or amounts["project_spending_yuan"]:
            parts = [amounts["basic_yuan"], amounts["project_spending_yuan"]]
            _check_sum(ws, f"B{r + 1}", total, parts, "资金总额应等于基本支出与项目支出之和", errors)
        item.goals.update({k: v for k, v in amounts.items() if k.endswith("_yuan") and v is not None})
    r = _anchor(ws, "年度总体目标", errors)
    if r:
        try:
            item.goals["annual_goal"] = _limited("annual_goal", text_of(ws[f"B{r}"].value))
        except ValueError as exc:
            errors.append(_err(ws.title, r, _raw(ws, f"B{r}"), str(exc)))
    r = _anchor(ws, "年度绩效指标", errors)
    if r and item.fiscal_year:
        _check_grid_header(ws, r, {"H"}, errors)
        item.indicators, grid_errors = _parse_grid(ws, r, "年度绩效指标", item.fiscal_year, meta, dept=True)
        errors += grid_errors
    return item, errors


# --- flat batch layout -----------------------------------------------------------------------------


def _flat_table(
    workbook: openpyxl.Workbook, title: str, errors: list[SheetCellError]
) -> list[tuple[int, dict[str, Raw]]]:
    """Rows of a flat data sheet keyed by the row-2 codes; missing required codes are errors."""
    if title not in workbook.sheetnames:
        errors.append(SheetCellError(title, 0, "", "", f"缺少工作表“{title}”"))
        return []
    ws = workbook[title]
    codes: dict[int, str] = {}
    for cell in ws[2]:
        code = norm(cell.value)
        if code:
            codes[cell.column] = code  # type: ignore[index]
    missing = [c for c in REQUIRED_CODES[title] if c not in codes.values()]
    for code in missing:
        errors.append(SheetCellError(title, 2, "", code, "缺少必填列代码"))
    if missing:
        return []
    rows: list[tuple[int, dict[str, Raw]]] = []
    for cells in ws.iter_rows(min_row=3):
        if all(c.value in (None, "") for c in cells):
            continue
        row = cells[0].row
        rows.append(
            (
                row,  # type: ignore[arg-type]
                {
                    codes[c.column]: (f"{c.column_letter}（{codes[c.column]}）", c.value, c.number_format or "")  # type: ignore[index]
                    for c in cells
                    if c.column in codes
                },
            )
        )
    return rows


KeyT = tuple[str, int, str, str, str]


def _flat_key(title: str, row: int, cells: dict[str, Raw], errors: list[SheetCellError]) -> tuple[KeyT, str] | None:
    form_type = norm(cells["form_type"][1]).upper()
    if form_type not in {FORM_PROJECT, FORM_DEPT}:
        errors.append(_err(title, row, cells["form_type"], f"可选值：{FORM_PROJECT}、{FORM_DEPT}"))
        return None
    year_text = text_of(cells["fiscal_year"][1])
    if not (is_digits(year_text) and FIRST_YEAR <= int(year_text) <= LAST_YEAR):
        errors.append(_err(title, row, cells["fiscal_year"], "年度应为4位数字，如 2026"))
        return None
    pro_code = text_of(cells["pro_code"][1])
    if form_type == FORM_PROJECT and not pro_code:
        errors.append(_err(title, row, cells["pro_code"], "项目支出目标必须填写项目编码"))
        return None
    dept_code = text_of(cells["dept_code"][1])
    key_code = pro_code if form_type == FORM_PROJECT else dept_code
    return (
        form_type,
        int(year_text),
        text_of(cells["mof_div_code"][1]),
        key_code,
        text_of(cells["agency_code"][1]),
    ), dept_code


def parse_flat(workbook: openpyxl.Workbook) -> tuple[list[ParsedTarget], list[SheetCellError]]:
    errors: list[SheetCellError] = []
    items: dict[KeyT, ParsedTarget] = {}
    for row, cells in _flat_table(workbook, "主表", errors):
        found = _flat_key("主表", row, cells, errors)
        if found is None:
            continue
        key, dept_code = found
        if key in items:
            errors.append(_err("主表", row, cells["pro_code"], f"与第{items[key].row}行重复"))
            continue
        items[key] = _flat_main(row, key, dept_code, cells, errors)
    for row, cells in _flat_table(workbook, "资金", errors):
        item = _flat_owner("资金", row, cells, items, errors)
        if item is not None:
            _flat_fund(item, row, cells, errors)
    order: dict[int, list[tuple[int, ParsedIndicator]]] = {}
    for row, cells in _flat_table(workbook, "指标", errors):
        item = _flat_owner("指标", row, cells, items, errors)
        if item is None or item.fiscal_year is None:
            continue
        indicator, seq = _flat_indicator(row, cells, item.fiscal_year, errors)
        order.setdefault(id(item), []).append((seq, indicator))
    for item in items.values():
        item.indicators = [ind for _seq, ind in sorted(order.get(id(item), []), key=lambda pair: pair[0])]
    for item in items.values():
        for field in ("mid_total_yuan", "annual_total_yuan"):
            _flat_fund_sum(item, field, errors)
    if not items and not errors:
        errors.append(SheetCellError("主表", 3, "", "", "文件中没有数据行"))
    return list(items.values()), errors


def _flat_main(
    row: int, key: KeyT, dept_code: str, cells: dict[str, Raw], errors: list[SheetCellError]
) -> ParsedTarget:
    form_type, year, mof, key_code, agency = key
    item = ParsedTarget(
        sheet="主表",
        row=row,
        subject="project" if form_type == FORM_PROJECT else "dept_overall",
        fiscal_year=year,
        pro_code=key_code if form_type == FORM_PROJECT else "",
        dept_code=dept_code,
        agency_code=agency,
        mof_div_code=mof,
    )
    for field in ("midterm_goal", "annual_goal"):
        if field in cells:
            try:
                item.goals[field] = _limited(field, text_of(cells[field][1]))
            except ValueError as exc:
                errors.append(_err("主表", row, cells[field], str(exc)))
    if form_type == FORM_PROJECT and "pro_name" in cells:
        item.name = text_of(cells["pro_name"][1])
        if not item.name:
            errors.append(_err("主表", row, cells["pro_name"], "必填"))
        item.goals["name"] = item.name[:200]
    if form_type == FORM_DEPT:
        for code, field in (("basic_wan", "basic_yuan"), ("project_spending_wan", "project_spending_yuan")):
            if code in cells:
                try:
                    item.goals[field] = money_of(cells[code][1])
                except ValueError as exc:
                    errors.append(_err("主表", row, cells[code], str(exc)))
    return item


def _flat_owner(
    title: str, row: int, cells: dict[str, Raw], items: dict[KeyT, ParsedTarget], errors: list[SheetCellError]
) -> ParsedTarget | None:
    found = _flat_key(title, row, cells, errors)
    if found is None:
        return None
    if found[0] not in items:
        errors.append(_err(title, row, cells["pro_code"], "“主表”中没有对应的记录"))
        return None
    return items[found[0]]


FUND_FIELDS = {
    "TOTAL": ("mid_total_yuan", "annual_total_yuan"),
    "FISCAL": ("mid_fiscal_yuan", "annual_fiscal_yuan"),
    "OTHER": ("mid_other", "annual_other"),
}


def _flat_fund(item: ParsedTarget, row: int, cells: dict[str, Raw], errors: list[SheetCellError]) -> None:
    source = norm(cells["fund_source"][1]).upper()
    if source not in FUND_FIELDS:
        errors.append(_err("资金", row, cells["fund_source"], "可选值：TOTAL、FISCAL、OTHER"))
        return
    for code, field in zip(("mid_total_wan", "annual_total_wan"), FUND_FIELDS[source], strict=True):
        if code not in cells or (item.subject == "dept_overall" and field.startswith("mid")):
            continue
        try:
            item.goals[field] = money_of(cells[code][1])
        except ValueError as exc:
            errors.append(_err("资金", row, cells[code], str(exc)))


def _flat_fund_sum(item: ParsedTarget, total_field: str, errors: list[SheetCellError]) -> None:
    prefix = total_field.split("_")[0]
    other = item.goals.pop(f"{prefix}_other", None)
    total, fiscal = item.goals.get(total_field), item.goals.get(f"{prefix}_fiscal_yuan")
    if other is not None and total is not None and fiscal is not None and abs(total - fiscal - other) > Decimal("0.01"):
        errors.append(SheetCellError("资金", item.row, total_field, str(total), "资金总额应等于财政拨款与其他资金之和"))


def _flat_indicator(
    row: int, cells: dict[str, Raw], fiscal_year: int, errors: list[SheetCellError]
) -> tuple[ParsedIndicator, int]:
    empty: Raw = ("", None, "")
    grid = {field: cells.get(field, empty) for _l, _h, field in GRID_COLUMNS if field not in {"lv1", "lv2", "name"}}
    grid["name"] = cells["lv3"]
    for extra in ("yearflag", "is_core"):
        if extra in cells:
            grid[extra] = cells[extra]
    values, row_errors = indicator_values(grid, sheet="指标", row=row, fiscal_year=fiscal_year)
    errors += row_errors
    lv1, lv2 = text_of(cells["lv1"][1]), text_of(cells["lv2"][1])
    for field, value in (("lv1", lv1), ("lv2", lv2)):
        if not value:
            errors.append(_err("指标", row, cells[field], "必填"))
    seq_text = text_of(cells.get("seq", empty)[1])
    seq = int(seq_text) if is_digits(seq_text) else row
    indicator = ParsedIndicator(
        "指标",
        row,
        lv1,
        lv2,
        values,
        text_of(cells.get("indicator_id", empty)[1]),
        lv1_column=cells["lv1"][0],
        lv2_column=cells["lv2"][0],
    )
    return indicator, seq
