"""Streaming exports: any list to .csv or .xlsx without holding the whole list in memory.

- `stream_csv(rows, header, filename)`: a StreamingHttpResponse; UTF-8 with BOM (Excel opens it as UTF-8), rows
  are encoded in chunks as the iterator yields them.
- `stream_xlsx(rows, header, filename)`: openpyxl write-only mode into a temporary file (strings are written inline,
  no shared-string table grows in memory), then a FileResponse that streams the file and deletes it when done.
- `write_csv` / `write_xlsx`: the same into a file path, for background tasks that keep a result file.

Pass an iterator (a queryset's `.values_list(...).iterator(chunk_size=...)` or a generator), not a list. Cells that
look like formulas are escaped as in core.spreadsheets (SECURITY F08/F09): in xlsx they are typed as text with a
quote prefix; in csv they get a leading apostrophe, the usual defence, since a csv cell has no type.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from jixiao.core.spreadsheets import (
    DANGEROUS_PREFIXES,
    MAX_COLUMN_WIDTH,
    XLSX_CONTENT_TYPE,
    column_width,
    number_format,
    text_cell,
    write_only_workbook,
)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
CSV_CHUNK_ROWS = 500
MAX_SHEET_ROWS = 1_048_575  # Excel's row limit minus the header row

Row = Sequence[Any]


class _Line:
    """A write-only file object for csv.writer: `write` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_value(value: Any) -> Any:
    """A cell for csv: text escaped against formula injection, dates ISO, aware datetimes in local time."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(DANGEROUS_PREFIXES) else value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def iter_csv(rows: Iterable[Row], header: Sequence[str]) -> Iterator[bytes]:
    """UTF-8 (BOM first) csv bytes in chunks of CSV_CHUNK_ROWS rows; reads `rows` lazily."""
    writer = csv.writer(_Line())
    yield (BOM + writer.writerow([csv_value(h) for h in header])).encode("utf-8")
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([csv_value(v) for v in row]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def write_csv(rows: Iterable[Row], header: Sequence[str], path: Path | str) -> int:
    """Write the csv to `path`; returns the number of data rows."""
    count = 0

    def counted() -> Iterator[Row]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with open(path, "wb") as handle:
        for chunk in iter_csv(counted(), header):
            handle.write(chunk)
    return count


def stream_csv(rows: Iterable[Row], header: Sequence[str], filename: str = "导出.csv") -> StreamingHttpResponse:
    response = StreamingHttpResponse(iter_csv(rows, header), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def write_xlsx(
    rows: Iterable[Row], header: Sequence[str], target: Path | str | IO[bytes], *, sheet_name: str = "数据"
) -> int:
    """Write one sheet in openpyxl's write-only mode; returns the number of data rows.

    Every string cell is text (never a formula); strings that start like a formula also get a quote prefix.
    More rows than one sheet holds raises ValueError (export as csv instead).
    """
    with write_only_workbook() as workbook:
        sheet = workbook.create_sheet(sheet_name[:31])
        sheet.freeze_panes = "A2"
        # A write-only sheet takes its column widths before the first row: from the header and the first data row, so
        # a date is not shown as ######## in Excel's default width (the later rows are not held in memory to measure).
        rows = iter(rows)
        first = next(rows, None)
        for index, title in enumerate(header):
            sample = _xlsx_value(first[index]) if first is not None and index < len(first) else ""
            width = max(8, column_width(title), min(MAX_COLUMN_WIDTH, column_width(sample)))
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        bold = Font(bold=True, color="FFFFFF")
        fill = PatternFill("solid", fgColor="1F4E79")
        head = []
        for title in header:
            cell = WriteOnlyCell(sheet, value=str(title))
            cell.font = bold
            cell.fill = fill
            head.append(cell)
        sheet.append(head)
        count = 0
        for row in rows if first is None else itertools.chain((first,), rows):
            count += 1
            if count > MAX_SHEET_ROWS:
                raise ValueError("超过 Excel 单表行数上限，请改用 CSV 导出")
            sheet.append([_cell(sheet, value, title) for value, title in zip(row, header, strict=False)])
        workbook.save(target)
        return count


def _cell(sheet: Any, value: Any, title: Any = "") -> Any:
    value = _xlsx_value(value)
    return text_cell(sheet, value, number_format(title, value) if not isinstance(value, str) else None)


class _TemporaryFileResponse(FileResponse):
    """Streams a temporary file and removes it once the response is closed."""

    temp_path: str = ""

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.temp_path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.temp_path)


def stream_xlsx(
    rows: Iterable[Row], header: Sequence[str], filename: str = "导出.xlsx", *, sheet_name: str = "数据"
) -> FileResponse:
    """Write the sheet to a temporary file (flat memory) and stream it back; the file is deleted afterwards."""
    return stream_written(lambda path: write_xlsx(rows, header, path, sheet_name=sheet_name), filename)


def stream_written(write: Callable[[str], Any], filename: str, content_type: str = XLSX_CONTENT_TYPE) -> FileResponse:
    """A file that `write(path)` writes to a temporary path (flat memory), streamed back and deleted afterwards."""
    handle, path = tempfile.mkstemp(prefix="jixiao-export-", suffix=Path(filename).suffix)
    os.close(handle)
    try:
        write(path)
        response = _TemporaryFileResponse(
            open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
    except BaseException:
        os.unlink(path)
        raise
    response.temp_path = path
    # On POSIX the open handle keeps the data readable; unlink now so nothing is left if close() is never called.
    if os.name == "posix":
        os.unlink(path)
        response.temp_path = ""
    return response
