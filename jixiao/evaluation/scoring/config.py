"""Scoring settings (DOMAIN.md §4, §6.11) with the national defaults.

A region or year that scores differently stores its own values (a configuration row, later); the engine only ever
sees a `ScoringConfig`, so the same code scores every province.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


def _weights() -> dict[str, Decimal]:
    # 财预〔2020〕10号: 预算执行率 10, 产出 50, 效益 30, 满意度 10.
    return {"EXEC": Decimal(10), "OUTPUT": Decimal(50), "BENEFIT": Decimal(30), "SATISFACTION": Decimal(10)}


def _grade_bands() -> dict[str, Decimal]:
    return {"优": Decimal(90), "良": Decimal(80), "中": Decimal(60)}


@dataclass(frozen=True)
class ScoringConfig:
    exec_weight: Decimal = Decimal(10)
    cap_exec_rate: bool = True
    self_eval_weights: dict[str, Decimal] = field(default_factory=_weights)
    weight_sum_tolerance: Decimal = Decimal("0.00")
    grade_bands: dict[str, Decimal] = field(default_factory=_grade_bands)
    qual_band_hi: Decimal = Decimal("0.8")
    qual_band_lo: Decimal = Decimal("0.6")
    qual_prefill: dict[str, Decimal] = field(
        default_factory=lambda: {"ACHIEVED": Decimal(1), "PARTIAL": Decimal("0.7"), "NOT_ACHIEVED": Decimal("0.3")}
    )
    overshoot_ratio: Decimal = Decimal("1.2")
    time_late_mode: str = "MANUAL"  # MANUAL | ZERO | PER_MONTH
    time_late_deduct_pct: Decimal = Decimal("0.1")
    score_tolerance: Decimal = Decimal("0.01")
    inflation_ratio: Decimal = Decimal("0.2")
    gap_tolerance: Decimal = Decimal(10)
    month_before_inclusive: bool = False


NATIONAL_DEFAULT = ScoringConfig()
