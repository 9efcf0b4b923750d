"""Excel import (all-or-nothing, per-cell error report) and export (exactly the filtered rows), files opened."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World
from jixiao.core.models import AuditEvent, Job
from jixiao.indicators.columns import IMPORT_HEADERS
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.tests.factories import IndicatorItemFactory
from jixiao.organizations.models import FiscalRegion


def _row(name: str, **overrides: Any) -> list[Any]:
    values = {
        "指标编码": "",
        "行业领域编码": "0102",
        "指标体系": "2015_88",
        "一级指标": "产出指标",
        "二级指标": "数量指标",
        "三级指标名称": name,
        "共性/个性": "个性",
        "计算符号": "≥",
        "参考指标值": 32,
        "计量单位": "所",
        "指标解释": "开展课后服务的义务教育学校数量。",
        "评（扣）分标准": "完成目标值得满分。",
        "取值依据": "计划标准",
        "数据来源": "课后服务工作台账",
        "核心指标": "否",
    }
    values.update(overrides)
    return [values[h] for h in IMPORT_HEADERS]


def _xlsx(rows: list[list[Any]], headers: list[str] = IMPORT_HEADERS) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("指标.xlsx", buffer.getvalue())


def _sheet(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def _download(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_import_creates_approved_county_indicators_and_updates_by_code(world: World) -> None:
    client = world.login("performance")
    existing = IndicatorItemFactory(region=world.region, name="旧名称")
    rows = [
        _row("课后服务覆盖学校数"),
        _row("课后服务学生参与率", 一级指标="效益指标", 二级指标="社会效益指标", 计算符号=">=", 计量单位="%"),
        _row("更新后的名称", 指标编码=existing.code, 计算符号="定性", 参考指标值="明显提升", 核心指标="是"),
    ]
    response = client.post("/indicators/import/", {"file": _xlsx(rows)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    created = IndicatorLibraryItem.objects.get(name="课后服务覆盖学校数")
    assert (created.status, created.library_level, created.region) == ("approved", "county", world.region)
    assert (created.typical_value, created.operator, created.code[:5]) == ("32", "gte", "0102-")
    second = IndicatorLibraryItem.objects.get(name="课后服务学生参与率")
    assert (second.lv1.name, second.lv2.name, second.operator) == ("效益指标", "社会效益指标", "gte")
    existing.refresh_from_db()
    assert (existing.name, existing.operator, existing.is_core) == ("更新后的名称", "qual", True)
    assert AuditEvent.objects.filter(event_type="indicator.import").count() == 1
    assert AuditEvent.objects.filter(event_type="indicator.create").count() == 2


def test_import_with_bad_rows_saves_nothing_and_reports_each_bad_cell(world: World) -> None:
    client = world.login("performance")
    rows = [
        _row("好的一行"),
        _row("坏的一行", 行业领域编码="99", 计算符号="约等于", 二级指标="社会效益指标"),
        _row("缺名称的一行", 三级指标名称=""),
    ]
    response = client.post("/indicators/import/", {"file": _xlsx(rows)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "所有数据均未导入" in body
    assert "可选值：≥、&gt;、=、≤、&lt;、定性" in body and "必填" in body
    assert not IndicatorLibraryItem.objects.filter(name__in=["好的一行", "坏的一行"]).exists()
    report = client.get("/indicators/import/errors.xlsx")
    assert report.status_code == 200
    rows_out = list(_sheet(report.content).iter_rows(min_row=2, values_only=True))
    assert (3, "计算符号", "约等于", "可选值：≥、>、=、≤、<、定性") in rows_out
    assert (4, "三级指标名称", None, "必填") in rows_out


def test_import_rejects_names_already_in_the_library_or_repeated_in_the_file(world: World) -> None:
    client = world.login("performance")
    rows = [
        _row("适龄儿童入学率", 一级指标="效益指标", 二级指标="社会效益指标"),
        _row("新指标甲"),
        _row("新指标甲"),
    ]
    assert client.post("/indicators/import/", {"file": _xlsx(rows)}).status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    assert (4, "三级指标名称", "新指标甲", "与第3行重复") in rows_out
    assert client.post("/indicators/import/", {"file": _xlsx(rows[:2])}).status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    assert rows_out == [(2, "三级指标名称", "适龄儿童入学率", "指标库中已有同名指标")]
    assert not IndicatorLibraryItem.objects.filter(name="新指标甲").exists()


def test_import_checks_codes_categories_and_levels_against_the_database(world: World) -> None:
    client = world.login("performance")
    shared_code = IndicatorLibraryItem.objects.get(name="适龄儿童入学率").code
    far = IndicatorItemFactory(region=world.other_region, name="外县指标")
    rows = [
        _row("错误分类", 行业领域编码="99"),
        _row("错误层级", 二级指标="社会效益指标"),
        _row("外县编码", 指标编码=far.code),
        _row("未知体系", 指标体系="2099_1"),
        _row("通用编码", 指标编码=shared_code),
    ]
    response = client.post("/indicators/import/", {"file": _xlsx(rows)})
    assert response.status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    messages = {(r[0], r[1]): r[3] for r in rows_out}
    assert messages[(2, "行业领域编码")] == "分类编码不存在"
    assert messages[(3, "二级指标")] == "不是一级指标“产出指标”下的二级指标"
    assert messages[(4, "指标编码")] == "该编码已被其他区划或上级指标库使用"
    assert messages[(5, "指标体系")] == "指标体系不存在或已停用"
    assert (6, "指标编码") not in messages  # the county's performance section manages the shared library
    far.refresh_from_db()
    assert far.name == "外县指标"


def test_import_rejects_a_missing_required_column_and_non_xlsx_files(world: World) -> None:
    client = world.login("performance")
    response = client.post("/indicators/import/", {"file": _xlsx([["x"]], headers=["三级指标名称"])})
    assert response.status_code == 400
    assert "缺少必填列" in response.content.decode()
    fake = SimpleUploadedFile("指标.xlsx", b"MZ not a zip")
    assert "不是有效的 Excel" in client.post("/indicators/import/", {"file": fake}).content.decode()


def test_template_opens_with_a_guide_and_its_example_on_its_own_sheet(world: World) -> None:
    response = world.login("performance").get("/indicators/import/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet, guide, example = workbook.worksheets
    assert [c.value for c in sheet[1]] == IMPORT_HEADERS and sheet.max_row == 1
    assert [c.value for c in example[1]] == IMPORT_HEADERS
    assert example.cell(row=2, column=6).value == "课后服务覆盖学校数"
    guide_values = list(guide.iter_rows(min_row=2, values_only=True))
    assert ("行业领域编码", "0102", "义务教育") in guide_values
    assert any(r[0] == "指标体系/一级/二级" and r[1] == "2021_101" for r in guide_values)


def test_uploading_the_template_unchanged_adds_no_indicator(world: World) -> None:
    """The example row used to sit on the imported sheet: left in, it entered the library as an approved indicator."""
    client = world.login("performance")
    before = IndicatorLibraryItem.objects.count()
    template = client.get("/indicators/import/template.xlsx").content
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("指标.xlsx", template)})
    assert response.status_code == 400
    assert "文件中没有数据行" in response.content.decode()
    assert IndicatorLibraryItem.objects.count() == before
    assert not IndicatorLibraryItem.objects.filter(name="课后服务覆盖学校数").exists()


def test_export_contains_exactly_the_filtered_visible_rows(world: World) -> None:
    client = world.login("unit_user")
    response = client.get("/indicators/export/?category=0102&lv2=质量指标")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _sheet(_download(response))
    assert sheet.title == "指标库"  # as the import template's sheet
    assert [c.value for c in sheet[1]][: len(IMPORT_HEADERS)] == IMPORT_HEADERS
    names = sorted(row[5] for row in sheet.iter_rows(min_row=2, values_only=True))
    expected = sorted(
        IndicatorLibraryItem.objects.filter(category__code="0102", lv2__name="质量指标").values_list("name", flat=True)
    )
    assert names == expected and len(names) >= 3
    assert AuditEvent.objects.filter(event_type="indicator.export", actor_name="p_unit").count() == 1


def test_export_leaves_out_proposals_the_user_cannot_see(world: World) -> None:
    IndicatorItemFactory(draft=True, department=world.health, region=world.region, name="卫健局草稿指标")
    sheet = _sheet(_download(world.login("unit_user").get("/indicators/export/?status=all&q=草稿指标")))
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == []
    sheet = _sheet(_download(world.login("performance").get("/indicators/export/?status=all&q=草稿指标")))
    assert [r[5] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["卫健局草稿指标"]


def test_formula_looking_text_is_exported_as_a_string_cell(world: World) -> None:
    payload = '=HYPERLINK("http://x","点击")'
    IndicatorItemFactory(region=world.region, name="公式样例指标", explanation=payload, typical_value="+100")
    sheet = _sheet(_download(world.login("performance").get("/indicators/export/?q=公式样例")))
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 1
    explanation = rows[0][IMPORT_HEADERS.index("指标解释")]
    value = rows[0][IMPORT_HEADERS.index("参考指标值")]
    assert (explanation.value, explanation.data_type) == (payload, "s")
    assert (value.value, value.data_type) == ("+100", "s")


def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    client = world.login("performance")
    IndicatorItemFactory.create_batch(3, region=world.region)
    before = list(IndicatorLibraryItem.objects.order_by("code").values_list("code", "name", "version"))
    exported = _download(client.get("/indicators/export/?category=0102"))
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("x.xlsx", exported)})
    assert response.status_code == 302
    after = list(IndicatorLibraryItem.objects.order_by("code").values_list("code", "name", "version"))
    assert after == before


def test_a_long_export_is_a_job_whose_file_has_the_same_rows_and_imports_back(world: World, settings: Any) -> None:
    """The whole list was built in memory in the request, however long: above JIXIAO_EXPORT_SYNC_ROWS it is now a
    background job for the user's own scope, audited, and its file re-imports like the direct one."""
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    client = world.login("performance")
    expected = sorted(
        IndicatorLibraryItem.objects.visible_to(world.users["performance"])
        .filter(category__code__startswith="0102", status="approved")
        .values_list("code", flat=True)
    )
    before = list(IndicatorLibraryItem.objects.order_by("code").values_list("code", "name", "version"))
    response = client.get("/indicators/export/?category=0102")
    job = Job.objects.get(kind="indicator.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    assert job.progress_done == job.progress_total == len(expected) > 1
    assert AuditEvent.objects.filter(event_type="indicator.export", actor_name="p_perf").count() == 1
    exported = client.get(f"/jobs/{job.pk}/download/result/").getvalue()
    sheet = _sheet(exported)
    assert [c.value for c in sheet[1]][: len(IMPORT_HEADERS)] == IMPORT_HEADERS
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == expected
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("x.xlsx", exported)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert list(IndicatorLibraryItem.objects.order_by("code").values_list("code", "name", "version")) == before
    assert world.login("unit_user").get(f"/jobs/{job.pk}/").status_code == 404


def test_the_export_is_offered_as_csv_with_the_same_columns(world: World) -> None:
    response = world.login("unit_user").get("/indicators/export/?format=csv&q=入学率")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_download(response).decode("utf-8-sig"))))
    assert rows[0][: len(IMPORT_HEADERS)] == IMPORT_HEADERS
    assert "适龄儿童入学率" in [row[5] for row in rows[1:]]
    assert AuditEvent.objects.filter(event_type="indicator.export", actor_name="p_unit").count() == 1


