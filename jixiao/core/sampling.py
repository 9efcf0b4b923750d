"""Reproducible sampling for 抽评/再评价 and 真实性核查 (DOMAIN.md §2.4.5, §2.4.6): a pure function.

Anyone can re-run a draw from its published seed with any program:

- sample size `n = max(n_min, ceil(rate × N))` (or a fixed count), never more than N;
- must-include items enter first; the draw fills the remaining `n − len(must_include)` places;
- each remaining item gets `key = sha256(f"{seed}:{code}")` as lowercase hex; items are sorted by key (string
  order) and the first places are taken;
- with strata, the remaining places are shared out in proportion to each stratum's remaining size (largest
  remainder, ties to the stratum with more items, then by name) and drawn per stratum the same way.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.errors import DomainError


def new_seed() -> str:
    """A random 32-hex seed, stored before the draw and printed in the circular."""
    return secrets.token_hex(16)


def draw_key(seed: str, code: str) -> str:
    return hashlib.sha256(f"{seed}:{code}".encode()).hexdigest()


def sample_size(population: int, *, rate: Decimal | None = None, count: int | None = None, n_min: int = 1) -> int:
    if (rate is None) == (count is None):
        raise DomainError("请填写抽取比例或抽取数量（二选一）")
    if rate is not None and not Decimal(0) < rate <= Decimal(1):
        raise DomainError("抽取比例应大于0且不超过100%")
    if count is not None and count < 1:
        raise DomainError("抽取数量至少为1")
    wanted = count if count is not None else math.ceil(rate * population)  # type: ignore[operator]
    return min(population, max(n_min, wanted))


@dataclass(frozen=True)
class Sample:
    seed: str
    population_size: int
    size: int
    must_include: tuple[str, ...]  # sorted
    drawn: tuple[str, ...]  # in key order (per stratum in stratum-name order)
    allocation: tuple[tuple[str, int], ...] = ()  # (stratum, places) when stratified

    @property
    def selected(self) -> tuple[str, ...]:
        return self.must_include + self.drawn


def _by_key(seed: str, codes: Iterable[str], places: int) -> tuple[str, ...]:
    return tuple(sorted(codes, key=lambda code: draw_key(seed, code))[:places])


def allocate(sizes: Mapping[str, int], places: int) -> dict[str, int]:
    """Share `places` over strata in proportion to their sizes (largest remainder), never above a stratum's size."""
    total = sum(sizes.values())
    if total == 0 or places <= 0:
        return dict.fromkeys(sizes, 0)
    places = min(places, total)
    exact = {name: Decimal(size) * places / total for name, size in sizes.items()}
    share = {name: min(sizes[name], int(value)) for name, value in exact.items()}
    order = sorted(sizes, key=lambda name: (-(exact[name] - int(exact[name])), -sizes[name], name))
    left = places - sum(share.values())
    while left > 0:
        for name in order:
            if left and share[name] < sizes[name]:
                share[name] += 1
                left -= 1
    return share


def draw_sample(
    population: Mapping[str, str | None],
    *,
    seed: str,
    rate: Decimal | None = None,
    count: int | None = None,
    n_min: int = 1,
    must_include: Iterable[str] = (),
    stratified: bool = False,
) -> Sample:
    """population: code → stratum (None without strata). Codes are project codes (or department codes)."""
    if not seed:
        raise DomainError("抽样种子不能为空")
    codes = set(population)
    forced = set(must_include)
    unknown = forced - codes
    if unknown:
        raise DomainError(f"必抽对象不在抽样范围内：{'、'.join(sorted(unknown))}")
    size = sample_size(len(codes), rate=rate, count=count, n_min=n_min) if codes else 0
    places = max(0, size - len(forced))
    remaining = sorted(codes - forced)
    if not stratified:
        return Sample(seed, len(codes), max(size, len(forced)), tuple(sorted(forced)), _by_key(seed, remaining, places))
    strata: dict[str, list[str]] = {}
    for code in remaining:
        strata.setdefault(population[code] or "", []).append(code)
    shares = allocate({name: len(items) for name, items in strata.items()}, places)
    drawn: list[str] = []
    for name in sorted(strata):
        drawn.extend(_by_key(seed, strata[name], shares[name]))
    allocation = tuple(sorted(shares.items()))
    return Sample(seed, len(codes), max(size, len(forced)), tuple(sorted(forced)), tuple(drawn), allocation)
