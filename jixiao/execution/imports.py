"""Reading treasury payment files (国库集中支付) as a stream: file in → (row number, typed row | cell errors) out.

CSV (UTF-8, UTF-8 with BOM or GBK/GB18030, detected) and .xlsx (openpyxl read-only) are both read one row at a
time, so memory stays flat whatever the file size. Nothing here touches the database: resolving codes to units and
projects and the checks that need stored data are the import service's job.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import operator
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from jixiao.core.errors import DomainError
from jixiao.core.jobs import delete_stored, job_attach_errors, job_progress, job_summarize, stored_path
from jixiao.core.models import Job
from jixiao.core.money import CENT, MoneyError, format_wan, to_decimal
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.spreadsheets import (
    CellError,
    ImportRejectedError,
    SpreadsheetError,
    cell_text,
    error_report,
    read_rows,
)
from jixiao.execution import pg_import, services
from jixiao.execution.columns import (
    ALIASES,
    AMOUNT_RANGE_ERROR,
    COLUMNS,
    DATE_ERROR,
    HEADERS,
    MAX_LENGTH,
    MAX_PAYMENT_YUAN,
    TITLE_OF,
)
from jixiao.execution.models import PaymentImport
from jixiao.execution.services import ParsedRow, PaymentRow
from jixiao.organizations.models import FiscalRegion

SNIFF_BYTES = 64 * 1024


# ---- sources: each yields (row number, {header: raw value}) ------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the first bytes decode as UTF-8, otherwise GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still UTF-8.
        if exc.start < len(head) - 3:
            return "gb18030"
    return "utf-8"


def csv_rows(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Header and a lazy row iterator for a CSV byte stream."""
    header, records = csv_records(handle)

    def iterate() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in records:
            yield number, {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}

    return header, iterate()


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a text file, refusing one with a NUL character: Python's csv reads it, but PostgreSQL's COPY
    cannot store it (a generic failure there, a stored NUL on SQLite). Usually a UTF-16 file saved as .csv."""
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise SpreadsheetError(
                f"文件第{number}行含有空字符（NUL），可能不是 UTF-8 或 GBK 编码的文本（如 UTF-16），"
                "请另存为 UTF-8 或 GBK 编码的 CSV 文件后重新导入"
            )
        yield line


def csv_records(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and a lazy iterator of (record number, field list) for a CSV byte stream; blank records skipped."""
    head = handle.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")  # type: ignore[type-var]
    reader = csv.reader(_without_nul(text))
    try:
        header = [_header(cell) for cell in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SpreadsheetError("文件编码或格式无法识别，请保存为 UTF-8 或 GBK 编码的 CSV 文件") from exc

    def iterate() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                yield number, values
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SpreadsheetError("文件编码或格式无法识别，请保存为 UTF-8 或 GBK 编码的 CSV 文件") from exc

    return header, iterate()


def xlsx_rows(handle: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    header, rows = read_rows(handle)
    header = [_header(cell) for cell in header]

    def iterate() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells in rows:
            yield number, {_header(k): v for k, v in cells.items()}

    return header, iterate()


def mapping_rows(items: Iterable[Mapping[str, Any]]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """API rows keyed by the English field names (or the Chinese headers); numbered from 1."""

    def iterate() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, item in enumerate(items, start=1):
            if not isinstance(item, Mapping):
                yield number, {}
                continue
            yield number, {TITLE_OF.get(str(k), _header(str(k))): v for k, v in item.items()}

    return list(HEADERS), iterate()


def mapping_nul_errors(items: Iterable[Any]) -> list[CellError]:
    """The cells of API rows holding a NUL character: JSON carries one ("\\u0000") where a CSV line or an .xlsx cell
    cannot, and PostgreSQL cannot store it (a failed import, a 500). Named per row and column, checked before
    anything is written."""
    errors: list[CellError] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            continue
        for key, value in item.items():
            title = TITLE_OF.get(str(key), _header(str(key)))
            if isinstance(value, str) and "\x00" in value and title in HEADERS:  # other keys are not read
                errors.append(
                    CellError(number, title, value.replace("\x00", "")[:100], "含有空字符（NUL），请删除后重新提交")
                )
    return errors


def open_rows(path: Path, filename: str) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]], IO[bytes]]:
    """Open a stored upload by its original name's extension; the caller closes the returned handle."""
    handle = path.open("rb")
    try:
        if filename.lower().endswith(".xlsx"):
            header, rows = xlsx_rows(handle)
        elif filename.lower().endswith((".csv", ".txt")):
            header, rows = csv_rows(handle)
        else:
            raise SpreadsheetError("只接受 CSV（.csv）或 Excel（.xlsx）文件")
    except BaseException:
        handle.close()
        raise
    return header, rows, handle


