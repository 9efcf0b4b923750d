"""Excel import (all-or-nothing, per-cell error report) and export (what the list shows), files opened."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.models import AuditEvent, Job
from jixiao.projects.columns import IMPORT_COLUMNS
from jixiao.projects.models import Project

HEADERS = [h for h, _k, _r in IMPORT_COLUMNS]


def _row(code: str, unit: str = "101001", **overrides: Any) -> list[Any]:
    values = {
        "项目编码": code,
        "项目名称": f"项目{code}",
        "实施单位编码": unit,
        "项目类别": "特定目标类",
        "新增/延续": "新增",
        "预算类型": "一般公共预算",
        "功能分类编码": "2050202",
        "财政拨款（万元）": 12.345678,
        "上年结转（万元）": 0,
        "其他资金（万元）": "1.5",
        "开始年度": 2026,
        "结束年度": 2027,
        "重要性分类": "B",
        "重点项目": "否",
        "项目概述": "说明",
        "政策类项目": "否",
        "修订的政策或项目": "否",
        "专项债券项目": "否",
        "衔接资金项目": "否",
        "涉农整合资金项目": "否",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("项目.xlsx", buffer.getvalue())


def test_import_creates_projects_with_amounts_converted_from_wan_to_yuan(world: World) -> None:
    client = world.login("unit_user")
    response = client.post(
        "/projects/import/", {"fiscal_year": 2026, "file": _xlsx([_row("N-1"), _row("N-2", "101002")])}
    )
    assert response.status_code == 302
    project = Project.objects.get(code="N-1")
    assert project.fiscal_amount_yuan == Decimal("123456.78")
    assert project.other_amount_yuan == Decimal("15000.00")
    assert project.total_amount_yuan == Decimal("138456.78")
    assert project.department == world.edu
    assert Project.objects.get(code="N-2").unit == world.school_branch
    assert AuditEvent.objects.filter(event_type="project.import").count() == 1


def test_import_with_one_bad_row_saves_nothing_and_reports_every_error(world: World) -> None:
    client = world.login("unit_user")
    rows = [
        _row("OK-1"),
        _row("BAD-1", unit="102001", **{"财政拨款（万元）": "-5", "项目类别": "未知"}),
        _row("OK-1"),
    ]
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx(rows)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "所有数据均未导入" in body
    assert "金额不能为负数" in body and "可选值" in body and "与第2行重复" in body
    assert not Project.objects.filter(code__in=["OK-1", "BAD-1"]).exists()
    report = client.get("/projects/import/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows_out = list(sheet.iter_rows(min_row=2, values_only=True))
    assert (3, "财政拨款（万元）", "-5", "金额不能为负数") in rows_out
    assert any(r[0] == 4 and r[1] == "项目编码" for r in rows_out)


def test_import_refuses_a_unit_outside_the_importers_scope(world: World) -> None:
    response = world.login("unit_user").post(
        "/projects/import/", {"fiscal_year": 2026, "file": _xlsx([_row("X-9", unit="102001")])}
    )
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.content.decode()
    assert not Project.objects.filter(code="X-9").exists()


def test_import_rejects_files_that_are_not_xlsx(world: World) -> None:
    client = world.login("unit_user")
    fake = SimpleUploadedFile("项目.xlsx", b"MZ\x90\x00 not a zip")
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": fake})
    assert response.status_code == 400
    assert "不是有效的 Excel" in response.content.decode()
    csv = SimpleUploadedFile("项目.csv", b"a,b")
    assert client.post("/projects/import/", {"fiscal_year": 2026, "file": csv}).status_code == 400


def test_import_rejects_a_missing_required_column(world: World) -> None:
    response = world.login("unit_user").post(
        "/projects/import/", {"fiscal_year": 2026, "file": _xlsx([["A"]], headers=["项目编码"])}
    )
    assert response.status_code == 400
    assert "缺少必填列" in response.content.decode()


def test_formula_text_is_imported_as_literal_text_and_exported_as_a_string(world: World) -> None:
    client = world.login("unit_user")
    payload = '=HYPERLINK("http://x")'
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx([_row("F-1", 项目概述=payload)])})
    assert response.status_code == 302
    assert Project.objects.get(code="F-1").description == payload
    exported = client.get("/projects/export/?q=F-1")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.getvalue())).active
    cell = sheet.cell(row=2, column=HEADERS.index("项目概述") + 1)
    assert cell.value == payload
    assert cell.data_type == "s"


def test_export_contains_exactly_the_filtered_visible_rows(world: World) -> None:
    client = world.login("dept_admin")
    response = client.get(f"/projects/export/?unit={world.school_branch.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["P-BRANCH"]
    # 财政区划 last (a city or province user's file names each row's county)
    assert sheet.cell(1, sheet.max_column).value == "财政区划"
    assert sheet.cell(2, sheet.max_column).value == world.school_branch.region.name
    everything = openpyxl.load_workbook(io.BytesIO(client.get("/projects/export/").getvalue())).active
    assert sorted(r[0] for r in everything.iter_rows(min_row=2, values_only=True)) == ["P-BRANCH", "P-SCHOOL"]
    assert AuditEvent.objects.filter(event_type="project.export", actor_name="p_dept").count() == 2
    # The audit trail's 说明 names the conditions in words: the box's label and the unit's name, not unit=17.
    reasons = AuditEvent.objects.filter(event_type="project.export").order_by("seq").values_list("reason", flat=True)
    assert list(reasons) == [f"实施单位={world.school_branch.name}", "全部（无查询条件）"]


def test_exported_file_imports_back_unchanged(world: World) -> None:
    client = world.login("unit_user")
    before = list(Project.objects.order_by("code").values_list("code", "total_amount_yuan", "version"))
    exported = client.get("/projects/export/").getvalue()
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": SimpleUploadedFile("x.xlsx", exported)})
    assert response.status_code == 302
    after = list(Project.objects.order_by("code").values_list("code", "total_amount_yuan", "version"))
    assert after == before


def test_the_assessment_trigger_columns_import_and_export(world: World) -> None:
    client = world.login("unit_user")
    row = _row("T-1", 政策类项目="是", 专项债券项目="是")
    assert client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx([row])}).status_code == 302
    project = Project.objects.get(code="T-1")
    assert (project.is_policy, project.is_revised, project.is_special_bond) == (True, False, True)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/projects/export/?q=T-1").getvalue())).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (values["政策类项目"], values["修订的政策或项目"], values["专项债券项目"]) == ("是", "否", "是")
    bad = _row("T-2", 专项债券项目="也许")
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx([bad])})
    assert response.status_code == 400 and "可选值" in response.content.decode()
    assert not Project.objects.filter(code="T-2").exists()


def test_an_older_template_without_the_trigger_columns_still_imports_and_keeps_the_flags(world: World) -> None:
    old_headers = [h for h in HEADERS if h not in ("政策类项目", "修订的政策或项目", "专项债券项目", *FUND_THEMES)]
    client = world.login("unit_user")
    Project.objects.filter(pk=world.school_project.pk).update(is_policy=True, is_special_bond=True)
    old_row = dict(zip(HEADERS, _row(world.school_project.code), strict=True))
    new_row = dict(zip(HEADERS, _row("OLD-1"), strict=True))
    rows = [[r[h] for h in old_headers] for r in (old_row, new_row)]
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx(rows, headers=old_headers)})
    assert response.status_code == 302
    world.school_project.refresh_from_db()
    assert world.school_project.is_policy and world.school_project.is_special_bond  # untouched by an old file
    created = Project.objects.get(code="OLD-1")
    assert not (created.is_policy or created.is_revised or created.is_special_bond)


FUND_THEMES = ("衔接资金项目", "涉农整合资金项目")


def test_fund_themes_import_export_and_filter_the_list(world: World) -> None:
    """Seed 003's fund themes (巩固衔接资金, 涉农整合资金): imported, exported, filtered by, kept by an older file."""
    client = world.login("unit_user")
    rows = [_row("F-1", 衔接资金项目="是", 涉农整合资金项目="是"), _row("F-2", 涉农整合资金项目="是"), _row("F-3")]
    assert client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx(rows)}).status_code == 302
    flags = dict(Project.objects.filter(code__startswith="F-").values_list("code", "is_rural_link"))
    assert flags == {"F-1": True, "F-2": False, "F-3": False}
    assert Project.objects.get(code="F-2").is_agri_integrated
    page = client.get("/projects/", {"is_agri_integrated": "true", "q": "F-"}).content.decode()
    assert 'data-testid="project-count">2<' in page
    page = client.get("/projects/", {"is_rural_link": "true"}).content.decode()
    assert 'data-testid="project-count">1<' in page and "F-1" in page
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/projects/export/?q=F-1").getvalue())).active
    values = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert (values["衔接资金项目"], values["涉农整合资金项目"]) == ("是", "是")
    detail = client.get(f"/projects/{Project.objects.get(code='F-1').pk}/").content.decode()
    assert "衔接资金</span>" in detail and "涉农整合资金</span>" in detail
    bad = _row("F-4", 衔接资金项目="部分")
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx([bad])})
    assert response.status_code == 400 and "可选值" in response.content.decode()
    assert not Project.objects.filter(code="F-4").exists()


