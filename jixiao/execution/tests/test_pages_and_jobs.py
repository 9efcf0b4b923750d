from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jixiao.core.jobs import job_progress, job_start
from jixiao.core.models import AuditEvent, Job
from jixiao.execution.models import Payment, PaymentImport
from jixiao.execution.tests.helpers import csv_bytes, row

IMPORT_URL = "/execution/payments/import/"


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_upload_runs_a_job_and_shows_the_summary(world: Any, settings: Any) -> None:
    client = world.login("budget")
    response = upload(client, "支付.csv", csv_bytes([row("V1", "1000"), row("V2", "-100", reverses="V1")]))
    assert response.status_code == 200
    job = Job.objects.get()
    assert job.status == Job.Status.DONE and job.owner == world.users["budget"]
    assert response.redirect_chain[-1][0].startswith(reverse("core:job_detail", args=[job.pk]))
    text = response.content.decode()
    assert "导入成功" in text and "已存在（跳过）" in text and "其中冲销（退款）" in text
    assert Payment.objects.count() == 2
    batch = PaymentImport.objects.get()
    assert batch.job == job and batch.file_name == "支付.csv" and len(batch.sha256) == 64
    # The upload is gone from disk once the job is over.
    assert not list((Path(settings.MEDIA_ROOT) / "jobs" / "uploads").rglob("*.csv"))
    history = client.get(IMPORT_URL).content.decode()
    assert "支付.csv" in history and "已导入" in history


def test_rejected_upload_offers_the_error_report_to_its_owner_only(world: Any) -> None:
    client = world.login("performance")
    response = upload(client, "bad.csv", csv_bytes([row("V1", "abc"), row("V2", "10", project="NOPE")]))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and "2处错误" in job.message
    assert 'data-testid="job-error-report"' in response.content.decode()
    download = client.get(reverse("core:job_download", args=[job.pk, "errors"]))
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [(2, "金额（元）"), (3, "项目编码")]
    assert "不存在" in rows[1][3] or "没有该项目" in rows[1][3]
    assert Payment.objects.count() == 0
    # Anyone else: the job does not exist.
    other = world.login("budget")
    assert other.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("core:job_download", args=[job.pk, "errors"])).status_code == 404
    assert other.post(reverse("core:job_cancel", args=[job.pk])).status_code == 404


def test_upload_form_rejects_other_file_types(world: Any) -> None:
    client = world.login("budget")
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})
    assert response.status_code == 400 and "只接受" in response.content.decode()
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.xlsx", b"not a zip")})
    assert response.status_code == 400
    assert Job.objects.count() == 0


@pytest.mark.parametrize("persona", ["unit_user", "business", "dept_admin", "expert", "sys_admin", "leader"])
def test_only_budget_and_performance_sections_import(world: Any, persona: str) -> None:
    client = world.login(persona)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(reverse("execution:import_template")).status_code == 403


