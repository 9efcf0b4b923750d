"""The 整改台账 export goes through core.list_exports: a ledger longer than a direct export (a province's) is written
by a background job for the user's own scope instead of being built in the web process's memory; CSV streams."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from conftest import World
from jixiao.core.models import AuditEvent, Job
from jixiao.rectification.tests.helpers import issued_case


def test_a_long_ledger_is_a_job_with_the_same_filter_and_scope(world: World, settings: Any) -> None:
    school = issued_case(world)
    hospital = issued_case(world, project=world.hospital_project)
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    for persona, expected in (("performance", {school.pk, hospital.pk}), ("dept_admin", {school.pk})):
        client = world.login(persona)
        response = client.get("/rectification/export/", {"year": 2026, "status": "issued"})
        job = Job.objects.filter(kind="rectification.export").latest("pk")
        assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
        download = b"".join(client.get(f"/jobs/{job.pk}/download/result/").streaming_content)
        rows = list(openpyxl.load_workbook(io.BytesIO(download)).active.iter_rows(values_only=True))
        assert rows[0][0] == "编号" and {r[0] for r in rows[1:]} == expected
    assert AuditEvent.objects.filter(event_type="rectification.export").count() == 2


def test_the_ledger_streams_as_csv(world: World) -> None:
    rect = issued_case(world)
    response = world.login("performance").get("/rectification/export/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200 and rect.title in text and response["Content-Disposition"].endswith(".csv")
