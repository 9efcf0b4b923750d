"""PostgreSQL fast path for CSV payment files: COPY the cells into a temporary table, validate and resolve in SQL.

Step 1 of the import pipeline (`services.payments_import`) on PostgreSQL for CSV files:

- Python's `csv` module (C) still splits the records, so record numbers, blank-record skipping, the encodings and
  the quoting rules are exactly the Python path's (PostgreSQL's CSV dialect differs: quotes inside a field, blank
  lines, `\\.`); each record's ten cells are stripped and sent with `COPY … FROM STDIN` into a TEMPORARY table of text
  columns (not WAL-logged, gone with the session, so an interrupted import leaves nothing behind).
- One SQL statement then checks every cell (formula, required, length, date, amount, refund rules), resolves the unit
  and project codes with joins, writes the per-cell errors (the same rows, texts and order as
  `imports.parse_payment_row` + `services._resolve`) into a temporary error table and the good rows into the
  session's own staging table: a temporary table named like `PaymentStagingRow`'s, which shadows the permanent one for
  this session (no foreign-key trigger per row, no WAL, indexes built after the load). Steps 2–4 (set-based checks,
  `INSERT … SELECT` into `Payment`, the grouped rollup upsert) are the Python path's code, unchanged, running on it.
  `release()` drops it when the import ends (a lost session drops it anyway).
- Cells in a shape the SQL does not check — a date other than `2026-03-15`, an amount other than plain digits
  (`1,000.00`, `+5`, `1e3`…) — send that record through `imports.parse_payment_row` instead (the reference rules);
  a good record is sent on normalised, a bad one adds its errors here. Treasury exports are regular, so this is rare.
"""

# ruff: noqa: S608 - every name in the SQL comes from this module or model metadata; values are parameters

from __future__ import annotations

import contextlib
import heapq
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import DatabaseError, connection, transaction
from psycopg.copy import QueuedLibpqWriter

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.spreadsheets import CellError
from jixiao.execution import services
from jixiao.execution.columns import AMOUNT_RANGE_ERROR, COLUMNS, DATE_ERROR, MAX_LENGTH, MAX_PAYMENT_YUAN
from jixiao.execution.models import PaymentImport, PaymentStagingRow
from jixiao.execution.services import STAGE_COLUMNS, PaymentRow, Progress, RowErrors
from jixiao.organizations.models import BudgetUnit
from jixiao.projects.models import Project

RAW_TABLE = "jx_payment_raw"
ERROR_TABLE = "jx_payment_raw_error"
COPY_CHUNK = 100_000
KEYS = [key for _title, key, _required in COLUMNS]
TITLES = [title for title, _key, _required in COLUMNS]
DATE_AT = KEYS.index("pay_date")
AMOUNT_AT = KEYS.index("amount_yuan")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,40}(?:\.[0-9]{1,40})?")

ParseRow = Callable[[int, Mapping[str, Any]], "tuple[PaymentRow | None, list[CellError]]"]


def available(file_name: str) -> bool:
    return connection.vendor == "postgresql" and file_name.lower().endswith((".csv", ".txt"))


