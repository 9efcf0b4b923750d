"""申报表 and flat-layout export/import (all-or-nothing, per-cell errors) and the printable 申报表; every
produced file is opened."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.indicators.models import FrameworkNode
from jixiao.indicators.selectors import framework_for
from jixiao.targets import services, services_dept, snapshots
from jixiao.targets.models import PerformanceTarget

FORMULA = '=HYPERLINK("http://x")'


def _rows(target: PerformanceTarget) -> list[dict[str, Any]]:
    n = {node.name: node for node in FrameworkNode.objects.filter(framework=target.framework)}
    return [
        {
            "lv1": n["产出指标"],
            "lv2": n["数量指标"],
            "name": "购置教学设备数量",
            "operator": "gte",
            "target_text": "≥120台",
            "unit": "台",
            "weight": Decimal("30"),
            "value_basis": "plan",
            "is_core": True,
        },
        {
            "lv1": n["产出指标"],
            "lv2": n["数量指标"],
            "name": "培训教师人次",
            "operator": "gte",
            "target_text": "≥200人次",
            "unit": "人次",
            "weight": Decimal("10"),
            "remark": "@SUM(A1)",
        },
        {
            "lv1": n["效益指标"],
            "lv2": n["社会效益指标"],
            "name": "设备使用率",
            "operator": "gte",
            "target_text": "≥95%",
            "unit": "%",
            "weight": Decimal("20"),
            "midterm_text": "≥98%",
        },
    ]


@pytest.fixture
def target(world: World) -> PerformanceTarget:
    unit_user = world.users["unit_user"]
    target = services.target_create_for_project(actor=unit_user, project=world.school_project)
    target = services.target_update(
        actor=unit_user,
        target=target,
        data={
            "annual_goal": FORMULA,
            "midterm_goal": "三年内完成全县学校设备更新",
            "mid_total_yuan": Decimal("3000000.00"),
            "mid_fiscal_yuan": Decimal("2500000.00"),
            "annual_total_yuan": Decimal("1234567.89"),
            "annual_fiscal_yuan": Decimal("1000000.00"),
        },
    )
    return services.target_save_indicators(actor=unit_user, target=target, rows=_rows(target))


@pytest.fixture
def dept_target(world: World) -> PerformanceTarget:
    target = PerformanceTarget.objects.create(
        fiscal_year=2026,
        region=world.region,
        subject_type=PerformanceTarget.Subject.DEPT_OVERALL,
        department=world.edu,
        unit=world.school,
        framework=framework_for(world.region, 2026),
        name="县教育局部门整体支出",
        annual_goal="保障全县义务教育均衡发展",
        annual_total_yuan=Decimal("50000000.00"),
        annual_fiscal_yuan=Decimal("45000000.00"),
        basic_yuan=Decimal("30000000.00"),
        project_spending_yuan=Decimal("20000000.00"),
    )
    return services.target_save_indicators(actor=world.users["dept_admin"], target=target, rows=_rows(target)[:2])


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _upload(content: bytes | openpyxl.Workbook) -> SimpleUploadedFile:
    if isinstance(content, openpyxl.Workbook):
        buffer = io.BytesIO()
        content.save(buffer)
        content = buffer.getvalue()
    return SimpleUploadedFile("申报表.xlsx", content)


def _state(target: PerformanceTarget) -> dict[str, Any]:
    target.refresh_from_db()
    return snapshots.snapshot(target)


def test_project_export_has_the_section_3_1_layout_and_formula_text_as_strings(
    world: World, target: PerformanceTarget
) -> None:
    response = world.login("unit_user").get(f"/targets/{target.pk}/declaration.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = _book(response.content)
    sheet = book["项目支出绩效目标申报表"]
    labels = {
        "A1": "项目支出绩效目标申报表",
        "A2": "（2026年度）",
        "A3": "项目名称",
        "B3": "一中教学设备购置",
        "A4": "主管部门及代码",
        "B4": "县教育局（101）",
        "H4": "实施单位",
        "I4": "县第一中学",
        "A5": "项目属性",
        "H5": "项目期",
        "A6": "项目资金（万元）",
        "B6": "中期资金总额",
        "D6": "年度资金总额",
        "B7": "其中：财政拨款",
        "D7": "其中：财政拨款",
        "B8": "其他资金",
        "A9": "总体目标",
        "H9": "年度目标",
        "A11": "绩效指标",
        "B11": "一级指标",
        "C11": "二级指标",
        "D11": "三级指标",
        "E11": "指标性质",
        "F11": "年度指标值",
        "N11": "备注",
    }
    for ref, text in labels.items():
        assert sheet[ref].value == text, ref
    assert {"A1:N1", "A2:N2", "B3:N3", "A6:A8", "A11:A14", "B10:G10", "H10:N10"} <= {
        str(r) for r in sheet.merged_cells.ranges
    }
    assert sheet["E6"].value == pytest.approx(123.456789) and sheet["E6"].number_format == "#,##0.00"
    assert sheet["C8"].value == pytest.approx(50)
    assert [sheet[f"B{r}"].value for r in (12, 13, 14)] == ["产出指标", "产出指标", "效益指标"]
    assert [sheet[f"C{r}"].value for r in (12, 13)] == ["数量指标", "数量指标"]
    assert sheet["E12"].value == "≥" and sheet["L12"].value == "计划标准" and sheet["I12"].value == 30
    assert sheet["H10"].value == FORMULA and sheet["H10"].data_type == "s"
    assert sheet["N13"].value == "@SUM(A1)" and sheet["N13"].data_type == "s"
    meta = book["_meta"]
    assert meta.sheet_state == "hidden"
    keys = {row[1]: row[2] for row in meta.iter_rows(min_row=2, values_only=True)}
    assert keys["template"] == "jixiao.goal.project" and keys["record_id"] == str(target.pk)
    assert keys["pro_code"] == "P-SCHOOL" and keys["mof_div_code"] == "511725000" and "row.3.indicator_id" in keys


def test_declaration_round_trip_leaves_the_target_identical(world: World, target: PerformanceTarget) -> None:
    client = world.login("unit_user")
    before = _state(target)
    exported = client.get(f"/targets/{target.pk}/declaration.xlsx").content
    response = client.post("/targets/exchange/import/", {"file": _upload(exported)})
    assert response.status_code == 302
    assert _state(target) == before
    assert target.version > 3


def test_import_without_meta_matches_by_name_and_unit_and_forward_fills_levels(
    world: World, target: PerformanceTarget
) -> None:
    client = world.login("unit_user")
    book = _book(client.get(f"/targets/{target.pk}/declaration.xlsx").content)
    del book["_meta"]
    sheet = book.active
    sheet["B13"] = None
    sheet["C13"] = None
    sheet["F12"] = "≥150台"
    sheet["E12"] = None
    sheet["C6"] = "400"
    sheet["C8"] = "—"
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 302, response.content.decode()
    target.refresh_from_db()
    assert target.mid_total_yuan == Decimal("4000000.00")
    rows = list(target.indicators.order_by("seq").select_related("lv2"))
    assert rows[0].target_text == "≥150台" and rows[0].operator == "gte" and rows[0].is_core
    assert rows[1].lv2.name == "数量指标"


def test_malformed_rows_give_per_cell_errors_and_write_nothing(world: World, target: PerformanceTarget) -> None:
    client = world.login("unit_user")
    before = _state(target)
    book = _book(client.get(f"/targets/{target.pk}/declaration.xlsx").content)
    sheet = book.active
    sheet["C14"] = "不存在的二级"
    sheet["E6"] = "一百万"
    sheet["I13"] = "很多"
    sheet["D12"] = "改了名字但不会保存"
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "所有数据均未导入" in body and "不是有效的金额" in body and "分值应为数字" in body
    assert _state(target) == before
    report = client.get("/targets/exchange/import/errors.xlsx")
    assert report.status_code == 200
    rows = list(_book(report.content).active.iter_rows(min_row=2, values_only=True))
    assert rows[0][:4] == ("项目支出绩效目标申报表", 6, "E6", "一百万")
    # The framework check runs only once every cell parsed; fix the cells and it reports the level name.
    sheet["E6"] = 123.456789
    sheet["I13"] = 10
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400
    assert "二级指标“不存在的二级”不属于一级指标“效益指标”" in response.content.decode()
    assert _state(target) == before
    report_rows = list(_book(client.get("/targets/exchange/import/errors.xlsx").content).active.values)
    assert report_rows[1][:3] == ("项目支出绩效目标申报表", 14, "C")


def test_import_into_a_foreign_or_locked_target_is_refused(world: World, target: PerformanceTarget) -> None:
    exported = world.login("unit_user").get(f"/targets/{target.pk}/declaration.xlsx").content
    before = _state(target)
    foreign = world.login("other_unit_user").post("/targets/exchange/import/", {"file": _upload(exported)})
    assert foreign.status_code == 400 and "不在您的管理范围内" in foreign.content.decode()
    services.target_transition(actor=world.users["unit_user"], target=target, action="submit")
    before = _state(target)
    locked = world.login("unit_user").post("/targets/exchange/import/", {"file": _upload(exported)})
    assert locked.status_code == 400 and "不能导入修改" in locked.content.decode()
    assert _state(target) == before


def test_one_bad_sheet_rolls_back_the_whole_workbook(
    world: World, target: PerformanceTarget, dept_target: PerformanceTarget
) -> None:
    client = world.login("dept_admin")
    book = _book(client.get("/targets/exchange/declarations.xlsx?fiscal_year=2026").content)
    assert len([s for s in book.worksheets if s.sheet_state == "visible"]) == 2
    project_sheet = next(s for s in book.worksheets if s["A1"].value == "项目支出绩效目标申报表")
    dept_sheet = next(s for s in book.worksheets if s["A1"].value == "部门（单位）整体支出绩效目标申报表")
    project_sheet["H10"] = "新的年度目标"
    dept_sheet["B9"] = "未知一级"
    before = _state(target)
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400 and "一级指标“未知一级”不在指标体系" in response.content.decode()
    assert _state(target) == before


def test_dept_overall_export_follows_section_3_2_and_round_trips(world: World, dept_target: PerformanceTarget) -> None:
    client = world.login("dept_admin")
    response = client.get(f"/targets/{dept_target.pk}/declaration.xlsx")
    sheet = _book(response.content)["部门整体支出绩效目标申报表"]
    assert sheet["A1"].value == "部门（单位）整体支出绩效目标申报表"
    assert (sheet["A3"].value, sheet["B3"].value, sheet["G3"].value, sheet["H3"].value) == (
        "部门（单位）名称",
        "县教育局",
        "部门编码",
        "101",
    )
    assert sheet["A4"].value == "年度主要任务" and sheet["G4"].value == "预算金额（万元）"
    assert sheet["A5"].value == "年度部门整体支出预算（万元）"
    assert [sheet[f"{c}5"].value for c in "BCDEF"] == ["资金总额", "财政拨款", "其他资金", "基本支出", "项目支出"]
    assert [sheet[f"{c}6"].value for c in "BCDEF"] == [5000, 4500, 500, 3000, 2000]
    assert sheet["A7"].value == "年度总体目标" and sheet["A8"].value == "年度绩效指标"
    assert sheet["D9"].value == "购置教学设备数量" and sheet["H8"].value in (None, "")
    before = _state(dept_target)
    assert client.post("/targets/exchange/import/", {"file": _upload(response.content)}).status_code == 302
    assert _state(dept_target) == before


def test_dept_budget_must_add_up(world: World, dept_target: PerformanceTarget) -> None:
    client = world.login("dept_admin")
    book = _book(client.get(f"/targets/{dept_target.pk}/declaration.xlsx").content)
    book.active["E6"] = 1000
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400 and "资金总额应等于基本支出与项目支出之和" in response.content.decode()


def test_multi_target_export_is_the_filtered_visible_list_with_unique_sheet_names(
    world: World, target: PerformanceTarget, dept_target: PerformanceTarget
) -> None:
    branch = services.target_create_for_project(actor=world.users["dept_admin"], project=world.branch_project)
    services.target_create_for_project(actor=world.users["other_unit_user"], project=world.hospital_project)
    client = world.login("dept_admin")
    book = _book(client.get("/targets/exchange/declarations.xlsx").content)
    visible = [s.title for s in book.worksheets if s.sheet_state == "visible"]
    assert len(visible) == 3 and len(set(visible)) == 3 and all(len(t) <= 31 for t in visible)
    assert not any("医院" in s["B3"].value for s in book.worksheets if s.title != "_meta")
    filtered = _book(client.get("/targets/exchange/declarations.xlsx?subject_type=project").content)
    assert sorted(s["B3"].value for s in filtered.worksheets if s.title != "_meta") == sorted(
        [target.name, branch.name]
    )
    mine = _book(world.login("unit_user").get("/targets/exchange/declarations.xlsx").content)
    assert sorted(s["B3"].value for s in mine.worksheets if s.title != "_meta") == sorted(
        [target.name, branch.name, "县教育局"]
    )


def test_flat_layout_round_trips_and_rejects_a_bad_row(
    world: World, target: PerformanceTarget, dept_target: PerformanceTarget
) -> None:
    client = world.login("dept_admin")
    response = client.get("/targets/exchange/flat.xlsx?fiscal_year=2026")
    assert response.status_code == 200
    content = response.getvalue()  # streamed: written a target at a time
    book = _book(content)
    assert book.sheetnames[:4] == ["说明", "主表", "资金", "指标"]
    indicators = book["指标"]
    codes = [c.value for c in indicators[2]]
    assert {"form_type", "lv1", "lv2", "lv3", "operator", "target_text", "indicator_id"} <= set(codes)
    assert indicators.max_row == 2 + 5
    remark = indicators.cell(row=4, column=codes.index("remark") + 1)
    assert remark.value == "@SUM(A1)" and remark.data_type == "s"
    before = (_state(target), _state(dept_target))
    assert client.post("/targets/exchange/import/", {"file": _upload(content)}).status_code == 302
    assert (_state(target), _state(dept_target)) == before
    indicators.cell(row=3, column=codes.index("lv2") + 1, value="不存在的二级")
    funds = book["资金"]
    fund_codes = [c.value for c in funds[2]]
    funds.cell(row=3, column=fund_codes.index("annual_total_wan") + 1, value="abc")
    bad = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert bad.status_code == 400 and "不是有效的金额" in bad.content.decode()
    assert (_state(target), _state(dept_target)) == before
    report = _book(client.get("/targets/exchange/import/errors.xlsx").content).active
    assert list(report.values)[1][0] == "资金"


def test_import_rejects_files_that_are_not_xlsx(world: World) -> None:
    client = world.login("unit_user")
    response = client.post("/targets/exchange/import/", {"file": SimpleUploadedFile("x.xlsx", b"MZ not a zip")})
    assert response.status_code == 400 and "不是有效的 Excel" in response.content.decode()
    assert world.login("business").get("/targets/exchange/import/").status_code == 403


def test_print_view_and_pdf_for_a_visible_target_and_404_for_a_foreign_one(
    world: World, target: PerformanceTarget
) -> None:
    client = world.login("unit_user")
    page = client.get(f"/targets/{target.pk}/print/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "项目支出绩效目标申报表" in html and "一中教学设备购置" in html and "@media print" in html
    assert "Noto Sans CJK SC" in html and "A4 landscape" in html
    # The block label spans the header and every indicator row (no empty first cell per row), as in the Excel form.
    rows = target.indicators.count()
    assert rows and '<th class="block-head" data-testid="indicator-block">绩效指标</th>' in html
    assert f'<td class="label block-body" rowspan="{rows}"></td>' in html and "<tr><td></td>" not in html
    assert "{#" not in html and "#}" not in html  # no template comment printed as text
    assert html.index('<thead><tr><th class="block-head"') < html.index("<tbody>")  # headers repeat per page
    project = target.project
    assert project is not None
    single = f"{project.start_year}年—{project.start_year}年"
    assert (single not in html) if project.start_year == project.end_year else (f"{project.start_year}年—" in html)
    pdf = client.get(f"/targets/{target.pk}/declaration.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "一中教学设备购置" in text and "设备使用率" in text and "县第一中学" in text
    other = world.login("other_unit_user")
    assert other.get(f"/targets/{target.pk}/print/").status_code == 404
    assert other.get(f"/targets/{target.pk}/declaration.pdf").status_code == 404
    assert other.get(f"/targets/{target.pk}/declaration.xlsx").status_code == 404


def _with_tasks(world: World, target: PerformanceTarget) -> PerformanceTarget:
    tasks = [
        {"name": "义务教育保障", "content": "落实义务教育经费保障机制", "amount_yuan": Decimal("12000000")},
        {"name": "=教师培训", "content": "", "amount_yuan": Decimal("3000000")},
    ]
    goals = {"annual_goal": target.annual_goal}
    rows = [{k: v for k, v in r.items() if k != "value_basis"} | {"value_basis": "plan"} for r in _rows(target)[:2]]
    return services_dept.target_save_dept(
        actor=world.users["dept_admin"], target=target, goals=goals, tasks=tasks, rows=rows
    )


def _tasks(target: PerformanceTarget) -> list[tuple[Any, ...]]:
    return list(target.tasks.order_by("seq").values_list("seq", "name", "content", "amount_yuan"))


def test_dept_export_writes_the_tasks_and_import_stores_them(world: World, dept_target: PerformanceTarget) -> None:
    target = _with_tasks(world, dept_target)
    client = world.login("dept_admin")
    content = client.get(f"/targets/{target.pk}/declaration.xlsx").content
    sheet = _book(content)["部门整体支出绩效目标申报表"]
    assert [sheet[f"{c}5"].value for c in "BCG"] == ["义务教育保障", "落实义务教育经费保障机制", 1200]
    assert sheet["B6"].value == "=教师培训" and sheet["B6"].data_type == "s" and sheet["G6"].value == 300
    assert sheet["A7"].value == "年度部门整体支出预算（万元）" and sheet["B8"].value == 5000
    assert sheet["A9"].value == "年度总体目标" and sheet["A10"].value == "年度绩效指标"
    before = (_state(target), _tasks(target))
    assert client.post("/targets/exchange/import/", {"file": _upload(content)}).status_code == 302
    assert (_state(target), _tasks(target)) == before
    # The import gave the indicators new ids: edit a fresh export, as a user would.
    book = _book(client.get(f"/targets/{target.pk}/declaration.xlsx").content)
    sheet = book["部门整体支出绩效目标申报表"]
    for merged in list(sheet.merged_cells.ranges):  # openpyxl does not move merged ranges on insert
        sheet.unmerge_cells(str(merged))
    sheet.insert_rows(7)
    sheet["B7"], sheet["C7"], sheet["G7"] = "校舍维修", "维修农村学校校舍", 500
    sheet["G5"] = 1000
    assert client.post("/targets/exchange/import/", {"file": _upload(book)}).status_code == 302
    assert _tasks(target) == [
        (1, "义务教育保障", "落实义务教育经费保障机制", Decimal("10000000.00")),
        (2, "=教师培训", "", Decimal("3000000.00")),
        (3, "校舍维修", "维修农村学校校舍", Decimal("5000000.00")),
    ]


def test_dept_import_with_tasks_above_project_spending_saves_nothing(
    world: World, dept_target: PerformanceTarget
) -> None:
    target = _with_tasks(world, dept_target)
    client = world.login("dept_admin")
    book = _book(client.get(f"/targets/{target.pk}/declaration.xlsx").content)
    sheet = book["部门整体支出绩效目标申报表"]
    sheet["G5"] = 1800
    sheet["B9"] = "改过的总体目标"
    before = (_state(target), _tasks(target))
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400 and "不能超过项目支出（2000万元）" in response.content.decode()
    assert (_state(target), _tasks(target)) == before
    sheet["G5"], sheet["B5"] = 1, None
    response = client.post("/targets/exchange/import/", {"file": _upload(book)})
    assert response.status_code == 400 and "必填" in response.content.decode()
    assert (_state(target), _tasks(target)) == before


def test_printed_dept_declaration_lists_the_annual_tasks(world: World, dept_target: PerformanceTarget) -> None:
    from jixiao.targets.models import AnnualTask

    AnnualTask.objects.create(
        target=dept_target,
        seq=1,
        name="义务教育均衡发展",
        content="改善薄弱学校办学条件",
        amount_yuan=Decimal("1234500.00"),
    )
    body = world.login("performance").get(f"/targets/{dept_target.pk}/print/").content.decode()
    assert "年度主要任务" in body and "义务教育均衡发展" in body and "123.45" in body


def test_the_print_page_names_the_site_icon(world: World, target: PerformanceTarget) -> None:
    """Without it the browser asks for /favicon.ico, a 404 in the console of every printed 申报表."""
    html = world.login("unit_user").get(f"/targets/{target.pk}/print/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
