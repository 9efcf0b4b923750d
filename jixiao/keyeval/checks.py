"""Pure checks of key evaluations (DOMAIN.md §2.4.3, §4.7): the template tree, grades and the multi-scorer mean."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.core.errors import DomainError
from jixiao.core.text import check_row_names
from jixiao.keyeval.models import EvalTemplate, EvalTemplateNode, KeyEvalGrade

CENT = Decimal("0.01")
TOTAL_POINTS = Decimal(100)
# 产出 + 效益 together take at least a template's `output_benefit_min` of a project framework (60 by 财预〔2020〕10号,
# the national default). They are known by their codes (the shipped templates' O and B, kept by every copy): the page
# may rename them, and a node renamed “产出” is not one.
OUTPUT_BENEFIT_CODES = ("O", "B")
OUTPUT_BENEFIT_MIN = Decimal(60)
# The rules a template carries beside its tree, as the template page names them.
RULE_LABELS = {
    "grade_excellent": "“优”最低分",
    "grade_good": "“良”最低分",
    "grade_pass": "“中”最低分",
    "output_benefit_min": "产出和效益最低合计分值",
}
# Grade bands (DOMAIN.md §4.7) default: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60; each template carries its own.
DEFAULT_BANDS = (Decimal(90), Decimal(80), Decimal(60))
NAME_MAX = EvalTemplateNode._meta.get_field("name").max_length or 200
# C0 and C1 control characters (NUL among them: PostgreSQL cannot store it in text).


@dataclass
class Node:
    """A template node as the check sees it (the model row plus its children)."""

    row: Any
    children: list[Node] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children


def build_tree(rows: Iterable[Any]) -> list[Node]:
    """The root nodes of `rows` (ordered), each with its children."""
    nodes = {row.pk: Node(row) for row in rows}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.row.parent_id) if node.row.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def walk(roots: Sequence[Node]) -> Iterable[Node]:
    for node in roots:
        yield node
        yield from walk(node.children)


def leaves(roots: Sequence[Node]) -> list[Node]:
    return [node for node in walk(roots) if node.is_leaf]


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check_names(roots: Sequence[Node], names: Mapping[int, str]) -> None:
    """Refuse, naming the page's row (tree order), a new name too long or holding a control character."""
    check_row_names(((number, names.get(node.row.pk)) for number, node in enumerate(walk(roots), start=1)), NAME_MAX)


def check_tree(
    kind: str,
    roots: Sequence[Node],
    weights: Mapping[int, Decimal] | None = None,
    names: Mapping[int, str] | None = None,
    output_benefit_min: Decimal = OUTPUT_BENEFIT_MIN,
) -> None:
    """Raise DomainError unless the tree is sound: 一级 weights add up to 100, every parent's children add up to
    it, no negative weight or empty name, and for project frameworks 产出 + 效益 ≥ `output_benefit_min`."""
    weights = weights or {}
    names = names or {}
    check_names(roots, names)

    def weight(node: Node) -> Decimal:
        return weights.get(node.row.pk, node.row.weight)

    def name(node: Node) -> str:
        return names.get(node.row.pk, node.row.name)

    if not roots:
        raise DomainError("指标体系没有指标")
    for node in walk(roots):
        if weight(node) < 0:
            raise DomainError(f"“{name(node)}”的分值不能为负数")
        if weight(node) > 100:  # before any rounding: 1E+26 cannot be rounded to 0.01 (InvalidOperation, a 500)
            raise DomainError(f"“{name(node)}”的分值不能超过100分")
        if weight(node) != weight(node).quantize(Decimal("0.01")):
            # Stored to 0.01: 1.005 + 1.005 + 2.99 = 5 passed here and was saved as 1.00 + 1.00 + 2.99 = 4.99.
            raise DomainError(f"“{name(node)}”的分值最多保留两位小数")
        if not name(node).strip():
            raise DomainError("指标名称不能为空")
        if node.children:
            subtotal = sum((weight(c) for c in node.children), Decimal(0))
            if subtotal != weight(node):
                raise DomainError(
                    f"“{name(node)}”的下级指标分值合计为{_fmt(subtotal)}分，应等于该指标的{_fmt(weight(node))}分"
                )
    total = sum((weight(n) for n in roots), Decimal(0))
    if total != TOTAL_POINTS:
        raise DomainError(f"一级指标分值合计为{_fmt(total)}分，应为100分")
    if kind == EvalTemplate.Kind.PROJECT_10:
        share = sum((weight(n) for n in roots if getattr(n.row, "code", "") in OUTPUT_BENEFIT_CODES), Decimal(0))
        if share < output_benefit_min:
            source = "财预〔2020〕10号" if output_benefit_min == OUTPUT_BENEFIT_MIN else "本模板的评分规则"
            raise DomainError(
                f"产出和效益指标分值合计为{_fmt(share)}分，不得低于{_fmt(output_benefit_min)}分（{source}）"
            )


def check_rules(rules: Mapping[str, Decimal]) -> None:
    """A template's grade bands and 产出和效益 minimum: each 0 … 100 with at most two decimals, 优 ≥ 良 ≥ 中."""
    for key, value in rules.items():
        label = RULE_LABELS[key]
        if not Decimal(0) <= value <= TOTAL_POINTS:
            raise DomainError(f"{label}应在0到100之间")
        if value != value.quantize(CENT):
            raise DomainError(f"{label}最多保留两位小数")
    if not rules["grade_pass"] <= rules["grade_good"] <= rules["grade_excellent"]:
        raise DomainError("等级分数线应满足：“优”最低分 ≥ “良”最低分 ≥ “中”最低分")


def grade_for(score: Decimal | None, bands: tuple[Decimal, Decimal, Decimal] = DEFAULT_BANDS) -> str:
    if score is None:
        return ""
    grades = (KeyEvalGrade.EXCELLENT, KeyEvalGrade.GOOD, KeyEvalGrade.FAIR)
    for minimum, grade in zip(bands, grades, strict=True):
        if score >= minimum:
            return grade
    return KeyEvalGrade.POOR


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The arithmetic mean rounded half-up to 0.01, or None without values."""
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)
