"""Panel score arithmetic (DOMAIN.md §4.9): averages rounded once with q2, and the outlier flag. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    return q2(sum(items, Decimal(0)) / len(items))


def outliers(totals: Mapping[Any, Decimal], threshold: Decimal) -> set[Any]:
    """Members whose total differs from the (unrounded) mean of the others by more than `threshold`."""
    flagged: set[Any] = set()
    if len(totals) < 2:
        return flagged
    grand = sum(totals.values(), Decimal(0))
    for key, total in totals.items():
        others = (grand - total) / (len(totals) - 1)
        if abs(total - others) > threshold:
            flagged.add(key)
    return flagged


@dataclass
class PanelSummary:
    totals: dict[Any, Decimal]
    average: Decimal | None
    dimension_averages: dict[Any, Decimal] = field(default_factory=dict)
    flagged: set[Any] = field(default_factory=set)


def summarize(
    scores: Mapping[Any, Mapping[Any, Decimal]], dimension_of: Mapping[Any, Any], threshold: Decimal
) -> PanelSummary:
    """`scores`: member → {sub-item → points}; `dimension_of`: sub-item → dimension."""
    totals = {member: sum(items.values(), Decimal(0)) for member, items in scores.items()}
    per_dim: dict[Any, list[Decimal]] = {}
    for items in scores.values():
        sums: dict[Any, Decimal] = {}
        for item, points in items.items():
            dim = dimension_of[item]
            sums[dim] = sums.get(dim, Decimal(0)) + points
        for dim, value in sums.items():
            per_dim.setdefault(dim, []).append(value)
    dims = {dim: avg for dim, values in per_dim.items() if (avg := mean(values)) is not None}
    return PanelSummary(totals, mean(totals.values()), dims, outliers(totals, threshold))
