"""Smart checks (智能审核) on a target: each finding has a code, a severity and a Chinese message.

Run while a unit edits, again at each review stage, and on submit (ERROR findings block submission).
Which checks run, how severe they are and their thresholds are `SmartCheckRule` rows (DOMAIN.md §2.2, §6.11):
the national default row of a code is overridden by a year row, a region row (the nearest region wins) and a
region-and-year row. `DEFAULT_RULES` holds the same defaults for a code that has no row at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from jixiao.core import config_rows
from jixiao.indicators.models import IndicatorHistoricalValue, Operator
from jixiao.indicators.valueparse import FlagCode, Kind, Op, ParsedValue, format_number, parse_value
from jixiao.organizations.models import FiscalRegion
from jixiao.targets.models import PerformanceTarget, SmartCheckRule, TargetIndicator

ERROR, WARNING, INFO = "error", "warning", "info"
VAGUE_WORDS = [
    "显著提升",
    "明显改善",
    "有效提高",
    "进一步",
    "显著",
    "明显",
    "有效",
    "大幅",
    "逐步",
    "不断",
    "稳步",
    "切实",
]

# code → (name, default severity, default params); the 0002 migration inserts the same rows.
DEFAULT_RULES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "T-EMPTY": ("未填写绩效指标", ERROR, {}),
    "T-NO-OUTPUT": ("缺少产出指标", ERROR, {"keyword": "产出"}),
    "T-NO-BENEFIT": ("缺少效益指标", ERROR, {"keyword": "效益"}),
    "T-QUANT-NO-NUMBER": ("定量指标缺少数值", ERROR, {}),
    "T-QUANT-NO-UNIT": ("定量指标缺少计量单位", WARNING, {}),
    "T-ONLY-QUAL": ("仅有定性指标", WARNING, {}),
    "T-DUP-NAME": ("三级指标名称重复", ERROR, {}),
    "T-VAGUE": ("指标值表述模糊", WARNING, {"words": VAGUE_WORDS}),
    "T-WEIGHT-SUM": ("分值合计不等于总分", WARNING, {"total": "100", "tolerance": "0"}),
    "T-COST-OVER-BUDGET": ("成本指标合计超过资金总额", WARNING, {"keyword": "成本"}),
    "T-BELOW-HISTORY": ("目标值不高于上年水平", WARNING, {}),
    "T-FAR-ABOVE-HISTORY": ("目标值远高于历史水平", WARNING, {"ratio": "2"}),
    "T-UNPARSED": ("指标值无法解析", WARNING, {}),
    "T-OP-CONFLICT": ("指标性质与指标值不一致", WARNING, {}),
    "T-GE-ZERO": ("“≥0”类无约束目标", WARNING, {}),
}
# The parameters' labels on the 智能审核规则 page (a key without one is shown as the key). A parameter is entered in
# the type of its default above: a number (kept as text, "2"), a word, a list of words (typed with 、 or commas) or
# a yes/no.
PARAM_LABELS: dict[str, str] = {
    "keyword": "识别关键词（指标名称含此词）",
    "words": "模糊表述词语",
    "total": "总分",
    "tolerance": "允许误差（分）",
    "ratio": "超过历史最好水平的倍数",
}

_DECLARED_OP = {"gte": "≥", "gt": ">", "eq": "=", "lte": "≤", "lt": "<"}
_QUANTITATIVE = {Kind.NUM, Kind.RANGE}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" blocks submission, "warning" and "info" inform reviewers
    message: str
    indicator_id: int | None = None


@dataclass(frozen=True)
class EffectiveRule:
    code: str
    name: str
    severity: str
    params: dict[str, Any]

    def finding(self, message: str, row: TargetIndicator | None = None) -> Finding:
        return Finding(self.code, self.severity, message, row.pk if row is not None else None)

    def decimal(self, key: str) -> Decimal:
        try:
            return Decimal(str(self.params[key]))
        except (KeyError, InvalidOperation) as exc:
            raise ValueError(f"智能审核规则 {self.code} 的参数 {key} 无效") from exc


@dataclass
class Context:
    target: PerformanceTarget
    rows: list[tuple[TargetIndicator, ParsedValue]]
    history: dict[int, list[HistoryPoint]] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryPoint:
    fiscal_year: int
    value: Decimal
    unit: str | None
    is_actual: bool  # an achieved value (指标历史值) rather than last year's target


# --- rule selection ---------------------------------------------------------------------------------------


def effective_rules(region: FiscalRegion, fiscal_year: int) -> dict[str, EffectiveRule]:
    """The enabled rules for a region and year: per code, the most specific row wins (core.config_rows); params
    layer over the less specific rows and the code defaults, so an override may set only the keys it changes."""
    rows = config_rows.applicable(SmartCheckRule.objects.select_related("region"), region, fiscal_year)
    merged: dict[str, tuple[str, str, bool, dict[str, Any]]] = {
        code: (name, severity, True, dict(params)) for code, (name, severity, params) in DEFAULT_RULES.items()
    }
    for row in config_rows.layered(rows):
        base = merged.get(row.code, (row.name, row.severity, True, {}))[3]
        merged[row.code] = (row.name, row.severity, row.is_enabled, {**base, **(row.params or {})})
    return {
        code: EffectiveRule(code, name, severity, params)
        for code, (name, severity, enabled, params) in merged.items()
        if enabled
    }


# --- context ----------------------------------------------------------------------------------------------


def _parse(row: TargetIndicator, fiscal_year: int) -> ParsedValue:
    declared = _DECLARED_OP.get(row.operator)
    return parse_value(row.target_text, fiscal_year=fiscal_year, declared_op=declared, declared_unit=row.unit or None)


def _historical_actuals(target: PerformanceTarget, rows: list[TargetIndicator]) -> dict[int, list[HistoryPoint]]:
    by_item: dict[int, list[TargetIndicator]] = {}
    for row in rows:
        if row.library_item_id is not None:
            by_item.setdefault(row.library_item_id, []).append(row)
    points: dict[int, list[HistoryPoint]] = {}
    values = IndicatorHistoricalValue.objects.filter(
        item_id__in=by_item, region_id=target.region_id, fiscal_year__lt=target.fiscal_year
    ).values_list("item_id", "fiscal_year", "value")
    for item_id, year, text in values:
        for row in by_item[item_id]:
            parsed = parse_value(text, fiscal_year=year, declared_unit=row.unit or None)
            if parsed.kind == Kind.NUM and parsed.base_value is not None:
                point = HistoryPoint(year, parsed.base_value, parsed.unit_canon, is_actual=True)
                points.setdefault(row.pk, []).append(point)
    return points


def _last_year_targets(target: PerformanceTarget, rows: list[TargetIndicator]) -> dict[int, list[HistoryPoint]]:
    """Last year's target values of the same project code, matched by indicator name (used when no
    achieved value is recorded for the indicator)."""
    if target.project_id is None:
        return {}
    previous = TargetIndicator.objects.filter(
        target__project__code__in=PerformanceTarget.objects.filter(pk=target.pk).values("project__code"),
        target__region_id=target.region_id,
        target__fiscal_year=target.fiscal_year - 1,
        target__is_deleted=False,
        parsed_kind=Kind.NUM,
        parsed_value__isnull=False,
    ).values_list("name", "parsed_value", "parsed_unit")
    by_name: dict[str, tuple[Decimal, str | None]] = {
        name.strip(): (value, unit or None) for name, value, unit in previous if value is not None
    }
    points: dict[int, list[HistoryPoint]] = {}
    for row in rows:
        if row.name.strip() in by_name:
            value, unit = by_name[row.name.strip()]
            points[row.pk] = [HistoryPoint(target.fiscal_year - 1, value, unit, is_actual=False)]
    return points


def build_context(target: PerformanceTarget, rules: Iterable[str]) -> Context:
    rows = list(target.indicators.select_related("lv1", "lv2"))
    ctx = Context(target, [(row, _parse(row, target.fiscal_year)) for row in rows])
    if {"T-BELOW-HISTORY", "T-FAR-ABOVE-HISTORY"} & set(rules):
        actual = _historical_actuals(target, rows)
        fallback = _last_year_targets(target, [r for r in rows if r.pk not in actual])
        ctx.history = {**fallback, **actual}
    return ctx


# --- checks: each takes the context and its rule and returns findings --------------------------------------


def _has_lv1(ctx: Context, keyword: str) -> bool:
    return any(keyword in row.lv1.name for row, _p in ctx.rows)


def check_no_output(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    if _has_lv1(ctx, rule.params["keyword"]):
        return []
    return [rule.finding(_("缺少产出指标：至少应设置一个产出指标"))]


def check_no_benefit(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    if _has_lv1(ctx, rule.params["keyword"]):
        return []
    return [rule.finding(_("缺少效益指标：至少应设置一个效益指标"))]


def check_quant_no_number(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    return [
        rule.finding(
            _("指标“%(name)s”为定量指标，但指标值“%(text)s”没有数值") % {"name": row.name, "text": row.target_text}, row
        )
        for row, p in ctx.rows
        if row.operator != Operator.QUALITATIVE and p.kind in {Kind.QUAL, Kind.EMPTY}
    ]


def check_quant_no_unit(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    return [
        rule.finding(
            _("指标“%(name)s”的指标值“%(text)s”缺少计量单位") % {"name": row.name, "text": row.target_text}, row
        )
        for row, p in ctx.rows
        if p.kind in _QUANTITATIVE and not p.unit_canon
    ]


def check_only_qual(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    if any(row.operator != Operator.QUALITATIVE and p.kind != Kind.QUAL for row, p in ctx.rows):
        return []
    return [rule.finding(_("全部指标均为定性指标，应至少设置一个可量化的指标"))]


def check_duplicate_names(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    seen: set[str] = set()
    findings = []
    for row, _p in ctx.rows:
        key = "".join(row.name.split())
        if key in seen:
            findings.append(rule.finding(_("三级指标名称“%(name)s”重复") % {"name": row.name}, row))
        seen.add(key)
    return findings


def check_vague(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    findings = []
    for row, p in ctx.rows:
        words = [w for w in rule.params["words"] if w in row.target_text]
        if p.kind == Kind.QUAL and words:
            message = _("指标“%(name)s”的指标值“%(text)s”含有模糊表述（%(words)s），没有可衡量的目标值")
            findings.append(
                rule.finding(message % {"name": row.name, "text": row.target_text, "words": "、".join(words)}, row)
            )
    return findings


def check_weight_sum(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    weighted = [row for row, _p in ctx.rows if row.year_flag == TargetIndicator.YearFlag.ANNUAL]
    if not any(row.weight is not None for row in weighted):
        return []
    total = sum((row.weight or Decimal(0) for row in weighted), Decimal(0))
    expected = rule.decimal("total")
    if abs(total - expected) <= rule.decimal("tolerance"):
        return []
    message = _("年度指标分值合计为%(total)s，应为%(expected)s")
    return [rule.finding(message % {"total": format_number(total), "expected": format_number(expected)})]


def _cost_sum(ctx: Context, keyword: str, year_flag: str) -> Decimal:
    total = Decimal(0)
    for row, p in ctx.rows:
        is_cost = keyword in row.lv1.name or keyword in row.lv2.name
        value = p.base_value if p.kind == Kind.NUM else p.hi
        if is_cost and row.year_flag == year_flag and p.dimension == "MONEY" and value is not None:
            total += value
    return total


def check_cost_over_budget(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    target = ctx.target
    findings = []
    for flag, budget, label in (
        (TargetIndicator.YearFlag.ANNUAL, target.annual_total_yuan, _("年度资金总额")),
        (TargetIndicator.YearFlag.MIDTERM, target.mid_total_yuan, _("中期资金总额")),
    ):
        cost = _cost_sum(ctx, rule.params["keyword"], flag)
        if budget and cost > budget:
            message = _("成本指标合计%(cost)s元，超过%(label)s%(budget)s元")
            values = {"cost": format_number(cost), "label": label, "budget": format_number(budget)}
            findings.append(rule.finding(message % values))
    return findings


def _comparable(p: ParsedValue, points: list[HistoryPoint]) -> list[HistoryPoint]:
    if p.kind != Kind.NUM or p.base_value is None:
        return []
    return [pt for pt in points if pt.unit == p.unit_canon]


def check_below_history(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    findings = []
    for row, p in ctx.rows:
        points = _comparable(p, ctx.history.get(row.pk, []))
        if p.op not in {Op.GE, Op.GT} or not points:
            continue
        last = max(points, key=lambda pt: (pt.fiscal_year, pt.is_actual))
        if p.base_value is not None and p.base_value <= last.value:
            kind = _("实际完成值") if last.is_actual else _("目标值")
            message = _("指标“%(name)s”的目标值%(text)s不高于%(year)s年%(kind)s%(value)s，目标偏低")
            values = {
                "name": row.name,
                "text": row.target_text,
                "year": last.fiscal_year,
                "kind": kind,
                "value": format_number(last.value),
            }
            findings.append(rule.finding(message % values, row))
    return findings


def check_far_above_history(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    ratio = rule.decimal("ratio")
    findings = []
    for row, p in ctx.rows:
        points = _comparable(p, ctx.history.get(row.pk, []))
        if p.op in {Op.LE, Op.LT} or not points:
            continue
        best = max(pt.value for pt in points)
        if best > 0 and p.base_value is not None and p.base_value > best * ratio:
            message = _("指标“%(name)s”的目标值%(text)s超过历史最好水平%(best)s的%(ratio)s倍，请核实是否可行")
            values = {"name": row.name, "text": row.target_text, "best": format_number(best)}
            findings.append(rule.finding(message % {**values, "ratio": format_number(ratio)}, row))
    return findings


def check_unparsed(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    return [
        rule.finding(
            _("指标“%(name)s”的指标值“%(text)s”无法识别为运算符、数值和单位")
            % {"name": row.name, "text": row.target_text},
            row,
        )
        for row, p in ctx.rows
        if p.kind == Kind.UNPARSED
    ]


def check_op_conflict(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    return [
        rule.finding(next(f.message for f in p.flags if f.code == FlagCode.P_OP_CONFLICT), row)
        for row, p in ctx.rows
        if p.has_flag(FlagCode.P_OP_CONFLICT)
    ]


def check_ge_zero(ctx: Context, rule: EffectiveRule) -> list[Finding]:
    return [
        rule.finding(
            _("指标“%(name)s”的目标值“%(text)s”为“≥0”，任何结果都能达到") % {"name": row.name, "text": row.target_text},
            row,
        )
        for row, p in ctx.rows
        if p.kind == Kind.NUM and p.op == Op.GE and p.base_value == 0
    ]


CHECKS: dict[str, Callable[[Context, EffectiveRule], list[Finding]]] = {
    "T-NO-OUTPUT": check_no_output,
    "T-NO-BENEFIT": check_no_benefit,
    "T-QUANT-NO-NUMBER": check_quant_no_number,
    "T-QUANT-NO-UNIT": check_quant_no_unit,
    "T-ONLY-QUAL": check_only_qual,
    "T-DUP-NAME": check_duplicate_names,
    "T-VAGUE": check_vague,
    "T-WEIGHT-SUM": check_weight_sum,
    "T-COST-OVER-BUDGET": check_cost_over_budget,
    "T-BELOW-HISTORY": check_below_history,
    "T-FAR-ABOVE-HISTORY": check_far_above_history,
    "T-UNPARSED": check_unparsed,
    "T-OP-CONFLICT": check_op_conflict,
    "T-GE-ZERO": check_ge_zero,
}

_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def run_checks(target: PerformanceTarget) -> list[Finding]:
    """Every enabled check for the target's region and year, errors first."""
    rules = effective_rules(target.region, target.fiscal_year)
    ctx = build_context(target, rules)
    if not ctx.rows:
        empty = rules.get("T-EMPTY")
        return [empty.finding(_("尚未填写任何绩效指标"))] if empty else []
    findings: list[Finding] = []
    for code, check in CHECKS.items():
        if code not in rules:
            continue
        try:
            findings.extend(check(ctx, rules[code]))
        except (ValueError, TypeError, ArithmeticError):
            # A mis-configured rule row must not take the target pages down: report it instead.
            findings.append(
                Finding(code, "info", _("智能审核规则 %(code)s 的参数设置有误，本项检查未执行") % {"code": code})
            )
    return sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, 3))


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """For the badge beside the form: how many findings of each severity."""
    return dict(Counter(f.severity for f in findings))
