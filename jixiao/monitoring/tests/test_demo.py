"""The demo county's August round: issued, with 县教育局's records in every review state."""

from __future__ import annotations

import pytest

from jixiao.accounts.models import User
from jixiao.core import todos
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus, TaskStatus


@pytest.mark.django_db
def test_demo_round_has_records_in_every_state_and_todos_for_each_role(demo_county: str) -> None:
    task = MonitoringTask.objects.get(kind=MonitoringTask.Kind.PROJECT)  # beside it, the 部门整体 round (demo.overall)
    assert task.status == TaskStatus.ISSUED and task.period_end_month == 8
    statuses = set(MonitoringRecord.objects.filter(task=task).values_list("status", flat=True))
    assert {
        RecordStatus.PENDING,
        RecordStatus.SUBMITTED,
        RecordStatus.DEPT_APPROVED,
        RecordStatus.SECTION_APPROVED,
        RecordStatus.APPROVED,
        RecordStatus.RETURNED,
    } <= statuses
    for username, title in (
        ("edu_unit", "监控表被退回"),
        ("edu_admin", "监控表待主管部门审核"),
        ("jkw", "监控表待业务股室审核"),
        ("jxg", "监控表待绩效股审核"),
    ):
        items = {item.title for item in todos.for_user(User.objects.get(username=username))}
        assert title in items, (username, items)
