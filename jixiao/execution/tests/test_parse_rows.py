"""The one-pass reading of a common row (`imports._plain_row`) gives exactly what the cell-by-cell rules give."""

from __future__ import annotations

import itertools
from decimal import Decimal

from jixiao.execution import imports
from jixiao.execution.columns import HEADERS

VOUCHERS = ["V1", " V3 ", "", "=V", "V" * 41]
DATES = ["2026-03-15", "2024-02-29", "2026-02-29", "1999-01-01", "2026/3/15", "２０２６-０３-１５", " 2026-12-31 "]
AMOUNTS = ["10", "10.10", "-3", "0", "-0", "10.123", "1,000", "+5", "1e2", "9999999999999999.99"]
REVERSES = ["", "V9", "V1", "=X"]
FUNDS = ["一般公共预算", "资" * 41, None]


def test_plain_rows_parse_exactly_like_the_cell_by_cell_rules() -> None:
    accepted = 0
    for number, (voucher, day, amount, reverses, fund) in enumerate(
        itertools.product(VOUCHERS, DATES, AMOUNTS, REVERSES, FUNDS), start=2
    ):
        values = [voucher, day, "511725000", "101001", "P-SCHOOL", amount, "30201", "2050201", fund, reverses]
        cells = {title: value for title, value in zip(HEADERS, values, strict=True) if value is not None}
        result = imports.parse_payment_row(number, cells)
        assert result == imports._parse_row_cell_by_cell(number, cells)
        accepted += result[0] is not None
    assert accepted > 50


def test_a_plain_row_keeps_its_amount_to_the_cent_and_typed_cells_take_the_long_way() -> None:
    cells = dict(zip(HEADERS, ["V1", "2026-03-15", "511725000", "101001", "P-SCHOOL", "12"], strict=False))
    row, errors = imports.parse_payment_row(2, cells)
    assert row is not None and not errors and str(row.amount_yuan) == "12.00" and row.fund_source == ""
    assert imports._plain_row(2, {**cells, "金额（元）": 12.5}) is None
    row, _ = imports.parse_payment_row(2, {**cells, "金额（元）": 12.5})
    assert row is not None and row.amount_yuan == Decimal("12.50")
