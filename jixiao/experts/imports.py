"""Parsing an expert pool workbook: a pure function, file in → typed rows + per-cell errors out.

Resolving 编号 and department codes against the database is the service's job: experts_import.
"""

from __future__ import annotations

import re
from typing import IO, Any

from jixiao.core.numbers import is_digits
from jixiao.core.spreadsheets import CellError, cell_text, read_rows
from jixiao.experts.columns import EXPERT_COLUMNS, EXPERT_KIND_BY_LABEL, REGION_CODE_HEADER, YES_NO, ExpertImportRow

MAX_ROWS = 5_000
MAX_LENGTHS = {"name": 50, "field": 50, "title": 50, "affiliation": 150, "dept_code": 20, "phone": 30}
PHONE = re.compile(r"^[0-9*+\- ]{3,30}$")
CODE = re.compile(r"^[0-9A-Za-z]+$")
CODE_SEPARATORS = re.compile(r"[,，、;；\s]+")
EMPTY: dict[str, Any] = {"expert_id": None, "is_active": None, "conflict_codes": ()}


def _parse_codes(text: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c for c in CODE_SEPARATORS.split(text) if c))
    if any(not CODE.match(c) for c in codes):
        raise ValueError("部门编码只能包含数字和字母，多个编码用顿号或逗号分隔")
    return codes


def _parse_cell(key: str, raw: Any) -> Any:
    text = cell_text(raw)
    if key in MAX_LENGTHS and len(text) > MAX_LENGTHS[key]:
        raise ValueError(f"长度不能超过{MAX_LENGTHS[key]}个字符")
    if key == "expert_id":
        if text == "":
            return None
        if not is_digits(text):
            raise ValueError("编号应为数字；新增专家请留空")
        return int(text)
    if key == "kind":
        if text not in EXPERT_KIND_BY_LABEL:
            raise ValueError("可选值：" + "、".join(EXPERT_KIND_BY_LABEL))
        return EXPERT_KIND_BY_LABEL[text]
    if key == "dept_code" and text and not CODE.match(text):
        raise ValueError("部门编码只能包含数字和字母")
    if key == "phone" and text and not PHONE.match(text):
        raise ValueError("联系电话只能包含数字、空格、+ 和 -")
    if key == "conflict_codes":
        return _parse_codes(text)
    if key == "is_active":
        if text == "":
            return None
        if text not in YES_NO:
            raise ValueError("可选值：是、否")
        return YES_NO[text]
    return text


def _parse_row(number: int, cells: dict[str, Any], errors: list[CellError]) -> ExpertImportRow:
    values: dict[str, Any] = {}
    for title, key, required in EXPERT_COLUMNS:
        raw = cells.get(title)
        if required and cell_text(raw) == "":
            errors.append(CellError(number, title, "", "必填"))
            values[key] = ""
            continue
        try:
            values[key] = _parse_cell(key, raw)
        except ValueError as exc:
            errors.append(CellError(number, title, cell_text(raw)[:100], str(exc)))
            values[key] = EMPTY.get(key, "")
    # An exported file's 财政区划编码 (optional): the row's region, the importer's own or one under it (the service).
    values["region_code"] = cell_text(cells.get(REGION_CODE_HEADER))[:20]
    return ExpertImportRow(row=number, **values)


def parse_expert_workbook(upload: IO[bytes] | bytes) -> tuple[list[ExpertImportRow], list[CellError]]:
    header, rows = read_rows(upload)
    missing = [title for title, _key, required in EXPERT_COLUMNS if required and title not in header]
    if missing:
        return [], [CellError(1, title, "", "缺少必填列（请使用导入模板）") for title in missing]
    parsed: list[ExpertImportRow] = []
    errors: list[CellError] = []
    seen: dict[int, int] = {}
    for number, cells in rows:
        if len(parsed) >= MAX_ROWS:
            errors.append(CellError(number, "", "", f"单次最多导入{MAX_ROWS}行"))
            break
        item = _parse_row(number, cells, errors)
        if item.expert_id is not None:
            if item.expert_id in seen:
                errors.append(CellError(number, "编号", str(item.expert_id), f"与第{seen[item.expert_id]}行重复"))
            else:
                seen[item.expert_id] = number
        parsed.append(item)
    if not parsed and not errors:
        errors.append(CellError(2, "", "", "文件中没有数据行"))
    return parsed, errors