def count_data_lines(path: Path, filename: str) -> int | None:
    """Rows to expect (for the progress bar): newline count of a CSV, None for xlsx (read once only)."""
    if not filename.lower().endswith((".csv", ".txt")):
        return None
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def _header(cell: Any) -> str:
    text = cell_text(cell).replace(" ", "").replace("\u3000", "")
    return ALIASES.get(text, text)


# ---- one row -----------------------------------------------------------------------------------------------------


def missing_headers(header: list[str]) -> list[CellError]:
    return [
        CellError(1, title, "", "缺少必需的列") for title, _key, required in COLUMNS if required and title not in header
    ]


PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")  # within MAX_PAYMENT_YUAN: no range check needed
_TITLES = [title for title, _key, _required in COLUMNS]
_REQUIRED = operator.itemgetter(*[i for i, (_t, _k, required) in enumerate(COLUMNS) if required])
_LIMITED = [(i, MAX_LENGTH[key]) for i, (_t, key, _r) in enumerate(COLUMNS) if key in MAX_LENGTH]
_DATE_AT = [key for _t, key, _r in COLUMNS].index("pay_date")
_AMOUNT_AT = [key for _t, key, _r in COLUMNS].index("amount_yuan")
_REVERSES_AT = [key for _t, key, _r in COLUMNS].index("reverses_voucher_no")
_VOUCHER_AT = [key for _t, key, _r in COLUMNS].index("voucher_no")


def parse_payment_row(number: int, cells: Mapping[str, Any]) -> tuple[PaymentRow | None, list[CellError]]:
    """Typed row or the cell errors of this row (no database access)."""
    row = _plain_row(number, cells)
    if row is not None:
        return row, []
    return _parse_row_cell_by_cell(number, cells)


def _plain_row(number: int, cells: Mapping[str, Any]) -> PaymentRow | None:
    """The common row in one pass: text cells, an ISO date, plain digits with at most 2 decimals, nothing wrong.
    Anything else (None) goes through the cell-by-cell rules, which give the same row or the errors."""
    try:
        texts = [raw.strip() if raw is not None else "" for raw in map(cells.get, _TITLES)]
    except AttributeError:
        return None  # a typed spreadsheet cell (number, date)
    if "" in _REQUIRED(texts) or "=" in [text[:1] for text in texts]:
        return None
    for at, limit in _LIMITED:
        if len(texts[at]) > limit:
            return None
    day_text, amount_text, reverses = texts[_DATE_AT], texts[_AMOUNT_AT], texts[_REVERSES_AT]
    if not PLAIN_DATE.fullmatch(day_text) or not PLAIN_AMOUNT.fullmatch(amount_text):
        return None
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return None
    amount = Decimal(amount_text)
    if not FIRST_YEAR <= day.year <= LAST_YEAR or amount == 0 or (amount < 0) != bool(reverses):
        return None
    if reverses and reverses == texts[_VOUCHER_AT]:
        return None
    values: list[Any] = texts
    values[_DATE_AT], values[_AMOUNT_AT] = day, amount.quantize(CENT)
    # PaymentRow's fields after `row` are the columns in COLUMNS order.
    return PaymentRow(number, *values)


def _parse_row_cell_by_cell(number: int, cells: Mapping[str, Any]) -> tuple[PaymentRow | None, list[CellError]]:
    errors: list[CellError] = []
    values: dict[str, Any] = {}
    for title, key, required in COLUMNS:
        raw = cells.get(title)
        text = raw.strip() if isinstance(raw, str) else cell_text(raw)
        if text.startswith("=") and isinstance(raw, str):
            errors.append(CellError(number, title, text[:100], "不接受公式，请填写值"))
            continue
        if text == "":
            if required:
                errors.append(CellError(number, title, "", "必填"))
            values[key] = ""
            continue
        try:
            values[key] = _parse_value(key, raw, text)
        except (ValueError, MoneyError) as exc:
            errors.append(CellError(number, title, text[:100], str(exc)))
    amount = values.get("amount_yuan")
    if isinstance(amount, Decimal):
        reverses = values.get("reverses_voucher_no", "")
        if amount < 0 and not reverses:
            errors.append(CellError(number, "冲销原凭证号", "", "负数金额（退款或冲销）必须填写冲销原凭证号"))
        if amount > 0 and reverses:
            errors.append(CellError(number, "冲销原凭证号", reverses, "只有负数金额（冲销）才填写冲销原凭证号"))
        if reverses and reverses == values.get("voucher_no"):
            errors.append(CellError(number, "冲销原凭证号", reverses, "不能冲销本凭证"))
    if errors:
        return None, errors
    return PaymentRow(row=number, **values), []


