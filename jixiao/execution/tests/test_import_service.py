from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jixiao.core.models import AuditEvent
from jixiao.core.spreadsheets import SpreadsheetError
from jixiao.execution import hooks, imports, services
from jixiao.execution.columns import DATE_ERROR
from jixiao.execution.models import Payment, PaymentImport, PaymentStagingRow, ProjectMonthExecution
from jixiao.execution.selectors import annotate_execution, annotate_execution_to_month, execution_by_month
from jixiao.execution.tests.helpers import csv_bytes, row, write, xlsx_bytes
from jixiao.projects.models import Project


def run(world: Any, tmp_path: Path, name: str, content: bytes, persona: str = "budget") -> PaymentImport:
    path = write(tmp_path, name, content)
    return imports.import_payment_file(actor=world.users[persona], region=world.region, path=path, file_name=name)


def rejected(world: Any, tmp_path: Path, name: str, content: bytes) -> services.PaymentImportRejectedError:
    with pytest.raises(services.PaymentImportRejectedError) as info:
        run(world, tmp_path, name, content)
    assert Payment.objects.count() == 0
    assert PaymentStagingRow.objects.count() == 0
    return info.value


def test_csv_import_writes_payments_rollup_and_audit(world: Any, tmp_path: Path) -> None:
    content = csv_bytes(
        [
            row("V1", "1000.00"),
            row("V2", "250.50", pay_date="2026-04-02"),
            row("V3", "99", project="P-BRANCH", unit="101002"),
        ]
    )
    batch = run(world, tmp_path, "pay.csv", content)
    assert (batch.status, batch.rows_read, batch.rows_imported, batch.rows_skipped) == ("done", 3, 3, 0)
    assert batch.amount_yuan == Decimal("1349.50")
    payment = Payment.objects.get(voucher_no="V1")
    assert payment.project == world.school_project and payment.department == world.edu and payment.fiscal_year == 2026
    assert payment.batch == batch
    months = dict(
        ProjectMonthExecution.objects.filter(project=world.school_project).values_list("month", "amount_yuan")
    )
    assert months == {3: Decimal("1000.00"), 4: Decimal("250.50")}
    event = AuditEvent.objects.get(event_type="payment.import", object_id=str(batch.pk))
    assert event.changes["imported"] == 3 and event.actor_name == world.users["budget"].username


def test_reimporting_the_same_file_adds_nothing(world: Any, tmp_path: Path) -> None:
    content = csv_bytes([row("V1", "1000.00"), row("V2", "-200", reverses="V1")])
    run(world, tmp_path, "a.csv", content)
    again = run(world, tmp_path, "b.csv", content)
    assert (again.rows_imported, again.rows_skipped) == (0, 2)
    assert Payment.objects.count() == 2
    assert ProjectMonthExecution.objects.get(project=world.school_project, month=3).amount_yuan == Decimal("800.00")


def test_stored_voucher_with_different_data_is_an_error(world: Any, tmp_path: Path) -> None:
    run(world, tmp_path, "a.csv", csv_bytes([row("V1", "1000.00")]))
    with pytest.raises(services.PaymentImportRejectedError) as info:
        run(world, tmp_path, "b.csv", csv_bytes([row("V1", "1000.01"), row("V9", "5")]))
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "支付凭证号")]
    assert "内容不同" in info.value.errors[0].message
    assert Payment.objects.count() == 1


def test_refunds_net_out_and_rules_for_negative_amounts(world: Any, tmp_path: Path) -> None:
    run(
        world,
        tmp_path,
        "a.csv",
        csv_bytes([row("V1", "1000.00"), row("R1", "-300", reverses="V1", pay_date="2026-05-01")]),
    )
    executed = annotate_execution(Project.objects.filter(pk=world.school_project.pk), dt.date(2026, 12, 31)).get()
    assert executed.executed_yuan == Decimal("700.00")
    error = rejected_after(world, tmp_path, [row("R2", "-800", reverses="V1")])
    assert "小于0" in error.errors[0].message


