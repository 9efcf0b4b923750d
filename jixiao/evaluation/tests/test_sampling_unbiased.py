"""The reproducible draw of DOMAIN.md §2.4.5 (core.sampling) is unbiased: over 2,000 fixed seeds every item of a
50-item population is drawn with a frequency near the rate (deterministic seeds: the result never changes)."""

from __future__ import annotations

import math
from decimal import Decimal

from jixiao.core.sampling import draw_sample

CODES = [f"P{n:03d}" for n in range(50)]
SEEDS = [f"{n:032x}" for n in range(2000)]


def test_each_item_drawn_with_frequency_near_rate() -> None:
    rate = Decimal("0.2")
    counts = dict.fromkeys(CODES, 0)
    for seed in SEEDS:
        sample = draw_sample(dict.fromkeys(CODES), seed=seed, rate=rate)
        assert sample.size == 10
        for code in sample.selected:
            counts[code] += 1
    p = 10 / 50
    expected = len(SEEDS) * p
    sd = math.sqrt(len(SEEDS) * p * (1 - p))
    # Loose per-item bound (5 standard deviations) and a chi-square over all items (df ≈ 49; 100 is p < 0.0001).
    assert all(abs(n - expected) < 5 * sd for n in counts.values()), counts
    chi2 = sum((n - expected) ** 2 / (len(SEEDS) * p * (1 - p)) for n in counts.values())
    assert chi2 < 100, chi2
    assert sum(counts.values()) == 10 * len(SEEDS)


def test_stratified_draw_unbiased_within_strata() -> None:
    population = {code: ("A" if index < 30 else "B") for index, code in enumerate(CODES)}
    counts = dict.fromkeys(CODES, 0)
    for seed in SEEDS[:1000]:
        sample = draw_sample(population, seed=seed, count=10, stratified=True)
        assert dict(sample.allocation) == {"A": 6, "B": 4}
        for code in sample.selected:
            counts[code] += 1
    for code, n in counts.items():
        assert abs(n - 200) < 5 * math.sqrt(1000 * 0.2 * 0.8), (code, n)


def test_same_seed_same_sample_and_must_include_first() -> None:
    one = draw_sample(dict.fromkeys(CODES), seed="abc", rate=Decimal("0.1"), must_include=["P049"])
    two = draw_sample(dict.fromkeys(reversed(CODES)), seed="abc", rate=Decimal("0.1"), must_include=["P049"])
    assert one == two and one.selected[0] == "P049" and one.size == 5
