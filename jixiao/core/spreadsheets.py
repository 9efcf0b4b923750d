"""Spreadsheet helpers: safe reading of uploaded .xlsx and writing with formula-injection escaping.

Reading checks the container before openpyxl sees it (size, zip magic, entry count, uncompressed size,
macros). openpyxl parses XML through defusedxml when it is installed (checked at startup).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import openpyxl
from django.conf import settings
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jixiao.core.errors import DomainError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WAN_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
META_SHEET = "_meta"  # the hidden sheet of ids a standard form carries (DOMAIN.md §3.0)


def xlsx_text(value: str) -> str:
    """Text as a cell may hold it: without the control characters an .xlsx cannot store (\\x00–\\x1f but tab and line
    breaks), which openpyxl refuses with IllegalCharacterError — a name or remark pasted with one must not turn its
    export into a 500. Every writer of cells here and in core.streaming goes through it."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class Rate(float):
    """A fraction written as a number and shown as a percentage (0.5833 shows 58.33%; a sum or chart reads 0.5833)."""


def number_format(header: Any, value: Any) -> str | None:
    """The display format of a number cell: a `Rate` shows as a percentage; DOMAIN.md §3.0, a 万元 cell holds the
    exact value and displays two decimals (`#,##0.00`)."""
    if isinstance(value, Rate):
        return RATE_FORMAT
    if "万元" in str(header) and isinstance(value, (Decimal, float)):
        return WAN_FORMAT
    return None


MAX_COLUMN_WIDTH = 60


def column_width(value: Any) -> int:
    """The Excel column width a cell needs to show whole: a date or number in a narrower column shows ########, and
    a Chinese character takes two widths of a digit."""
    if isinstance(value, dt.datetime):
        return 20
    if isinstance(value, dt.date):
        return 12
    if isinstance(value, bool) or value is None:
        return 6
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,.2f}") + 3
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text) + 3


class SpreadsheetError(DomainError):
    pass


class ImportRejectedError(DomainError):
    """An all-or-nothing import found errors: nothing was saved; `errors` is the per-cell report."""

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__(f"导入未完成：发现{len(errors)}处错误，所有数据均未导入")
        self.errors = errors


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    value: str
    message: str


def _check_container(data: bytes) -> None:
    limit = settings.JIXIAO_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise SpreadsheetError(f"文件过大：不能超过 {limit // (1024 * 1024)} MB")
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetError("文件不是有效的 Excel（.xlsx）文件，请使用“另存为 Excel 工作簿”后重新上传")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise SpreadsheetError("文件结构异常（条目过多），已拒绝")
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
                raise SpreadsheetError("文件解压后过大，已拒绝")
            names = {info.filename.lower() for info in infos}
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError("文件已损坏，无法读取") from exc
    if any(name.endswith("vbaproject.bin") for name in names):
        raise SpreadsheetError("不接受包含宏的文件")
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError("文件不是有效的 Excel（.xlsx）文件")


