"""The warning engine's pure part (DOMAIN.md §5.1): metric functions and `band`. No database, no Django models.

Units: execution rates and time progress are percentages (0–100, unbounded above and below: refunds can make
execution negative). `exec_ratio` is `exec_rate ÷ time_progress × 100`. A metric that cannot be computed returns
None and produces no warning (zero time progress, missing monitoring data, a zero target …).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

HUNDRED = Decimal(100)
ZERO = Decimal(0)
EPSILON = Decimal("0.000001")
FOUR_PLACES = Decimal("0.0001")
OPS = ("<", "<=", ">", ">=", "==", "!=")
# The comparisons as a clerk reads them (the 预警规则 editor and list).
OP_LABELS = {"<": "小于", "<=": "小于等于", ">": "大于", ">=": "大于等于", "==": "等于", "!=": "不等于"}
COLORS = ("RED", "YELLOW", "GREEN")
WORST_FIRST = {"RED": 3, "YELLOW": 2, "GREEN": 1}


# Warning.value is DECIMAL(14, 4): absurd ratios (a budget of a few yuan) are stored at the limit, never overflowing
# the column on PostgreSQL.
VALUE_LIMIT = Decimal("9999999999.9999")


def q4(value: Decimal) -> Decimal:
    return max(-VALUE_LIMIT, min(VALUE_LIMIT, value)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


# ---- bands -------------------------------------------------------------------------------------------------------


def _compare(value: Any, op: str, bound: Any) -> bool:
    if isinstance(value, str) or isinstance(bound, str):
        left, right = str(value), str(bound)
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        return False
    left_d, right_d = Decimal(str(value)), Decimal(str(bound))
    if op == "<":
        return left_d < right_d
    if op == "<=":
        return left_d <= right_d
    if op == ">":
        return left_d > right_d
    if op == ">=":
        return left_d >= right_d
    if op == "==":
        return left_d == right_d
    if op == "!=":
        return left_d != right_d
    raise ValueError(f"unknown operator {op!r}")


def band(value: Any, bands: Sequence[Mapping[str, Any]]) -> str | None:
    """The colour of the first band (top-down) whose `value op bound` holds; None for an undefined value or no match."""
    if value is None:
        return None
    for row in bands:
        if _compare(value, row["op"], row["value"]):
            return str(row["color"])
    return None


_NUMERIC_OPS = {
    "<": Decimal.__lt__,
    "<=": Decimal.__le__,
    ">": Decimal.__gt__,
    ">=": Decimal.__ge__,
    "==": Decimal.__eq__,
    "!=": Decimal.__ne__,
}

CompiledBands = tuple[tuple[str, Any, str], ...]


def compile_bands(bands: Sequence[Mapping[str, Any]]) -> CompiledBands:
    """A rule's bands with numeric bounds converted to Decimal once (a sweep bands every project of a province under
    the same few rules). `band_compiled(value, compile_bands(bands)) == band(value, bands)` for every value."""
    for row in bands:
        if row["op"] not in _NUMERIC_OPS:
            raise ValueError(f"unknown operator {row['op']!r}")
    return tuple(
        (row["op"], row["value"] if isinstance(row["value"], str) else Decimal(str(row["value"])), str(row["color"]))
        for row in bands
    )


def band_compiled(value: Any, compiled: CompiledBands) -> str | None:
    """`band` over compiled bands."""
    if value is None:
        return None
    if isinstance(value, str):
        for op, bound, color in compiled:
            if _compare(value, op, bound):
                return color
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    for op, bound, color in compiled:
        if isinstance(bound, str):
            if _compare(value, op, bound):
                return color
        elif _NUMERIC_OPS[op](number, bound):
            return color
    return None


def _bound_in_range(value: int | float) -> bool:
    """A numeric bound a warning value can be compared with: finite and within ±VALUE_LIMIT (the value's column)."""
    if isinstance(value, float):  # as typed (its repr): 9999999999.9999 is in range, though its binary value is not
        return math.isfinite(value) and abs(Decimal(repr(value))) <= VALUE_LIMIT
    return abs(value) <= VALUE_LIMIT


def validate_bands(bands: Any) -> list[str]:
    """Problems with a bands list (Chinese, for the rule form); an empty list means valid."""
    problems: list[str] = []
    if not isinstance(bands, list) or not bands:
        return ["分档应为非空列表"]
    for i, row in enumerate(bands, start=1):
        if not isinstance(row, dict) or set(row) != {"color", "op", "value"}:
            problems.append(f"第{i}档应包含 color、op、value")
            continue
        if row["color"] not in COLORS:
            problems.append(f"第{i}档颜色应为 RED、YELLOW 或 GREEN")
        if row["op"] not in OPS:
            problems.append(f"第{i}档比较符应为 {' '.join(OPS)} 之一")
        if not isinstance(row["value"], int | float | str) or isinstance(row["value"], bool):
            problems.append(f"第{i}档阈值应为数字或文字")
        elif not isinstance(row["value"], str) and not _bound_in_range(row["value"]):
            problems.append(f"第{i}档阈值超出范围，绝对值不能超过{VALUE_LIMIT:f}")
        elif isinstance(row["value"], str) and row["op"] not in ("==", "!="):
            problems.append(f"第{i}档文字阈值只能用 == 或 !=")
    return problems


def worst(colors: Iterable[str | None]) -> str:
    """The worst colour ('' when there is none)."""
    found = [c for c in colors if c]
    return max(found, key=lambda c: WORST_FIRST.get(c, 0)) if found else ""


# ---- time --------------------------------------------------------------------------------------------------------


def time_progress(as_of: date, fiscal_year: int, mode: str = "MONTH") -> Decimal:
    """序时进度 in percent. MONTH (default, the production system's rule): the as-of month m gives m/12, whatever the
    day — a mid-month sweep already counts the month (a period ending in month m is m/12). DAY: elapsed days of the
    year ÷ days in the year. Before the fiscal year 0, after it 100."""
    if as_of.year < fiscal_year:
        return ZERO
    if as_of.year > fiscal_year:
        return HUNDRED
    if mode == "DAY":
        days = 366 if calendar.isleap(fiscal_year) else 365
        return as_of.timetuple().tm_yday * HUNDRED / days
    return as_of.month * HUNDRED / 12


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# ---- execution ---------------------------------------------------------------------------------------------------


def exec_rate_to_date(executed: Decimal, budget: Decimal) -> Decimal:
    """Execution to date as a percentage of the budget. Budget 0 (or less) → 0 (DOMAIN.md §5.1)."""
    if budget <= 0:
        return ZERO
    return executed * HUNDRED / budget


def exec_ratio(exec_rate_pct: Decimal, time_progress_pct: Decimal) -> Decimal | None:
    """执行进度 ÷ 序时进度 × 100; undefined (None) when time progress is 0."""
    if time_progress_pct <= 0:
        return None
    return exec_rate_pct * HUNDRED / time_progress_pct


def checkpoint_threshold(as_of: date, fiscal_year: int, checkpoints: Mapping[Any, Any]) -> Decimal | None:
    """The required execution rate (%) of the latest checkpoint month whose end is on or before `as_of`.

    Checkpoints map month → rate, e.g. {4: 25, 6: 40, 8: 60, 10: 80} (ends of April, June, August, October)."""
    required: Decimal | None = None
    for month in sorted(int(m) for m in checkpoints):
        if month_end(fiscal_year, month) <= as_of:
            required = Decimal(str(checkpoints.get(month, checkpoints.get(str(month)))))
    return required


def exec_checkpoint(exec_rate_pct: Decimal, threshold: Decimal | None) -> Decimal | None:
    """Execution rate minus the checkpoint's requirement, in percentage points (negative = behind)."""
    if threshold is None:
        return None
    return exec_rate_pct - threshold


def carryover_share(budget: Decimal, est_annual_exec: Decimal | None) -> Decimal | None:
    """(budget − expected full-year execution) ÷ budget; undefined without budget or forecast."""
    if est_annual_exec is None or budget <= 0:
        return None
    return (budget - est_annual_exec) / budget


# ---- goals and indicators ----------------------------------------------------------------------------------------


def indicator_progress(
    completion: Decimal | None, target_to_date: Decimal | None, *, reverse: bool = False
) -> Decimal | None:
    """Positive: min(completion ÷ target_to_date, 1). Reverse: min(target_to_date ÷ max(completion, ε), 1)."""
    if completion is None or target_to_date is None:
        return None
    if reverse:
        return min(target_to_date / max(completion, EPSILON), Decimal(1))
    if target_to_date <= 0:
        return None
    return min(completion / target_to_date, Decimal(1))


def indicator_progress_gap(progress: Decimal | None) -> Decimal | None:
    return None if progress is None else Decimal(1) - progress


def goal_progress(rows: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Weight-averaged indicator progress over (progress, weight) rows with a defined progress; None if none."""
    total = ZERO
    weight_sum = ZERO
    for progress, weight in rows:
        if progress is None:
            continue
        total += progress * weight
        weight_sum += weight
    if weight_sum <= 0:
        return None
    return total / weight_sum


def goal_gap(goal_progress_pct: Decimal | None, exec_rate_pct: Decimal) -> Decimal | None:
    """|goal progress − execution rate| in percentage points (W-GAP)."""
    if goal_progress_pct is None:
        return None
    return abs(goal_progress_pct - exec_rate_pct)


def forecast_deviation(target: Decimal | None, est_annual: Decimal | None, *, reverse: bool = False) -> Decimal | None:
    """(t − est) ÷ t for positive indicators, (est − t) ÷ t for reverse ones; undefined for t = 0."""
    if target is None or est_annual is None or target == 0:
        return None
    return (est_annual - target) / target if reverse else (target - est_annual) / target


def zero_target(target: Decimal | None, reported: Decimal | None) -> Decimal | None:
    """W-ZERO-TARGET: for a positive indicator whose target is 0, the reported value (GREEN when it is 0 too)."""
    if target is None or target != 0 or reported is None:
        return None
    return reported


# Labels the monitoring form may store as codes; the bands compare the Chinese wording of DOMAIN.md §5.3.
LIKELIHOOD_LABELS = {"CERTAIN": "确定能", "POSSIBLE": "有可能", "IMPOSSIBLE": "完全不可能"}
QUAL_LABELS = {
    "ACHIEVED": "达成年度指标",
    "PARTIAL": "部分达成年度指标并具有一定效果",
    "NOT": "未达成年度指标且效果较差",
    "NOT_ACHIEVED": "未达成年度指标且效果较差",
}


def likelihood(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return LIKELIHOOD_LABELS.get(text.upper(), text)


def qualitative_level(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return QUAL_LABELS.get(text.upper(), text)
