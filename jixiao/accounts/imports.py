"""Parsing the account workbook: a pure function, file in → typed rows + per-cell errors out.

Whether a user name is taken already is the service's question (users_import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TypeVar

from jixiao.accounts.columns import MAX_USER_ROWS, USER_COLUMNS, UserImportRow
from jixiao.accounts.services import DISPLAY_NAME_MAX, username_problem
from jixiao.core.spreadsheets import CellError, cell_text, read_rows

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
