"""Unit list Excel: import all-or-nothing with a per-cell error report, export of the filtered rows, round trip."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import BudgetUnit
from jixiao.organizations.tests.factories import BudgetUnitFactory

HEADERS = ["单位编码", "单位名称", "主管部门编码", "上级单位编码", "单位类型", "是否启用"]
EXPORT_HEADERS = [*HEADERS, "单位级次", "主管部门名称", "财政区划", "财政区划编码"]


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, content: bytes, name: str = "units.xlsx") -> Any:
    return client.post(reverse("organizations:unit_import"), {"file": SimpleUploadedFile(name, content)})


def _open(content: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def _state() -> list[tuple[Any, ...]]:
    return list(
        BudgetUnit.objects.order_by("pk").values_list(
            "pk", "agency_code", "name", "department_id", "parent_id", "level", "kind", "is_active", "path",
            "version", "updated_at",
        )
    )  # fmt: skip


GOOD_ROWS = [
    ["101003", "县第二中学", "101", "", "事业单位", "是"],
    ["101031", "县第二中学分校", "101", "101003", "事业单位", ""],
    ["102002", "县中医院", "102", "102001", "事业单位", "否"],
    [101001, "县第一中学（更名）", 101, None, "行政单位", "是"],  # numbers as Excel often stores codes
]


# ---------------------------------------------------------------- import


def test_budget_section_imports_new_and_existing_units(world: World) -> None:
    response = _upload(world.login("budget"), _xlsx(GOOD_ROWS))
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:unit_list")
    units = {u.agency_code: u for u in BudgetUnit.objects.filter(region=world.region).select_related("parent")}
    assert units["101003"].level == 1 and units["101003"].department == world.edu
    assert units["101031"].parent == units["101003"] and units["101031"].level == 2
    assert units["101031"].is_active is True
    assert units["102002"].parent == world.hospital and units["102002"].is_active is False
    assert units["101001"].name == "县第一中学（更名）"
    assert units["101003"].kind == BudgetUnit.Kind.PUBLIC_INSTITUTION
    event = AuditEvent.objects.get(event_type="unit.import", outcome="success")
    assert "新增3个" in event.reason and "更新1个" in event.reason
    assert AuditEvent.objects.filter(event_type="unit.create").count() == 3


def test_one_bad_row_rejects_the_whole_file(world: World) -> None:
    before = _state()
    rows = [*GOOD_ROWS, ["109001", "不存在部门的单位", "999", "", "行政单位", "是"]]
    client = world.login("budget")
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 400
    body = response.content.decode()
    assert "所有数据均未导入" in body
    assert "主管部门不存在" in body
    assert response.context["errors"][0].row == 6 and response.context["errors"][0].column == "主管部门编码"
    assert _state() == before
    assert AuditEvent.objects.filter(event_type="unit.import", outcome="failure").exists()

    report = client.get(reverse("organizations:unit_import_errors"))
    assert report.status_code == 200
    rows_in_report = _open(report.content)
    assert rows_in_report[0] == ("行号", "列", "单元格内容", "错误说明")
    assert rows_in_report[1][:3] == (6, "主管部门编码", "999")
    assert "主管部门不存在" in rows_in_report[1][3]


def test_parse_errors_are_reported_per_row_and_column(world: World) -> None:
    rows = [
        ["101003", "", "101", "", "学校", "可能"],
        ["101-4", "县第四中学", "101", "", "行政单位", "是"],
        ["101003", "重复编码", "101", "", "行政单位", "是"],
    ]
    response = _upload(world.login("budget"), _xlsx(rows))
    assert response.status_code == 400
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert errors[(2, "单位名称")] == "必填"
    assert errors[(2, "单位类型")].startswith("可选值：行政单位、事业单位")
    assert errors[(2, "是否启用")] == "可选值：是、否"
    assert errors[(3, "单位编码")] == "编码只能包含数字和字母"
    assert errors[(4, "单位编码")] == "与第2行重复"
    assert BudgetUnit.objects.count() == 4


def test_tree_rules_are_checked_against_the_file_and_the_database(world: World) -> None:
    rows = [
        ["101101", "循环甲", "101", "101102", "行政单位", "是"],
        ["101102", "循环乙", "101", "101101", "行政单位", "是"],
        ["101103", "跨部门", "101", "102001", "行政单位", "是"],
        ["101104", "三级", "101", "101002", "行政单位", "是"],
        ["101105", "四级", "101", "101104", "行政单位", "是"],
        ["101106", "找不到上级", "101", "888888", "行政单位", "是"],
        ["101107", "外县单位的下级", "101", "", "行政单位", "是"],
    ]
    response = _upload(world.login("budget"), _xlsx(rows))
    assert response.status_code == 400
    errors = {(e.row, e.message) for e in response.context["errors"]}
    assert (2, "上级单位关系形成循环") in errors
    assert (4, "上级单位属于主管部门“102”，须与本单位相同") in errors
    assert (6, "预算单位最多三级") in errors
    assert (7, "上级单位不存在（文件和系统中均未找到）") in errors
    assert not any(row in (5, 8) for row, _message in errors)  # a third level is fine; so is a new root
    assert BudgetUnit.objects.count() == 4


def test_missing_columns_and_non_excel_files_are_rejected(world: World) -> None:
    client = world.login("budget")
    response = _upload(client, _xlsx([["101003", "县第二中学"]], headers=["单位编码", "单位名称"]))
    assert response.status_code == 400
    assert {e.column for e in response.context["errors"]} == {"主管部门编码", "单位类型"}
    csv = _upload(client, "单位编码,单位名称\n".encode(), name="units.csv")
    assert csv.status_code == 400
    assert "请上传 .xlsx 格式的 Excel 文件" in csv.content.decode()
    fake = _upload(client, b"not a zip", name="units.xlsx")
    assert fake.status_code == 400
    assert "不是有效的 Excel" in fake.content.decode()
    assert BudgetUnit.objects.count() == 4


def test_the_template_downloads_with_its_examples_on_their_own_sheet(world: World) -> None:
    response = world.login("budget").get(reverse("organizations:unit_import_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["预算单位", "填写说明", "示例"]
    assert list(workbook["预算单位"].iter_rows(values_only=True)) == [tuple(HEADERS)]
    examples = list(workbook["示例"].iter_rows(values_only=True))
    assert examples[0] == tuple(HEADERS) and [r[0] for r in examples[1:]] == ["101001", "101002"]


def test_uploading_the_template_unchanged_changes_no_unit(world: World) -> None:
    """The examples name 101001 县教育局本级: uploaded as downloaded, they renamed the county's own unit 101001."""
    client = world.login("budget")
    names = dict(BudgetUnit.objects.values_list("agency_code", "name"))
    assert "101001" in names
    template = client.get(reverse("organizations:unit_import_template")).content
    response = _upload(client, template)
    assert response.status_code == 400
    assert "文件中没有数据行" in response.content.decode()
    assert dict(BudgetUnit.objects.values_list("agency_code", "name")) == names


