"""A filled 项目支出绩效自评表 as plain data (DOMAIN.md §3.4), independent of where it came from (xlsx, JSON, forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

FUND_KEYS = ("TOTAL", "FISCAL", "CARRYOVER", "OTHER")
FUND_LABELS = {
    "TOTAL": "年度资金总额",
    "FISCAL": "其中：当年财政拨款",
    "CARRYOVER": "上年结转资金",
    "OTHER": "其他资金",
}


@dataclass
class FundRow:
    """One row of the funds block, amounts in yuan; None where the cell was empty."""

    initial_yuan: Decimal | None = None  # 年初预算数
    annual_yuan: Decimal | None = None  # 全年预算数
    executed_yuan: Decimal | None = None  # 全年执行数
    rate_claimed: Decimal | None = None  # 执行率 as a fraction (0.955), as printed


@dataclass
class IndicatorRow:
    row: int  # sheet row (or 1-based position for JSON input)
    lv1: str
    lv2: str
    name: str  # 三级指标
    target_text: str
    actual_text: str
    weight: Decimal | None
    claimed: Decimal | None
    deviation: str = ""
    level_claimed: str | None = None  # ACHIEVED / PARTIAL / NOT_ACHIEVED when the source states it


@dataclass
class SelfEvalSheet:
    fiscal_year: int
    project_name: str = ""
    department: str = ""
    unit: str = ""
    funds: dict[str, FundRow] = field(default_factory=dict)
    exec_weight: Decimal | None = None
    exec_score_claimed: Decimal | None = None
    goal_expected: str = ""
    goal_actual: str = ""
    rows: list[IndicatorRow] = field(default_factory=list)
    total_weight: Decimal | None = None
    total_claimed: Decimal | None = None
    grade_claimed: str | None = None
