"""What a user clicks through, in a real Chromium: log in as each demo role, create, import, export."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.projects.columns import IMPORT_COLUMNS
from jixiao.projects.models import Project
from tests.browser.helpers import login

# Menu entries each demo role must (and must not) see, and a 待办 line where the demo data guarantees one.
ROLE_EXPECTATIONS: dict[str, dict[str, Any]] = {
    "jxg": {"menu": ["项目列表", "事前绩效评估"], "hidden": ["用户管理", "导入项目"], "todo": None},
    "ysg": {"menu": ["项目列表", "导入项目", "财政年度"], "hidden": ["审计日志"], "todo": None},
    "jkw": {"menu": ["项目列表"], "hidden": ["新增项目", "用户管理"], "todo": "项目待业务股室审核"},
    "edu_admin": {"menu": ["项目列表", "新增项目"], "hidden": ["用户管理"], "todo": "项目待主管部门审核"},
    "edu_unit": {"menu": ["项目列表", "新增项目", "导入项目"], "hidden": ["角色授权"], "todo": "项目未送审"},
    "health_unit": {"menu": ["项目列表"], "hidden": ["用户管理"], "todo": None},
    "expert1": {"menu": ["绩效目标管理"], "hidden": ["项目列表", "评估项目"], "todo": None},
    "agency1": {"menu": ["绩效评价"], "hidden": ["项目列表"], "todo": None},
    "leader": {"menu": ["项目列表"], "hidden": ["新增项目"], "todo": None},
    "renda": {"menu": ["项目列表"], "hidden": ["新增项目"], "todo": None},
    "sysadmin": {"menu": ["用户管理", "预算单位"], "hidden": ["项目列表", "审计日志", "角色授权"], "todo": None},
    "secadmin": {"menu": ["角色授权"], "hidden": ["项目列表", "用户管理", "审计日志"], "todo": None},
    "auditadmin": {"menu": ["审计日志"], "hidden": ["项目列表", "用户管理", "角色授权"], "todo": None},
}


def test_each_demo_role_sees_its_menu_and_todo_list(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    for username, expected in ROLE_EXPECTATIONS.items():
        # The cookies stay: after the 退出 below the login form must show because the session really ended.
        login(page, live_server.url, username, DEMO_PASSWORD, clear_cookies=False)
        menu = page.inner_text("aside")
        for label in expected["menu"]:
            assert label in menu, (username, label)
        for label in expected["hidden"]:
            assert label not in menu, (username, label)
        if expected["todo"]:
            assert expected["todo"] in page.inner_text("[data-testid=todo-list]"), username
        if username in {"jxg", "edu_unit"}:
            shot(page, f"home-{username}")
        page.click("text=退出")
        page.wait_for_selector("#id_username")


def test_unit_user_creates_a_project_and_submits_it(demo: None, live_server: Any, page: Any, shot: Any) -> None:
    login(page, live_server.url, "edu_unit", DEMO_PASSWORD)
    page.click("aside >> text=新增项目")
    page.fill("#id_code", "2026-E2E-001")
    page.fill("#id_name", "浏览器测试项目：校园安防设施改造")
    # 实施单位 is a search box (a county has ~400 units): the unit's own one comes chosen; type and pick it again.
    assert page.input_value("#id_unit") == "县第一中学"
    page.fill("#id_unit", "第一中学")
    page.locator("[data-jx-ac-list] [data-id]", has_text="县第一中学").first.click()
    page.select_option("#id_category", "specific")
    page.fill("#id_function_code", "2050202")
    page.fill("#id_fiscal_amount_yuan", "25.5")  # below the 30万元 事前绩效评估 threshold
    page.fill("#id_description", "为全县中小学更新监控和门禁设备")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存为草稿")
    assert page.inner_text("[data-testid=project-total]") == "25.50"
    shot(page, "project-detail")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("text=操作成功")
    assert Project.objects.get(code="2026-E2E-001").status == "submitted"


def _workbook_with_an_error(path: Path, unit_code: str) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    headers = [h for h, _k, _r in IMPORT_COLUMNS]
    sheet.append(headers)
    good = [
        "E2E-IMP-1",
        "导入测试项目",
        unit_code,
        "特定目标类",
        "新增",
        "一般公共预算",
        "2050202",
        10,
        0,
        0,
        2026,
        2026,
        "B",
        "否",
        "",
    ]
    bad = [
        "E2E-IMP-2",
        "有错误的项目",
        unit_code,
        "特定目标类",
        "新增",
        "一般公共预算",
        "2050202",
        "十万",
        0,
        0,
        2026,
        2026,
        "B",
        "否",
        "",
    ]
    sheet.append(good)
    sheet.append(bad)
    workbook.save(path)
    return path


def test_import_with_an_error_shows_the_report_and_export_opens(
    demo: None, live_server: Any, page: Any, shot: Any, tmp_path: Path
) -> None:
    login(page, live_server.url, "edu_unit", DEMO_PASSWORD)
    unit_code = Project.objects.filter(unit__name="县第一中学").values_list("unit__agency_code", flat=True).first()
    page.click("aside >> text=导入项目")
    page.set_input_files("#id_file", str(_workbook_with_an_error(tmp_path / "导入.xlsx", unit_code or "")))
    page.click("button:has-text('上传并导入')")
    errors = page.wait_for_selector("[data-testid=import-errors]")
    text = errors.inner_text()
    assert "所有数据均未导入" in text and "财政拨款（万元）" in text and "十万" in text
    shot(page, "import-errors")
    assert not Project.objects.filter(code__startswith="E2E-IMP").exists()
    with page.expect_download() as report_info:
        page.click("text=下载错误报告")
    report = openpyxl.load_workbook(io.BytesIO(Path(report_info.value.path()).read_bytes())).active
    assert report.cell(row=2, column=1).value == 3

    page.click("aside >> text=项目列表")
    count = int(page.inner_text("[data-testid=project-count]"))
    with page.expect_download() as export_info:
        page.click("[data-testid=export-link]")
    exported = openpyxl.load_workbook(io.BytesIO(Path(export_info.value.path()).read_bytes())).active
    assert exported.cell(row=1, column=1).value == "项目编码"
    assert exported.max_row - 1 == count