def test_template_download_is_a_workbook_with_the_headers(world: Any) -> None:
    response = world.login("budget").get(reverse("execution:import_template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["支付凭证号", "支付日期", "财政区划", "单位编码", "项目编码", "金额（元）"]
    assert sheet.cell(row=2, column=3).value == "511725000"
    assert sheet.cell(row=2, column=5).value == "2026-101-0001"  # shaped like a project code (year-department-serial)


def _seed(world: Any) -> None:
    client = world.login("budget")
    upload(
        client,
        "p.csv",
        csv_bytes(
            [
                row("V1", "1000"),
                row("V2", "2000", project="P-HOSP", unit="102001"),
                row("V3", "=cmd", project="P-BRANCH", unit="101002"),
            ]
        ),
    )


def test_payment_list_is_scoped_and_totals_match(world: Any) -> None:
    client = world.login("budget")
    upload(
        client,
        "p.csv",
        csv_bytes(
            [row("V1", "1000"), row("V2", "2000", project="P-HOSP", unit="102001"), row("R1", "-100", reverses="V1")]
        ),
    )
    page = client.get(reverse("execution:payment_list")).content.decode()
    # Vouchers as table cells (">V1<"): a bare "V1" may occur in the page's random CSRF token.
    assert ">V1<" in page and ">V2<" in page and "0.29" in page  # 2,900 yuan = 0.29 万元
    # Single payments in 元 to the cent, as on the voucher (万元 to 4 places dropped the cents).
    assert "金额（元）" in page and ">1,000.00<" in page and ">-100.00<" in page
    unit_page = world.login("unit_user").get(reverse("execution:payment_list")).content.decode()
    assert ">V1<" in unit_page and ">V2<" not in unit_page
    other_page = world.login("other_unit_user").get(reverse("execution:payment_list")).content.decode()
    assert ">V2<" in other_page and ">V1<" not in other_page
    assert world.login("expert").get(reverse("execution:payment_list")).status_code == 403
    filtered = client.get(reverse("execution:payment_list"), {"q": "P-HOSP"}).content.decode()
    assert ">V2<" in filtered and ">V1<" not in filtered


def test_a_list_filtered_to_one_project_names_it_and_offers_the_whole_list(world: Any) -> None:
    """查看支付明细 on a project page filters by a hidden ?project=: the list names the project and links back to
    every project's payments (with the other filters kept)."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("V2", "2000", project="P-HOSP", unit="102001")]))
    project = world.school_project
    page = client.get(reverse("execution:payment_list"), {"project": project.pk, "q": "V1"}).content.decode()
    assert 'data-testid="payment-project"' in page and f"{project.code} {project.name}" in page
    assert ">V1<" in page and ">V2<" not in page
    assert 'href="?q=V1" data-testid="payment-project-clear"' in page
    plain = client.get(reverse("execution:payment_list")).content.decode()
    assert 'data-testid="payment-project"' not in plain


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "0", "abc", "1.5"])
def test_payment_list_and_export_leave_out_a_project_id_that_is_not_one(world: Any, value: str) -> None:
    """`?project=` comes from the project page's link; a number no id can be (the database driver refuses to bind
    it) or a non-number is a bad filter value, left out like any other, not a 500."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("V2", "2000", project="P-HOSP", unit="102001")]))
    page = client.get(reverse("execution:payment_list"), {"project": value})
    assert page.status_code == 200
    text = page.content.decode()
    assert ">V1<" in text and ">V2<" in text
    assert client.get(reverse("execution:payment_export"), {"project": value, "fmt": "csv"}).status_code == 200
    hospital = Payment.objects.get(voucher_no="V2").project_id
    only = client.get(reverse("execution:payment_list"), {"project": hospital}).content.decode()
    assert ">V2<" in only and ">V1<" not in only


def test_payment_list_counts_and_sums_from_the_totals_read_model(world: Any) -> None:
    """A province lists 10 million payments: unfiltered (or by year, department, unit, refunds) the count, the sum
    and the refunds come from `PaymentTotal` and the paginator takes that count, so the only statement over the
    payments is the page's own rows; any other filter counts and sums the listed rows in one statement."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row(f"V{n}", "100") for n in range(25)] + [row("R1", "-50", reverses="V0")]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("execution:payment_list"), {"page": 2})
    page = response.context["page"]
    assert page.paginator.count == 26 and page.number == 2 and len(page) == 6
    assert response.context["totals"] == {"count": 26, "total": Decimal("2450.00"), "refunds": Decimal("-50.00")}
    over_payments = [q["sql"] for q in queries.captured_queries if 'FROM "execution_payment"' in q["sql"]]
    assert len(over_payments) == 1 and "COUNT(" not in over_payments[0]  # the page's rows only
    assert "共 <strong>26</strong> 笔" in response.content.decode()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("execution:payment_list"), {"q": "V1"})
    over_payments = [q["sql"] for q in queries.captured_queries if 'FROM "execution_payment"' in q["sql"]]
    assert len(over_payments) == 2  # the totals of the searched rows, and the page's rows
    assert response.context["totals"]["count"] == 1


@pytest.mark.parametrize("persona", ["budget", "performance", "business", "dept_admin", "unit_user", "other_unit_user"])
def test_payment_list_totals_equal_the_listed_rows_for_every_scope_and_filter(world: Any, persona: str) -> None:
    """The read model's figures are the listed rows' figures: for each role's scope, and filtered by year,
    department (its own, another's), unit and refunds; an id outside the scope matches nothing, as in the list."""
    from jixiao.execution.selectors import payment_totals

    upload(
        world.login("budget"),
        "p.csv",
        csv_bytes(
            [
                row("V1", "1000"),
                row("V2", "2000", project="P-HOSP", unit="102001"),
                row("V3", "300.25", project="P-BRANCH", unit="101002"),
                row("R1", "-100", reverses="V1"),
                row("R2", "-20.05", reverses="V3", project="P-BRANCH", unit="101002"),
            ]
        ),
    )
    client = world.login(persona)
    cases = [
        {},
        {"fiscal_year": 2026},
        {"fiscal_year": 2025},
        {"department": world.edu.pk},
        {"department": world.health.pk},
        {"unit": world.school.pk},
        {"refunds": True},
        {"refunds": True, "department": world.edu.pk},
    ]
    seen_any = False
    for params in cases:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("execution:payment_list"), params)
        assert response.status_code == 200, (persona, params)
        scans = [q["sql"] for q in queries.captured_queries if 'FROM "execution_payment"' in q["sql"]]
        assert not any("COUNT(" in sql for sql in scans), (persona, params)  # the read model answered
        listed = response.context["page"].paginator.object_list
        expected = payment_totals(listed)
        assert response.context["totals"] == expected, (persona, params)
        seen_any = seen_any or expected["count"] > 0
    assert seen_any, persona


def test_export_is_scoped_and_escapes_text(world: Any) -> None:
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("=HYPERLINK(1)", "1000")]))
    assert Payment.objects.count() == 0  # formula-looking voucher rejected on import
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("V2", "2000", project="P-HOSP", unit="102001")]))
    response = world.login("unit_user").get(reverse("execution:payment_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["V1"]
    assert rows[0][5] == "一中教学设备购置" and Decimal(str(rows[0][7])) == Decimal("1000")
    assert AuditEvent.objects.filter(event_type="payment.export").exists()


def test_long_export_runs_as_a_job_for_the_same_scoped_rows(world: Any, settings: Any) -> None:
    """Above JIXIAO_EXPORT_SYNC_ROWS the export is a background job; its file holds the user's own rows only."""
    client = world.login("budget")
    upload(
        client,
        "p.csv",
        csv_bytes([row("V1", "1000"), row("V3", "500"), row("V2", "2000", project="P-HOSP", unit="102001")]),
    )
    settings.JIXIAO_EXPORT_SYNC_ROWS = 1
    unit_client = world.login("unit_user")
    response = unit_client.get(reverse("execution:payment_export"), {"q": ""})
    job = Job.objects.filter(kind="payment.export").get()
    assert response.status_code == 302 and response["Location"].startswith(f"/jobs/{job.pk}/")
    assert job.status == Job.Status.DONE and job.owner == world.users["unit_user"], job.message
    assert job.progress_done == job.progress_total == 2
    page = unit_client.get(response["Location"]).content.decode()
    assert "导出完成，共 2 行" in page
    download = unit_client.get(reverse("core:job_download", args=[job.pk, "result"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["V1", "V3"]
    # nobody else sees the job or its file
    assert world.login("budget").get(reverse("core:job_download", args=[job.pk, "result"])).status_code == 404
    # csv is always streamed at once, whatever the length
    csv_response = unit_client.get(reverse("execution:payment_export"), {"format": "csv"})
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert csv_response["Content-Type"].startswith("text/csv") and "V1" in text and "V2" not in text
    assert Job.objects.filter(kind="payment.export").count() == 1


def test_project_page_shows_the_execution_panel(world: Any) -> None:
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "100000")]))
    page = world.login("unit_user").get(reverse("projects:detail", args=[world.school_project.pk])).content.decode()
    assert 'data-testid="execution-panel"' in page and "execution-chart-data" in page
    assert "20.0%" in page  # 10万元 of 50万元
    assert "<script>" not in page.split('data-testid="execution-panel"')[1].split("</div>\n</div>")[0]


def test_job_cancel_and_progress(world: Any) -> None:
    user = world.users["budget"]
    job = Job.objects.create(kind="test", title="测试", owner=user, callable_path="x.y")
    client = world.login("budget")
    assert 'hx-trigger="every 1s"' in client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    client.post(reverse("core:job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.cancel_requested


def slow_job(job: Job, *, steps: int) -> None:
    for step in range(steps):
        job_progress(job, step, steps)
        if step == 1:
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)


def failing_job(job: Job) -> None:
    raise ValueError("boom")


def test_job_start_runs_with_the_immediate_backend_and_honours_cancel(world: Any) -> None:
    job = job_start(world.users["budget"], "test", f"{__name__}.slow_job", title="慢任务", steps=5)
    assert job.status == Job.Status.CANCELLED and job.progress_done == 2 and job.progress_total == 5
    failed = job_start(world.users["budget"], "test", f"{__name__}.failing_job", title="出错")
    assert failed.status == Job.Status.FAILED and "出错" in failed.message
    assert AuditEvent.objects.filter(event_type="job.start").count() == 2


def test_payment_list_query_count_does_not_grow_with_rows(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.login("budget")
    upload(client, "a.csv", csv_bytes([row("V0", "10")]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("execution:payment_list"))
    upload(client, "b.csv", csv_bytes([row(f"V{i}", "10") for i in range(1, 30)]))
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("execution:payment_list")).status_code == 200
    assert len(many) == len(few) <= 15


def test_execution_by_department_sums_in_the_database(world: Any) -> None:
    from jixiao.execution.selectors import execution_by_department
    from jixiao.projects.models import Project

    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "100000"), row("V2", "50000", project="P-HOSP", unit="102001")]))
    rows = execution_by_department(Project.objects.filter(region=world.region), 2026, 12)
    by_name = {r["department"]: r for r in rows}
    assert by_name["县教育局"]["executed"] == Decimal("100000") and by_name["县教育局"]["budget"] == Decimal("1000000")
    assert by_name["县教育局"]["rate"] == Decimal("0.1")
    assert by_name["县卫健局"]["executed"] == Decimal("50000")


