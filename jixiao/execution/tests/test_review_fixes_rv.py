"""Second review of 支付数据: the export cuts nothing off, API rows with a NUL character are refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.urls import reverse

from jixiao.core import list_exports
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
    monkeypatch.setattr(list_exports, "MAX_SHEET_ROWS", 2)
    client.get(reverse("execution:payment_export"))
    refused = Job.objects.filter(kind="payment.export").latest("pk")
    assert (
        refused.status == Job.Status.FAILED
        and "共3笔支付，超过Excel单表上限2行，请点“导出CSV”导出全部" in refused.message
    )
    assert PaymentImport.objects.count() == 1


def test_api_rows_with_a_nul_character_are_refused_per_cell_and_nothing_is_written(world: Any) -> None:
    """JSON carries a NUL ("\\u0000") where a CSV line or an .xlsx cell cannot: stored as is on SQLite, a failed
    import and a 500 on PostgreSQL. The API now refuses the request with the row and column, before any batch."""
    base = {"pay_date": "2026-03-15", "region_code": "511725000", "unit_code": "101001", "project_code": "P-SCHOOL"}
    payload = {
        "rows": [
            {**base, "voucher_no": "A1", "amount_yuan": "100.00"},
            {**base, "voucher_no": "A\x002", "amount_yuan": "50", "fund_source": "一般\x00", "other": "x\x00"},
        ]
    }
    response = world.login("budget").post("/api/v1/payments/", payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"row": 2, "column": "支付凭证号", "value": "A2", "message": "含有空字符（NUL），请删除后重新提交"},
        {"row": 2, "column": "资金来源", "value": "一般", "message": "含有空字符（NUL），请删除后重新提交"},
    ]
    assert Payment.objects.count() == 0 and PaymentImport.objects.count() == 0


def test_an_xlsx_beyond_the_workbook_limit_is_refused_by_the_form_not_by_the_job(world: Any, settings: Any) -> None:
    """The form let an .xlsx up to the CSV limit (200 MB) through: it was stored and a job started, which then failed
    on its page (文件过大：不能超过 20 MB), since a workbook is read whole. The form now refuses it (400), no job."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jixiao.execution.tests.helpers import xlsx_bytes

    content = xlsx_bytes([row("V1", "1000")])
    settings.JIXIAO_MAX_UPLOAD_BYTES = len(content) - 1
    client = world.login("budget")
    response = client.post("/execution/payments/import/", {"file": SimpleUploadedFile("p.xlsx", content)})
    assert response.status_code == 400
    assert "文件过大：Excel 文件不能超过 0 MB，更大的数据请另存为 CSV 后导入" in response.content.decode()
    assert not Job.objects.exists() and not PaymentImport.objects.exists()
    # A CSV of the same size is still taken (it is streamed, up to its own limit).
    response = client.post(
        "/execution/payments/import/", {"file": SimpleUploadedFile("p.csv", csv_bytes([row("V1", "1000")]))}
    )
    assert response.status_code == 302
