"""Expert pool Excel: masked export (full only with expert.contact), all-or-nothing import, round trip."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.experts.imports import parse_expert_workbook
from jixiao.experts.models import Expert
from jixiao.experts.tests.factories import ExpertFactory

HEADERS = [
    "编号",
    "姓名",
    "类别",
    "专业领域",
    "职称",
    "工作单位",
    "所属部门编码",
    "联系电话",
    "声明回避部门编码",
    "是否在库",
]
PHONE = "13812345678"


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _open(content: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def _upload(client: Client, content: bytes, name: str = "experts.xlsx") -> Any:
    return client.post(reverse("experts:import"), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def wang(world: World) -> Expert:
    return ExpertFactory(region=world.region, name="王教授", field="教育", phone=PHONE, conflicts=[world.health])


# ---------------------------------------------------------------- export


def test_export_masks_phones_for_a_user_without_expert_contact(world: World, wang: Expert, monkeypatch: Any) -> None:
    from jixiao.accounts import capabilities

    perf = capabilities.ROLE_CAPABILITIES["performance"]
    monkeypatch.setitem(capabilities.ROLE_CAPABILITIES, "performance", perf - {"expert.contact"})
    response = world.login("performance").get(reverse("experts:export"))
    rows = _open(response.getvalue())
    assert rows[0][: len(HEADERS)] == tuple(HEADERS)
    assert rows[1][1] == "王教授" and rows[1][7] == "138****5678"
    assert PHONE not in str(rows)
    assert "联系电话已脱敏" in AuditEvent.objects.get(event_type="expert.export").reason


def test_export_shows_full_phones_to_expert_contact_holders_and_audits_it(world: World, wang: Expert) -> None:
    ExpertFactory(region=world.other_region, name="外县专家")
    response = world.login("performance").get(reverse("experts:export") + "?field=教育")
    rows = _open(response.getvalue())
    assert len(rows) == 2  # header + 王教授; the other region's expert is not exported
    assert rows[1][0] == wang.pk and rows[1][7] == PHONE and rows[1][8] == "102"
    assert "含完整联系电话" in AuditEvent.objects.get(event_type="expert.export").reason


# ---------------------------------------------------------------- import


def test_import_creates_and_updates_experts(world: World, wang: Expert) -> None:
    rows = [
        ["", "孙工", "专家", "农业", "研究员", "县农科所", "", "13900001111", "101、102", "是"],
        ["", "周代表", "人大代表", "卫生", "", "", "102", "13900002222", "", ""],
        [wang.pk, "王教授", "专家", "教育", "教授", "县一中", "", "138****5678", "", "否"],
    ]
    response = _upload(world.login("performance"), _xlsx(rows))
    assert response.status_code == 302
    sun = Expert.objects.get(name="孙工")
    assert sun.region == world.region and sun.phone == "13900001111"
    assert set(sun.conflict_departments.all()) == {world.edu, world.health}
    zhou = Expert.objects.get(name="周代表")
    assert zhou.kind == Expert.Kind.NPC_DEPUTY and zhou.department == world.health and zhou.is_active
    wang.refresh_from_db()
    assert wang.phone == PHONE  # a masked phone keeps the stored number
    assert wang.title == "教授" and wang.is_active is False and not wang.conflict_departments.exists()
    event = AuditEvent.objects.get(event_type="expert.import", outcome="success")
    assert "新增2名" in event.reason and "更新1名" in event.reason


def test_one_bad_row_rejects_the_whole_file_with_a_per_cell_report(world: World, wang: Expert) -> None:
    rows = [
        ["", "孙工", "专家", "农业", "", "", "", "13900001111", "", "是"],
        ["", "", "教授", "农业", "", "", "999", "13x", "", "也许"],
        ["", "新专家", "专家", "农业", "", "", "", "139****1111", "", ""],
        [99999, "无此人", "专家", "农业", "", "", "", "", "", ""],
    ]
    client = world.login("performance")
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 400
    assert not Expert.objects.filter(name="孙工").exists()
    errors = {(e.row, e.column) for e in response.context["errors"]}
    assert {(3, "姓名"), (3, "类别"), (3, "联系电话"), (3, "是否在库")} <= errors
    report = _open(client.get(reverse("experts:import_errors")).content)
    assert report[0] == ("行号", "列", "单元格内容", "错误说明")
    assert len(report) > 1


def test_unknown_ids_departments_masked_new_phones_and_duplicates_are_reported(world: World, wang: Expert) -> None:
    rows = [
        ["", "新专家", "专家", "农业", "", "", "", "139****1111", "", ""],
        [99999, "无此人", "专家", "农业", "", "", "", "", "", ""],
        ["", "某专家", "专家", "农业", "", "", "777", "", "101、888", ""],
        ["", "王教授", "专家", "教育", "", "", "", PHONE, "", ""],
    ]
    response = _upload(world.login("performance"), _xlsx(rows))
    assert response.status_code == 400
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert "完整联系电话" in messages[(2, "联系电话")]
    assert "编号不存在" in messages[(3, "编号")]
    assert (4, "所属部门编码") in messages and "888" in messages[(4, "声明回避部门编码")]
    assert "重复" in messages[(5, "姓名")]
    assert Expert.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="expert.import", outcome="failure").exists()


def test_an_exported_file_imports_unchanged(world: World, wang: Expert) -> None:
    client = world.login("performance")
    exported = client.get(reverse("experts:export")).getvalue()
    before = list(Expert.objects.values_list("pk", "version", "phone"))
    response = _upload(client, exported)
    assert response.status_code == 302
    assert list(Expert.objects.values_list("pk", "version", "phone")) == before


def test_import_rejects_a_non_xlsx_file_and_missing_columns(world: World) -> None:
    client = world.login("performance")
    assert _upload(client, b"name,phone", name="experts.csv").status_code == 400
    response = _upload(client, _xlsx([["x"]], headers=["姓名"]))
    assert response.status_code == 400
    assert {e.column for e in response.context["errors"]} == {"类别", "专业领域"}


def test_parser_reads_numbers_and_code_lists() -> None:
    rows, errors = parse_expert_workbook(
        _xlsx([[12, "张三", "专家", "教育", "", "", 101, 13800001111, "101，102 103", ""]])
    )
    assert errors == []
    assert rows[0].expert_id == 12 and rows[0].dept_code == "101" and rows[0].phone == "13800001111"
    assert rows[0].conflict_codes == ("101", "102", "103") and rows[0].is_active is None


def test_template_opens_with_the_import_headers(world: World) -> None:
    content = world.login("performance").get(reverse("experts:import_template")).content
    assert _open(content)[0] == tuple(HEADERS)


def test_parse_errors_and_database_checks_come_in_one_report(world: World, wang: Expert) -> None:
    rows = [
        ["", "孙工", "专家", "农业", "", "", "", "13x", "", ""],
        [99999, "无此人", "专家", "农业", "", "", "", "", "", ""],
    ]
    response = _upload(world.login("performance"), _xlsx(rows))
    assert response.status_code == 400
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert (2, "联系电话") in messages
    assert "编号不存在" in messages[(3, "编号")]
    assert Expert.objects.count() == 1


def _city_perf_client(world: World, *counties: Any) -> tuple[Client, Any]:
    """A city above world.region (渠县, and `counties`) whose 主管部门 reuse the county's codes 101 and 102, and its
    绩效科 user."""
    from conftest import _member
    from jixiao.organizations.models import FinanceSection
    from jixiao.organizations.tests.factories import DepartmentFactory, FinanceSectionFactory, city_with_counties

    city, _ = city_with_counties(world.region, *counties)
    for code, name in (("101", "市教育局"), ("102", "市卫健局")):
        DepartmentFactory(region=city, dept_code=code, name=name)
    section = FinanceSectionFactory(region=city, code="JX", name="绩效科", kind=FinanceSection.Kind.PERFORMANCE)
    user = _member("c_perf", "performance", city, section=section)
    client = Client()
    client.force_login(user)
    return client, city


def _experts() -> list[tuple[Any, ...]]:
    return list(Expert.objects.order_by("pk").values_list("pk", "version", "region_id", "department_id"))


REGION_HEADERS = [*HEADERS, "财政区划编码"]


def test_a_citys_whole_export_imports_back_unchanged(world: World, wang: Expert) -> None:
    """The export covers the city's counties and the import looked department codes up in the city only: a county
    expert's 所属部门/回避部门 were silently re-linked to the city's departments of the same codes (then such rows
    were refused). Each expert's codes are now resolved in its own region."""
    client, city = _city_perf_client(world)
    Expert.objects.filter(pk=wang.pk).update(department=world.edu)
    ExpertFactory(region=city, name="市专家", field="教育", conflicts=[city.departments.get(dept_code="102")])
    before = _experts()
    exported = client.get(reverse("experts:export")).getvalue()
    rows = _open(exported)
    assert rows[0][-1] == "财政区划编码" and sorted(r[-1] for r in rows[1:]) == ["511700000", "511725000"]
    response = _upload(client, exported)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert _experts() == before
    assert set(wang.conflict_departments.all()) == {world.health}