def test_cancelling_a_queued_upload_removes_the_stored_file(world: Any, settings: Any) -> None:
    from jixiao.core.jobs import store_upload, stored_path

    stored = store_upload(SimpleUploadedFile("a.csv", b"x"))
    assert stored_path(stored).exists()
    job = Job.objects.create(
        kind="t", title="t", owner=world.users["budget"], callable_path="x.y", params={"stored": stored}
    )
    world.login("budget").post(reverse("core:job_cancel", args=[job.pk]))
    assert not stored_path(stored).exists()


def test_refunds_filter_reads_all_or_only_refunds(world: Any) -> None:
    """The 仅冲销（退款） select offers 全部 and 是 — not Django's “未知 / 是 / 否”, whose “否” listed every payment."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("R1", "-100", reverses="V1")]))
    page = client.get(reverse("execution:payment_list")).content.decode()
    select = page[page.index('name="refunds"') : page.index("</select>", page.index('name="refunds"'))]
    assert '<option value="" selected>全部</option>' in select and '<option value="true">是</option>' in select
    assert "未知" not in select and "否" not in select
    only = client.get(reverse("execution:payment_list"), {"refunds": "true"})
    text = only.content.decode()
    assert [p.voucher_no for p in only.context["page"]] == ["R1"]
    assert '<option value="true" selected>是</option>' in text
    everything = client.get(reverse("execution:payment_list"), {"refunds": ""})
    assert sorted(p.voucher_no for p in everything.context["page"]) == ["R1", "V1"]


def test_a_bad_filter_is_named_at_its_field_and_the_others_still_filter(world: Any) -> None:
    """A year typed wrong or an impossible date is left out with the reason in Chinese under its box (it was dropped
    silently, the list looking filtered); the 仅冲销 filter beside it still applies."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000"), row("R1", "-100", reverses="V1")]))
    response = client.get(
        reverse("execution:payment_list"), {"fiscal_year": "abc", "date_from": "2026-13-01", "refunds": "true"}
    )
    text = response.content.decode()
    assert response.status_code == 200 and text.count('data-testid="filter-error"') == 2
    assert "输入一个数字。" in text and "输入一个有效的日期。" in text
    assert [p.voucher_no for p in response.context["page"]] == ["R1"]


def test_the_payment_date_keeps_to_one_line(world: Any) -> None:
    """At 1,400 px the 支付日期 column broke “2026-03-15” after “2026-03-”, doubling every row's height."""
    client = world.login("budget")
    upload(client, "p.csv", csv_bytes([row("V1", "1000")]))
    text = client.get(reverse("execution:payment_list")).content.decode()
    assert (
        '<td class="text-nowrap" data-testid="payment-date">' in text
        and '<td class="text-nowrap">一般公共预算</td>' in text
    )
