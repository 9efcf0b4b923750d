"""Pure rule evaluation: a project's facts in, the matched rules, the strictest action and the amount out.

No database access here: selectors gather the facts of all projects in a few set-based queries, services persist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.appraisals.models import Outcome
from jixiao.results.models import (
    CUT_ACTIONS,
    PCT_ACTIONS,
    SEVERITY,
    ZERO_ACTIONS,
    Action,
    Condition,
    ResultApplicationRule,
    Source,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
GRADE_ORDER = ("优", "良", "中", "差")
SOURCE_LABELS = dict(Source.choices)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class ProjectFacts:
    """What the earlier stages say about one project of the evaluated year."""

    project_id: int
    budget_yuan: Decimal
    executed_yuan: Decimal = Decimal(0)
    grades: dict[str, list[str]] = field(default_factory=dict)  # source → 优/良/中/差
    conclusions: dict[str, list[str]] = field(default_factory=dict)  # source → conclusion codes
    conclusion_labels: dict[str, str] = field(default_factory=dict)  # code → Chinese label
    colors: list[str] = field(default_factory=list)
    dispositions: list[str] = field(default_factory=list)
    open_rectification: bool = False
    adjust_advice: list[str] = field(default_factory=list)  # closed cases' 业务股室预算调整意见, oldest first
    appraisal_outcome: str = ""  # the department's issued 部门绩效考核 outcome (appraisals Outcome code)

    @property
    def exec_rate(self) -> Decimal | None:
        """Execution rate in percent (2 places), or None without a budget."""
        if self.budget_yuan <= 0:
            return None
        return q2(self.executed_yuan * HUNDRED / self.budget_yuan)

    @property
    def unspent_yuan(self) -> Decimal:
        return max(self.budget_yuan - self.executed_yuan, Decimal(0))

    def grade_text(self) -> str:
        """“自评：良；再评价：中” for the grade column."""
        parts = []
        for source in (Source.SELF_EVAL, Source.RE_EVAL, Source.DEPT_EVAL, Source.FIN_EVAL):
            if self.grades.get(source):
                parts.append(f"{SOURCE_LABELS[source]}：{'、'.join(self.grades[source])}")
        return "；".join(parts)


@dataclass(frozen=True)
class Match:
    rule: ResultApplicationRule
    reason: str
    amount_yuan: Decimal | None

    @property
    def amount_key(self) -> tuple[bool, Decimal]:
        """Smaller proposed amounts (larger cuts) sort first; an unknown amount last."""
        return (self.amount_yuan is None, self.amount_yuan or Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "source": self.rule.source,
            "action": self.rule.action,
            "pct": None if self.rule.pct is None else str(self.rule.pct),
            "text": self.reason,
        }


def _values_text(values: Iterable[str], labels: dict[str, str]) -> str:
    return "、".join(f"“{labels.get(v, v)}”" for v in values)


def match_reason(rule: ResultApplicationRule, facts: ProjectFacts) -> str | None:
    """The Chinese reason when the rule's condition holds for the project, else None."""
    source = SOURCE_LABELS.get(rule.source, rule.source)
    wanted = set(rule.values or [])
    if rule.condition == Condition.GRADE_IN:
        hit = [g for g in facts.grades.get(rule.source, []) if g in wanted]
        return f"{source}等级为{_values_text(hit, {})}" if hit else None
    if rule.condition == Condition.CONCLUSION_IN:
        hit = [c for c in facts.conclusions.get(rule.source, []) if c in wanted]
        return f"{source}结论为{_values_text(hit, facts.conclusion_labels)}" if hit else None
    if rule.condition == Condition.WARNING_COLOR_IN:
        hit = [c for c in facts.colors if c in wanted]
        return f"绩效运行监控预警为{_values_text(hit, COLOR_LABELS)}" if hit else None
    if rule.condition == Condition.DISPOSITION_IN:
        hit = [d for d in facts.dispositions if d in wanted]
        return f"预警处置决定为{_values_text(hit, DISPOSITION_LABELS)}" if hit else None
    if rule.condition == Condition.EXEC_RATE_BELOW:
        rate = facts.exec_rate
        if rule.threshold is None or rate is None or rate >= rule.threshold:
            return None
        return f"预算执行率{rate}%低于{rule.threshold.normalize():f}%"
    if rule.condition == Condition.NOT_RECTIFIED:
        return "存在未完成的整改" if facts.open_rectification else None
    if rule.condition == Condition.ADJUST_ADVICE:
        if not facts.adjust_advice:
            return None
        return f"问题整改办结时业务股室提出预算调整意见：{'；'.join(facts.adjust_advice)}"[:1000]
    if rule.condition == Condition.OUTCOME_IN:
        outcome = facts.appraisal_outcome
        if not outcome or outcome not in wanted:
            return None
        return f"{source}结果：{OUTCOME_LABELS.get(outcome, outcome)}"
    if rule.condition == Condition.IDLE_FUNDS:
        idle = facts.budget_yuan > 0 and facts.executed_yuan <= 0
        return "全年未支出，资金闲置" if idle else None
    return None


OUTCOME_LABELS = {str(code): str(label) for code, label in Outcome.choices}
COLOR_LABELS = {"RED": "红灯", "YELLOW": "黄灯", "GREEN": "绿灯"}
DISPOSITION_LABELS = {
    "CONTINUE": "继续执行",
    "REALLOCATE": "调剂",
    "ADJUST_DOWN": "调减",
    "SUSPEND": "暂停拨付",
    "RECOVER": "收回",
}


def proposed_amount(action: str, pct: Decimal | None, facts: ProjectFacts) -> Decimal | None:
    """The next-year amount the action proposes, from this year's budget; None when the percentage is not set."""
    base = facts.budget_yuan
    if action in ZERO_ACTIONS:
        return Decimal("0.00")
    if action in PCT_ACTIONS and pct is None:
        return None
    if action == Action.REDUCE_PCT:
        assert pct is not None
        return q2(base - base * pct / HUNDRED)
    if action == Action.REDUCE_UNSPENT:
        assert pct is not None
        return q2(base - facts.unspent_yuan * pct / HUNDRED)
    if action == Action.RECOVER:
        share = HUNDRED if pct is None else pct
        return q2(base - facts.unspent_yuan * share / HUNDRED)
    return q2(base)


def evaluate(rules: Iterable[ResultApplicationRule], facts: ProjectFacts) -> list[Match]:
    """Every matching rule, strictest first (severity, then the larger cut, then rule order and code)."""
    matches = []
    for rule in rules:
        reason = match_reason(rule, facts)
        if reason is not None:
            matches.append(Match(rule, reason, proposed_amount(rule.action, rule.pct, facts)))
    matches.sort(key=lambda m: (-SEVERITY.get(m.rule.action, 0), m.amount_key, m.rule.priority, m.rule.code))
    return matches


def cut_of(action: str, amount: Decimal | None, base: Decimal) -> Decimal:
    """How much an action cuts (0 for actions that keep the budget or when the amount is unknown)."""
    if amount is None or (action not in CUT_ACTIONS and action not in ZERO_ACTIONS):
        return Decimal(0)
    return max(base - amount, Decimal(0))
