"""Payment list and import template as .xlsx, written row by row (openpyxl write-only) so memory stays flat."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jixiao.core.spreadsheets import DANGEROUS_PREFIXES
from jixiao.execution.columns import HEADERS

EXPORT_HEADERS = [*HEADERS[:5], "项目名称", "单位名称", *HEADERS[5:]]


def _cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Text stays text: "=…" must never become a formula (SECURITY F08/F09).
        cell.data_type = "s"
        if value.startswith(DANGEROUS_PREFIXES):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_rows(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([_cell(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PAYMENT_COLUMNS = (
    "voucher_no",
    "pay_date",
    "region__mof_div_code",
    "unit__agency_code",
    "project__code",
    "project__name",
    "unit__name",
    "amount_yuan",
    "economic_code",
    "function_code",
    "fund_source",
    "reverses_voucher_no",
)


def payment_rows(payments: Any) -> Iterator[tuple[Any, ...]]:
    """The export rows (EXPORT_HEADERS order), every one of them, read in chunks: one joined query, no model
    instances."""
    ordered = payments.order_by("pay_date", "voucher_no").values_list(*PAYMENT_COLUMNS)
    yield from ordered.iterator(chunk_size=2_000)


def template_workbook(region_code: str) -> bytes:
    example = [
        [
            "ZF2026000001",
            "2026-03-15",
            region_code,
            "101001",
            "2026-101-0001",
            "125000.00",
            "30201",
            "2050201",
            "一般公共预算",
            "",
        ],
        [
            "ZF2026000002",
            "2026-04-20",
            region_code,
            "101001",
            "2026-101-0001",
            "-5000.00",
            "30201",
            "2050201",
            "一般公共预算",
            "ZF2026000001",
        ],
    ]
    return write_rows("支付数据", list(HEADERS), example)
