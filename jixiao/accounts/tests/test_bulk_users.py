"""批量开通账号: an .xlsx of 用户名/姓名 → accounts with random single-use passwords, all or nothing; the passwords are
handed over in the upload's response only."""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from jixiao.accounts.columns import MAX_USER_ROWS
from jixiao.accounts.imports import parse_user_workbook
from jixiao.accounts.models import User
from jixiao.core.models import AuditEvent

HEADERS = ["用户名", "姓名"]
IMPORT = reverse("accounts:user_import")


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, content: bytes, name: str = "users.xlsx") -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


def _download(body: str) -> bytes:
    match = re.search(
        r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,([^"]+)"', body
    )
    assert match, "the page carries the 初始密码清单 workbook"
    return base64.b64decode(match.group(1))


def test_system_admin_opens_accounts_from_a_workbook_and_gets_the_passwords_once(world: World) -> None:
    client = world.login("sys_admin")
    response = _upload(client, _xlsx([["u101001", "张三"], ["u102001", "李四"], [" U-Zhao.W ", "赵五"]]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "已开通 3 个账号" in body
    sheet = openpyxl.load_workbook(io.BytesIO(_download(body))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("用户名", "姓名", "初始密码", "说明")
    assert [r[:2] for r in rows[1:]] == [("u101001", "张三"), ("u102001", "李四"), ("U-Zhao.W", "赵五")]
    assert all("首次登录须修改" in r[3] for r in rows[1:])
    passwords = {r[0]: r[2] for r in rows[1:]}
    assert len(set(passwords.values())) == 3
    for username, password in passwords.items():
        assert html.escape(password) in body  # the printable table shows the same passwords
        user = User.objects.get(username=username)
        assert user.must_change_password and user.check_password(password) and user.memberships.count() == 0
    created = AuditEvent.objects.filter(event_type="user.create", actor_name="p_sys")
    assert created.count() == 3 and set(created.values_list("reason", flat=True)) == {"批量开通账号"}
    assert AuditEvent.objects.get(event_type="user.import").reason == "批量开通账号3个"
    # Kept nowhere: not in the audit trail, the database rows, the session or the next page.
    dump = str(list(AuditEvent.objects.values_list("reason", "changes", "object_repr")))
    dump += str(list(User.objects.values_list("password", flat=True)))
    dump += "".join(str(s.get_decoded()) for s in Session.objects.all())
    dump += client.get(reverse("accounts:user_list")).content.decode()
    assert not any(password in dump for password in passwords.values())


def test_a_returned_password_logs_in_through_the_login_page_and_must_be_changed(world: World) -> None:
    body = _upload(world.login("sys_admin"), _xlsx([["newbie", "新人"]])).content.decode()
    password = openpyxl.load_workbook(io.BytesIO(_download(body))).worksheets[0]["C2"].value
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": "newbie", "password": password}).status_code == 302
    assert client.get("/")["Location"] == reverse("accounts:password_change")


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [
        ([["", "张三"]], "用户名", "必填"),
        ([["zhang", ""]], "姓名", "必填"),
        ([["zhang", "张三"], ["ZHANG", "张三丰"]], "用户名", "与第3行重复"),
        ([["P_UNIT", "同名"]], "用户名", "用户名已存在"),
        ([["Admin", "管理员"]], "用户名", "默认账号名"),
        ([["root", "x"]], "用户名", "默认账号名"),
        ([["test", "x"]], "用户名", "默认账号名"),
        ([["u" * 151, "长"]], "用户名", "不能超过150个字符"),
        ([["zhang san", "张三"]], "用户名", "只能包含"),
        ([["zhang", "张" * 51]], "姓名", "不能超过50个字符"),
    ],
)
def test_every_bad_row_is_reported_and_nothing_is_opened(
    world: World, rows: list[list[str]], column: str, message: str
) -> None:
    users_before = User.objects.count()
    client = world.login("sys_admin")
    response = _upload(client, _xlsx([["good_one", "正常行"], *rows]))
    assert response.status_code == 400
    errors = response.context["errors"]
    assert any(e.column == column and message in e.message for e in errors), errors
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(event_type="user.create").exists()
    if message == "用户名已存在":  # found by the service (the others by the parser): the refusal is audited
        assert AuditEvent.objects.get(event_type="user.import").outcome == AuditEvent.Outcome.FAILURE
    report = client.get(reverse("accounts:user_import_errors"))
    assert report.status_code == 200
    report_rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    assert report_rows[0] == ("行号", "列", "单元格内容", "错误说明") and len(report_rows) == len(errors) + 1


def test_the_parsers_and_the_databases_objections_come_in_one_report(world: World) -> None:
    response = _upload(world.login("sys_admin"), _xlsx([["root", "默认名"], ["p_unit", "已有"], ["ok_user", ""]]))
    assert response.status_code == 400
    found = [(e.row, e.message) for e in response.context["errors"]]
    assert [row for row, _message in found] == [2, 3, 4]
    assert "默认账号名" in found[0][1] and "已存在" in found[1][1] and found[2][1] == "必填"


def test_a_file_over_the_row_limit_is_refused_before_any_password_is_hashed() -> None:
    rows, errors = parse_user_workbook(_xlsx([[f"user{i}", "x"] for i in range(MAX_USER_ROWS + 1)]))
    assert len(rows) == MAX_USER_ROWS
    assert errors[-1].row == MAX_USER_ROWS + 2 and f"单次最多导入{MAX_USER_ROWS}行" in errors[-1].message


def test_missing_columns_and_empty_files_are_refused(world: World) -> None:
    client = world.login("sys_admin")
    missing = _upload(client, _xlsx([["zhang"]], headers=["用户名"]))
    assert missing.status_code == 400 and "缺少必填列" in missing.content.decode()
    empty = _upload(client, _xlsx([]))
    assert empty.status_code == 400 and "没有数据行" in empty.content.decode()


def test_a_file_that_is_not_xlsx_or_too_large_gets_a_chinese_error_not_a_500(world: World) -> None:
    client = world.login("sys_admin")
    csv = _upload(client, "用户名,姓名\nzhang,张三\n".encode(), name="users.csv")
    assert csv.status_code == 400 and "请上传 .xlsx 格式" in csv.content.decode()
    fake = _upload(client, b"<html>not a workbook</html>", name="users.xlsx")
    assert fake.status_code == 400 and "不是有效的 Excel" in fake.content.decode()
    with override_settings(JIXIAO_MAX_UPLOAD_BYTES=1024):
        big = _upload(client, _xlsx([[f"user{i}", "x" * 40] for i in range(200)]))
    assert big.status_code == 400 and "文件过大" in big.content.decode()
    assert not User.objects.filter(username__startswith="user").exists()


def _damaged_xlsx() -> bytes:
    """A real .xlsx whose second data row points at a shared string that is not there: the header reads fine, the
    damage shows only while the rows are read."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["zhang", "张三"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="3"><c r="A3" t="s"><v>99</v></c></row></sheetData>')
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_damaged_inside_its_rows_gets_a_chinese_error_not_a_500(world: World) -> None:
    response = _upload(world.login("sys_admin"), _damaged_xlsx())
    assert response.status_code == 400 and "文件无法解析" in response.content.decode()
    assert not User.objects.filter(username="zhang").exists()


def test_the_template_opens_with_its_notes_and_no_example_rows(world: World) -> None:
    response = world.login("sys_admin").get(reverse("accounts:user_import_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["用户", "填写说明"]
    assert list(workbook["用户"].iter_rows(values_only=True)) == [("用户名", "姓名")]
    notes = " ".join(str(c) for row in workbook["填写说明"].iter_rows(values_only=True) for c in row if c)
    assert "首次登录须修改密码" in notes and "全部成功或全部不导入" in notes


@pytest.mark.parametrize("persona", ["unit_user", "sec_admin", "audit_admin", "budget"])
def test_only_the_system_admin_opens_accounts_in_bulk(world: World, persona: str) -> None:
    client = world.login(persona)
    for name in ("accounts:user_import", "accounts:user_import_template", "accounts:user_import_errors"):
        assert client.get(reverse(name)).status_code == 403, name
    assert _upload(client, _xlsx([["intruder", "x"]])).status_code == 403
    assert not User.objects.filter(username="intruder").exists()


def test_user_list_links_to_the_bulk_page(world: World) -> None:
    body = world.login("sys_admin").get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:user_import") in body
