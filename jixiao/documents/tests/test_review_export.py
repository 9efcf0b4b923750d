"""文书台账 export goes through core.list_exports: a short list is the titled workbook, a long one a background job
(the whole ledger was built in memory in the request), CSV streams; every way is audited."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from jixiao.core.models import AuditEvent, Job
from jixiao.documents.models import DocType


def test_a_ledger_longer_than_a_direct_export_becomes_a_job_with_every_row(
    world: Any, issue_notice: Any, settings: Any
) -> None:
    notice = issue_notice()
    letter = issue_notice(doc_type=DocType.OPINION_LETTER)
    client = world.login("performance")
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    response = client.get("/documents/export/", {"fiscal_year": 2026})
    job = Job.objects.get(kind="documents.export")
    assert response.status_code == 302 and job.status == Job.Status.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/result/")
    sheet = openpyxl.load_workbook(io.BytesIO(download.getvalue())).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "文号" and sorted(r[0] for r in rows[1:]) == sorted([notice.doc_no, letter.doc_no])


def test_the_csv_ledger_streams_the_filtered_rows_and_is_audited(world: Any, issue_notice: Any) -> None:
    notice = issue_notice()
    issue_notice(doc_type=DocType.OPINION_LETTER)
    response = world.login("performance").get(
        "/documents/export/", {"doc_type": "RECTIFICATION_NOTICE", "format": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert response.status_code == 200 and notice.doc_no in text and "绩效管理意见书" not in text
    record = AuditEvent.objects.filter(event_type="documents.export").latest("seq")
    assert "整改通知书" in record.reason
