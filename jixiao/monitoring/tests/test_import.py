"""监控表导入: the record's own export, filled in Excel (here with openpyxl), uploaded on the record page."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.monitoring import exports, services
from jixiao.monitoring.models import MonitoringEvent, MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    school_record,
)

Sheet = Any


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    pay(world.hospital_project, "100000", date(2026, 3, 1))
    return world


def _exported(client: Client, record: MonitoringRecord) -> openpyxl.Workbook:
    response = client.get(reverse("monitoring:record_export", args=[record.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _fill(ws: Sheet) -> None:
    """What a unit types in Excel: the fillable cells of the school record's form (two indicators)."""
    ws["E6"] = 33  # as the payments: no 差异说明 needed
    ws["G6"] = 48.5
    ws["G11"] = "已购置设备85台，其余9月到货"
    assert ws["D13"].value == "购置教学设备数量"
    ws["F13"] = "85台"
    ws["G13"] = "120台"
    ws["H13"] = "人员保障、硬件条件保障"
    ws["I13"] = "安装人员不足"
    ws["K13"] = "增派人员"
    ws["L13"] = "按合同"
    assert ws["D14"].value == "教学条件改善情况"
    ws["F14"] = "部分达成年度指标并具有一定效果；部分教室已更新"
    ws["G14"] = "全部教室更新"
    ws["H14"] = "—"
    assert ws["A15"].value == "偏差分析"
    ws["B16"] = "经费保障，其他"
    ws["E16"] = "部分设备到货延迟"
    ws["J16"] = "有可能"
    ws["K16"] = "督促供应商9月到货"