class CopyStager:
    """`services.Stager` for one CSV file: `(header, records)` from `imports.csv_records`."""

    def __init__(self, header: list[str], records: Iterator[tuple[int, list[str]]], parse_row: ParseRow) -> None:
        self.header = header
        self.records = records
        self.parse_row = parse_row
        # The last column of a repeated header wins, as in `imports.csv_rows`.
        index = {name: i for i, name in enumerate(header) if name}
        self.positions = [index.get(title) for title in TITLES]

    def __call__(self, batch: PaymentImport, errors: RowErrors, total: int | None, report: Progress) -> None:
        python_errors: list[tuple[int, int, CellError]] = []
        python_count = 0
        try:
            _create_tables()
            rows_read = rows_copied = 0
            for chunk_rows, chunk_copied, chunk_errors, chunk_count in self._copy_chunks():
                rows_read += chunk_rows
                rows_copied += chunk_copied
                room = services.MAX_ERRORS_KEPT - len(python_errors)
                python_errors.extend(chunk_errors[: max(room, 0)])
                python_count += chunk_count
                report(rows_read, total, "正在读取和校验…")
            sql_errors, sql_count = _check_and_stage(batch, rows_copied)
        finally:
            _drop_tables()
        # Both lists are in (row, order within the row) order, the order the Python path adds its errors in.
        merged = 0
        for _row, _seq, error in heapq.merge(python_errors, sql_errors, key=lambda item: (item[0], item[1])):
            errors.add(error)
            merged += 1
        errors.count += python_count + sql_count - merged
        batch.rows_read = rows_read
        if rows_read == 0 and errors.count == 0:
            errors.add(CellError(2, "", "", "文件中没有数据行"))

    def _copy_chunks(self) -> Iterator[tuple[int, int, list[tuple[int, int, CellError]], int]]:
        """COPY the records in statements of COPY_CHUNK rows; yields (read, copied, errors kept, error count)."""
        positions = self.positions
        exhausted = False
        while not exhausted:
            rows = copied = 0
            found: list[tuple[int, int, CellError]] = []
            count = 0
            exhausted = True
            # Inside a caller's transaction a failed COPY (an undecodable line) rolls back to this savepoint only.
            with transaction.atomic(), connection.cursor() as cursor:
                sql = f"COPY {RAW_TABLE} FROM STDIN"
                # A writer thread sends while Python reads on: the server parses one block as the next is built.
                writer = QueuedLibpqWriter(cursor.cursor)  # type: ignore[attr-defined]
                with cursor.cursor.copy(sql, writer=writer) as copy:  # type: ignore[attr-defined]
                    write = copy.write_row
                    for number, values in self.records:
                        rows += 1
                        size = len(values)
                        cells = [values[p].strip() if p is not None and p < size else "" for p in positions]
                        day, amount = cells[DATE_AT], cells[AMOUNT_AT]
                        if (not day or day[0] == "=" or ISO_DATE.fullmatch(day)) and (
                            not amount or amount[0] == "=" or PLAIN_AMOUNT.fullmatch(amount)
                        ):
                            write((number, *cells))
                            copied += 1
                        else:
                            normalised, row_errors = self._parse(number, values)
                            if normalised is not None:
                                write(normalised)
                                copied += 1
                            count += len(row_errors)
                            if len(found) < services.MAX_ERRORS_KEPT:
                                found.extend((number, seq, error) for seq, error in enumerate(row_errors))
                        if rows >= COPY_CHUNK:
                            exhausted = False
                            break
            yield rows, copied, found, count

    def _parse(self, number: int, values: list[str]) -> tuple[tuple[Any, ...] | None, list[CellError]]:
        size = len(values)
        cells = {
            title: values[p] if p < size else None
            for title, p in zip(TITLES, self.positions, strict=True)
            if p is not None
        }
        row, row_errors = self.parse_row(number, cells)
        if row is None:
            return None, row_errors
        normalised = (
            number,
            row.voucher_no,
            row.pay_date.isoformat(),
            row.region_code,
            row.unit_code,
            row.project_code,
            str(row.amount_yuan),
            row.economic_code,
            row.function_code,
            row.fund_source,
            row.reverses_voucher_no,
        )
        return normalised, []


def _create_tables() -> None:
    cells = ", ".join(f"{key} text" for key in KEYS)
    staging = connection.ops.quote_name(PaymentStagingRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}, {ERROR_TABLE}, pg_temp.{staging}")
        # The session's own staging table: a temporary table shadows the permanent one of the same name for this
        # session only (pg_temp comes first in the search path), so the shared checks and the write
        # (services._check_*, _write, _write_batch, all through PaymentStagingRow) run on it unchanged. It has the
        # columns, defaults and CHECK constraints but no foreign key (no per-row trigger) and no WAL; its indexes
        # are built after the load. Other sessions, and this one once it is dropped, see the permanent table.
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
            [PaymentStagingRow._meta.db_table],
        )
        permanent = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} "
            f"(LIKE {permanent} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {RAW_TABLE} (row_no integer, {cells})")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {ERROR_TABLE} (row_no integer, seq integer, col text, val text, msg text)"
        )


def _drop_tables(*, staging: bool = False) -> None:
    if connection.connection is None:
        return  # a closed session dropped its temporary tables
    names = [RAW_TABLE, ERROR_TABLE]
    if staging:
        names.append("pg_temp." + connection.ops.quote_name(PaymentStagingRow._meta.db_table))
    # In a failed transaction the DROP fails too, and the rollback removes the tables: keep the first error.
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(names)}")


def release() -> None:
    """Drop the session's staging table (after `services.payments_import`, whatever its outcome)."""
    _drop_tables(staging=True)


def _index_staging() -> None:
    meta = PaymentStagingRow._meta
    staging = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        for number, index in enumerate(meta.indexes):
            columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in index.fields)  # type: ignore[union-attr,arg-type]
            cursor.execute(f"CREATE INDEX jx_payment_stage_{number} ON pg_temp.{staging} ({columns})")
        # No ANALYZE (0.3 s per 50,000 rows): the checks probe the payment indexes row by row whatever the estimate.


