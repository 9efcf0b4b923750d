"""Second review of 支付数据: the export cuts nothing off, API rows with a NUL character are refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.urls import reverse

from jixiao.core.models import Job
from jixiao.execution.models import Payment, PaymentImport
from jixiao.execution.tests.helpers import csv_bytes, row
from jixiao.execution.tests.test_pages_and_jobs import upload


def test_the_payment_export_cuts_nothing_off(world: Any, settings: Any, monkeypatch: Any) -> None:
    """The export stopped silently at 1,000,000 payments (`MAX_EXPORT_ROWS`), CSV included: a province's year
    lost the rest without a word. It now writes every filtered row; an xlsx beyond a sheet's rows is refused by
    the job, which points to the list's 导出CSV."""
    from jixiao.execution import exports, views

    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("V2", "500"), row("V3", "2000")]))
    assert Payment.objects.count() == 3
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1, raising=False)
    monkeypatch.setattr(views, "MAX_EXPORT_ROWS", 1, raising=False)
    response = client.get(reverse("execution:payment_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["V1", "V2", "V3"]
    text = b"".join(client.get(reverse("execution:payment_export"), {"format": "csv"}).streaming_content)
    assert [v for v in ("V1", "V2", "V3") if v in text.decode("utf-8-sig")] == ["V1", "V2", "V3"]
    settings.JIXIAO_EXPORT_SYNC_ROWS = 0
    client.get(reverse("execution:payment_export"))
    job = Job.objects.filter(kind="payment.export").latest("pk")
    assert job.status == Job.Status.DONE, job.message
    download = client.get(reverse("core:job_download", args=[job.pk, "result"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["V1", "V2", "V3"]
    # More payments than a sheet holds: the job says to export CSV, and the list offers it.
    page = client.get(reverse("execution:payment_list"), {"fiscal_year": "2026"}).content.decode()
    assert 'href="/execution/payments/export/?fiscal_year=2026&amp;format=csv" data-testid="export-csv-link"' in page
    monkeypatch.setattr(views, "MAX_SHEET_ROWS", 2)
    client.get(reverse("execution:payment_export"))
    refused = Job.objects.filter(kind="payment.export").latest("pk")
    assert refused.status == Job.Status.FAILED and "超过Excel单表上限2行，请点“导出CSV”导出全部" in refused.message
    assert PaymentImport.objects.count() == 1