def rejected_after(world: Any, tmp_path: Path, rows: list[list[str]]) -> services.PaymentImportRejectedError:
    before = Payment.objects.count()
    with pytest.raises(services.PaymentImportRejectedError) as info:
        run(world, tmp_path, "x.csv", csv_bytes(rows))
    assert Payment.objects.count() == before
    return info.value


def test_malformed_rows_are_all_reported_and_nothing_is_written(world: Any, tmp_path: Path) -> None:
    content = csv_bytes(
        [
            row("V1", "1000"),
            row("V2", "abc"),
            row("V3", "10", pay_date="2026-13-45"),
            row("V4", "10", unit="999999"),
            row("V5", "10", project="NOPE"),
            row("V6", "10", project="P-HOSP"),
            row("V7", "-10"),
            row("V8", "-10", reverses="UNKNOWN"),
            row("V1", "1000"),
            row("=1+1", "10"),
            row("V9", "10.123"),
        ]
    )
    error = rejected(world, tmp_path, "bad.csv", content)
    found = {(e.row, e.column) for e in error.errors}
    assert {
        (3, "金额（元）"),
        (4, "支付日期"),
        (5, "单位编码"),
        (6, "项目编码"),
        (7, "项目编码"),
        (8, "冲销原凭证号"),
        (9, "冲销原凭证号"),
        (10, "支付凭证号"),
        (11, "支付凭证号"),
        (12, "金额（元）"),
    } <= found
    assert not any(e.row == 2 for e in error.errors)
    # A day that does not exist is named as such, not as a wrong format (the format was right).
    assert [e.message for e in error.errors if (e.row, e.column) == (4, "支付日期")] == [DATE_ERROR]
    assert "不是有效日期" in DATE_ERROR
    batch = PaymentImport.objects.get()
    assert batch.status == PaymentImport.Status.REJECTED and batch.error_count == len(error.errors)
    assert AuditEvent.objects.filter(event_type="payment.import", outcome="failure").exists()


def test_wrong_or_missing_header_is_reported_on_row_one(world: Any, tmp_path: Path) -> None:
    header = ["凭证", "日期", "财政区划", "单位编码", "项目编码", "金额（元）"]
    error = rejected(
        world,
        tmp_path,
        "h.csv",
        csv_bytes([["V1", "2026-03-01", "511725000", "101001", "P-SCHOOL", "1"]], header=header),
    )
    assert {(e.row, e.column) for e in error.errors} == {(1, "支付凭证号"), (1, "支付日期")}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_are_detected(world: Any, tmp_path: Path, encoding: str) -> None:
    content = csv_bytes([row("V1", "10"), row("V2", "20")], encoding=encoding)
    batch = run(world, tmp_path, f"{encoding}.csv", content)
    assert batch.rows_imported == 2
    assert Payment.objects.get(voucher_no="V1").fund_source == "一般公共预算"


def test_undecodable_csv_is_a_clear_error(world: Any, tmp_path: Path) -> None:
    with pytest.raises(SpreadsheetError):
        run(world, tmp_path, "bin.csv", b"\xff\xfe\x00\x00" * 100)
    assert Payment.objects.count() == 0


def test_xlsx_import_with_dates_and_a_formula_cell(world: Any, tmp_path: Path) -> None:
    good = [["V1", dt.datetime(2026, 3, 1), "511725000", "101001", "P-SCHOOL", 1234.5, "", "", "", ""]]
    assert run(world, tmp_path, "ok.xlsx", xlsx_bytes(good)).rows_imported == 1
    bad = [["V2", dt.datetime(2026, 3, 2), "511725000", "101001", "P-SCHOOL", "=A1*2", "", "", "", ""]]
    with pytest.raises(services.PaymentImportRejectedError) as info:
        run(world, tmp_path, "bad.xlsx", xlsx_bytes(bad))
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "金额（元）")]
    assert "公式" in info.value.errors[0].message


