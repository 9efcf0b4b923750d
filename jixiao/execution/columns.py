"""The payment file layout shared by the import, the template and the export."""

from __future__ import annotations

from decimal import Decimal

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR

# One payment at most: a row far below the yuan column's limit, so that a project's month (the rollup) and the
# totals, which add rows up in the same numeric(18,2) columns, cannot overflow (a voucher number pasted as an amount).
MAX_PAYMENT_YUAN = Decimal("999999999999.99")
AMOUNT_RANGE_ERROR = "金额超出允许范围（单笔不超过1万亿元）"
# The message of a payment date that is not a real day of FIRST_YEAR—LAST_YEAR (2026-02-30, 2026/13/01, 26-3-15): the
# same in the Python and PostgreSQL import paths.
DATE_ERROR = f"不是有效日期，请填写{FIRST_YEAR}—{LAST_YEAR}年间的日期，如 2026-03-15"

# (header, key, required). The order is the template's.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("支付凭证号", "voucher_no", True),
    ("支付日期", "pay_date", True),
    ("财政区划", "region_code", True),
    ("单位编码", "unit_code", True),
    ("项目编码", "project_code", True),
    ("金额（元）", "amount_yuan", True),
    ("经济分类", "economic_code", False),
    ("功能分类", "function_code", False),
    ("资金来源", "fund_source", False),
    ("冲销原凭证号", "reverses_voucher_no", False),
)
HEADERS = [title for title, _key, _required in COLUMNS]
TITLE_OF = {key: title for title, key, _required in COLUMNS}
# Header spellings seen in treasury exports that mean the same column.
ALIASES = {"金额(元)": "金额（元）", "金额": "金额（元）", "凭证号": "支付凭证号"}
MAX_LENGTH = {
    "voucher_no": 40,
    "reverses_voucher_no": 40,
    "unit_code": 30,
    "project_code": 40,
    "economic_code": 20,
    "function_code": 20,
    "fund_source": 40,
}
