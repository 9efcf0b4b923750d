"""The account workbooks: the import template (with its 填写说明 sheet) and the 初始密码清单 of a 批量开通."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jixiao.accounts.columns import FIRST_LOGIN_NOTE, MAX_USER_ROWS, USER_COLUMNS
from jixiao.core.spreadsheets import write_workbook

USER_SHEET = "用户"
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


def initial_password_workbook(accounts: Iterable[tuple[Any, str]]) -> bytes:
    """初始密码清单: 用户名, 姓名, 初始密码 and the note that it must be changed at the first login."""
    rows = ([user.username, user.display_name, password, FIRST_LOGIN_NOTE] for user, password in accounts)
    return write_workbook([("初始密码清单", ["用户名", "姓名", "初始密码", "说明"], rows)])