def _parse_value(key: str, raw: Any, text: str) -> Any:
    if key == "pay_date":
        return parse_date(raw, text)
    if key == "amount_yuan":
        return parse_amount(raw)
    if key in MAX_LENGTH and len(text) > MAX_LENGTH[key]:
        raise ValueError(f"长度不能超过{MAX_LENGTH[key]}个字符")
    return text


def parse_date(raw: Any, text: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        # The common case, in C: a million rows spend most of their parse time on dates otherwise.
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            value = None
        if value is not None and FIRST_YEAR <= value.year <= LAST_YEAR:
            return value
    cleaned = text.split(" ")[0].split("T")[0]
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        if fmt == "%Y%m%d" and not (len(cleaned) == 8 and cleaned.isascii() and cleaned.isdigit()):
            continue  # strptime reads "202611" as 2026-01-01: the compact form is exactly eight digits
        try:
            value = dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if FIRST_YEAR <= value.year <= LAST_YEAR:
            return value
    raise ValueError(DATE_ERROR)


def parse_amount(raw: Any) -> Decimal:
    amount = to_decimal(raw)
    if amount == 0:
        raise ValueError("金额不能为0")
    if abs(amount) > MAX_PAYMENT_YUAN:
        raise ValueError(AMOUNT_RANGE_ERROR)
    if amount.quantize(CENT) != amount:
        raise ValueError("金额（元）最多保留2位小数")
    return amount.quantize(CENT)


def parse_stream(header: list[str], rows: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[ParsedRow]:
    """Lazily parse every row; a file with missing columns yields only the header errors."""
    missing = missing_headers(header)
    if missing:
        yield None, missing
        return
    for number, cells in rows:
        yield parse_payment_row(number, cells)


# ---- the whole import of one stored file (page job and command) ---------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_payment_file(
    *,
    actor: Any,
    region: FiscalRegion,
    path: Path,
    file_name: str,
    source: str = PaymentImport.Source.FILE,
    job: Job | None = None,
    system: bool = False,
    use_copy: bool | None = None,
) -> PaymentImport:
    """Import one stored file. CSV on PostgreSQL takes the COPY path (`pg_import`) unless `use_copy=False`."""
    total = count_data_lines(path, file_name)

    def progress(done: int, expected: int | None, message: str) -> None:
        if job is not None:
            job_progress(job, done, expected, message)

    if use_copy is None:
        use_copy = pg_import.available(file_name)
    stager: services.Stager | None = None
    handle: IO[bytes]
    if use_copy and file_name.lower().endswith((".csv", ".txt")):
        handle = path.open("rb")
        try:
            header, records = csv_records(handle)
        except BaseException:
            handle.close()
            raise
        rows: Iterator[tuple[int, dict[str, Any]]] = iter(())  # parse_stream then reports only missing columns
        if not missing_headers(header):
            stager = pg_import.CopyStager(header, records, parse_payment_row)
    else:
        header, rows, handle = open_rows(path, file_name)
    with handle, contextlib.ExitStack() as cleanup:
        if stager is not None:
            cleanup.callback(pg_import.release)
        return services.payments_import(
            actor=actor,
            region=region,
            parsed=parse_stream(header, rows),
            stager=stager,
            source=source,
            file_name=file_name,
            sha256=file_sha256(path),
            job_id=job.pk if job else None,
            total=total,
            progress=progress,
            system=system,
        )


def summary_of(batch: PaymentImport) -> list[tuple[str, Any]]:
    return [
        ("读取行数", batch.rows_read),
        ("新增导入", batch.rows_imported),
        ("已存在（跳过）", batch.rows_skipped),
        ("其中冲销（退款）", batch.refunds),
        ("新增金额（万元）", format_wan(batch.amount_yuan)),
        ("错误数", batch.error_count),
    ]


def run_payment_import_job(job: Job, *, stored: str, file_name: str, region_id: int, membership_id: int) -> None:
    """The background job behind the upload page (core.jobs runs it), acting under the uploader's membership."""
    try:
        region = FiscalRegion.objects.get(pk=region_id)
        user = job.owner
        membership = user.memberships.filter(pk=membership_id, is_active=True).first()  # type: ignore[attr-defined]
        if membership is None:
            raise DomainError("发起导入的身份已失效，请重新登录后导入")
        user.set_active_membership(membership)  # type: ignore[attr-defined]
        try:
            batch = import_payment_file(
                actor=user, region=region, path=stored_path(stored), file_name=file_name, job=job
            )
        except services.PaymentImportRejectedError as exc:
            job_attach_errors(job, error_report(exc.errors), "支付数据导入错误报告.xlsx")
            job_summarize(job, exc.message, summary_of(exc.batch))
            raise
        except ImportRejectedError as exc:
            job_attach_errors(job, error_report(exc.errors), "支付数据导入错误报告.xlsx")
            raise
        job_summarize(job, "导入成功", summary_of(batch))
    finally:
        delete_stored(stored)
