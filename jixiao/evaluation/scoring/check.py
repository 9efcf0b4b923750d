"""Score a self-evaluation table and compare with what the unit claimed (DOMAIN.md §4.2–§4.8).

`evaluate(sheet, cfg)` never changes the claimed values: it returns the computed score beside each claimed one,
with the formula, and every discrepancy as a flag (code, severity, Chinese message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.indicators.valueparse import Kind, ParsedValue, align, parse_value, suggest_level

from . import rules
from .config import NATIONAL_DEFAULT, ScoringConfig
from .rules import Issue, Score, fmt
from .sheet import FUND_KEYS, FUND_LABELS, IndicatorRow, SelfEvalSheet

ZERO = Decimal(0)
YUAN_TOLERANCE = Decimal("0.01")


@dataclass
class ExecResult:
    rate: Decimal | None
    rate_claimed: Decimal | None
    weight: Decimal
    claimed: Decimal | None
    computed: Score
    issues: list[Issue] = field(default_factory=list)


@dataclass
class IndicatorResult:
    source: IndicatorRow
    group: str | None
    target: ParsedValue
    actual: ParsedValue
    computed: Score
    level_suggested: str | None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Evaluation:
    sheet: SelfEvalSheet
    exec: ExecResult
    indicators: list[IndicatorResult]
    total_claimed: Decimal | None
    total_computed: Decimal
    grade_claimed: str | None
    grade_computed: str | None
    issues: list[Issue] = field(default_factory=list)

    def all_issues(self) -> list[Issue]:
        found = [*self.issues, *self.exec.issues]
        for row in self.indicators:
            found.extend(row.issues)
        return found

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "ERROR" for issue in self.all_issues())


def _lv1(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith("指标") else f"{text}指标"


def _parser_issues(parsed: ParsedValue, side: str) -> list[Issue]:
    return [Issue(str(f.code), f"{side}：{f.message}") for f in parsed.flags]


# ---- funds ----------------------------------------------------------------------------------------------------------


def _funds_issues(sheet: SelfEvalSheet) -> list[Issue]:
    issues: list[Issue] = []
    total = sheet.funds.get("TOTAL")
    columns = (("initial_yuan", "年初预算数"), ("annual_yuan", "全年预算数"), ("executed_yuan", "全年执行数"))
    for attr, label in columns:
        value = getattr(total, attr) if total else None
        if value is None:
            issues.append(Issue("E_FUNDS_MISSING", f"“年度资金总额”行的{label}为空"))
            continue
        parts = sum((getattr(sheet.funds[k], attr) or ZERO for k in FUND_KEYS[1:] if k in sheet.funds), ZERO)
        if abs(value - parts) > YUAN_TOLERANCE:
            detail = "、".join(FUND_LABELS[k] for k in FUND_KEYS[1:])
            issues.append(
                Issue(
                    "E_FUNDS_SUM",
                    f"{label}：年度资金总额{fmt(value / 10000)}万元 ≠ {detail}之和{fmt(parts / 10000)}万元",
                )
            )
    return issues


def _exec(sheet: SelfEvalSheet, cfg: ScoringConfig) -> ExecResult:
    total = sheet.funds.get("TOTAL")
    weight = sheet.exec_weight if sheet.exec_weight is not None else cfg.exec_weight
    budget = (total.annual_yuan if total else None) or ZERO
    executed = (total.executed_yuan if total else None) or ZERO
    result = rules.exec_score(budget, executed, cfg, weight)
    issues = list(result.score.issues)
    claimed = sheet.exec_score_claimed
    if (
        claimed is not None
        and result.score.value is not None
        and abs(claimed - result.score.value) > cfg.score_tolerance
    ):
        issues.append(
            Issue("D_EXEC_SCORE", f"预算执行率得分填报{fmt(claimed)}分，按执行率应为{fmt(result.score.value)}分")
        )
    rate_claimed = total.rate_claimed if total else None
    printed = None if rate_claimed is None else rules.q2(rate_claimed * 100)
    actual = None if result.rate is None else rules.q2(result.rate * 100)
    if printed is not None and actual is not None and printed != actual:
        message = f"执行率填报{fmt(printed)}%，按全年执行数÷全年预算数应为{fmt(actual)}%"
        issues.append(Issue("D_EXEC_RATE", message))
    return ExecResult(result.rate, rate_claimed, weight, claimed, result.score, issues)


# ---- indicators ------------------------------------------------------------------------------------------------------


def _compute(
    target: ParsedValue, actual: ParsedValue, w: Decimal, cfg: ScoringConfig, level_claimed: str | None = None
) -> tuple[Score, list[Issue], str | None]:
    """The computed score of one row, the comparison issues, and the level the wording of a qualitative row's actual
    value suggests; a wording that names no level (“已达成”) is scored at the 定性完成档次 the unit chose."""
    if actual.kind is Kind.EMPTY:
        return rules.manual("E_ACTUAL_MISSING", "实际完成值为空"), [], None
    if target.kind is Kind.NUM or target.kind is Kind.RANGE:
        alignment = align(target, actual)
        issues = [Issue(str(f.code), f.message) for f in alignment.flags]
        if not alignment.comparable or alignment.actual is None:
            if actual.kind is not Kind.NUM:
                return (
                    rules.manual("E_ACTUAL_NOT_NUMERIC", f"目标值为数值，实际完成值“{actual.normalized}”不是数值"),
                    issues,
                    None,
                )
            return Score(None, "需人工评分：目标值与实际值无法比较"), issues, None
        if target.kind is Kind.RANGE and alignment.lo is not None and alignment.hi is not None:
            return rules.score_range(alignment.lo, alignment.hi, alignment.actual, w), issues, None
        assert target.op is not None and alignment.target is not None
        score = rules.score_quant(target.op, alignment.target, alignment.actual, w)
        over = rules.overshoot(target.op, alignment.target, alignment.actual, cfg)
        return score, [*issues, *([over] if over else [])], None
    if target.kind is Kind.TIME and target.deadline is not None:
        return rules.score_time(target.deadline, actual, w, cfg), [], None
    if target.kind is Kind.QUAL:
        hint = suggest_level(actual, target)
        level = rules.LEVEL_FROM_HINT.get(str(hint)) if hint is not None else None
        # The score follows the wording's level, else the chosen one (DOMAIN.md §4.6 prefill); only the wording's
        # level is a suggestion to compare with the claim (D_QUAL_LEVEL_TEXT).
        scored = level if level is not None or level_claimed not in rules.LEVEL_LABELS else level_claimed
        return rules.score_qualitative(scored, w, cfg), [], level
    return rules.manual("P_UNPARSED", f"目标值“{target.normalized}”无法识别"), [], None


def _indicator(row: IndicatorRow, fiscal_year: int, cfg: ScoringConfig) -> IndicatorResult:
    lv1 = _lv1(row.lv1)
    group = rules.GROUP_OF_LV1.get(lv1)
    target = parse_value(
        row.target_text or "", fiscal_year=fiscal_year, month_before_inclusive=cfg.month_before_inclusive
    )
    actual = parse_value(
        row.actual_text or "", fiscal_year=fiscal_year, month_before_inclusive=cfg.month_before_inclusive
    )
    issues = _parser_issues(target, "年度指标值") + [
        i for i in _parser_issues(actual, "实际完成值") if i.code != "P_UNPARSED"
    ]
    w = row.weight if row.weight is not None else ZERO
    if row.weight is None or row.weight <= 0:
        issues.append(Issue("E_WEIGHT_NONPOS", "分值应大于0"))
        computed = Score(None, "分值无效，无法评分")
        level = None
    else:
        computed, more, level = _compute(target, actual, w, cfg, row.level_claimed)
        issues.extend(more)
    issues.extend(computed.issues)
    issues.extend(_claimed_issues(row, w, target, computed, level, cfg))
    return IndicatorResult(row, group, target, actual, computed, level, _unique(issues))


def _claimed_issues(
    row: IndicatorRow, w: Decimal, target: ParsedValue, computed: Score, level: str | None, cfg: ScoringConfig
) -> list[Issue]:
    claimed = row.claimed
    issues: list[Issue] = []
    if claimed is None or w <= 0:
        return issues
    if claimed < 0 or claimed > w:
        issues.append(Issue("E_SCORE_RANGE", f"得分{fmt(claimed)}超出0至分值{fmt(w)}的范围"))
    if claimed < w and not row.deviation.strip():
        issues.append(Issue("E_DEVIATION_TEXT_MISSING", "得分低于分值，须填写偏差原因分析及改进措施"))
    if target.kind is Kind.QUAL:
        claimed_level = row.level_claimed or rules.level_of_score(claimed, w, cfg)
        if row.level_claimed and not rules.in_band(claimed, row.level_claimed, w, cfg):
            low, high, _ = rules.level_band(row.level_claimed, w, cfg)
            label = rules.LEVEL_LABELS[row.level_claimed]
            issues.append(
                Issue("D_QUAL_OUT_OF_BAND", f"“{label}”的实际得分区间为[{fmt(low)}-{fmt(high)}]，填报{fmt(claimed)}")
            )
        if level is not None and level != claimed_level:
            issues.append(
                Issue(
                    "D_QUAL_LEVEL_TEXT",
                    f"完成情况文字提示“{rules.LEVEL_LABELS[level]}”，填报得分对应“{rules.LEVEL_LABELS[claimed_level]}”",
                )
            )
        return issues
    if computed.value is None:
        return issues
    gap = claimed - computed.value
    if abs(gap) > cfg.score_tolerance:
        issues.append(Issue("D_SCORE_MISMATCH", f"填报得分{fmt(claimed)}，按规则计算为{fmt(computed.value)}"))
    if gap >= cfg.inflation_ratio * w:
        issues.append(
            Issue("D_SCORE_INFLATED", f"填报得分比计算得分高{fmt(gap)}分（≥分值的{fmt(cfg.inflation_ratio * 100)}%）")
        )
    if claimed == w and computed.value < w:
        issues.append(Issue("D_FULL_BUT_UNMET", "填报满分，但实际完成值未达到年度指标值"))
    return issues


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out: list[Issue] = []
    for issue in issues:
        if (issue.code, issue.message) not in seen:
            seen.add((issue.code, issue.message))
            out.append(issue)
    return out


# ---- the whole table -------------------------------------------------------------------------------------------------


def _duplicate_names(rows: list[IndicatorRow]) -> list[Issue]:
    seen: set[str] = set()
    issues = []
    for row in rows:
        key = "".join(row.name.split())
        if key in seen:
            issues.append(Issue("E_DUPLICATE_NAME", f"第{row.row}行：三级指标“{row.name}”重复"))
        seen.add(key)
    return issues


def evaluate(sheet: SelfEvalSheet, cfg: ScoringConfig = NATIONAL_DEFAULT) -> Evaluation:
    execution = _exec(sheet, cfg)
    indicators = [_indicator(row, sheet.fiscal_year, cfg) for row in sheet.rows]
    issues = _funds_issues(sheet) + _duplicate_names(sheet.rows)
    weights = [(result.group or "", result.source.weight or ZERO) for result in indicators]
    issues.extend(rules.check_weights(weights, execution.weight, cfg))

    # Rows the system cannot score keep the claimed score (a person scores them); the total is explainable.
    exec_value = execution.computed.value if execution.computed.value is not None else ZERO
    total_computed = exec_value + sum(
        (r.computed.value if r.computed.value is not None else (r.source.claimed or ZERO) for r in indicators),
        ZERO,
    )
    grade_computed = rules.grade(total_computed, cfg)
    claimed_parts = [sheet.exec_score_claimed, *(r.source.claimed for r in indicators)]
    if sheet.total_claimed is not None:
        if all(part is not None for part in claimed_parts):
            parts_sum = sum((p for p in claimed_parts if p is not None), ZERO)
            if abs(parts_sum - sheet.total_claimed) > cfg.score_tolerance:
                issues.append(Issue("D_TOTAL", f"总分填报{fmt(sheet.total_claimed)}，各项得分之和为{fmt(parts_sum)}"))
        if sheet.total_claimed - total_computed > cfg.score_tolerance:
            issues.append(
                Issue("D_TOTAL_VS_COMPUTED", f"总分填报{fmt(sheet.total_claimed)}，系统计算{fmt(total_computed)}")
            )
    if sheet.grade_claimed and sheet.total_claimed is not None:
        expected = rules.grade(sheet.total_claimed, cfg)
        if expected != sheet.grade_claimed:
            issues.append(
                Issue("D_GRADE", f"总分{fmt(sheet.total_claimed)}对应等级“{expected}”，填报为“{sheet.grade_claimed}”")
            )
    return Evaluation(
        sheet=sheet,
        exec=execution,
        indicators=indicators,
        total_claimed=sheet.total_claimed,
        total_computed=total_computed,
        grade_claimed=sheet.grade_claimed,
        grade_computed=grade_computed,
        issues=issues,
    )
