"""Review fixes (rv-mon): a 关闭任务 posted with a control character is refused before any write; the round export
streams (or runs as a job) instead of building the whole workbook in memory."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent
from jixiao.monitoring.models import MonitoringEvent, MonitoringTask, TaskStatus
from jixiao.monitoring.tests.helpers import approved_target, issued_round, pay, put_in_library

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