def test_parse_errors_and_database_checks_come_in_one_report(world: World) -> None:
    client = world.login("performance")
    rows = [_row("格式错误", 计算符号="约等于"), _row("分类错误", 行业领域编码="99"), _row("", 行业领域编码="99")]
    assert client.post("/indicators/import/", {"file": _xlsx(rows)}).status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    assert (2, "计算符号", "约等于", "可选值：≥、>、=、≤、<、定性") in rows_out
    assert (3, "行业领域编码", "99", "分类编码不存在") in rows_out
    assert (4, "三级指标名称", None, "必填") in rows_out
    assert not IndicatorLibraryItem.objects.filter(name__in=["格式错误", "分类错误"]).exists()


def test_a_new_indicator_needs_its_explanation_and_scoring_standard_as_on_the_form(world: World) -> None:
    client = world.login("performance")
    rows = [_row("缺解释", 指标解释=""), _row("缺标准", **{"评（扣）分标准": " "})]
    assert client.post("/indicators/import/", {"file": _xlsx(rows)}).status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    assert rows_out == [
        (2, "指标解释", None, "新增指标必填（与新增指标表单一致）"),
        (3, "评（扣）分标准", None, "新增指标必填（与新增指标表单一致）"),
    ]
    assert not IndicatorLibraryItem.objects.filter(name__in=["缺解释", "缺标准"]).exists()