def _bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, record: MonitoringRecord, content: bytes, name: str = "监控表.xlsx") -> Any:
    return client.post(
        reverse("monitoring:record_import", args=[record.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


def _filled(ready: World, record: MonitoringRecord, change: Callable[[openpyxl.Workbook], None] | None = None) -> bytes:
    workbook = _exported(ready.login("unit_user"), record)
    _fill(workbook.worksheets[0])
    if change is not None:
        change(workbook)
    return _bytes(workbook)


def test_export_carries_a_hidden_meta_sheet_with_the_record_and_row_ids(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    workbook = _exported(ready.login("unit_user"), record)
    assert workbook.sheetnames == ["项目支出绩效目标执行监控表", "_meta"]
    meta = workbook["_meta"]
    assert meta.sheet_state == "hidden"
    assert [c.value for c in meta[1]] == ["sheet", "key", "value"]
    values = {row[1]: row[2] for row in meta.iter_rows(min_row=2, values_only=True)}
    quant, qual = record.indicator_rows.order_by("seq")
    assert values["template"] == "jixiao.monitoring.project"
    assert values["template_version"] == "1"
    assert values["fiscal_year"] == "2026"
    assert values["record_id"] == str(record.pk)
    assert values["pro_code"] == "P-SCHOOL"
    assert (values["row.1.indicator_id"], values["row.2.indicator_id"]) == (str(quant.pk), str(qual.pk))
    assert "row.3.indicator_id" not in values and values["generated_at"]


def test_round_trip_fills_the_record_and_its_rows(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("unit_user")
    response = _upload(client, record, _filled(ready, record))
    assert response.status_code == 302
    assert response.url == reverse("monitoring:record_detail", args=[record.pk])
    page = client.get(response.url).content.decode()
    assert "监控表已导入" in page
    record.refresh_from_db()
    assert record.status == RecordStatus.FILLING
    assert record.executed_to_date_yuan == Decimal("330000.00")
    assert record.expected_annual_yuan == Decimal("485000.00")  # 48.5万元 in 元
    assert record.goal_execution == "已购置设备85台，其余9月到货"
    assert record.deviation_reasons == ["FUNDS", "OTHER"]
    assert record.deviation_text == "部分设备到货延迟"
    assert record.likelihood == "possible"
    assert record.measures == "督促供应商9月到货"
    quant, qual = record.indicator_rows.order_by("seq")
    assert (quant.completion_to_date, quant.expected_annual) == ("85台", "120台")
    assert quant.deviation_reasons == ["STAFF", "HARDWARE"]
    assert (quant.deviation_text, quant.measures, quant.remark) == ("安装人员不足", "增派人员", "按合同")
    assert quant.qualitative_level == ""
    assert (qual.qualitative_level, qual.completion_to_date) == ("partial", "部分教室已更新")
    assert (qual.expected_annual, qual.deviation_reasons) == ("全部教室更新", [])
    event = MonitoringEvent.objects.get(record=record, action="import")
    assert (event.action_label, event.from_status, event.to_status) == ("导入监控表", "pending", "filling")
    assert AuditEvent.objects.filter(event_type="monitoring.record_import", object_id=str(record.pk)).exists()
    # The record page shows the imported entries; the re-exported form reads the same values.
    assert "部分教室已更新" in page and "有可能" in page
    again = _exported(client, record).worksheets[0]
    assert (again["G6"].value, again["F14"].value) == (48.5, "部分达成年度指标并具有一定效果；部分教室已更新")


def test_an_export_imported_unchanged_is_accepted(ready: World) -> None:
    record = fill_complete(ready, school_record(issued_round(ready), ready))
    before = list(record.indicator_rows.order_by("seq").values_list("qualitative_level", "completion_to_date"))
    client = ready.login("unit_user")
    assert _upload(client, record, _bytes(_exported(client, record))).status_code == 302
    after = list(record.indicator_rows.order_by("seq").values_list("qualitative_level", "completion_to_date"))
    assert after == before == [("", "80台"), ("achieved", "教室设备已更新")]


def test_without_meta_rows_are_matched_by_their_names(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def strip_meta(workbook: openpyxl.Workbook) -> None:
        del workbook["_meta"]
        ws = workbook.worksheets[0]
        ws["C13"] = " 数量指标 "  # whitespace and full-width forms do not matter (NFKC, no spaces)
        ws["G5"] = "全年预计执行数"

    response = _upload(ready.login("unit_user"), record, _filled(ready, record, strip_meta))
    assert response.status_code == 302
    quant, qual = record.indicator_rows.order_by("seq")
    assert quant.completion_to_date == "85台" and qual.qualitative_level == "partial"


def test_without_meta_an_unknown_indicator_is_refused_with_its_cell(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def rename(workbook: openpyxl.Workbook) -> None:
        del workbook["_meta"]
        workbook.worksheets[0]["D13"] = "购置设备数量"

    response = _upload(ready.login("unit_user"), record, _filled(ready, record, rename))
    assert response.status_code == 400
    body = response.content.decode()
    assert "单元格D13" in body and "本监控表没有指标" in body and "缺少本监控表的以下指标：购置教学设备数量" in body


def _assert_refused(ready: World, record: MonitoringRecord, response: Any, *texts: str) -> str:
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="mon-import-error"' in body
    for text in texts:
        assert text in body, text
    fresh = MonitoringRecord.objects.get(pk=record.pk)
    assert (fresh.version, fresh.status, fresh.goal_execution) == (record.version, record.status, record.goal_execution)
    assert not fresh.indicator_rows.exclude(completion_to_date="").exists()  # the records here are unfilled
    assert not MonitoringEvent.objects.filter(record=record, action="import").exists()
    assert not AuditEvent.objects.filter(event_type="monitoring.record_import").exists()
    return body


def test_workbook_of_another_record_is_refused(ready: World) -> None:
    task = issued_round(ready)
    record = school_record(task, ready)
    other = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    workbook = openpyxl.load_workbook(io.BytesIO(exports.export_record(other)))
    response = _upload(ready.login("unit_user"), record, _bytes(workbook))
    _assert_refused(ready, record, response, "另一张监控表", "未导入任何内容")


def test_without_meta_a_workbook_of_another_project_is_refused_by_its_name(ready: World) -> None:
    task = issued_round(ready)
    record = school_record(task, ready)
    other = MonitoringRecord.objects.get(task=task, project=ready.hospital_project)
    workbook = openpyxl.load_workbook(io.BytesIO(exports.export_record(other)))
    del workbook["_meta"]
    response = _upload(ready.login("unit_user"), record, _bytes(workbook))
    _assert_refused(ready, record, response, "单元格B3：工作簿是“医院信息化建设”的监控表，本监控表为“一中教学设备购置”")


def test_dept_overall_record_round_trip(ready: World) -> None:
    task = issued_round(ready, scope=MonitoringTask.Scope.DEPT_OVERALL)
    record = MonitoringRecord.objects.get(task=task, department=ready.edu)
    client = ready.login("dept_admin")
    workbook = _exported(client, record)
    meta = {row[1]: row[2] for row in workbook["_meta"].iter_rows(min_row=2, values_only=True)}
    assert (meta["template"], meta["record_id"]) == ("jixiao.monitoring.dept", str(record.pk))
    assert not meta["pro_code"]  # a department has no project code
    ws = workbook["部门整体支出绩效目标执行监控表"]
    ws["G6"] = "100"  # digits as text are read too
    ws["G11"] = "两个项目均按进度推进"
    r = next(r for r in range(13, 30) if ws[f"A{r}"].value == "偏差分析")
    ws[f"J{r + 1}"] = "确定能"
    assert _upload(client, record, _bytes(workbook)).status_code == 302
    record.refresh_from_db()
    assert (record.expected_annual_yuan, record.goal_execution) == (Decimal("1000000.00"), "两个项目均按进度推进")
    assert record.likelihood == "certain" and record.status == RecordStatus.FILLING
    # A project's form does not fill a department's record.
    project_form = exports.export_record(school_record(issued_round(ready, title="另一轮"), ready))
    response = _upload(client, record, project_form)
    assert response.status_code == 400
    assert "单元格A1应为“部门整体支出绩效目标执行监控表”" in response.content.decode()


def test_workbook_of_another_year_or_period_is_refused(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def year(workbook: openpyxl.Workbook) -> None:
        workbook.worksheets[0]["A2"] = "（2025年1—8月）"

    def period(workbook: openpyxl.Workbook) -> None:
        workbook.worksheets[0]["A2"] = "（2026年1—6月）"

    client = ready.login("unit_user")
    _assert_refused(ready, record, _upload(client, record, _filled(ready, record, year)), "单元格A2", "2025年")
    _assert_refused(ready, record, _upload(client, record, _filled(ready, record, period)), "1—6月")


def test_changed_indicator_name_or_target_value_is_refused(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def change(workbook: openpyxl.Workbook) -> None:
        ws = workbook.worksheets[0]
        ws["D13"] = "购置教学设备数量（台）"
        ws["E14"] = "显著改善"

    response = _upload(ready.login("unit_user"), record, _filled(ready, record, change))
    body = _assert_refused(ready, record, response, "单元格D13", "单元格E14")
    assert "“显著改善”与批复的“明显改善”不一致" in body


def test_missing_and_extra_rows_are_refused(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def drop(workbook: openpyxl.Workbook) -> None:
        workbook.worksheets[0].delete_rows(14)

    def add(workbook: openpyxl.Workbook) -> None:
        ws = workbook.worksheets[0]
        ws.insert_rows(15)
        for column, value in zip("BCDEF", ["产出指标", "质量指标", "设备验收合格率", "100%", "100%"], strict=True):
            ws[f"{column}15"] = value

    client = ready.login("unit_user")
    response = _upload(client, record, _filled(ready, record, drop))
    _assert_refused(ready, record, response, "缺少本监控表的以下指标：教学条件改善情况")
    _assert_refused(ready, record, _upload(client, record, _filled(ready, record, add)), "单元格D15", "设备验收合格率")


def test_every_bad_cell_is_named_at_once(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def spoil(workbook: openpyxl.Workbook) -> None:
        ws = workbook.worksheets[0]
        ws["E6"] = -1
        ws["G6"] = "四十八"
        ws["H13"] = "人员保障，资金不足"
        ws["F14"] = "基本达成；说明"
        ws["J16"] = "大概能"

    body = _assert_refused(
        ready,
        record,
        _upload(ready.login("unit_user"), record, _filled(ready, record, spoil)),
        "单元格E6（1—8月执行数）不能为负数",
        "单元格G6（全年预计执行数）不是数字",
        "单元格H13（偏差原因类别）“资金不足”无效",
        "单元格F14",
        "单元格J16（完成目标可能性）“大概能”无效",
    )
    assert "导入失败，发现5处问题，未导入任何内容" in body  # one line each, in the order of the form
    assert body.index("单元格E6") < body.index("单元格G6") < body.index("单元格H13") < body.index("单元格J16")


def test_a_figure_apart_from_payments_needs_the_difference_explanation(ready: World) -> None:
    record = school_record(issued_round(ready), ready)

    def lower(workbook: openpyxl.Workbook) -> None:
        workbook.worksheets[0]["E6"] = 30

    response = _upload(ready.login("unit_user"), record, _filled(ready, record, lower))
    _assert_refused(ready, record, response, "1—8月执行数（30.00万元）与支付数据（33.00万元）不一致，请填写差异说明")


def test_not_an_xlsx_or_a_workbook_of_another_form_is_refused(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    client = ready.login("unit_user")
    program = b"MZ\x90\x00" + b"\x00" * 200
    _assert_refused(ready, record, _upload(client, record, program, "监控表.exe"), "请上传 .xlsx 格式的监控表")
    _assert_refused(ready, record, _upload(client, record, program, "监控表.xlsx"), "不是有效的 Excel")
    selfeval = openpyxl.Workbook()
    ws = selfeval.active
    assert ws is not None
    ws.title = "项目支出绩效自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws["A2"] = "（2026年度）"
    _assert_refused(
        ready, record, _upload(client, record, _bytes(selfeval)), "单元格A1应为“项目支出绩效目标执行监控表”"
    )


def test_other_units_record_is_404_and_a_submitted_one_is_refused(ready: World) -> None:
    task = issued_round(ready)
    record = school_record(task, ready)
    content = _filled(ready, record)
    assert _upload(ready.login("other_unit_user"), record, content).status_code == 404
    submitted = fill_complete(ready, record)
    submitted = services.record_transition(actor=ready.users["unit_user"], record=submitted, action="submit")
    response = _upload(ready.login("unit_user"), submitted, content)
    assert response.status_code == 409  # the record moved on since the page
    assert "当前状态为“待主管部门审核”，不能导入" in response.content.decode()
    fresh = MonitoringRecord.objects.get(pk=record.pk)
    assert fresh.version == submitted.version and fresh.goal_execution == "已购置设备80台"
    assert 'data-testid="mon-import"' not in response.content.decode()


def test_only_the_filler_sees_the_import_form(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    url = reverse("monitoring:record_detail", args=[record.pk])
    page = ready.login("unit_user").get(url).content.decode()
    assert 'data-testid="mon-import"' in page and "先导出本表，在Excel中填写后导入" in page
    assert 'aria-label="已填写的监控表（.xlsx）"' in page  # the file box has no visible label
    for persona in ("performance", "leader"):  # readers; the 主管部门 may fill (monitoring.fill) and sees it
        page = ready.login(persona).get(url).content.decode()
        assert 'data-testid="mon-export"' in page and 'data-testid="mon-import"' not in page, persona
    assert ready.login("performance").post(reverse("monitoring:record_import", args=[record.pk])).status_code == 403
    assert ready.login("unit_user").get(reverse("monitoring:record_import", args=[record.pk])).status_code == 405


def test_a_workbook_with_a_damaged_sheet_is_refused_in_chinese(ready: World) -> None:
    """openpyxl opens the workbook and reads each sheet only later: a cut sheet failed there, a 500."""
    import io
    import zipfile

    record = school_record(issued_round(ready), ready)
    good = _filled(ready, record)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(info, data)
    response = _upload(ready.login("unit_user"), record, damaged.getvalue())
    _assert_refused(ready, record, response, "文件无法解析")


def test_both_exports_are_audited(ready: World) -> None:
    from jixiao.core.models import AuditEvent

    task = issued_round(ready)
    record = school_record(task, ready)
    client = ready.login("performance")
    assert client.get(reverse("monitoring:task_export", args=[task.pk])).status_code == 200
    assert client.get(reverse("monitoring:record_export", args=[record.pk])).status_code == 200
    assert AuditEvent.objects.filter(event_type="monitoring.task_export", reason__contains=task.task_no).count() == 1
    assert AuditEvent.objects.filter(event_type="monitoring.record_export", object_id=str(record.pk)).count() == 1


def test_a_workbook_exported_before_a_later_save_is_refused_not_overwriting_it(ready: World) -> None:
    record = school_record(issued_round(ready), ready)
    content = _filled(ready, record)  # exported at the record's version now
    values = {
        row[1]: row[2] for row in openpyxl.load_workbook(io.BytesIO(content))["_meta"].iter_rows(values_only=True)
    }
    assert values["record_version"] == str(record.version)
    saved = services.record_save(
        actor=ready.users["unit_user"], record=record, data={"goal_execution": "页面上刚保存的内容"}
    )
    response = _upload(ready.login("unit_user"), record, content)
    assert response.status_code == 409 and "导出后已被修改" in response.content.decode()
    fresh = MonitoringRecord.objects.get(pk=record.pk)
    assert (fresh.version, fresh.goal_execution) == (saved.version, "页面上刚保存的内容")
    assert not MonitoringEvent.objects.filter(record=record, action="import").exists()
    # Exported again, it imports.
    assert _upload(ready.login("unit_user"), record, _filled(ready, fresh)).status_code == 302
