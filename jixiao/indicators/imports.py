"""Parsing an indicator workbook: a pure function, file in → typed rows + per-cell errors out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from jixiao.core.spreadsheets import CellError, cell_text, read_rows
from jixiao.indicators.columns import BOOL_LABELS, CHOICE_LABELS, IMPORT_COLUMNS, OPERATOR_HINT, TEXT_LIMITS

MAX_ROWS = 5_000


@dataclass
class IndicatorRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)


def _parse_cell(key: str, raw: Any) -> Any:
    text = cell_text(raw)
    if key == "operator":
        if text not in CHOICE_LABELS[key]:
            raise ValueError(f"可选值：{OPERATOR_HINT}")
        return CHOICE_LABELS[key][text]
    if key in CHOICE_LABELS:
        if text not in CHOICE_LABELS[key]:
            raise ValueError("可选值：" + "、".join(k for k in CHOICE_LABELS[key] if k))
        return CHOICE_LABELS[key][text]
    if key in BOOL_LABELS:
        if text not in BOOL_LABELS[key]:
            raise ValueError("可选值：" + "、".join(k for k in BOOL_LABELS[key] if k))
        return BOOL_LABELS[key][text]
    if key in TEXT_LIMITS and len(text) > TEXT_LIMITS[key]:
        raise ValueError(f"长度不能超过{TEXT_LIMITS[key]}个字符")
    return text


def _parse_row(number: int, cells: dict[str, Any], errors: list[CellError]) -> IndicatorRow:
    item = IndicatorRow(row=number)
    for title, key, required in IMPORT_COLUMNS:
        raw = cells.get(title)
        if required and cell_text(raw) == "":
            errors.append(CellError(number, title, "", "必填"))
            continue
        try:
            item.values[key] = _parse_cell(key, raw)
        except ValueError as exc:
            errors.append(CellError(number, title, cell_text(raw)[:100], str(exc)))
    return item


def _check_repeated_name(item: IndicatorRow, seen: dict[tuple[str, str, str], int], errors: list[CellError]) -> None:
    """The same 三级 name twice under one 二级 indicator in one file is a mistake."""
    values = item.values
    key = (values.get("framework_code", ""), values.get("lv2_name", ""), values.get("name", ""))
    if not key[2]:
        return
    if key in seen:
        errors.append(CellError(item.row, "三级指标名称", key[2], f"与第{seen[key]}行重复"))
    seen[key] = item.row


def parse_indicator_workbook(upload: IO[bytes] | bytes) -> tuple[list[IndicatorRow], list[CellError]]:
    header, rows = read_rows(upload)
    missing = [h for h, _key, required in IMPORT_COLUMNS if required and h not in header]
    if missing:
        return [], [CellError(1, h, "", "缺少必填列") for h in missing]
    errors: list[CellError] = []
    parsed: list[IndicatorRow] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str, str], int] = {}
    for number, cells in rows:
        if len(parsed) >= MAX_ROWS:
            errors.append(CellError(number, "", "", f"单次最多导入{MAX_ROWS}行"))
            break
        item = _parse_row(number, cells, errors)
        code = item.values.get("code")
        if code:
            if code in seen_codes:
                errors.append(CellError(number, "指标编码", code, f"与第{seen_codes[code]}行重复"))
            seen_codes[code] = number
        _check_repeated_name(item, seen_names, errors)
        parsed.append(item)
    if not parsed and not errors:
        errors.append(CellError(2, "", "", "文件中没有数据行"))
    return parsed, errors
