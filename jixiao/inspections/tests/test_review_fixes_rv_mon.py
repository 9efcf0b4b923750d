"""Review fixes (rv-mon): the 季度检查 list export goes through core.list_exports — streamed when short, written by
a background job when long, CSV on request — instead of building every row's workbook in memory."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from conftest import World
from jixiao.core.models import AuditEvent, Job
from jixiao.inspections import services

pytestmark = pytest.mark.django_db


def _check(world: World, persona: str, department: Any, findings: str) -> None:
    data = {
        "fiscal_year": 2026,
        "quarter": 2,
        "department": department,
        "inspected_on": dt.date(2026, 5, 12),
        "inspectors": "张三",
        "subject": "",
        "findings": findings,
        "opinions": "",
    }
    services.inspection_create(actor=world.users[persona], data=data)


def test_a_long_inspection_list_is_exported_by_a_job_in_the_users_scope(world: World, settings: Any) -> None:
    _check(world, "business", world.edu, "=cmd|'/c calc'!A1")
    _check(world, "business", world.edu, "")
    _check(world, "performance", world.health, "卫健局的问题")  # not the 教科文股's 对口 department
    client = world.login("business")
    csv = client.get(reverse("inspections:export"), {"fiscal_year": 2026, "format": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv.status_code == 200 and "未发现问题" in text and "卫健局的问题" not in text
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    response = client.get(reverse("inspections:export"), {"fiscal_year": 2026, "department": world.health.pk})
    job = Job.objects.get(kind="inspection.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(download.getvalue())).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert sorted(r[7] for r in rows[1:]) == ["=cmd|'/c calc'!A1", "未发现问题"]  # the tampered filter widened nothing
    assert AuditEvent.objects.filter(event_type="inspection.export").count() == 2
    assert world.login("dept_admin").get(f"/jobs/{job.pk}/").status_code == 404