# ---- SQL: the same rules as imports.parse_payment_row and services._resolve ----------------------------------------


def _text_error(key: str, seq: int, required: bool) -> str:
    """CASE giving the message for a text cell (NULL when valid)."""
    limit = MAX_LENGTH.get(key)
    length = f" WHEN char_length({key}) > {limit} THEN '长度不能超过{limit}个字符'" if limit else ""
    empty = f" WHEN {key} = '' THEN '必填'" if required else ""
    return f"CASE WHEN left({key}, 1) = '=' THEN '不接受公式，请填写值'{empty}{length} END AS e{seq}"


def _parse_sql() -> str:
    """Per-row typed values and per-cell messages e0…e12 (NULL = no error), in parse_payment_row's order."""
    checks = []
    for seq, (_title, key, required) in enumerate(COLUMNS):
        if key == "pay_date":
            checks.append(
                "CASE WHEN left(pay_date, 1) = '=' THEN '不接受公式，请填写值' WHEN pay_date = '' THEN '必填' "
                f"WHEN day_ok IS NOT TRUE THEN '{DATE_ERROR}' END AS e{seq}"
            )
        elif key == "amount_yuan":
            checks.append(
                "CASE WHEN left(amount_yuan, 1) = '=' THEN '不接受公式，请填写值' WHEN amount_yuan = '' THEN '必填' "
                "WHEN amount = 0 THEN '金额不能为0' "
                f"WHEN abs(amount) > {MAX_PAYMENT_YUAN} THEN '{AMOUNT_RANGE_ERROR}' "
                f"WHEN trunc(amount, 2) <> amount THEN '金额（元）最多保留2位小数' END AS e{seq}"
            )
        else:
            checks.append(_text_error(key, seq, required))
    # Python sent only ISO-shaped dates and plain-digit amounts (or empty/formula cells) here: the casts are safe.
    # Each level is fenced with OFFSET 0 so that its expressions are computed once per row, not at every use.
    cells = f"""
        SELECT raw.*,
          CASE WHEN char_length(pay_date) = 10 AND left(pay_date, 1) <> '=' THEN substr(pay_date, 1, 4)::int END AS y,
          CASE WHEN char_length(pay_date) = 10 AND left(pay_date, 1) <> '=' THEN substr(pay_date, 6, 2)::int END AS m,
          CASE WHEN char_length(pay_date) = 10 AND left(pay_date, 1) <> '=' THEN substr(pay_date, 9, 2)::int END AS d,
          CASE WHEN amount_yuan <> '' AND left(amount_yuan, 1) <> '=' THEN amount_yuan::numeric END AS amount
        FROM {RAW_TABLE} raw OFFSET 0
    """
    typed = f"""
        SELECT c.*,
          coalesce(y BETWEEN {FIRST_YEAR} AND {LAST_YEAR} AND m BETWEEN 1 AND 12 AND d >= 1 AND d <= CASE
                 WHEN m = 2 THEN CASE WHEN mod(y, 4) = 0 AND (mod(y, 100) <> 0 OR mod(y, 400) = 0) THEN 29 ELSE 28 END
                 WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END, false) AS day_ok
        FROM ({cells}) c OFFSET 0
    """
    # Values as parse_payment_row keeps them: a cell with an error has no value (reverses → ''; voucher → NULL).
    return f"""
        SELECT t.*,
          CASE WHEN e9 IS NULL THEN reverses_voucher_no ELSE '' END AS rv,
          CASE WHEN e0 IS NULL THEN voucher_no END AS vv,
          CASE WHEN day_ok THEN make_date(y, m, d) END AS day
        FROM (SELECT typed.*, {", ".join(checks)} FROM ({typed}) typed OFFSET 0) t
    """


