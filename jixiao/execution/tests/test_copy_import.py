"""The PostgreSQL COPY path (`pg_import`) and the Python path give the same payments, rollup, counts and error report.

Each scenario imports the same file through both paths from the same starting state (a savepoint is rolled back
between them) and compares everything the import leaves behind. PostgreSQL only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from jixiao.execution import imports, pg_import, services
from jixiao.execution.columns import DATE_ERROR
from jixiao.execution.models import Payment, PaymentImport, PaymentStagingRow, ProjectMonthExecution
from jixiao.execution.tests.helpers import REGION, csv_bytes, row, write
from jixiao.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path runs on PostgreSQL only")

TAIL = ["30201", "2050201", "一般公共预算"]


def _state() -> dict[str, Any]:
    payments = sorted(
        Payment.objects.values_list(
            "region_id",
            "fiscal_year",
            "voucher_no",
            "pay_date",
            "unit_id",
            "department_id",
            "project_id",
            "amount_yuan",
            "reverses_voucher_no",
            "economic_code",
            "function_code",
            "fund_source",
        )
    )
    rollup = sorted(ProjectMonthExecution.objects.values_list("project_id", "fiscal_year", "month", "amount_yuan"))
    batch = PaymentImport.objects.order_by("-pk").values(
        "status",
        "rows_read",
        "rows_imported",
        "rows_skipped",
        "refunds",
        "error_count",
        "amount_yuan",
        "message",
    )[0]
    return {"payments": payments, "rollup": rollup, "batch": batch}


def _run(world: Any, path: Path, *, use_copy: bool, monkeypatch: Any) -> dict[str, Any]:
    """Import through one path inside a savepoint that is rolled back; return what it left behind."""
    if use_copy:
        # Proves the file went through COPY: the Python stager is not called at all.
        monkeypatch.setattr(services, "_stage", _fail)
    savepoint = transaction.savepoint()
    errors: list[tuple[Any, ...]] | None = None
    try:
        imports.import_payment_file(
            actor=world.users["budget"], region=world.region, path=path, file_name=path.name, use_copy=use_copy
        )
    except services.PaymentImportRejectedError as exc:
        errors = [(e.row, e.column, e.value, e.message) for e in exc.errors]
    outcome = {**_state(), "errors": errors, "staging_left": PaymentStagingRow.objects.count()}
    transaction.savepoint_rollback(savepoint)
    monkeypatch.undo()
    return outcome


def _fail(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the Python stager ran on the COPY path")


def both_paths(world: Any, tmp_path: Path, content: bytes, monkeypatch: Any, name: str = "p.csv") -> dict[str, Any]:
    path = write(tmp_path, name, content)
    python = _run(world, path, use_copy=False, monkeypatch=monkeypatch)
    copied = _run(world, path, use_copy=True, monkeypatch=monkeypatch)
    assert copied == python
    assert copied["staging_left"] == 0
    return copied


def test_a_good_file_gives_the_same_payments_and_rollup(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    rows = [
        row("V1", "1000.00"),
        row("V2", "250.5", pay_date="2026-04-02"),
        row("V3", "99", project="P-BRANCH", unit="101002"),
        row("R1", "-300", reverses="V1", pay_date="2026-05-31"),
        row("V4", "70", project="P-HOSP", unit="102001", pay_date="2026-02-29".replace("29", "28")),
        ["", "", "", "", "", "", "", "", "", ""],  # a blank record: skipped, still numbered
        # Shapes the SQL leaves to parse_payment_row: they are normalised and sent on.
        row("V5", '"1,000.25"', pay_date="2026/3/5"),
        row("V6", " 12.50 ", pay_date="20260407"),
        row("V7", "+5", pay_date=" 2026.06.01 "),
        row("V8", "1e2", pay_date="2026-06-01 08:30:00"),
        row("  V9  ", "0.10", pay_date="2026-12-31"),
    ]
    outcome = both_paths(world, tmp_path, csv_bytes(rows), monkeypatch)
    assert outcome["errors"] is None
    assert outcome["batch"]["rows_imported"] == 10 and outcome["batch"]["rows_read"] == 10
    assert {p[2] for p in outcome["payments"]} == {"V1", "V2", "V3", "R1", "V4", "V5", "V6", "V7", "V8", "V9"}
    assert len(outcome["rollup"]) >= 6


def test_every_kind_of_cell_error_is_reported_the_same(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    ProjectFactory(unit=world.school, code="P-2025", fiscal_year=2025)
    rows = [
        row("V1", "1000"),
        row("V2", "abc"),
        row("V3", "10", pay_date="2026-13-45"),
        row("V3b", "10", pay_date="2026-02-30"),
        row("V3c", "10", pay_date="1999-03-01"),
        row("V3d", "10", pay_date="next week"),
        row("V4", "10", unit="999999"),
        row("V5", "10", project="NOPE"),
        row("V6", "10", project="P-HOSP"),
        row("V6b", "10", project="P-2025"),
        row("V7", "-10"),
        row("V8", "-10", reverses="UNKNOWN"),
        row("V1", "1000"),
        row("=1+1", "10"),
        row("V9", "10.123"),
        row("V10", "0"),
        row("V11", "-0.00"),
        row("V12", "99999999999999999"),
        row("V13", "=A1*2"),
        row("V14", "10", pay_date="=TODAY()"),
        row("V15", "10", reverses="V1"),
        row("V16", "-10", reverses="V16"),
        row("V17", "10", region="510000000"),
        row("", "", pay_date="", unit="", project="", region=""),
        row("V" + "9" * 45, "10", unit="1" * 31, project="P" * 41),
        ["V18", "2026-03-15", REGION, "101001", "P-SCHOOL", "10", "3" * 21, "2" * 21, "资" * 41, ""],
        row("V19", "-800", reverses="V1"),
        row("V20", "-10", reverses="V1", project="P-BRANCH", unit="101002"),
        row("V21", "1,0.5.0"),
        row("V22", "-5", reverses="=X"),
    ]
    outcome = both_paths(world, tmp_path, csv_bytes(rows), monkeypatch)
    errors = outcome["errors"]
    assert errors is not None and outcome["payments"] == []
    assert outcome["batch"]["status"] == PaymentImport.Status.REJECTED
    assert outcome["batch"]["error_count"] == len(errors) >= 30
    messages = {message for _row, _col, _value, message in errors}
    assert {"必填", "不接受公式，请填写值", DATE_ERROR, "金额不能为0", "单位编码不存在"} <= messages
    assert "2026年度项目库中没有该项目" in messages and "该项目不属于所填单位" in messages
    assert "原凭证不存在（既未导入，也不在本文件中）" in messages and "与第2行的凭证号重复" in messages


def test_vouchers_stored_before_are_skipped_or_rejected_the_same(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    stored = write(tmp_path, "stored.csv", csv_bytes([row("V1", "1000.00"), row("V2", "500")]))
    imports.import_payment_file(
        actor=world.users["budget"], region=world.region, path=stored, file_name="stored.csv", use_copy=False
    )
    same = both_paths(world, tmp_path, csv_bytes([row("V1", "1000.00"), row("V3", "7")]), monkeypatch)
    assert (same["batch"]["rows_imported"], same["batch"]["rows_skipped"]) == (1, 1)
    changed = both_paths(
        world,
        tmp_path,
        csv_bytes([row("V2", "500.01"), row("R1", "-1200", reverses="V1"), row("V4", "1")]),
        monkeypatch,
    )
    assert changed["errors"] is not None and [e[:2] for e in changed["errors"]] == [
        (2, "支付凭证号"),
        (3, "金额（元）"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_encodings_and_reordered_aliased_headers_agree(
    world: Any, tmp_path: Path, monkeypatch: Any, encoding: str
) -> None:
    header = ["凭证号", "金额(元)", "支付日期", "财政区划", "单位编码", "项目编码", "资金来源", "备注"]
    rows = [
        ["V1", "10", "2026-03-01", REGION, "101001", "P-SCHOOL", "一般公共预算", "说明"],
        ["V2", "-3", "2026-03-02", REGION, "101001", "P-SCHOOL", "", ""],
        ["V3", "5", "2026-03-03", REGION, "101001"],
    ]
    outcome = both_paths(world, tmp_path, csv_bytes(rows, encoding=encoding, header=header), monkeypatch)
    assert outcome["errors"] is not None
    assert [e[:2] for e in outcome["errors"]] == [(3, "冲销原凭证号"), (4, "项目编码")]


def test_a_file_without_data_rows_is_reported_the_same(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    outcome = both_paths(world, tmp_path, csv_bytes([]), monkeypatch)
    assert outcome["errors"] == [(2, "", "", "文件中没有数据行")]


def test_the_kept_errors_and_the_count_agree_when_the_report_is_capped(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "MAX_ERRORS_KEPT", 5)
    rows = [
        row(f"V{i}", "x" if i % 3 else "0", pay_date="2026/02/30" if i % 4 == 0 else "2026-03-01") for i in range(40)
    ]
    path = write(tmp_path, "cap.csv", csv_bytes(rows))
    outcomes = []
    for use_copy in (False, True):
        savepoint = transaction.savepoint()
        with pytest.raises(services.PaymentImportRejectedError) as info:
            imports.import_payment_file(
                actor=world.users["budget"], region=world.region, path=path, file_name="cap.csv", use_copy=use_copy
            )
        outcomes.append(([(e.row, e.column, e.message) for e in info.value.errors], info.value.batch.error_count))
        transaction.savepoint_rollback(savepoint)
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][0]) == 5 and outcomes[0][1] > 40


def test_the_copy_path_is_chosen_for_csv_on_postgresql_only() -> None:
    assert pg_import.available("支付明细.CSV") and pg_import.available("a.txt")
    assert not pg_import.available("支付明细.xlsx")


def test_an_interrupted_copy_import_leaves_nothing_and_can_be_rerun(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    path = write(tmp_path, "p.csv", csv_bytes([row(f"V{i}", "10") for i in range(7)]))

    def broken(batch: Any, rows_copied: int) -> Any:
        raise RuntimeError("connection lost")

    real = pg_import._check_and_stage
    monkeypatch.setattr(pg_import, "_check_and_stage", broken)
    with pytest.raises(RuntimeError):
        imports.import_payment_file(actor=world.users["budget"], region=world.region, path=path, file_name="p.csv")
    assert Payment.objects.count() == 0 and PaymentStagingRow.objects.count() == 0
    assert PaymentImport.objects.get().status == PaymentImport.Status.FAILED
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = %s AND relpersistence = 't'", [pg_import.RAW_TABLE]
        )
        assert cursor.fetchone()[0] == 0
    monkeypatch.setattr(pg_import, "_check_and_stage", real)
    batch = imports.import_payment_file(actor=world.users["budget"], region=world.region, path=path, file_name="p.csv")
    assert batch.rows_imported == 7 and Payment.objects.count() == 7


def test_a_file_that_turns_undecodable_midway_is_the_same_clear_error(world: Any, tmp_path: Path) -> None:
    from jixiao.core.spreadsheets import SpreadsheetError

    good = csv_bytes([row(f"V{i}", "10") for i in range(3000)])  # more than the 64 KB the encoding is sniffed from
    path = write(tmp_path, "broken.csv", good + b"V9999,2026-03-15,\xff\xfe\r\n")
    for use_copy in (False, True):
        with pytest.raises(SpreadsheetError):
            imports.import_payment_file(
                actor=world.users["budget"], region=world.region, path=path, file_name="broken.csv", use_copy=use_copy
            )
    assert Payment.objects.count() == 0 and PaymentStagingRow.objects.count() == 0
    assert list(PaymentImport.objects.values_list("status", flat=True)) == [PaymentImport.Status.FAILED] * 2
