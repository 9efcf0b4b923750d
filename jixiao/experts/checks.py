"""Pure checks of the experts app: the quality-review total and
grade (DOMAIN.md §2.8, §4.9): total = weighted mean of the six aspect scores; grade by the configured bands.

Weights are relative: the total divides by their sum, so the national default of 1 for every aspect and 20 for
every aspect give the same totals, and they need not add up to 100. A region's weights are checked when saved
(`setting_errors`); a stored row is still read defensively (`stored_weights`): JSON that is not six usable numbers
is refused with a Chinese message, never an InvalidOperation (a 500)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from jixiao.core.errors import DomainError
from jixiao.experts.models import QUALITY_ASPECTS, QualityGrade

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
WEIGHT_PREFIX = "weight_"
# The bands as the settings page edits them, highest first: (field, label).
BANDS: tuple[tuple[str, str], ...] = (
    ("excellent_min", "优秀最低分"),
    ("good_min", "良好最低分"),
    ("pass_min", "合格最低分"),
)
FIX_HINT = "请绩效股在“执业质量核查设置”页面重新保存本区划的设置"


def number_or_none(raw: Any) -> Decimal | None:
    """A stored or typed number as a Decimal; None when it is not a finite number (text, a list, true/false, NaN)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def stored_weights(weights: Any) -> dict[str, Decimal]:
    """The six weights of a stored setting (an aspect left out weighs 1, as the national default); DomainError when
    the JSON is not an object of numbers from 0 to 100, or when they add up to 0."""
    if weights in (None, ""):
        weights = {}
    if not isinstance(weights, Mapping):
        raise DomainError(f"执业质量核查设置的权重格式有误，无法计算总分；{FIX_HINT}")
    result: dict[str, Decimal] = {}
    for code, label in QUALITY_ASPECTS:
        value = number_or_none(weights.get(code, 1))
        if value is None:
            raise DomainError(f"执业质量核查设置中“{label}”的权重不是数字，无法计算总分；{FIX_HINT}")
        if not Decimal(0) <= value <= HUNDRED:
            raise DomainError(f"执业质量核查设置中“{label}”的权重应在0至100之间，无法计算总分；{FIX_HINT}")
        result[code] = value
    if sum(result.values(), Decimal(0)) <= 0:
        raise DomainError(f"执业质量核查设置的各方面权重合计应大于0；{FIX_HINT}")
    return result


def shown_weights(weights: Any) -> list[Decimal | None]:
    """The six weights of a stored row for a page, in aspect order; None for one that is not a usable weight."""
    if not weights:
        weights = {}
    if not isinstance(weights, Mapping):
        return [None] * len(QUALITY_ASPECTS)
    values = [number_or_none(weights.get(code, 1)) for code, _label in QUALITY_ASPECTS]
    return [v if v is not None and Decimal(0) <= v <= HUNDRED else None for v in values]


def _score_error(label: str, raw: Any) -> tuple[Decimal | None, str]:
    """A weight or a band typed for the settings: 0–100 with at most two decimals."""
    value = number_or_none(raw)
    if value is None:
        return None, f"{label}应为数字"
    if not Decimal(0) <= value <= HUNDRED:
        return None, f"{label}应在0至100之间"
    if value != value.quantize(CENT):
        return None, f"{label}最多保留两位小数"
    return value, ""


def setting_errors(weights: Mapping[str, Any], bands: Mapping[str, Any]) -> dict[str, list[str]]:
    """What is wrong with the weights (aspect code → value) and bands (`BANDS` field → value) a region saves, by the
    settings form's field (`weight_<code>`, the band's field, or "__all__"); empty when they may be saved."""
    errors: dict[str, list[str]] = {}
    total = Decimal(0)
    for code, label in QUALITY_ASPECTS:
        value, message = _score_error(f"“{label}”的权重", weights.get(code))
        if message:
            errors[WEIGHT_PREFIX + code] = [message]
        elif value is not None:
            total += value
    if not errors and total <= 0:
        errors["__all__"] = ["各方面权重合计应大于0"]
    values: dict[str, Decimal] = {}
    for name, label in BANDS:
        value, message = _score_error(label, bands.get(name))
        if message:
            errors[name] = [message]
        elif value is not None:
            values[name] = value
    if len(values) == len(BANDS) and not values["pass_min"] <= values["good_min"] <= values["excellent_min"]:
        errors.setdefault("__all__", []).append("等级分数线应为“优秀”不低于“良好”、“良好”不低于“合格”")
    return errors


def quality_total(scores: Mapping[str, Decimal], weights: Any) -> Decimal:
    """Weighted mean of the six aspect scores (missing weight = 1, i.e. equal weights by default)."""
    checked = stored_weights(weights)
    total_weight = Decimal(0)
    acc = Decimal(0)
    for code, label in QUALITY_ASPECTS:
        value = scores.get(code)
        if value is None:
            raise DomainError(f"请填写“{label}”得分")
        if not Decimal(0) <= value <= Decimal(100):
            raise DomainError(f"“{label}”得分应在0至100之间")
        acc += value * checked[code]
        total_weight += checked[code]
    return (acc / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def quality_grade(total: Decimal, excellent_min: Decimal, good_min: Decimal, pass_min: Decimal) -> str:
    if total >= excellent_min:
        return QualityGrade.EXCELLENT
    if total >= good_min:
        return QualityGrade.GOOD
    if total >= pass_min:
        return QualityGrade.PASS
    return QualityGrade.FAIL