def test_interrupted_import_leaves_nothing_and_can_be_rerun(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "WRITE_BATCH", 2)
    content = csv_bytes([row(f"V{i}", "10") for i in range(7)])
    real = services._write_batch
    calls = {"n": 0}

    def failing(batch: Any, low: int, high: int) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("connection lost")
        return real(batch, low, high)

    monkeypatch.setattr(services, "_write_batch", failing)
    with pytest.raises(RuntimeError):
        run(world, tmp_path, "p.csv", content)
    assert Payment.objects.count() == 0 and ProjectMonthExecution.objects.count() == 0
    batch = PaymentImport.objects.get()
    assert batch.status == PaymentImport.Status.FAILED
    event = AuditEvent.objects.get(event_type="payment.import", object_id=str(batch.pk))
    assert event.outcome == AuditEvent.Outcome.FAILURE and event.reason == "导入中断，未保存任何数据，可重新导入"
    assert event.actor_name == world.users["budget"].username
    monkeypatch.setattr(services, "_write_batch", real)
    assert run(world, tmp_path, "p.csv", content).rows_imported == 7
    assert Payment.objects.count() == 7


def test_hook_runs_after_commit_with_the_years(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[Any] = []
    callback = hooks.on_payments_imported(lambda region, years: seen.append((region, list(years))))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(world, tmp_path, "a.csv", csv_bytes([row("V1", "10")]))
    finally:
        hooks._callbacks.remove(callback)
    assert seen == [(world.region, [2026])]


def test_unit_user_cannot_import(world: Any, tmp_path: Path) -> None:
    from jixiao.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        run(world, tmp_path, "a.csv", csv_bytes([row("V1", "10")]), persona="unit_user")


def test_reader_is_a_lazy_iterator(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", csv_bytes([row("V1", "10")]))
    header, rows, handle = imports.open_rows(path, "a.csv")
    with handle:
        assert iter(rows) is rows and not isinstance(rows, list | tuple)
        stream = imports.parse_stream(header, rows)
        assert iter(stream) is stream
        parsed, errors = next(stream)
        assert parsed is not None and parsed.voucher_no == "V1" and not errors


def test_rollup_and_raw_payments_agree_at_month_ends(world: Any, tmp_path: Path) -> None:
    rows = [row(f"V{m}", f"{m}00.10", pay_date=f"2026-{m:02d}-{min(28, m + 10)}") for m in range(1, 13)]
    rows.append(row("R1", "-50", reverses="V3", pay_date="2026-06-30"))
    rows.append(row("H1", "70", project="P-HOSP", unit="102001", pay_date="2026-02-28"))
    run(world, tmp_path, "y.csv", csv_bytes(rows))
    projects = Project.objects.filter(region=world.region).order_by("pk")
    for month in range(1, 13):
        end = (
            dt.date(2026, month, 28)
            if month == 2
            else (dt.date(2026, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(2026, 12, 31))
        )
        raw = list(annotate_execution(projects, end).values_list("pk", "executed_yuan"))
        rolled = list(annotate_execution_to_month(projects, 2026, month).values_list("pk", "executed_yuan"))
        assert raw == rolled
    series = execution_by_month(Project.objects.filter(pk=world.school_project.pk), 2026)
    assert series[5]["amount"] == Decimal("550.10")  # June: 600.10 minus the 50.00 refund
    assert sum(r["amount"] for r in series) == sum(Decimal(f"{m}00.10") for m in range(1, 13)) - 50


def test_refund_must_stay_on_the_original_project(world: Any, tmp_path: Path) -> None:
    run(world, tmp_path, "a.csv", csv_bytes([row("V1", "1000.00")]))
    error = rejected_after(world, tmp_path, [row("R1", "-10", reverses="V1", project="P-BRANCH", unit="101002")])
    assert [(e.row, e.column) for e in error.errors] == [(2, "项目编码")]


def test_projects_without_payments_execute_zero(world: Any) -> None:
    rows = annotate_execution(Project.objects.filter(region=world.region), dt.date(2026, 6, 30))
    assert {p.executed_yuan for p in rows} == {Decimal("0.00")}


def test_command_imports_a_file_and_reports_errors(world: Any, tmp_path: Path) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    good = write(tmp_path, "good.csv", csv_bytes([row("V1", "10"), row("V2", "20")]))
    out = StringIO()
    call_command("import_payments", str(good), region="511725000", stdout=out)
    assert "新增导入：2" in out.getvalue() and Payment.objects.count() == 2
    assert PaymentImport.objects.get().source == PaymentImport.Source.COMMAND
    bad = write(tmp_path, "bad.csv", csv_bytes([row("V3", "x")]))
    report = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError):
        call_command("import_payments", str(bad), region="511725000", errors=str(report), stderr=StringIO())
    import openpyxl

    sheet = openpyxl.load_workbook(report).active
    assert sheet is not None and sheet.cell(row=2, column=2).value == "金额（元）"
    with pytest.raises(CommandError):
        call_command("import_payments", str(good), region="999999999")


def test_cancelling_during_the_import_saves_nothing(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from jixiao.core.jobs import Cancelled
    from jixiao.core.models import Job

    monkeypatch.setattr(services, "STAGE_CHUNK", 2)
    job = Job.objects.create(kind="t", title="t", owner=world.users["budget"], callable_path="x", cancel_requested=True)
    path = write(tmp_path, "c.csv", csv_bytes([row(f"V{i}", "10") for i in range(6)]))
    with pytest.raises(Cancelled):
        imports.import_payment_file(
            actor=world.users["budget"], region=world.region, path=path, file_name="c.csv", job=job
        )
    assert Payment.objects.count() == 0 and PaymentStagingRow.objects.count() == 0
    assert PaymentImport.objects.get().status == PaymentImport.Status.FAILED


def test_a_nul_character_is_refused_in_chinese_on_both_databases(world: Any, tmp_path: Path) -> None:
    """Python's csv reads a NUL; PostgreSQL's COPY cannot store it (a generic failure there) and SQLite would."""
    content = csv_bytes([row("V1", "10"), row("V\x002", "10")])
    with pytest.raises(SpreadsheetError, match="文件第3行含有空字符"):
        run(world, tmp_path, "nul.csv", content)
    assert Payment.objects.count() == 0 and PaymentStagingRow.objects.count() == 0


def test_a_short_compact_date_and_a_huge_amount_are_cell_errors(world: Any, tmp_path: Path) -> None:
    """strptime read "202611" as 2026-01-01; one row of 10¹⁶ yuan fitted the column but two overflowed the rollup."""
    rows = [row("V1", "10", pay_date="202611"), row("V2", "10", pay_date="2026111"), row("V3", "1000000000000")]
    error = rejected(world, tmp_path, "bad.csv", csv_bytes(rows))
    found = {(e.row, e.column): e.message for e in error.errors}
    assert found[(2, "支付日期")] == DATE_ERROR and found[(3, "支付日期")] == DATE_ERROR
    assert found[(4, "金额（元）")] == "金额超出允许范围（单笔不超过1万亿元）"
    assert run(world, tmp_path, "ok.csv", csv_bytes([row("V4", "10", pay_date="20261105")])).rows_imported == 1


def test_a_sweep_failing_after_the_commit_leaves_the_import_done(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    def failing(region: Any, years: Any) -> None:
        raise RuntimeError("database is locked")

    callback = hooks.on_payments_imported(failing)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            batch = run(world, tmp_path, "a.csv", csv_bytes([row("V1", "10")]))
    finally:
        hooks._callbacks.remove(callback)
    assert PaymentImport.objects.get(pk=batch.pk).status == PaymentImport.Status.DONE
    assert Payment.objects.count() == 1


def test_a_refund_committed_by_another_import_meanwhile_is_checked_again_under_the_lock(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Two imports each reversing −600 of one 1,000 payment passed their checks apart; the second now fails whole."""
    from jixiao.core.errors import DomainError
    from jixiao.execution.tests.factories import payment_create

    run(world, tmp_path, "a.csv", csv_bytes([row("V1", "1000.00")]))
    real = services._mark_existing
    calls: list[Any] = []

    def other_import_commits_first(batch: Any) -> Any:
        calls.append(batch)
        if len(calls) == 2:  # the second look, under the region lock, just before writing
            payment_create(world.school_project, "-600", dt.date(2026, 5, 1), voucher_no="R1", reverses="V1")
        return real(batch)

    monkeypatch.setattr(services, "_mark_existing", other_import_commits_first)
    with pytest.raises(DomainError, match="导入期间有其他导入冲销了相同的原凭证"):
        run(world, tmp_path, "b.csv", csv_bytes([row("R2", "-600", reverses="V1", pay_date="2026-05-02")]))
    assert not Payment.objects.filter(voucher_no="R2").exists()


def test_repeated_vouchers_in_one_file_are_each_named_with_the_first_row(world: Any, tmp_path: Path) -> None:
    content = csv_bytes([row("V1", "10"), row("V2", "10"), row("V1", "11"), row("V1", "12"), row("V2", "13")])
    errors = rejected(world, tmp_path, "dup.csv", content).errors
    assert [(e.row, e.value, e.message) for e in errors] == [
        (4, "V1", "与第2行的凭证号重复"),
        (5, "V1", "与第2行的凭证号重复"),
        (6, "V2", "与第3行的凭证号重复"),
    ]


def test_stale_running_jobs_and_batches_are_closed(world: Any, tmp_path: Path) -> None:
    from django.core.management import call_command

    from jixiao.core.models import Job

    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    user = world.users["budget"]
    job = Job.objects.create(kind="payments.import", title="导入", owner=user, callable_path="x.y", status="running")
    fresh = Job.objects.create(kind="payments.import", title="导入", owner=user, callable_path="x.y", status="running")
    Job.objects.filter(pk=job.pk).update(created_at=long_ago)
    batch = PaymentImport.objects.create(region=world.region, file_name="big.csv", user=user, job=job)
    PaymentImport.objects.filter(pk=batch.pk).update(started_at=long_ago)
    PaymentStagingRow.objects.create(
        batch=batch, row_no=2, voucher_no="V1", pay_date=dt.date(2026, 3, 1), fiscal_year=2026, month=3,
        unit_id=1, department_id=1, project_id=1, amount_yuan=Decimal("1"),
    )  # fmt: skip
    running = PaymentImport.objects.create(region=world.region, file_name="now.csv", user=user)
    call_command("close_stale_jobs", "--older-than-hours", "24")
    job.refresh_from_db(), fresh.refresh_from_db(), batch.refresh_from_db(), running.refresh_from_db()
    assert (job.status, fresh.status) == (Job.Status.FAILED, Job.Status.RUNNING)
    assert "任务中断" in job.message
    assert (batch.status, running.status) == (PaymentImport.Status.FAILED, PaymentImport.Status.RUNNING)
    assert "导入中断" in batch.message and not PaymentStagingRow.objects.filter(batch=batch).exists()
    assert AuditEvent.objects.filter(event_type="job.abandoned", object_id=str(job.pk)).exists()
    event = AuditEvent.objects.get(event_type="payment.import", object_id=str(batch.pk))
    assert event.outcome == AuditEvent.Outcome.FAILURE and event.region_path == world.region.path


def test_closing_stale_jobs_refuses_a_short_age() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="不得小于"):
        call_command("close_stale_jobs", "--older-than-hours", "1")
