"""The account workbooks: import templates (with their 填写说明 sheet) and the 初始密码清单 of a 批量开通."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.worksheet.datavalidation import DataValidation

from jixiao.accounts.columns import (
    FIRST_LOGIN_NOTE,
    GRANT_COLUMNS,
    MAX_GRANT_ROWS,
    MAX_USER_ROWS,
    USER_COLUMNS,
    role_org_hint,
)
from jixiao.accounts.models import Role
from jixiao.core.spreadsheets import write_workbook

USER_SHEET = "用户"
GRANT_SHEET = "授权"
NOTES_SHEET = "填写说明"
NOTES_HEADER = ["项目", "说明"]


def user_import_template() -> bytes:
    """批量开通账号: an empty 用户 sheet (an example row left in would become a real account) and the notes."""
    notes = [
        ["用户名", "必填；字母、数字和 @ . + - _，最长150个字符；不区分大小写，不能与已有账号或本文件其他行重复"],
        ["", "不能使用 admin、root、test 等默认账号名"],
        ["姓名", "必填；最长50个字符"],
        ["示例", "用户名 u101001，姓名 张三（请勿在“用户”表中保留示例）"],
        ["初始密码", "系统为每个账号生成随机初始密码，只在上传成功后的页面中显示和下载一次；首次登录须修改密码"],
        ["角色", "账号开通后没有任何角色，由安全管理员授予（可用“批量授权”）"],
        ["规则", f"导入为“全部成功或全部不导入”：任何一行有错误，所有账号都不会开通。单次最多{MAX_USER_ROWS}行"],
    ]
    headers = [title for title, _key, _required in USER_COLUMNS]
    return write_workbook([(USER_SHEET, headers, []), (NOTES_SHEET, NOTES_HEADER, notes)])


def grant_import_template(*, default_region: Any, sections: Iterable[Any]) -> bytes:
    """批量授权: the 授权 sheet with a drop-down of role labels, the notes (each role and the organisation it needs)
    and the 股室 of the administrator's region for reference."""
    labels = [str(label) for _value, label in Role.choices]
    notes = [
        ["用户名", "必填；须是已开通、未停用的账号"],
        ["角色", "必填；填写下列角色名称之一（可在下拉列表中选择）"],
        *([f"  {label}", role_org_hint(value)] for value, label in Role.choices),
        ["股室", "股室编码或名称（见“股室”表）"],
        ["主管部门编码", "主管部门的部门编码（见“基础信息 → 主管部门”）"],
        ["预算单位编码", "预算单位的单位编码（见“基础信息 → 预算单位”）"],
        [
            "财政区划编码",
            f"可不填，默认为本级（{default_region.name} {default_region.mof_div_code}）；或填本级以下的区划编码",
        ],
        ["三员分立", "系统管理员、安全管理员、审计管理员不能与其他任何角色由同一账号兼任"],
        ["已有授权", "账号已有完全相同的有效授权时，该行不重复授权"],
        ["规则", f"导入为“全部成功或全部不导入”：任何一行有错误，所有授权都不会生效。单次最多{MAX_GRANT_ROWS}行"],
    ]
    section_rows = ([s.code, s.name, s.region.name] for s in sections)
    headers = [title for title, _key, _required in GRANT_COLUMNS]
    content = write_workbook(
        [
            (GRANT_SHEET, headers, []),
            (NOTES_SHEET, NOTES_HEADER, notes),
            ("股室", ["股室编码", "股室名称", "财政区划"], section_rows),
        ]
    )
    return _with_role_dropdown(content, labels, column="B", rows=MAX_GRANT_ROWS + 1)


def _with_role_dropdown(content: bytes, labels: list[str], *, column: str, rows: int) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook[GRANT_SHEET]
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="角色无效",
        error="请从下拉列表中选择角色",
    )
    validation.add(f"{column}2:{column}{rows}")
    sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def initial_password_workbook(accounts: Iterable[tuple[Any, str]]) -> bytes:
    """初始密码清单: 用户名, 姓名, 初始密码 and the note that it must be changed at the first login."""
    rows = ([user.username, user.display_name, password, FIRST_LOGIN_NOTE] for user, password in accounts)
    return write_workbook([("初始密码清单", ["用户名", "姓名", "初始密码", "说明"], rows)])
