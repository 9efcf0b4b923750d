"""The payment file layout shared by the import, the template and the export."""

from __future__ import annotations

from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR

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
