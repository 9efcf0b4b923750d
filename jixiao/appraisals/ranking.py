"""Pure scoring rules: tree sums, totals, competition ranking, grade bands, outcomes and external points.

No database access: services feed rows in and save what comes out, so the rules are tested on plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
# The largest 分值 or score a column holds (AppraisalNode.points and the scores: max_digits 7, 2 places).
MAX_POINTS = Decimal("99999.99")
# The layout of an importable score sheet (imports) and of the exported table (exports).
TEMPLATE_HEADERS = [
    "指标代码",
    "上级代码",
    "指标名称",
    "指标说明",
    "评（扣）分标准",
    "分值",
    "主管处室",
    "类别",
    "自动指标",
]
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def external_points(score: Decimal, weight: Decimal) -> Decimal:
    """points = round_half_up(score / 100 × weight, 2) (DOMAIN.md §2.7), in Decimal end to end."""
    return q2(score / HUNDRED * weight)


@dataclass(frozen=True)
class NodeRow:
    id: int
    parent_id: int | None
    code: str
    name: str
    points: Decimal
    kind: str


def tree_errors(nodes: Sequence[NodeRow], total_points: Decimal) -> list[str]:
    """Chinese messages for every parent whose children do not sum to it, and for the scored roots vs the total.

    Bonus and penalty items stand outside the 100 points and are not summed."""
    errors: list[str] = []
    children: dict[int | None, list[NodeRow]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for node in nodes:
        kids = [c for c in children.get(node.id, []) if c.kind == "SCORE"]
        if node.kind == "SCORE" and kids:
            subtotal = sum((c.points for c in kids), Decimal(0))
            if subtotal != node.points:
                errors.append(f"“{node.code} {node.name}”分值{node.points}，其下级指标合计{subtotal}，两者不一致")
    roots = [n for n in children.get(None, []) if n.kind == "SCORE"]
    if roots:
        subtotal = sum((n.points for n in roots), Decimal(0))
        if subtotal != total_points:
            errors.append(f"一级指标分值合计{subtotal}，与总分{total_points}不一致")
    return errors


def leaves(nodes: Iterable[NodeRow]) -> list[NodeRow]:
    nodes = list(nodes)
    parents = {n.parent_id for n in nodes if n.parent_id is not None}
    return [n for n in nodes if n.id not in parents]


def total_of(scores: dict[int, Decimal | None], nodes: Iterable[NodeRow]) -> Decimal:
    """Σ scored leaves + bonus − penalty (a penalty score is the deduction, entered as a positive number)."""
    total = Decimal(0)
    for node in leaves(nodes):
        value = scores.get(node.id)
        if value is None:
            continue
        total += -value if node.kind == "PENALTY" else value
    return q2(total)


def submission_errors(scores: dict[int, Decimal | None], nodes: Iterable[NodeRow], *, label: str) -> list[str]:
    """送审校验: every scored leaf has a score, none is negative or above its points (bonus/penalty may be blank)."""
    errors: list[str] = []
    for node in leaves(nodes):
        value = scores.get(node.id)
        if value is None:
            if node.kind == "SCORE":
                errors.append(f"“{node.code} {node.name}”尚未填写{label}")
            continue
        if value < 0:
            errors.append(f"“{node.code} {node.name}”的{label}不能为负数")
        elif value > node.points:
            errors.append(f"“{node.code} {node.name}”的{label}{value}超过分值{node.points}")
    return errors


def competition_ranks(totals: dict[Any, Decimal]) -> dict[Any, int]:
    """Standard competition ranking (1, 2, 2, 4): equal totals share a rank."""
    ordered = sorted(totals.values(), reverse=True)
    return {key: 1 + sum(1 for t in ordered if t > value) for key, value in totals.items()}


def grade_for(score: Decimal, bands: Sequence[dict[str, Any]]) -> str:
    """The first band (highest first) whose minimum the score reaches; a score below every minimum (a total taken
    below 0 by 扣分项) is in the lowest band, not left without a grade."""
    ordered = sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True)
    for band in ordered:
        if score >= Decimal(str(band["min"])):
            return str(band["label"])
    return str(ordered[-1]["label"]) if ordered else ""


@dataclass(frozen=True)
class Thresholds:
    commend_top_k: int | None
    commend_min_score: Decimal | None
    interview_bottom_k: int | None
    interview_max_score: Decimal | None


def outcome_for(total: Decimal, rank: int, totals: Sequence[Decimal], rules: Thresholds) -> str:
    """COMMEND / INTERVIEW / NONE from the thresholds; both null for an outcome means it is decided by hand.

    表扬 needs every set condition (top k by rank, at least the minimum score); 约谈 likewise (among the bottom k —
    ties with the k-th from the bottom included — or at most the maximum score). 表扬 is checked first."""
    commend_rules = (rules.commend_top_k, rules.commend_min_score)
    if any(r is not None for r in commend_rules):
        in_top = rules.commend_top_k is None or rank <= rules.commend_top_k
        high = rules.commend_min_score is None or total >= rules.commend_min_score
        if in_top and high:
            return "COMMEND"
    if rules.interview_bottom_k is not None or rules.interview_max_score is not None:
        bottom_rank = 1 + sum(1 for t in totals if t < total)
        in_bottom = rules.interview_bottom_k is None or bottom_rank <= rules.interview_bottom_k
        low = rules.interview_max_score is None or total <= rules.interview_max_score
        if in_bottom and low:
            return "INTERVIEW"
    return "NONE"


@dataclass(frozen=True)
class ParsedNode:
    """One row of an imported score sheet (imports.parse_score_sheet → services.template_import)."""

    code: str
    name: str
    points: Decimal
    parent_code: str = ""
    description: str = ""
    standard: str = ""
    section: str = ""
    kind: str = "SCORE"
    metric: str = ""  # an auto metric key (metrics.METRICS), blank for a manually scored item
