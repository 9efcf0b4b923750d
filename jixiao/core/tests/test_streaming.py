"""Streaming exports (core.streaming): 200,000 generated rows out to csv and xlsx, opened again and checked."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from jixiao.core import streaming
from jixiao.core.spreadsheets import write_workbook

# Closing a response sends request_finished, which touches the database connection.
pytestmark = pytest.mark.django_db

ROWS = 200_000
HEADER = ["序号", "项目编码", "项目名称", "金额（元）", "支付日期", "备注"]


def _rows(count: int) -> Iterator[tuple[Any, ...]]:
    """Generated lazily: the export must never need the whole list."""
    for i in range(count):
        note = '=HYPERLINK("http://x")' if i % 50_000 == 7 else ("-5" if i % 50_000 == 8 else "")
        yield (
            i + 1,
            f"2026-101-{i:06d}",
            f"县教育局学生资助项目{i}",
            Decimal(i % 997) + Decimal("0.25"),
            dt.date(2026, i % 12 + 1, i % 28 + 1),
            note,
        )


def _consume(response: Any, path: Path) -> None:
    with path.open("wb") as handle:
        for chunk in response.streaming_content:
            handle.write(chunk)
    response.close()


@pytest.mark.nodb  # a generator to a file: the same on either database, so run once
def test_csv_of_200k_rows_streams_with_bom_and_flat_memory(tmp_path: Path) -> None:
    response = streaming.stream_csv(_rows(ROWS), HEADER, "项目清单.csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=utf-8''%E9%A1%B9" in response["Content-Disposition"]
    path = tmp_path / "out.csv"
    tracemalloc.start()
    try:
        _consume(response, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The rows are produced and encoded in chunks: the peak is a few chunks, not 200,000 rows (tens of MB).
    assert peak < 5 * 1024 * 1024
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == HEADER
    assert len(lines) == ROWS + 1
    assert lines[1] == ["1", "2026-101-000000", "县教育局学生资助项目0", "0.25", "2026-01-01", ""]
    assert lines[8][5] == '\'=HYPERLINK("http://x")'  # formula-looking text is escaped
    assert lines[9][5] == "'-5"
    assert lines[ROWS][0] == str(ROWS)


def test_csv_cell_values() -> None:
    aware = timezone.make_aware(dt.datetime(2026, 3, 1, 8, 30))
    body = b"".join(
        streaming.iter_csv([(None, True, aware, "@SUM(1)", "普通文本", 3, Decimal("-12.50"))], list("ABCDEFG"))
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1] == ["", "是", "2026-03-01 08:30:00", "'@SUM(1)", "普通文本", "3", "-12.50"]


def test_write_csv_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    assert streaming.write_csv(_rows(10), HEADER, path) == 10
    assert path.read_text(encoding="utf-8-sig").count("\n") == 11


def test_xlsx_escapes_formulas_and_cleans_cells(tmp_path: Path) -> None:
    aware = timezone.make_aware(dt.datetime(2026, 3, 1, 8, 30))
    rows = [
        ("=1+1", "+CMD", "安全文本", "坏\x07字符", aware, Decimal("12.34"), False, None),
    ]
    response = streaming.stream_xlsx(iter(rows), list("ABCDEFGH"), "导出.xlsx")
    path = tmp_path / "small.xlsx"
    _consume(response, path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in sheet[1]] == list("ABCDEFGH")
    cells = sheet[2]
    assert cells[0].value == "=1+1" and cells[0].data_type == "s" and cells[0].quotePrefix
    assert cells[1].value == "+CMD" and cells[1].data_type == "s"
    assert cells[2].value == "安全文本"
    assert cells[3].value == "坏字符"
    assert cells[4].value == dt.datetime(2026, 3, 1, 8, 30)
    assert cells[5].value == 12.34
    assert cells[6].value == "否"
    assert cells[7].value is None
    assert sheet.freeze_panes == "A2"


def test_stream_xlsx_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    response = streaming.stream_xlsx(_rows(5), HEADER, "x.xlsx")
    _consume(response, tmp_path / "copy.xlsx.out")
    assert [p.name for p in tmp_path.iterdir()] == ["copy.xlsx.out"]


@pytest.mark.slow
@pytest.mark.nodb  # a generator to a file: the same on either database, so run once
def test_xlsx_of_200k_rows_written_in_write_only_mode(tmp_path: Path) -> None:
    response = streaming.stream_xlsx(_rows(ROWS), HEADER, "项目清单.xlsx")
    assert response["Content-Type"] == streaming.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "big.xlsx"
    _consume(response, path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    head = list(workbook.worksheets[0].iter_rows(max_row=9))
    workbook.close()
    assert [c.value for c in head[0]] == HEADER
    assert [c.value for c in head[1][:4]] == [1, "2026-101-000000", "县教育局学生资助项目0", 0.25]
    assert head[8][5].value == '=HYPERLINK("http://x")' and head[8][5].data_type == "s"  # stored as text
    # Every row is there, the last one numbered ROWS + 1: the sheet's XML is scanned as a stream (reading 200,000
    # rows back through openpyxl would double the test's time and prove nothing more).
    rows, tail, last = 0, b"", b""
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        for chunk in iter(lambda: sheet.read(1 << 20), b""):
            rows += (tail + chunk).count(b"<row ") - tail.count(b"<row ")
            tail = chunk[-16:]
            last = (last + chunk)[-4096:]
    assert rows == ROWS + 1
    assert f'<row r="{ROWS + 1}"'.encode() in last


def test_money_in_wan_keeps_the_exact_value_and_shows_two_decimals(tmp_path: Path) -> None:
    """DOMAIN.md §3.0: a 万元 cell is numeric, exact, displayed `#,##0.00`; other numbers keep General."""
    path = tmp_path / "money.xlsx"
    streaming.write_xlsx([["A", Decimal("16.742221"), 2026, 0.5]], ["编码", "财政拨款（万元）", "年度", "比例"], path)
    row = openpyxl.load_workbook(path).active[2]
    assert row[1].value == pytest.approx(16.742221) and row[1].number_format == "#,##0.00"
    assert [c.number_format for c in (row[2], row[3])] == ["General", "General"]
    content = write_workbook([("数据", ["项目", "金额（万元）", "个数"], [["x", Decimal("3.402"), 3]])])
    cells = openpyxl.load_workbook(io.BytesIO(content)).active[2]
    assert cells[1].value == pytest.approx(3.402) and cells[1].number_format == "#,##0.00"
    assert cells[2].number_format == "General"


def test_xlsx_columns_are_wide_enough_for_dates_numbers_and_chinese(tmp_path: Path) -> None:
    """Excel shows a date or number in a too-narrow column as ########: both writers size the columns."""
    rows = [
        (dt.date(2026, 12, 6), Decimal("123456789.12"), "县第一中学课后服务经费项目", "A"),
        (dt.date(2026, 1, 5), Decimal("1.00"), "短", "B"),
    ]
    header = ["支付日期", "支付金额（万元）", "项目名称", "码"]
    path = tmp_path / "wide.xlsx"
    assert streaming.write_xlsx(iter(rows), header, path) == 2
    sheet = openpyxl.load_workbook(path).active
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["A"] >= 12  # a date needs 10 digits and room
    assert widths["B"] >= len("123,456,789.12") + 2
    assert widths["C"] >= 2 * len("县第一中学课后服务经费项目")
    assert 8 <= widths["D"] < 12
    assert [c.value for c in sheet["A"]][1:] == [dt.datetime(2026, 12, 6), dt.datetime(2026, 1, 5)]

    memory = openpyxl.load_workbook(io.BytesIO(write_workbook([("数据", header, rows)]))).active
    assert memory.column_dimensions["A"].width >= 12
    assert memory.column_dimensions["C"].width >= 2 * len("县第一中学课后服务经费项目")


def test_an_empty_xlsx_export_has_its_header_and_widths(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    assert streaming.write_xlsx(iter([]), ["支付日期", "项目名称"], path) == 0
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["支付日期", "项目名称"]
    assert sheet.column_dimensions["A"].width >= 8


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_sheet_stopped_halfway_is_closed_and_its_temporary_file_removed(tmp_path: Path) -> None:
    """A cancelled export job stops its rows midway: the write-only sheet was left to the garbage collector, whose
    closing raised, and its temporary file stayed until the worker process ended (weeks)."""
    import gc

    from openpyxl.worksheet import _writer

    before = set(_writer.ALL_TEMP_FILES)

    def rows() -> Iterator[tuple[str]]:
        yield ("第一行",)
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        streaming.write_xlsx(rows(), ["标题"], tmp_path / "x.xlsx")
    gc.collect()
    assert set(_writer.ALL_TEMP_FILES) == before