def test_an_older_indicator_without_the_texts_reimports_but_an_import_never_blanks_them(world: World) -> None:
    client = world.login("performance")
    assert client.post("/indicators/import/", {"file": _xlsx([_row("旧指标")])}).status_code == 302
    item = IndicatorLibraryItem.objects.get(name="旧指标")
    IndicatorLibraryItem.objects.filter(pk=item.pk).update(explanation="")  # as an item from before the rule
    again = [_row("旧指标", 指标编码=item.code, 指标解释="", 计量单位="个")]
    assert client.post("/indicators/import/", {"file": _xlsx(again)}).status_code == 302
    item.refresh_from_db()
    assert item.unit == "个" and item.explanation == ""
    blanked = [_row("旧指标", 指标编码=item.code, 指标解释="", **{"评（扣）分标准": ""})]
    assert client.post("/indicators/import/", {"file": _xlsx(blanked)}).status_code == 400
    rows_out = list(_sheet(client.get("/indicators/import/errors.xlsx").content).iter_rows(min_row=2, values_only=True))
    assert rows_out == [(2, "评（扣）分标准", None, "不能清空已有内容")]
    item.refresh_from_db()
    assert item.scoring_standard == "完成目标值得满分。"


def _under_a_city(world: World) -> None:
    """The county under a city, as in the demo: the shared library belongs to the top region's section."""
    city = FiscalRegion.objects.create(mof_div_code="511700000", name="达州市", path="511700000/")
    world.region.parent = city
    world.region.path = world.region.build_path()
    world.region.save()


def test_an_exported_list_with_shared_indicators_imports_back_unchanged(world: World) -> None:
    _under_a_city(world)
    own = IndicatorItemFactory(region=world.region, name="本县指标入学率")
    client = world.login("performance")
    exported = _download(client.get("/indicators/export/?q=入学率"))
    sheet = _sheet(exported)
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    shared = IndicatorLibraryItem.objects.get(name="适龄儿童入学率")
    assert shared.code in codes and own.code in codes
    # The county's 绩效股 exports, then imports the file back: the shared (upper-level) rows it may not change are
    # left as they are and counted 未变更 (every one of them was refused: 该编码已被其他区划或上级指标库使用).
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("指标.xlsx", exported)}, follow=True)
    assert response.redirect_chain, response.content.decode()[-2000:]
    assert f"{len(codes)}条未变更" in response.content.decode()
    # A changed shared row is still refused at its code.
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == shared.code:
            row[headers.index("参考指标值")].value = "50"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    response = client.post("/indicators/import/", {"file": SimpleUploadedFile("指标.xlsx", buffer.getvalue())})
    assert response.status_code == 400 and "该编码已被其他区划或上级指标库使用" in response.content.decode()
    shared.refresh_from_db()
    assert shared.typical_value != "50"