def test_long_export_is_a_job_with_the_same_scoped_rows(world: World, settings: Any) -> None:
    """Above JIXIAO_EXPORT_SYNC_ROWS the export runs in the background; the file re-imports like the direct one."""
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    client = world.login("dept_admin")
    response = client.get("/projects/export/")
    job = Job.objects.get(kind="project.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    assert job.progress_done == job.progress_total == 2
    download = client.get(f"/jobs/{job.pk}/download/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(download.getvalue())).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["P-BRANCH", "P-SCHOOL"]
    assert world.login("unit_user").get(f"/jobs/{job.pk}/").status_code == 404


def test_a_project_past_draft_is_named_by_its_state_in_the_error_report(world: World) -> None:
    """The refusal reads 项目当前状态为“已入库”, not 项目已已入库."""
    Project.objects.filter(pk=world.school_project.pk).update(status="in_library")
    row = _row(world.school_project.code, 开始年度=2026, 结束年度=2026)
    response = world.login("unit_user").post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx([row])})
    assert response.status_code == 400
    body = response.content.decode()
    assert "项目当前状态为“已入库”，不能通过导入修改" in body and "已已" not in body


def test_a_reimported_export_skips_the_locked_projects_it_lists_unchanged(world: World) -> None:
    """A unit exports its list, edits a draft project's name and imports the file back: the 已入库 project the file
    merely lists is skipped, not refused; changing that locked project is still refused, naming it."""
    Project.objects.filter(pk=world.school_project.pk).update(status="in_library")
    client = world.login("unit_user")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/projects/export/").getvalue()))
    sheet = workbook.active
    codes = [cell.value for cell in sheet["A"]]
    name_col = next(cell.column for cell in sheet[1] if cell.value == "项目名称")
    draft_row = codes.index(world.branch_project.code) + 1
    sheet.cell(draft_row, name_col).value = "分校改名后的项目"
    buffer = io.BytesIO()
    workbook.save(buffer)
    locked_before = Project.objects.values_list("name", "version").get(pk=world.school_project.pk)

    response = client.post(
        "/projects/import/", {"fiscal_year": 2026, "file": SimpleUploadedFile("x.xlsx", buffer.getvalue())}, follow=True
    )
    assert response.status_code == 200
    assert "新增0个项目，更新1个项目，未变更1个项目" in response.content.decode()
    assert Project.objects.get(pk=world.branch_project.pk).name == "分校改名后的项目"
    assert Project.objects.values_list("name", "version").get(pk=world.school_project.pk) == locked_before
    assert "未变更1个" in AuditEvent.objects.filter(event_type="project.import").latest("id").reason

    school_row = codes.index(world.school_project.code) + 1
    sheet.cell(school_row, name_col).value = "改动已入库项目"
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = client.post(
        "/projects/import/", {"fiscal_year": 2026, "file": SimpleUploadedFile("x.xlsx", buffer.getvalue())}
    )
    assert refused.status_code == 400
    assert "项目当前状态为“已入库”，不能通过导入修改" in refused.content.decode()
    assert Project.objects.values_list("name", "version").get(pk=world.school_project.pk) == locked_before


