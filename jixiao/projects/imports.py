"""Parsing a project list workbook: a pure function, file in → typed rows + per-cell errors out."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from jixiao.core.money import MoneyError, yuan_from_wan
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_digits
from jixiao.core.spreadsheets import CellError, cell_text, read_rows
from jixiao.projects.columns import BOOL_LABELS, CHOICE_LABELS, IMPORT_COLUMNS, LATER_COLUMNS

MAX_ROWS = 20_000


# An exported file carries each row's 年度 (the export's extra columns); the import ignores the other extras.
YEAR_COLUMN = "年度"


@dataclass
class ProjectRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    # The row's own 年度 when the file says it (an export does): checked against the year chosen on the page.
    fiscal_year: int | None = None


def _parse_year(text: str) -> int:
    if not is_digits(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise ValueError("年度应为4位数字，如 2026")
    return int(text)


def _parse_cell(key: str, raw: Any) -> Any:
    text = cell_text(raw)
    if key in CHOICE_LABELS:
        if text not in CHOICE_LABELS[key]:
            raise ValueError("可选值：" + "、".join(k for k in CHOICE_LABELS[key] if len(k) > 1))
        return CHOICE_LABELS[key][text]
    if key in BOOL_LABELS:
        if text not in BOOL_LABELS[key]:
            raise ValueError("可选值：" + "、".join(k for k in BOOL_LABELS[key] if k))
        return BOOL_LABELS[key][text]
    if key.endswith("_yuan"):
        if text == "":
            return Decimal("0.00")
        if text.startswith("="):
            raise ValueError("不支持公式，请填写数值")
        amount = yuan_from_wan(raw)
        if amount < 0:
            raise ValueError("金额不能为负数")
        return amount
    if key in {"start_year", "end_year"}:
        return _parse_year(text)
    if key == "code" and text and not all(c.isalnum() or c == "-" for c in text):
        raise ValueError("项目编码只能包含数字、字母和“-”")
    if key == "function_code" and text and not (is_digits(text) and len(text) in (3, 5, 7)):
        raise ValueError("功能分类编码应为3、5或7位数字")
    limits = {"code": 40, "name": 200, "description": 4000, "unit_code": 30}
    if key in limits and len(text) > limits[key]:
        raise ValueError(f"长度不能超过{limits[key]}个字符")
    return text


def parse_project_workbook(upload: IO[bytes] | bytes) -> tuple[list[ProjectRow], list[CellError]]:
    header, rows = read_rows(upload)
    errors: list[CellError] = []
    missing = [h for h, _key, required in IMPORT_COLUMNS if required and h not in header]
    if missing:
        return [], [CellError(1, h, "", "缺少必填列") for h in missing]
    parsed: list[ProjectRow] = []
    seen_codes: dict[str, int] = {}
    for number, cells in rows:
        if len(parsed) >= MAX_ROWS:
            errors.append(CellError(number, "", "", f"单次最多导入{MAX_ROWS}行"))
            break
        item = ProjectRow(row=number)
        for title, key, required in IMPORT_COLUMNS:
            if key in LATER_COLUMNS and title not in header:
                continue
            raw = cells.get(title)
            if required and cell_text(raw) == "":
                errors.append(CellError(number, title, "", "必填"))
                continue
            try:
                item.values[key] = _parse_cell(key, raw)
            except (ValueError, MoneyError) as exc:
                errors.append(CellError(number, title, cell_text(raw)[:100], str(exc)))
        if YEAR_COLUMN in header and cell_text(cells.get(YEAR_COLUMN)) != "":
            raw_year = cells.get(YEAR_COLUMN)
            try:
                item.fiscal_year = _parse_year(cell_text(raw_year))
            except ValueError as exc:
                errors.append(CellError(number, YEAR_COLUMN, cell_text(raw_year)[:100], str(exc)))
        code = item.values.get("code")
        if code:
            if code in seen_codes:
                errors.append(CellError(number, "项目编码", code, f"与第{seen_codes[code]}行重复"))
            seen_codes[code] = number
        parsed.append(item)
    if not parsed and not errors:
        errors.append(CellError(2, "", "", "文件中没有数据行"))
    return parsed, errors