def _check_and_stage(batch: PaymentImport, rows_copied: int) -> tuple[list[tuple[int, int, CellError]], int]:
    """Good rows to the staging table; only when some rows were left out, a second pass writes their errors to the
    error table (most files have none, so the checked rows are not materialised). Returns (kept errors, count)."""
    params: dict[str, Any] = {"region": batch.region_id, "mof": batch.region.mof_div_code, "batch": batch.pk}
    checked = _checked_sql()
    quote = connection.ops.quote_name
    staging = quote(PaymentStagingRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO pg_temp.{staging} (batch_id, is_existing, {", ".join(STAGE_COLUMNS)})
            SELECT %(batch)s, false, row_no, voucher_no, day, extract(year FROM day)::int,
              extract(month FROM day)::int, unit_pk, department_pk, project_pk, amount::numeric(18, 2),
              reverses_voucher_no, economic_code, function_code, fund_source
            FROM ({checked}) c WHERE NOT bad_cells AND num_nonnulls(e20, e21, e22) = 0""",
            params,
        )
        staged = max(cursor.rowcount, 0)
        _index_staging()
        if staged == rows_copied:
            return [], 0
        cursor.execute(f"INSERT INTO {ERROR_TABLE} (row_no, seq, col, val, msg) {_errors_sql(checked)}", params)
        cursor.execute(f"SELECT count(*) FROM {ERROR_TABLE}")
        count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT row_no, seq, col, val, msg FROM {ERROR_TABLE} ORDER BY row_no, seq LIMIT %s",
            [services.MAX_ERRORS_KEPT],
        )
        kept = [(row_no, seq, CellError(row_no, col, val, msg)) for row_no, seq, col, val, msg in cursor.fetchall()]
    return kept, count


def _checked_sql() -> str:
    """Every copied row with its cell messages e0…e12, the resolved ids and the resolution messages e20…e22."""
    quote = connection.ops.quote_name
    units = quote(BudgetUnit._meta.db_table)
    projects = quote(Project._meta.db_table)
    amount_ok = "e5 IS NULL"  # parse_payment_row's refund rules apply only to a valid amount
    return f"""
          SELECT c.*,
            num_nonnulls(e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12) > 0 AS bad_cells,
            CASE WHEN region_code <> %(mof)s THEN '与导入的财政区划（' || %(mof)s || '）不一致' END AS e20,
            CASE WHEN unit_pk IS NULL THEN '单位编码不存在' END AS e21,
            CASE WHEN project_pk IS NULL THEN extract(year FROM day)::int || '年度项目库中没有该项目'
                 WHEN unit_pk IS NOT NULL AND project_unit_pk <> unit_pk THEN '该项目不属于所填单位' END AS e22
          FROM (
            SELECT p.*,
              CASE WHEN {amount_ok} AND amount < 0 AND rv = ''
                   THEN '负数金额（退款或冲销）必须填写冲销原凭证号' END AS e10,
              CASE WHEN {amount_ok} AND amount > 0 AND rv <> ''
                   THEN '只有负数金额（冲销）才填写冲销原凭证号' END AS e11,
              CASE WHEN {amount_ok} AND rv <> '' AND rv = vv THEN '不能冲销本凭证' END AS e12,
              u.id AS unit_pk, u.department_id AS department_pk, pr.id AS project_pk, pr.unit_id AS project_unit_pk
            FROM ({_parse_sql()}) p
            LEFT JOIN {units} u ON u.region_id = %(region)s AND u.agency_code = p.unit_code
            LEFT JOIN {projects} pr ON pr.region_id = %(region)s AND NOT pr.is_deleted
              AND pr.fiscal_year = extract(year FROM p.day)::int AND pr.code = p.project_code
            OFFSET 0
          ) c
    """


def _errors_sql(checked: str) -> str:
    """One row per message, seq giving parse_payment_row's order (cells, refund rules) then _resolve's (20…22)."""
    titles = {key: title for title, key, _required in COLUMNS}
    # Required-and-empty reports '' as the value; every other cell error reports the cell text (first 100 chars).
    cell_errors = ", ".join(
        f"({seq}, '{titles[key]}', CASE WHEN {key} = '' THEN '' ELSE left({key}, 100) END, e{seq})"
        for seq, (_t, key, _required) in enumerate(COLUMNS)
    )
    return f"""
          SELECT f.row_no, e.seq, e.col, e.val, e.msg
          FROM ({checked}) f CROSS JOIN LATERAL (VALUES
            {cell_errors},
            (10, '冲销原凭证号', '', e10), (11, '冲销原凭证号', rv, e11), (12, '冲销原凭证号', rv, e12),
            (20, '财政区划', region_code, CASE WHEN NOT bad_cells THEN e20 END),
            (21, '单位编码', unit_code, CASE WHEN NOT bad_cells THEN e21 END),
            (22, '项目编码', project_code, CASE WHEN NOT bad_cells THEN e22 END)
          ) AS e(seq, col, val, msg)
          WHERE (f.bad_cells OR num_nonnulls(e20, e21, e22) > 0) AND e.msg IS NOT NULL
    """