def test_one_report_lists_the_parse_errors_and_the_database_checks_together(world: World) -> None:
    """A file with a bad amount in one row and a unit outside the importer's scope in another is corrected in one
    round: the report names both, and a cell the parser refused is not named twice."""
    client = world.login("unit_user")
    rows = [
        _row("R-1", **{"财政拨款（万元）": "-5"}),
        _row("R-2", unit="102001"),
        _row("R-3", unit="", 结束年度=2020),
    ]
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": _xlsx(rows)})
    assert response.status_code == 400
    errors = [(e.row, e.column, e.message) for e in response.context["errors"]]
    assert (2, "财政拨款（万元）", "金额不能为负数") in errors
    assert (3, "实施单位编码", "单位不存在或不在您的管理范围内") in errors
    assert [e for e in errors if e[0] == 4 and e[1] == "实施单位编码"] == [(4, "实施单位编码", "必填")]
    assert any(e[0] == 4 and e[1] == "结束年度" for e in errors)
    assert [e[0] for e in errors] == sorted(e[0] for e in errors)
    assert not Project.objects.filter(code__startswith="R-").exists()


def test_an_export_of_another_year_is_refused_not_imported_into_the_chosen_year(world: World) -> None:
    """An exported file names each row's 年度: imported under another year, its rows would have become new projects
    of that year carrying the other year's codes. Each such row is refused at its 年度 cell; nothing is written."""
    Project.objects.filter(pk=world.branch_project.pk).update(fiscal_year=2027, start_year=2026, end_year=2027)
    client = world.login("unit_user")
    exported = client.get("/projects/export/?fiscal_year=2027").getvalue()
    before = Project.objects.count()
    response = client.post("/projects/import/", {"fiscal_year": 2026, "file": SimpleUploadedFile("x.xlsx", exported)})
    assert response.status_code == 400
    errors = [(e.column, e.value, e.message) for e in response.context["errors"]]
    assert errors == [
        (
            "年度",
            "2027",
            "该行为2027年度的项目，与所选导入年度（2026年度）不一致，请按年度分别导入；"
            "确要导入为2026年度项目的，请将“年度”改为2026或删除该列",
        )
    ]
    assert Project.objects.count() == before
    assert not Project.objects.filter(fiscal_year=2026, code=world.branch_project.code).exists()
    # The same file under its own year re-imports unchanged; a 年度 that is not a year is named at its cell.
    same = client.post("/projects/import/", {"fiscal_year": 2027, "file": SimpleUploadedFile("x.xlsx", exported)})
    assert same.status_code == 302 and Project.objects.count() == before
    typo = _xlsx([[*_row("Y-1"), "二〇二六"]], headers=[*HEADERS, "年度"])
    refused = client.post("/projects/import/", {"fiscal_year": 2026, "file": typo})
    assert refused.status_code == 400
    assert [(e.column, e.message) for e in refused.context["errors"]] == [("年度", "年度应为4位数字，如 2026")]
