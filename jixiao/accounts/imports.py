"""Parsing the account workbooks: pure functions, file in → typed rows + per-cell errors out.

Whether a user name is taken, a user exists or an organisation is in the actor's region is the services' question
(users_import, memberships_import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TypeVar

from jixiao.accounts.columns import (
    GRANT_COLUMNS,
    MAX_GRANT_ROWS,
    MAX_USER_ROWS,
    ROLE_BY_LABEL,
    USER_COLUMNS,
    GrantImportRow,
    UserImportRow,
)
from jixiao.accounts.models import Role
from jixiao.accounts.services import DISPLAY_NAME_MAX, username_problem
from jixiao.core.spreadsheets import CellError, cell_text, read_rows

GRANT_MAX_LENGTHS = {"section": 100, "department": 20, "unit": 30, "region": 9}

Row = TypeVar("Row")


def _rows(
    upload: IO[bytes] | bytes,
    columns: list[tuple[str, str, bool]],
    limit: int,
    errors: list[CellError],
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {key: stripped text}) of every data row; missing required cells are reported here."""
    header, rows = read_rows(upload)
    missing = [title for title, _key, required in columns if required and title not in header]
    if missing:
        errors.extend(CellError(1, title, "", "缺少必填列（请使用导入模板）") for title in missing)
        return
    for count, (number, cells) in enumerate(rows):
        if count >= limit:
            errors.append(CellError(number, "", "", f"单次最多导入{limit}行，请分批上传"))
            return
        values = {key: cell_text(cells.get(title)) for title, key, _required in columns}
        for title, key, required in columns:
            if required and not values[key]:
                errors.append(CellError(number, title, "", "必填"))
        yield number, values


def _parse(
    upload: IO[bytes] | bytes,
    columns: list[tuple[str, str, bool]],
    limit: int,
    build: Callable[[int, dict[str, str], list[CellError]], Row],
) -> tuple[list[Row], list[CellError]]:
    errors: list[CellError] = []
    parsed = [build(number, values, errors) for number, values in _rows(upload, columns, limit, errors)]
    if not parsed and not errors:
        errors.append(CellError(2, "", "", "文件中没有数据行"))
    return parsed, errors


def parse_user_workbook(upload: IO[bytes] | bytes) -> tuple[list[UserImportRow], list[CellError]]:
    """批量开通账号: 用户名, 姓名. Names must be valid, not reserved, and unique in the file (case-insensitive)."""
    seen: dict[str, int] = {}

    def build(number: int, values: dict[str, str], errors: list[CellError]) -> UserImportRow:
        username, display_name = values["username"], values["display_name"]
        if username:
            problem = username_problem(username)
            key = username.lower()
            if problem:
                errors.append(CellError(number, "用户名", username[:100], problem))
            elif key in seen:
                errors.append(CellError(number, "用户名", username, f"与第{seen[key]}行重复（不区分大小写）"))
            else:
                seen[key] = number
        if len(display_name) > DISPLAY_NAME_MAX:
            errors.append(CellError(number, "姓名", display_name[:100], f"长度不能超过{DISPLAY_NAME_MAX}个字符"))
        return UserImportRow(row=number, username=username, display_name=display_name)

    return _parse(upload, USER_COLUMNS, MAX_USER_ROWS, build)


def _role(text: str) -> str:
    """The role of a cell: its Chinese label as shown on the pages (the code is accepted too)."""
    if text in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[text]
    return text if text in Role.values else ""


def parse_grant_workbook(upload: IO[bytes] | bytes) -> tuple[list[GrantImportRow], list[CellError]]:
    """批量授权: 用户名, 角色 (Chinese label), 股室 / 主管部门编码 / 预算单位编码 as the role needs, 财政区划编码."""
    titles = {key: title for title, key, _required in GRANT_COLUMNS}

    def build(number: int, values: dict[str, str], errors: list[CellError]) -> GrantImportRow:
        role = _role(values["role"]) if values["role"] else ""
        if values["role"] and not role:
            choices = "、".join(ROLE_BY_LABEL)
            errors.append(CellError(number, "角色", values["role"][:100], f"角色无效，可选值：{choices}"))
        for key, limit in GRANT_MAX_LENGTHS.items():
            if len(values[key]) > limit:
                errors.append(CellError(number, titles[key], values[key][:100], f"长度不能超过{limit}个字符"))
        return GrantImportRow(row=number, role=role, **{k: v for k, v in values.items() if k != "role"})

    return _parse(upload, GRANT_COLUMNS, MAX_GRANT_ROWS, build)