def open_workbook(upload: IO[bytes] | bytes, *, read_only: bool = True) -> Any:
    """Open an uploaded workbook after the container checks (size, zip bomb, macros); formulas stay text."""
    data = upload if isinstance(upload, bytes) else upload.read()
    _check_container(data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise SpreadsheetError("文件无法解析，请确认是 Excel（.xlsx）格式") from exc


def read_rows(
    upload: IO[bytes] | bytes, *, header_row: int = 1
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Return the header names and an iterator of (row number, {header: value}) for the first sheet.

    Formula cells are returned as their formula text (never evaluated); callers treat them as text.
    Completely empty rows are skipped.
    """
    data = upload if isinstance(upload, bytes) else upload.read()
    _check_container(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise SpreadsheetError("文件无法解析，请确认是 Excel（.xlsx）格式") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header: list[str] = []
    for index, values in enumerate(rows, start=1):
        if index == header_row:
            header = [str(v).strip() if v is not None else "" for v in values]
            break
    if not any(header):
        workbook.close()
        raise SpreadsheetError("第一行应为表头，但文件为空")

    def iterate() -> Iterator[tuple[int, dict[str, Any]]]:
        numbered = enumerate(rows, start=header_row + 1)
        try:
            while True:
                try:
                    number, values = next(numbered)
                except StopIteration:
                    return
                except Exception as exc:  # damage past the header only shows while the rows are read
                    raise SpreadsheetError("文件无法解析，请确认是 Excel（.xlsx）格式") from exc
                if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield number, {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}
        finally:
            workbook.close()

    return header, iterate()


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    *,
    title: str | None = None,
) -> bytes:
    """Write sheets of (name, headers, rows) to xlsx bytes. Every string cell is typed as text."""
    workbook = openpyxl.Workbook(write_only=False)
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for name, headers, rows in sheets:
        sheet = workbook.create_sheet(name[:31])
        start = 1
        if title:
            sheet.cell(row=1, column=1, value=xlsx_text(title)).font = Font(bold=True, size=14)
            start = 2
        widths = [max(8, column_width(h)) for h in headers]
        for col, header in enumerate(headers, start=1):
            cell = sheet.cell(row=start, column=col, value=xlsx_text(header) if isinstance(header, str) else header)
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r, row in enumerate(rows, start=start + 1):
            for col, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=col)
                if isinstance(value, str):
                    value = xlsx_text(value)
                    cell.value = value
                    # Force text type so "=..." etc. is never a formula (SECURITY F08/F09).
                    cell.data_type = "s"
                    if value.startswith(DANGEROUS_PREFIXES):
                        cell.quotePrefix = True
                else:
                    cell.value = value
                    if col <= len(headers) and (shown := number_format(headers[col - 1], value)):
                        cell.number_format = shown
                if col <= len(widths):
                    widths[col - 1] = min(MAX_COLUMN_WIDTH, max(widths[col - 1], column_width(value)))
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = sheet.cell(row=start + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report(errors: Sequence[CellError]) -> bytes:
    return write_workbook(
        [
            (
                "错误报告",
                ["行号", "列", "单元格内容", "错误说明"],
                ((e.row, e.column, e.value, e.message) for e in errors),
            )
        ]
    )


def put(sheet: Any, ref: str, value: Any, *, number_format: str | None = None) -> None:
    """Write one cell of a standard form; strings are forced to text type (never a formula)."""
    cell = sheet[ref]
    if isinstance(value, str):
        value = xlsx_text(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(DANGEROUS_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format


@contextlib.contextmanager
def write_only_workbook() -> Iterator[Any]:
    """An openpyxl write-only workbook whose unfinished sheets are closed and their temporary files removed when
    the writing fails or is cancelled (left to the garbage collector, a half-written sheet's XML writer raises
    while closing, and its temporary file stays until the process ends: a worker runs for weeks)."""
    workbook = openpyxl.Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        for sheet in workbook.worksheets:
            writer = getattr(sheet, "_writer", None)
            if writer is None:
                continue
            with contextlib.suppress(Exception):
                sheet.close()
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()
        raise


def text_cell(sheet: Any, value: Any, shown: str | None = None) -> Any:
    """One cell of a write-only sheet: text is always text (never a formula; a formula-looking string gets a quote
    prefix, SECURITY F08/F09), a number takes the display format `shown` when given."""
    if not isinstance(value, str):
        if shown:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = shown
            return cell
        return value
    value = xlsx_text(value)
    if not value.startswith(DANGEROUS_PREFIXES):
        return value  # a plain str is written as an inline string
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_meta(workbook: Any, rows: Iterable[tuple[str, str, str]]) -> None:
    """The hidden `_meta` sheet of a standard form (DOMAIN.md §3.0): `sheet | key | value` as text cells, then the
    `generated_at` time; an import that finds it matches its sheets and rows by the ids it holds."""
    from django.utils import timezone

    meta = workbook.create_sheet(META_SHEET)
    lines = [("sheet", "key", "value"), *rows, ("", "generated_at", timezone.now().isoformat())]
    for r, values in enumerate(lines, 1):
        if workbook.write_only:  # a streamed workbook (the 绩效目标 flat exchange file) appends its rows
            meta.append([text_cell(meta, value) for value in values])
            continue
        for letter, value in zip("ABC", values, strict=True):
            put(meta, f"{letter}{r}", value)
    meta.sheet_state = "hidden"


def norm(value: Any) -> str:
    """DOMAIN.md §3.0 text matching of the standard forms: NFKC (full-width → half-width, so “（” = “(”), then no
    whitespace at all (U+3000 included). Two labels match when their `norm` is equal."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
