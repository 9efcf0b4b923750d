"""The scoring rules of DOMAIN.md §4.3–§4.7, one pure function each. Every result carries its formula in Chinese.

Arithmetic is Decimal with precision 28; each component is rounded once with q2 (ROUND_HALF_UP), totals are sums of
rounded components, grades are taken from the rounded total.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal

from jixiao.indicators.valueparse import Op, ParsedValue, format_number

from .config import ScoringConfig

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)
DEFAULT_PRECISION = 28  # the digits of a result in the default decimal context

SEVERITY = {
    # §4.8 table; the §4.4/§4.5 MANUAL reasons are warnings: a person must score the row.
    "E_FUNDS_SUM": "ERROR",
    "E_FUNDS_MISSING": "ERROR",
    "E_ZERO_BUDGET": "WARN",
    "E_EXEC_OVER_BUDGET": "WARN",
    "D_EXEC_SCORE": "ERROR",
    "D_EXEC_RATE": "WARN",
    "E_WEIGHT_NONPOS": "ERROR",
    "E_WEIGHT_SUM": "ERROR",
    "E_LV1_MISSING": "ERROR",
    "D_TARGET_CHANGED": "ERROR",
    "E_ACTUAL_MISSING": "ERROR",
    "E_SCORE_RANGE": "ERROR",
    "D_QUAL_OUT_OF_BAND": "ERROR",
    "E_DEVIATION_TEXT_MISSING": "ERROR",
    "D_TOTAL": "ERROR",
    "D_GRADE": "ERROR",
    "D_SCORE_MISMATCH": "WARN",
    "D_SCORE_INFLATED": "WARN",
    "D_FULL_BUT_UNMET": "WARN",
    "D_QUAL_LEVEL_TEXT": "WARN",
    "D_TOTAL_VS_COMPUTED": "WARN",
    "W_OVERSHOOT": "WARN",
    "E_ACTUAL_NOT_NUMERIC": "WARN",
    "E_UNIT_MISMATCH": "WARN",
    "E_NEG_TARGET": "WARN",
    "E_RANGE_MISS": "WARN",
    "E_TIME_NO_DATE": "WARN",
    "W_TIME_LATE": "WARN",
    "E_TARGET_UNSCORABLE": "WARN",
    "E_DUPLICATE_NAME": "WARN",
    "P_UNPARSED": "WARN",
    "P_OP_CONFLICT": "WARN",
    "P_PERCENT_SCALE": "WARN",
    "P_ACTUAL_HAS_OPERATOR": "WARN",
    "P_UNIT_ASSUMED": "INFO",
    "P_MONTH_BEFORE_AMBIGUOUS": "INFO",
    "P_PERCENTAGE_POINTS": "INFO",
}


def _rounded(value: Decimal, places: Decimal) -> Decimal:
    """`value` rounded half up to `places`. A context wide enough for every digit of the result: quantize in the
    default context (28 digits) raises InvalidOperation when the result needs more — an 实际完成值 of 28 digits
    against a target of 0.01, an execution over a budget of a fraction of a cent —, a 500 where a number belongs."""
    digits = max(value.adjusted(), 0) - int(places.as_tuple().exponent) + 2 if value.is_finite() else 0
    if digits <= DEFAULT_PRECISION:
        return value.quantize(places, rounding=ROUND_HALF_UP)
    return value.quantize(places, rounding=ROUND_HALF_UP, context=Context(prec=digits))


def q2(value: Decimal) -> Decimal:
    return _rounded(value, CENT)


def q6(value: Decimal) -> Decimal:
    return _rounded(value, MICRO)


def fmt(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value)


@dataclass(frozen=True)
class Issue:
    code: str
    message: str

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.code, "WARN")


@dataclass(frozen=True)
class Score:
    """A computed score, or None when the row must be scored by a person (`manual`), with the formula shown."""

    value: Decimal | None
    formula: str
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def manual(self) -> bool:
        return self.value is None


def manual(code: str, message: str) -> Score:
    return Score(None, f"需人工评分：{message}", (Issue(code, message),))


# ---- §4.3 budget execution --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecScore:
    rate: Decimal | None
    score: Score


def exec_score(
    budget_yuan: Decimal, executed_yuan: Decimal, cfg: ScoringConfig, weight: Decimal | None = None
) -> ExecScore:
    """全年执行数 / 全年预算数 × 分值, the rate capped at 100% (setting), 0 points for a zero budget."""
    w = cfg.exec_weight if weight is None else weight
    if budget_yuan <= 0:
        issue = Issue("E_ZERO_BUDGET", "全年预算数为0，预算执行率得0分")
        return ExecScore(None, Score(q2(ZERO), "全年预算数为0 → 0分", (issue,)))
    rate = executed_yuan / budget_yuan
    basis = min(rate, ONE) if cfg.cap_exec_rate else rate
    score = q2(basis * w)
    capped = "（执行率超过100%按100%计）" if cfg.cap_exec_rate and rate > ONE else ""
    formula = f"执行率 {fmt(q2(rate * 100))}%{capped} × 分值 {fmt(w)} = {fmt(score)}"
    issues = (Issue("E_EXEC_OVER_BUDGET", "全年执行数超过全年预算数"),) if rate > ONE else ()
    return ExecScore(q6(rate), Score(score, formula, issues))


# ---- §4.4 quantitative -------------------------------------------------------------------------------------------


def score_quant(op: Op, t: Decimal, a: Decimal, w: Decimal) -> Score:
    """Positive (≥ > =) and reverse (≤ <) indicators; zero and negative targets as §4.4."""
    if op in (Op.GE, Op.GT, Op.EQ):
        if t == 0:
            value = q2(w) if a <= 0 else q2(ZERO)
            return Score(value, f"目标值为0：实际值{'≤0 得满分' if a <= 0 else '>0 得0分'} = {fmt(value)}")
        if t < 0:
            return manual("E_NEG_TARGET", "目标值为负数")
        if a >= t:
            return Score(q2(w), f"实际值 {fmt(a)} ≥ 目标值 {fmt(t)}，得满分 {fmt(q2(w))}")
        value = q2(max(a, ZERO) / t * w)
        return Score(value, f"实际值 {fmt(max(a, ZERO))} ÷ 目标值 {fmt(t)} × 分值 {fmt(w)} = {fmt(value)}")
    if op in (Op.LE, Op.LT):
        if t == 0:
            value = q2(w) if a <= 0 else q2(ZERO)
            return Score(value, f"目标值为0（反向）：实际值{'≤0 得满分' if a <= 0 else '>0 得0分'} = {fmt(value)}")
        if t < 0:
            return manual("E_NEG_TARGET", "目标值为负数")
        if a <= t:
            return Score(q2(w), f"实际值 {fmt(a)} ≤ 目标值 {fmt(t)}，得满分 {fmt(q2(w))}")
        if a < 2 * t:
            value = q2((1 - (a - t) / t) * w)
            return Score(
                value, f"(1 − (实际值 {fmt(a)} − 目标值 {fmt(t)}) ÷ 目标值 {fmt(t)}) × 分值 {fmt(w)} = {fmt(value)}"
            )
        return Score(q2(ZERO), f"实际值 {fmt(a)} 达到目标值 {fmt(t)} 的2倍及以上，得0分")
    return manual("E_TARGET_UNSCORABLE", "定性指标不能按运算符评分")


def score_range(lo: Decimal, hi: Decimal, a: Decimal, w: Decimal) -> Score:
    if lo <= a <= hi:
        return Score(q2(w), f"实际值 {fmt(a)} 在区间 [{fmt(lo)}, {fmt(hi)}] 内，得满分 {fmt(q2(w))}")
    return manual("E_RANGE_MISS", f"实际值 {fmt(a)} 不在目标区间 [{fmt(lo)}, {fmt(hi)}] 内")


# The largest ratio of actual to target the W_OVERSHOOT message prints as a percentage: a 28-digit 实际完成值 against a
# target of 0.01 is no percentage anyone reads, and rounding it to 0.01 would exceed the 28-digit precision.
OVERSHOOT_SHOWN = Decimal(10000)


def overshoot(op: Op | None, t: Decimal, a: Decimal, cfg: ScoringConfig) -> Issue | None:
    if op in (Op.GE, Op.GT, Op.EQ) and t > 0 and a / t > cfg.overshoot_ratio:
        ratio = a / t
        if ratio > OVERSHOOT_SHOWN:
            shown = f"实际值超过目标值的{fmt(OVERSHOOT_SHOWN)}倍"
        else:
            shown = f"实际值为目标值的{fmt(q2(ratio * 100))}%"
        return Issue("W_OVERSHOOT", f"{shown}，远超目标，目标可能设置偏低")
    return None


# ---- §4.5 time -----------------------------------------------------------------------------------------------------


def _months_late(deadline: datetime.date, done: datetime.date) -> int:
    months = (done.year - deadline.year) * 12 + done.month - deadline.month
    return max(1, months + (1 if done.day > deadline.day else 0))


def score_time(deadline: datetime.date, actual: ParsedValue, w: Decimal, cfg: ScoringConfig) -> Score:
    done = actual.deadline
    if done is None:
        return manual("E_TIME_NO_DATE", "实际完成情况未写明完成时间")
    if done <= deadline:
        return Score(q2(w), f"完成时间 {done:%Y-%m-%d} 不晚于 {deadline:%Y-%m-%d}，得满分 {fmt(q2(w))}")
    if cfg.time_late_mode == "ZERO":
        return Score(q2(ZERO), f"完成时间 {done:%Y-%m-%d} 晚于 {deadline:%Y-%m-%d}，得0分")
    if cfg.time_late_mode == "PER_MONTH":
        months = _months_late(deadline, done)
        value = q2(max(ZERO, w - months * cfg.time_late_deduct_pct * w))
        return Score(value, f"逾期{months}个月，每月扣分值的{fmt(cfg.time_late_deduct_pct * 100)}% → {fmt(value)}")
    return manual("W_TIME_LATE", f"完成时间 {done:%Y-%m-%d} 晚于 {deadline:%Y-%m-%d}")


# ---- §4.6 qualitative ----------------------------------------------------------------------------------------------

LEVEL_LABELS = {
    "ACHIEVED": "达成年度指标",
    "PARTIAL": "部分达成年度指标并具有一定效果",
    "NOT_ACHIEVED": "未达成年度指标且效果较差",
}
LEVEL_FROM_HINT = {"POS": "ACHIEVED", "PARTIAL": "PARTIAL", "NEG": "NOT_ACHIEVED"}


def level_band(level: str, w: Decimal, cfg: ScoringConfig) -> tuple[Decimal, Decimal, bool]:
    """(low, high, high_inclusive) of the allowed score for a level; bounds are exact (0.8·w is not rounded)."""
    if level == "ACHIEVED":
        return cfg.qual_band_hi * w, w, True
    if level == "PARTIAL":
        return cfg.qual_band_lo * w, cfg.qual_band_hi * w, False
    return ZERO, cfg.qual_band_lo * w, False


def level_of_score(score: Decimal, w: Decimal, cfg: ScoringConfig) -> str:
    if score >= cfg.qual_band_hi * w:
        return "ACHIEVED"
    if score >= cfg.qual_band_lo * w:
        return "PARTIAL"
    return "NOT_ACHIEVED"


def in_band(score: Decimal, level: str, w: Decimal, cfg: ScoringConfig) -> bool:
    low, high, inclusive = level_band(level, w, cfg)
    return low <= score <= high if inclusive else low <= score < high


def score_qualitative(level: str | None, w: Decimal, cfg: ScoringConfig) -> Score:
    if level is None:
        return manual("E_ACTUAL_NOT_NUMERIC", "定性指标的完成情况无法判断等级")
    value = q2(cfg.qual_prefill[level] * w)
    low, high, _ = level_band(level, w, cfg)
    return Score(value, f"定性等级“{LEVEL_LABELS[level]}”，得分区间 [{fmt(low)}, {fmt(high)}]，建议得分 {fmt(value)}")


# ---- §4.7 weights, total, grade --------------------------------------------------------------------------------------

GROUP_OF_LV1 = {"产出指标": "OUTPUT", "成本指标": "COST", "效益指标": "BENEFIT", "满意度指标": "SATISFACTION"}
GROUP_LABELS = {
    "OUTPUT": "产出指标",
    "OUTPUT+COST": "产出指标与成本指标",
    "BENEFIT": "效益指标",
    "SATISFACTION": "满意度指标",
}


def effective_weights(groups: list[str], cfg: ScoringConfig) -> dict[str, Decimal]:
    w = dict(cfg.self_eval_weights)
    if "SATISFACTION" not in groups:
        w["BENEFIT"] += w["SATISFACTION"]
        w["SATISFACTION"] = ZERO
    if "COST" in groups:
        w["OUTPUT+COST"] = w.pop("OUTPUT")
    return w


def check_weights(rows: list[tuple[str, Decimal]], exec_weight: Decimal, cfg: ScoringConfig) -> list[Issue]:
    """rows: (group, weight) per indicator."""
    issues: list[Issue] = []
    groups = [group for group, _ in rows]
    w = effective_weights(groups, cfg)
    for group, target in w.items():
        if group == "EXEC" or target <= 0:
            continue
        members = ("OUTPUT", "COST") if group == "OUTPUT+COST" else (group,)
        total = sum((weight for g, weight in rows if g in members), ZERO)
        if abs(total - target) > cfg.weight_sum_tolerance:
            issues.append(Issue("E_WEIGHT_SUM", f"{GROUP_LABELS[group]}分值合计{fmt(total)}，应为{fmt(target)}"))
    if "OUTPUT" not in groups or "BENEFIT" not in groups:
        issues.append(Issue("E_LV1_MISSING", "缺少产出指标或效益指标"))
    grand = exec_weight + sum((weight for _, weight in rows), ZERO)
    if grand != 100:
        issues.append(Issue("E_WEIGHT_SUM", f"预算执行率与各指标分值合计{fmt(grand)}，应为100"))
    return issues


def grade(total: Decimal | None, cfg: ScoringConfig) -> str | None:
    if total is None:
        return None
    for label, low in sorted(cfg.grade_bands.items(), key=lambda item: -item[1]):
        if total >= low:
            return label
    return "差"


def allocate_weights(rows: list[tuple[str, Decimal | None]], cfg: ScoringConfig) -> list[Decimal | None]:
    """Self-evaluation weights from the approved target's weights (DOMAIN.md §2.4.2, §4.7).

    A goal table weights its indicators to 100; the self-evaluation gives 预算执行率 its own points (10) and fixed
    group points (产出 50 — shared with 成本 under 2021_101 —, 效益 30, 满意度 10, or 效益 40 without 满意度).
    Each group's points are spread over its indicators in proportion to their target weights (an indicator
    without one counts as the group's average), rounded to 0.01 with the rounding remainder on the group's last
    indicator, so every group adds up exactly.
    rows: (group, target weight) per indicator; a row whose group is unknown keeps its weight.
    """
    groups = [group for group, _ in rows]
    w = effective_weights(groups, cfg)
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        key = "OUTPUT+COST" if group in ("OUTPUT", "COST") and "OUTPUT+COST" in w else group
        if key in w and key != "EXEC":
            members.setdefault(key, []).append(index)
    result: list[Decimal | None] = [weight for _, weight in rows]
    for key, indexes in members.items():
        points = w[key]
        given = [weight for i in indexes if (weight := rows[i][1]) is not None and weight > 0]
        # An indicator without a target weight counts as the group's average one.
        fallback = sum(given, ZERO) / len(given) if given else ONE
        basis = [weight if (weight := rows[i][1]) is not None and weight > 0 else fallback for i in indexes]
        total = sum(basis, ZERO)
        left = points
        for position, index in enumerate(indexes):
            share = left if position == len(indexes) - 1 else q2(points * basis[position] / total)
            result[index] = share
            left -= share
    return result