# ---------------------------------------------------------------- export


def test_export_contains_exactly_the_filtered_visible_rows(world: World) -> None:
    BudgetUnitFactory(department=world.edu, agency_code="101009", name="县第二中学")
    client = world.login("performance")
    response = client.get(reverse("organizations:unit_export"), {"department": world.edu.pk, "q": "中学"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _open(response.getvalue())
    assert list(rows[0]) == EXPORT_HEADERS
    assert sorted(r[0] for r in rows[1:]) == ["101001", "101002", "101009"]
    branch = next(r for r in rows[1:] if r[0] == "101002")
    assert branch == (
        *("101002", "县第一中学分校", "101", "101001", "行政单位", "是", "二级预算单位", "县教育局"),
        *("渠县", "511725000"),
    )
    assert AuditEvent.objects.filter(event_type="unit.export", actor_name="p_perf").exists()


def test_export_never_includes_another_countys_units(world: World) -> None:
    rows = _open(world.login("budget").get(reverse("organizations:unit_export")).getvalue())
    assert sorted(r[0] for r in rows[1:]) == ["101001", "101002", "102001"]
    assert "宣汉县中学" not in {r[1] for r in rows[1:]}


def test_export_matches_the_list_page_filters(world: World) -> None:
    client = world.login("budget")
    query = {"level": "1"}
    page = client.get(reverse("organizations:unit_list"), query)
    rows = _open(client.get(reverse("organizations:unit_export"), query).getvalue())
    assert sorted(u.agency_code for u in page.context["page"]) == sorted(r[0] for r in rows[1:])


def test_a_formula_like_value_is_exported_as_text(world: World) -> None:
    BudgetUnit.objects.filter(pk=world.hospital.pk).update(name='=HYPERLINK("http://x")')
    content = world.login("budget").get(reverse("organizations:unit_export")).getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "102001")
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"


def test_export_then_import_changes_nothing(world: World) -> None:
    BudgetUnitFactory(department=world.health, agency_code="102011", name="=1+1", parent=world.hospital, level=2)
    BudgetUnit.objects.filter(agency_code="102011").update(is_active=False, kind=BudgetUnit.Kind.DEV_ZONE)
    before = _state()
    client = world.login("budget")
    exported = client.get(reverse("organizations:unit_export")).getvalue()
    response = _upload(client, exported)
    assert response.status_code == 302
    assert _state() == before
    event = AuditEvent.objects.get(event_type="unit.import", outcome="success")
    assert "新增0个，更新0个，未变化4个" in event.reason
    assert not AuditEvent.objects.filter(event_type__in=["unit.create", "unit.update"]).exists()


def test_parse_errors_and_database_checks_come_in_one_report(world: World) -> None:
    rows = [
        ["101201", "", "101", "", "行政单位", "是"],
        ["101202", "无此部门", "999", "", "行政单位", "是"],
        ["101203", "上级不存在", "101", "888888", "行政单位", "是"],
    ]
    response = _upload(world.login("budget"), _xlsx(rows))
    assert response.status_code == 400
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert errors[(2, "单位名称")] == "必填"
    assert errors[(3, "主管部门编码")].startswith("主管部门不存在")
    assert errors[(4, "上级单位编码")] == "上级单位不存在（文件和系统中均未找到）"
    assert BudgetUnit.objects.count() == 4


# ---------------------------------------------------------------- a city's export and the import of its own region


def _city_budget_client(world: World, *, counties: tuple[Any, ...] = ()) -> tuple[Client, Any]:
    """A city above world.region (渠县, and `counties`) whose 主管部门 reuse the county's codes 101 and 102, and its
    预算股 user."""
    from conftest import _member
    from jixiao.organizations.models import FinanceSection
    from jixiao.organizations.tests.factories import DepartmentFactory, FinanceSectionFactory, city_with_counties

    city, _ = city_with_counties(world.region, *counties)
    for code, name in (("101", "市教育局"), ("102", "市卫健局")):
        DepartmentFactory(region=city, dept_code=code, name=name)
    section = FinanceSectionFactory(region=city, code="YS", name="预算科", kind=FinanceSection.Kind.BUDGET)
    user = _member("c_budget", "budget", city, section=section)
    client = Client()
    client.force_login(user)
    return client, city


REGION_HEADERS = [*HEADERS, "财政区划编码"]


def test_a_citys_whole_export_imports_back_unchanged(world: World) -> None:
    """The export covers the city's counties; the import took the importer's own region only (a city re-importing
    its export was refused, before that it created the counties' units again as city units). Each row is now
    resolved and saved in its own region."""
    client, _city = _city_budget_client(world, counties=(world.other_region,))
    exported = client.get(reverse("organizations:unit_export")).getvalue()
    rows = _open(exported)
    assert {r[EXPORT_HEADERS.index("财政区划编码")] for r in rows[1:]} == {"511725000", "511722000"}
    before = _state()
    response = _upload(client, exported)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert _state() == before


def test_a_city_imports_one_file_for_two_of_its_counties(world: World) -> None:
    """A city's 预算股 had to log into each county to import its units: one file now names each row's county. The
    codes (101001 in both counties, 主管部门 101, 上级单位) are resolved in the row's county."""
    client, city = _city_budget_client(world, counties=(world.other_region,))
    rows = [
        ["101001", "县第一中学（更名）", "101", "", "行政单位", "是", "511725000"],
        ["101009", "渠县新学校", "101", "101001", "事业单位", "是", "511725000"],
        ["101001", "宣汉县中学（更名）", "101", "", "行政单位", "是", "511722000"],
        ["101008", "宣汉县新学校", "101", "101001", "事业单位", "是", "511722000"],
        ["101007", "市直新单位", "101", "", "行政单位", "是", ""],
    ]
    response = _upload(client, _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 302, response.context and response.context["errors"]
    world.school.refresh_from_db()
    world.far_unit.refresh_from_db()
    assert world.school.name == "县第一中学（更名）" and world.far_unit.name == "宣汉县中学（更名）"
    qu = BudgetUnit.objects.get(agency_code="101009")
    xuan = BudgetUnit.objects.get(agency_code="101008")
    assert (qu.region, qu.department, qu.parent) == (world.region, world.edu, world.school)
    assert (xuan.region, xuan.department_id, xuan.parent) == (world.other_region, world.far_unit.department_id,
                                                              world.far_unit)  # fmt: skip
    city_unit = BudgetUnit.objects.get(agency_code="101007")
    assert city_unit.region == city and city_unit.department.name == "市教育局"
    event = AuditEvent.objects.get(event_type="unit.import", outcome="success")
    assert "新增3个" in event.reason and "更新2个" in event.reason
    assert "渠县（511725000）" in event.reason and "宣汉县（511722000）" in event.reason
    assert event.changes["regions"]["511722000"] == {"name": "宣汉县", "created": 1, "updated": 1, "unchanged": 0}


def test_a_city_row_of_another_citys_county_or_an_unknown_code_is_refused(world: World) -> None:
    from jixiao.organizations.tests.factories import city_with_counties

    client, _city = _city_budget_client(world)  # 宣汉县 stays outside the city
    city_with_counties(("511322000", "营山县"), code="511300000", name="南充市")
    before = _state()
    rows = [
        ["101009", "新单位", "101", "", "行政单位", "是", "511725000"],
        ["101001", "外县单位", "101", "", "行政单位", "是", "511722000"],
        ["101003", "外市单位", "101", "", "行政单位", "是", "511322000"],
        ["101004", "无此区划", "101", "", "行政单位", "是", "999999999"],
    ]
    response = _upload(client, _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 400
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert set(errors) == {(3, "财政区划编码"), (4, "财政区划编码"), (5, "财政区划编码")}
    assert errors[(4, "财政区划编码")] == (
        "财政区划编码“511322000”不是本区划（达州市，511700000）或其下级区划的编码："
        "只能导入本区划（达州市，511700000）及其下级区划的单位"
    )
    assert "“999999999”" in errors[(5, "财政区划编码")]
    assert _state() == before
    assert AuditEvent.objects.filter(event_type="unit.import", outcome="failure").exists()


def test_a_county_is_still_refused_a_row_of_its_sibling_county(world: World) -> None:
    """Under a city, 渠县's 预算股 imports 渠县's rows only: 宣汉县's are refused with the message counties had."""
    _city_budget_client(world, counties=(world.other_region,))
    before = _state()
    rows = [["101001", "改名", "101", "", "行政单位", "是", "511722000"]]
    response = _upload(world.login("budget"), _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 400
    [error] = response.context["errors"]
    assert error.column == "财政区划编码" and error.message.startswith(
        "财政区划编码不是本区划（渠县，511725000）的编码：只能导入本区划（渠县，511725000）的单位"
    )
    assert _state() == before


def test_a_region_code_that_cannot_be_one_is_refused_without_a_lookup(world: World, monkeypatch: Any) -> None:
    """Only a code of 6–9 digits is looked up: a text with a NUL reached the region query (PostgreSQL refuses it)."""
    from jixiao.organizations import selectors, services
    from jixiao.organizations.columns import UnitImportRow

    looked_up: list[set[str]] = []
    lookup = selectors.regions_under_by_code
    spy = lambda region, codes: looked_up.append(codes) or lookup(region, codes)  # noqa: E731
    monkeypatch.setattr(selectors, "regions_under_by_code", spy)
    rows = [
        UnitImportRow(2, "101009", "新单位", "101", "", "admin", True, region_code="5117\x0000"),
        UnitImportRow(3, "101008", "新单位", "101", "", "admin", True, region_code="511722000"),
    ]
    errors = services.units_import_errors(actor=world.users["budget"], region=world.region, rows=rows)
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "财政区划编码", "5117\x0000"),
                                                          (3, "财政区划编码", "511722000")]  # fmt: skip
    assert looked_up == [{"511722000"}]


def test_the_same_code_twice_in_one_region_is_a_duplicate_also_with_and_without_the_region_code(world: World) -> None:
    rows = [
        ["101009", "新单位", "101", "", "行政单位", "是", ""],
        ["101009", "新单位", "101", "", "行政单位", "是", "511725000"],
    ]
    response = _upload(world.login("budget"), _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 400
    [error] = response.context["errors"]
    assert (error.row, error.column, error.message) == (3, "单位编码", "与第2行重复")
    assert not BudgetUnit.objects.filter(agency_code="101009").exists()


def test_a_citys_own_region_export_imports_back_unchanged(world: World) -> None:
    client, city = _city_budget_client(world)
    BudgetUnitFactory(department=city.departments.get(dept_code="101"), agency_code="101001", name="市教育局本级")
    before = _state()
    exported = client.get(reverse("organizations:unit_export"), {"own_region": "true"}).getvalue()
    rows = _open(exported)
    assert [(r[0], r[EXPORT_HEADERS.index("财政区划")]) for r in rows[1:]] == [("101001", "达州市")]
    assert _upload(client, exported).status_code == 302
    assert _state() == before
    assert "仅本区划" in AuditEvent.objects.get(event_type="unit.export").reason


def test_a_row_of_an_unknown_region_code_is_refused(world: World) -> None:
    headers = [*HEADERS, "财政区划编码"]
    row = ["101009", "新单位", "101", "", "行政单位", "是", "5117"]
    response = _upload(world.login("budget"), _xlsx([row], headers))
    assert response.status_code == 400
    [error] = response.context["errors"]
    assert error.column == "财政区划编码" and "渠县" in error.message
    assert not BudgetUnit.objects.filter(agency_code="101009").exists()


def test_a_long_export_is_a_job_whose_file_imports_back_unchanged(world: World, settings: Any) -> None:
    """The whole list was built as one workbook in memory in the request (a province: ~80,000 units): above
    JIXIAO_EXPORT_SYNC_ROWS it is a background job for the user's own scope, audited, and its file re-imports."""
    from jixiao.core.models import Job

    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    before = _state()
    client = world.login("budget")
    response = client.get(reverse("organizations:unit_export"))
    job = Job.objects.get(kind="unit.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    assert job.progress_done == job.progress_total == 3
    exported = client.get(f"/jobs/{job.pk}/download/result/").getvalue()
    rows = _open(exported)
    assert list(rows[0]) == EXPORT_HEADERS
    assert sorted(r[0] for r in rows[1:]) == ["101001", "101002", "102001"]
    assert _upload(client, exported).status_code == 302
    assert _state() == before
    assert AuditEvent.objects.filter(event_type="unit.export", actor_name="p_budget").count() == 1
    assert world.login("performance").get(f"/jobs/{job.pk}/").status_code == 404