def test_a_city_imports_new_experts_for_two_of_its_counties(world: World, wang: Expert) -> None:
    """A city's 绩效科 had to log into each county to import its experts: one file now names each new expert's
    county; department codes are resolved there, an existing expert (by 编号) is updated in its own county."""
    client, city = _city_perf_client(world, world.other_region)
    rows = [
        ["", "渠县新专家", "专家", "教育", "", "", "101", "13800000001", "102", "", "511725000"],
        ["", "宣汉新专家", "专家", "教育", "", "", "101", "13800000002", "", "", "511722000"],
        ["", "市新专家", "专家", "教育", "", "", "101", "13800000003", "", "", ""],
        [wang.pk, "王教授", "专家", "教育", "正高", "", "101", "", "102", "", ""],
    ]
    response = _upload(client, _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 302, response.context and response.context["errors"]
    qu = Expert.objects.get(name="渠县新专家")
    assert (qu.region, qu.department) == (world.region, world.edu)
    assert list(qu.conflict_departments.all()) == [world.health]
    xuan = Expert.objects.get(name="宣汉新专家")
    assert (xuan.region, xuan.department.name) == (world.other_region, "宣汉县教育局")
    city_expert = Expert.objects.get(name="市新专家")
    assert (city_expert.region, city_expert.department.name) == (city, "市教育局")
    wang.refresh_from_db()
    assert (wang.region, wang.title, wang.department) == (world.region, "正高", world.edu)
    event = AuditEvent.objects.get(event_type="expert.import", outcome="success")
    assert "新增3名" in event.reason and "更新1名" in event.reason
    assert "渠县（511725000）" in event.reason and "宣汉县（511722000）" in event.reason
    assert event.changes["regions"]["511725000"] == {"name": "渠县", "created": 1, "updated": 1, "unchanged": 0}


def test_a_city_row_outside_its_counties_or_moving_an_expert_is_refused(world: World, wang: Expert) -> None:
    from jixiao.organizations.tests.factories import city_with_counties

    client, _city = _city_perf_client(world)  # 宣汉县 stays outside the city
    city_with_counties(("511322000", "营山县"), code="511300000", name="南充市")
    before = _experts()
    rows = [
        ["", "渠县新专家", "专家", "教育", "", "", "", "13800000001", "", "", "511725000"],
        ["", "外市专家", "专家", "教育", "", "", "", "13800000002", "", "", "511322000"],
        ["", "外县专家", "专家", "教育", "", "", "", "13800000003", "", "", "511722000"],
        [wang.pk, "王教授", "专家", "教育", "", "", "", "", "", "", "511700000"],
    ]
    response = _upload(client, _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 400
    errors = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert set(errors) == {(3, "财政区划编码"), (4, "财政区划编码"), (5, "财政区划编码")}
    assert errors[(3, "财政区划编码")] == (
        "财政区划编码“511322000”不是本区划（达州市，511700000）或其下级区划的编码："
        "只能导入本区划（达州市，511700000）及其下级区划的专家"
    )
    assert "“511722000”" in errors[(4, "财政区划编码")]
    assert errors[(5, "财政区划编码")].startswith("该专家属于“渠县”（511725000）")
    assert _experts() == before
    assert AuditEvent.objects.filter(event_type="expert.import", outcome="failure").exists()


def test_a_county_is_still_refused_a_row_of_its_sibling_county(world: World, wang: Expert) -> None:
    _city_perf_client(world, world.other_region)
    before = _experts()
    rows = [["", "宣汉新专家", "专家", "教育", "", "", "", "13800000002", "", "", "511722000"]]
    response = _upload(world.login("performance"), _xlsx(rows, REGION_HEADERS))
    assert response.status_code == 400
    [error] = response.context["errors"]
    assert error.column == "财政区划编码" and error.message.startswith(
        "财政区划编码不是本区划（渠县，511725000）的编码：只能导入本区划（渠县，511725000）的专家"
    )
    assert _experts() == before


def test_a_long_export_is_a_job_whose_file_imports_back_unchanged(
    world: World, wang: Expert, settings: Any, monkeypatch: Any
) -> None:
    """The whole pool was built as one workbook in memory in the request: above JIXIAO_EXPORT_SYNC_ROWS it is a
    background job, phones masked for a user without expert.contact, and its file re-imports unchanged."""
    from jixiao.accounts import capabilities
    from jixiao.core.models import Job

    perf = capabilities.ROLE_CAPABILITIES["performance"]
    monkeypatch.setitem(capabilities.ROLE_CAPABILITIES, "performance", perf - {"expert.contact"})
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    ExpertFactory(region=world.region, name="李专家", field="卫生", conflicts=[world.edu])
    before = list(Expert.objects.order_by("pk").values_list("pk", "version", "phone"))
    client = world.login("performance")
    response = client.get(reverse("experts:export"))
    job = Job.objects.get(kind="expert.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    exported = client.get(f"/jobs/{job.pk}/download/result/").getvalue()
    rows = _open(exported)
    assert rows[0][: len(HEADERS)] == tuple(HEADERS)
    assert sorted(r[1] for r in rows[1:]) == ["李专家", "王教授"] and PHONE not in str(rows)
    assert "联系电话已脱敏" in AuditEvent.objects.get(event_type="expert.export").reason
    assert _upload(client, exported).status_code == 302
    assert list(Expert.objects.order_by("pk").values_list("pk", "version", "phone")) == before
