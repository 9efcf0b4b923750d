"""Payment list and import template as .xlsx, written row by row (openpyxl write-only) so memory stays flat."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jixiao.core.spreadsheets import DANGEROUS_PREFIXES
from jixiao.execution.columns import HEADERS
from jixiao.execution.models import Payment

EXPORT_HEADERS = [*HEADERS[:5], "项目名称", "单位名称", *HEADERS[5:]]
MAX_EXPORT_ROWS = 1_000_000


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


def export_payments(payments: Any) -> bytes:
    rows = payments.select_related("region", "unit", "project").order_by("pay_date", "voucher_no")[:MAX_EXPORT_ROWS]

    def lines() -> Iterable[list[Any]]:
        payment: Payment
        for payment in rows.iterator(chunk_size=2_000):
            yield [
                payment.voucher_no,
                payment.pay_date,
                payment.region.mof_div_code,
                payment.unit.agency_code,
                payment.project.code,
                payment.project.name,
                payment.unit.name,
                payment.amount_yuan,
                payment.economic_code,
                payment.function_code,
                payment.fund_source,
                payment.reverses_voucher_no,
            ]

    return write_rows("支付数据", EXPORT_HEADERS, lines())


def template_workbook(region_code: str) -> bytes:
    example = [
        [
            "ZF2026000001",
            "2026-03-15",
            region_code,
            "101001",
            "P2026-00001",
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
            "P2026-00001",
            "-5000.00",
            "30201",
            "2050201",
            "一般公共预算",
            "ZF2026000001",
        ],
    ]
    return write_rows("支付数据", list(HEADERS), example)
