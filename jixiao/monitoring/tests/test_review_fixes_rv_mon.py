"""Review fixes (rv-mon): a 关闭任务 posted with a control character is refused before any write; the round export
streams (or runs as a job) instead of building the whole workbook in memory."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent, Job
from jixiao.monitoring import services
from jixiao.monitoring.models import MonitoringEvent, MonitoringRecord, MonitoringTask, RecordStatus, TaskStatus
from jixiao.monitoring.tests.helpers import (
    approved_target,
    fill_complete,
    issued_round,
    pay,
    put_in_library,
    school_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world: World) -> World:
    put_in_library(world)
    approved_target(world)
    pay(world.school_project, "330000", date(2026, 6, 1))
    return world


def test_closing_a_round_with_a_nul_in_the_comment_is_a_400_and_leaves_it_open(ready: World) -> None:
    task = issued_round(ready)
    client = ready.login("performance")
    response = client.post(reverse("monitoring:task_close", args=[task.pk]), {"comment": "关闭\x00说明"})
    assert response.status_code == 400
    assert "关闭说明不能包含控制字符" in response.content.decode()
    assert MonitoringTask.objects.get(pk=task.pk).status == TaskStatus.ISSUED
    assert not MonitoringEvent.objects.filter(task=task, action="close").exists()
    assert not AuditEvent.objects.filter(event_type="monitoring.task_close").exists()


def test_a_long_round_export_is_written_by_a_job_with_the_readers_records_only(ready: World, settings: Any) -> None:
    task = issued_round(ready)
    client = ready.login("unit_user")  # sees the school's and its branch's records, not the hospital's
    csv = client.get(reverse("monitoring:task_export", args=[task.pk]), {"format": "csv", "task": "0"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv.status_code == 200 and "P-SCHOOL" in text and "P-BRANCH" in text and "P-HOSP" not in text
    assert "1—8月执行数（万元）" in text.splitlines()[0]
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    response = client.get(reverse("monitoring:task_export", args=[task.pk]))
    job = Job.objects.get(kind="monitoring.task_export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(download.getvalue()))["监控填报汇总"]  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("任务编号", "监控期间", "主管部门", "实施单位", "项目编码")
    assert sorted(r[4] for r in rows[1:]) == ["P-BRANCH", "P-SCHOOL"]
    events = AuditEvent.objects.filter(event_type="monitoring.task_export")
    assert events.count() == 2 and all(task.task_no in e.reason for e in events)
    assert ready.login("other_unit_user").get(f"/jobs/{job.pk}/").status_code == 404


def test_a_qualitative_indicator_not_achieved_needs_both_the_reason_and_the_measures(ready: World) -> None:
    """W-QUAL: 未达成年度指标且效果较差 is a red light; a red record needs the reason and the measures (DOMAIN §5.3)."""
    record = school_record(issued_round(ready), ready)
    record = fill_complete(ready, record)
    qual = record.indicator_rows.get(is_qualitative=True)
    unit = ready.users["unit_user"]
    rows = {qual.pk: {"qualitative_level": "not_achieved", "deviation_text": "设备未到货"}}
    record = services.record_save(actor=unit, record=record, data={}, rows=rows)
    with pytest.raises(DomainError, match="教学条件改善情况”：未达成年度指标（红灯），请填写改进措施"):
        services.record_transition(actor=unit, record=record, action="submit")
    assert MonitoringRecord.objects.get(pk=record.pk).status == RecordStatus.FILLING
    record = services.record_save(actor=unit, record=record, data={}, rows={qual.pk: {"measures": "督促供应商到货"}})
    assert services.record_transition(actor=unit, record=record, action="submit").status == RecordStatus.SUBMITTED


def test_an_opinion_with_a_nul_is_a_400_in_words_and_the_record_does_not_move(ready: World) -> None:
    record = fill_complete(ready, school_record(issued_round(ready), ready))
    record = services.record_transition(actor=ready.users["unit_user"], record=record, action="submit")
    client = ready.login("dept_admin")
    url = reverse("monitoring:record_transition", args=[record.pk])
    response = client.post(url, {"action": "dept_return", "comment": "请补充\x00佐证"})
    assert response.status_code == 400
    assert "意见无效：" in response.content.decode()
    assert MonitoringRecord.objects.get(pk=record.pk).status == RecordStatus.SUBMITTED
