"""Second review of 存量资金清理: its export cuts nothing off."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from jixiao.alerts.tests.test_idle_funds import _arrange
from jixiao.core import list_exports
from jixiao.core.models import Job

EXPORT = "/alerts/idle-funds/export/"


def test_the_idle_funds_export_cuts_nothing_off(library: Any, settings: Any, monkeypatch: Any) -> None:
    """The 存量资金清理表 stopped silently at 200,000 projects (`MAX_EXPORT_ROWS`), CSV included. It now writes every
    listed project; an xlsx beyond a sheet's rows is refused by the job, which points to the page's 导出CSV."""
    from jixiao.alerts import views_idle

    w = library
    _arrange(w)
    monkeypatch.setattr(views_idle, "MAX_EXPORT_ROWS", 1, raising=False)
    client = w.login("performance")
    query = "fiscal_year=2026&as_of=2026-10-15"
    expected = ["P-BRANCH", "P-SCHOOL"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(f"{EXPORT}?{query}").streaming_content))).active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == expected
    text = b"".join(client.get(f"{EXPORT}?{query}&format=csv").streaming_content).decode("utf-8-sig")
    assert [code for code in expected if code in text] == expected
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client.get(f"{EXPORT}?{query}")
    job = Job.objects.filter(kind="alerts.idle_funds_export").latest("pk")
    assert job.status == Job.Status.DONE, job.message
    download = b"".join(client.get(f"/jobs/{job.pk}/download/result/").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(download)).active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == expected
    page = client.get(f"/alerts/idle-funds/?{query}").content.decode()
    assert 'as_of=2026-10-15&amp;format=csv" data-testid="idle-export-csv"' in page
    monkeypatch.setattr(list_exports, "MAX_SHEET_ROWS", 1)
    client.get(f"{EXPORT}?{query}")
    refused = Job.objects.filter(kind="alerts.idle_funds_export").latest("pk")
    assert refused.status == Job.Status.FAILED and "超过Excel单表上限1行，请点“导出CSV”导出全部" in refused.message
