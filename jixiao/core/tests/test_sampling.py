"""The reproducible 抽评 draw (DOMAIN.md §2.4.5): size rule, must-include, key order, strata."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.core.errors import DomainError
from jixiao.core.sampling import allocate, draw_key, draw_sample, sample_size

codes = st.sets(st.from_regex(r"[0-9]{6}", fullmatch=True), min_size=1, max_size=60)


def test_key_is_sha256_of_seed_and_code() -> None:
    assert draw_key("ab12", "511725000001") == hashlib.sha256(b"ab12:511725000001").hexdigest()


@pytest.mark.parametrize(
    ("n", "rate", "count", "expected"),
    [
        (496, Decimal("0.1"), None, 50),
        (496, Decimal("0.1149"), None, 57),
        (5, Decimal("0.1"), None, 1),
        (3, None, 10, 3),
    ],
)
def test_sample_size(n: int, rate: Decimal | None, count: int | None, expected: int) -> None:
    assert sample_size(n, rate=rate, count=count) == expected


def test_bad_parameters_are_refused_in_chinese() -> None:
    with pytest.raises(DomainError, match="二选一"):
        sample_size(10)
    with pytest.raises(DomainError, match="比例"):
        sample_size(10, rate=Decimal("1.5"))
    with pytest.raises(DomainError, match="不在抽样范围"):
        draw_sample({"a": None}, seed="s", count=1, must_include=["b"])


def test_the_draw_takes_the_smallest_keys() -> None:
    population = {f"P{i:03d}": None for i in range(20)}
    sample = draw_sample(population, seed="seed-1", count=5)
    expected = sorted(population, key=lambda code: hashlib.sha256(f"seed-1:{code}".encode()).hexdigest())[:5]
    assert list(sample.drawn) == expected


@settings(max_examples=60, deadline=None)
@given(population=codes, seed=st.text(min_size=1, max_size=12), rate=st.decimals("0.01", "1", places=2))
def test_reproducible_and_order_independent(population: set[str], seed: str, rate: Decimal) -> None:
    forward = draw_sample(dict.fromkeys(sorted(population)), seed=seed, rate=rate)
    backward = draw_sample(dict.fromkeys(sorted(population, reverse=True)), seed=seed, rate=rate)
    assert forward == backward
    assert len(forward.selected) == len(set(forward.selected)) == sample_size(len(population), rate=rate)


@settings(max_examples=60, deadline=None)
@given(population=codes, data=st.data())
def test_must_include_always_in_and_fills_first(population: set[str], data: st.DataObject) -> None:
    forced = data.draw(st.sets(st.sampled_from(sorted(population)), max_size=5))
    count = data.draw(st.integers(1, len(population)))
    sample = draw_sample(dict.fromkeys(population), seed="x", count=count, must_include=forced)
    assert forced <= set(sample.selected)
    assert len(sample.selected) == max(count, len(forced))
    assert not set(sample.drawn) & forced


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from(["教育", "卫健", "农业", "交通"]), st.integers(0, 30), min_size=1),
    places=st.integers(0, 130),
)
def test_allocation_is_proportional_and_complete(sizes: dict[str, int], places: int) -> None:
    share = allocate(sizes, places)
    assert sum(share.values()) == min(places, sum(sizes.values()))
    assert all(0 <= share[name] <= sizes[name] for name in sizes)
    total = sum(sizes.values())
    if total:
        for name, size in sizes.items():
            assert abs(share[name] - size * min(places, total) / total) < 1 + 1e-9


def test_stratified_draw_per_department() -> None:
    population = {f"E{i:02d}": "教育局" for i in range(30)} | {f"H{i:02d}": "卫健局" for i in range(10)}
    sample = draw_sample(population, seed="s", count=8, stratified=True)
    assert dict(sample.allocation) == {"卫健局": 2, "教育局": 6}
    assert sum(code.startswith("E") for code in sample.drawn) == 6
