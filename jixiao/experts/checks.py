"""Pure checks of the experts app: the quality-review total and
grade (DOMAIN.md §2.8, §4.9): total = weighted mean of the six aspect scores; grade by the configured bands."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.core.errors import DomainError
from jixiao.experts.models import QUALITY_ASPECTS, QualityGrade

CENT = Decimal("0.01")


def quality_total(scores: Mapping[str, Decimal], weights: Mapping[str, Any]) -> Decimal:
    """Weighted mean of the six aspect scores (missing weight = 1, i.e. equal weights by default)."""
    total_weight = Decimal(0)
    acc = Decimal(0)
    for code, label in QUALITY_ASPECTS:
        value = scores.get(code)
        if value is None:
            raise DomainError(f"请填写“{label}”得分")
        if not Decimal(0) <= value <= Decimal(100):
            raise DomainError(f"“{label}”得分应在0至100之间")
        weight = Decimal(str(weights.get(code, 1)))
        if weight < 0:
            raise DomainError("权重不能为负数")
        acc += value * weight
        total_weight += weight
    if total_weight <= 0:
        raise DomainError("各方面权重合计应大于0")
    return (acc / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def quality_grade(total: Decimal, excellent_min: Decimal, good_min: Decimal, pass_min: Decimal) -> str:
    if total >= excellent_min:
        return QualityGrade.EXCELLENT
    if total >= good_min:
        return QualityGrade.GOOD
    if total >= pass_min:
        return QualityGrade.PASS
    return QualityGrade.FAIL
