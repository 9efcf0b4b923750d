"""Account administration in a real Chromium: the system administrator opens accounts from a workbook and downloads
the 初始密码清单 from the result page, and resets a password; the security administrator grants the roles from a
workbook; a new user logs in with the downloaded password and must change it first."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from django.core.cache import cache

from conftest import build_world
from jixiao.accounts.models import SecurityPolicy, User
from jixiao.accounts.tests.factories import TEST_PASSWORD
from tests.browser.helpers import login


def workbook(tmp_path: Path, name: str, headers: list[str], rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_open_accounts_hand_over_passwords_grant_roles_and_reset(
    live_server: Any, page: Any, shot: Any, tmp_path: Path
) -> None:
    world = build_world()
    # This flow is about account administration, not the second factor.
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"totp_required_admins": False})
    cache.clear()
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, base, "p_sys", TEST_PASSWORD, wait_for=None)
    page.goto(f"{base}/accounts/console/users/")
    page.click("text=批量开通账号")
    with page.expect_download() as template:
        page.click("text=批量开通模板（.xlsx）")
    assert openpyxl.load_workbook(io.BytesIO(Path(template.value.path()).read_bytes())).sheetnames == [
        "用户",
        "填写说明",
    ]
    rows = [["u101001", "张三"], ["u102001", "李四"]]
    page.set_input_files("input[type=file]", str(workbook(tmp_path, "users.xlsx", ["用户名", "姓名"], rows)))
    page.click("text=上传并开通")
    page.wait_for_selector("[data-testid=import-done]")
    assert "已开通 2 个账号" in page.inner_text("[data-testid=import-done]")
    shot(page, "accounts-bulk-created")
    with page.expect_download() as listing:
        page.click("[data-testid=password-download]")
    assert listing.value.suggested_filename.startswith("初始密码清单-")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(listing.value.path()).read_bytes())).worksheets[0]
    passwords = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(passwords) == {"u101001", "u102001"}
    table = page.inner_text("[data-testid=password-table]")
    assert all(password in table for password in passwords.values())

    page.goto(f"{base}/accounts/console/users/?q=p_unit")
    page.click("text=重置密码")
    page.wait_for_selector("[data-testid=reset-password]")
    new_password = page.inner_text("[data-testid=reset-password] code")
    assert User.objects.get(username="p_unit").check_password(new_password)

    login(page, base, "p_sec", TEST_PASSWORD, wait_for=None)
    page.goto(f"{base}/accounts/console/memberships/")
    page.click("text=批量授权 >> nth=0")
    headers = ["用户名", "角色", "股室", "主管部门编码", "预算单位编码", "财政区划编码"]
    grants = [["u101001", "预算单位", "", "", "101001", ""], ["u102001", "预算单位", "", "", "102001", ""]]
    page.set_input_files("input[type=file]", str(workbook(tmp_path, "grants.xlsx", headers, grants)))
    page.click("text=上传并授权")
    page.wait_for_selector("text=批量授权成功：新授权2项")
    assert User.objects.get(username="u101001").memberships.get().unit == world.school

    login(page, base, "u101001", passwords["u101001"], wait_for=None)
    page.goto(f"{base}/")
    page.wait_for_selector("#id_new_password1")
    assert page.url.endswith("/accounts/password/")
