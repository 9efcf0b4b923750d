"""Parsing a unit list workbook: a pure function, file in → typed rows + per-cell errors out.

Resolving codes against the database (departments, parents, scope) is the service's job: units_import.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError

from jixiao.core.spreadsheets import CellError, cell_text, read_rows
from jixiao.organizations.columns import REGION_CODE_HEADER, UNIT_COLUMNS, UNIT_KIND_BY_LABEL, YES_NO, UnitImportRow
from jixiao.organizations.models import code_validator

MAX_ROWS = 20_000
MAX_LENGTHS = {"agency_code": 30, "name": 150, "dept_code": 20, "parent_code": 30}
CODE_KEYS = {"agency_code", "dept_code", "parent_code"}


def _parse_cell(key: str, raw: Any) -> Any:
    text = cell_text(raw)
    if key in MAX_LENGTHS and len(text) > MAX_LENGTHS[key]:
        raise ValueError(f"长度不能超过{MAX_LENGTHS[key]}个字符")
    if key in CODE_KEYS and text:
        try:
            code_validator(text)
        except ValidationError as exc:
            raise ValueError("编码只能包含数字和字母") from exc
    if key == "kind":
        if text not in UNIT_KIND_BY_LABEL:
            raise ValueError("可选值：" + "、".join(UNIT_KIND_BY_LABEL))
        return UNIT_KIND_BY_LABEL[text]
    if key == "is_active":
        if text == "":
            return None
        if text not in YES_NO:
            raise ValueError("可选值：是、否")
        return YES_NO[text]
    return text


def _parse_row(number: int, cells: dict[str, Any], errors: list[CellError]) -> UnitImportRow:
    values: dict[str, Any] = {}
    for title, key, required in UNIT_COLUMNS:
        raw = cells.get(title)
        if required and cell_text(raw) == "":
            errors.append(CellError(number, title, "", "必填"))
            values[key] = ""
            continue
        try:
            values[key] = _parse_cell(key, raw)
        except ValueError as exc:
            errors.append(CellError(number, title, cell_text(raw)[:100], str(exc)))
            values[key] = ""
    values.setdefault("is_active", None)
    # An exported file's 财政区划编码 (optional): the row's region, the importer's own or one under it (the service).
    values["region_code"] = cell_text(cells.get(REGION_CODE_HEADER))[:20]
    return UnitImportRow(row=number, **values)


def parse_unit_workbook(upload: IO[bytes] | bytes) -> tuple[list[UnitImportRow], list[CellError]]:
    header, rows = read_rows(upload)
    missing = [title for title, _key, required in UNIT_COLUMNS if required and title not in header]
    if missing:
        return [], [CellError(1, title, "", "缺少必填列（请使用导入模板）") for title in missing]
    parsed: list[UnitImportRow] = []
    errors: list[CellError] = []
    # Codes are unique per region: a city's file holds its counties' 101001 each (the service also compares an
    # empty 财政区划编码 with the importer's own code).
    seen: dict[tuple[str, str], int] = {}
    for number, cells in rows:
        if len(parsed) >= MAX_ROWS:
            errors.append(CellError(number, "", "", f"单次最多导入{MAX_ROWS}行"))
            break
        item = _parse_row(number, cells, errors)
        if item.agency_code:
            key = (item.region_code, item.agency_code)
            if key in seen:
                errors.append(CellError(number, "单位编码", item.agency_code, f"与第{seen[key]}行重复"))
            else:
                seen[key] = number
        parsed.append(item)
    if not parsed and not errors:
        errors.append(CellError(2, "", "", "文件中没有数据行"))
    return parsed, errors
