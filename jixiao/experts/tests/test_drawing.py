"""The panel draw: reproducible from its seed, independent of input order, never draws an avoided expert."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.core.errors import DomainError
from jixiao.experts.drawing import (
    REASON_CONFLICT,
    REASON_INACTIVE,
    REASON_OTHER_FIELD,
    REASON_OWN_DEPARTMENT,
    Candidate,
    NotEnoughExpertsError,
    draw_panel,
    redraw,
)

FIELDS = ["教育", "卫生", "农业"]
DEPARTMENTS = [1, 2, 3, 4]


@st.composite
def pools(draw: st.DrawFn) -> list[Candidate]:
    ids = draw(st.lists(st.integers(min_value=1, max_value=10_000), unique=True, max_size=40))
    return [
        Candidate(
            id=i,
            field=draw(st.sampled_from(FIELDS)),
            department_id=draw(st.one_of(st.none(), st.sampled_from(DEPARTMENTS))),
            conflict_department_ids=frozenset(draw(st.sets(st.sampled_from(DEPARTMENTS), max_size=2))),
            is_active=draw(st.booleans()),
        )
        for i in ids
    ]


def _allowed(c: Candidate, field: str | None, avoid: int | None) -> bool:
    if not c.is_active or (field is not None and c.field != field):
        return False
    return avoid is None or (c.department_id != avoid and avoid not in c.conflict_department_ids)


@settings(max_examples=300, deadline=None, database=None)
@given(
    pool=pools(),
    field=st.one_of(st.none(), st.sampled_from(FIELDS)),
    avoid=st.one_of(st.none(), st.sampled_from(DEPARTMENTS)),
    size=st.integers(min_value=1, max_value=8),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
    shuffle_seed=st.integers(),
)
def test_draw_is_reproducible_order_independent_and_never_draws_an_avoided_expert(
    pool: list[Candidate], field: str | None, avoid: int | None, size: int, seed: int, shuffle_seed: int
) -> None:
    allowed = sorted(c.id for c in pool if _allowed(c, field, avoid))
    if len(allowed) < size:
        with pytest.raises(NotEnoughExpertsError):
            draw_panel(pool, field=field, size=size, seed=seed, avoid_department_id=avoid)
        return
    result = draw_panel(pool, field=field, size=size, seed=seed, avoid_department_id=avoid)
    shuffled = list(pool)
    random.Random(shuffle_seed).shuffle(shuffled)
    again = draw_panel(shuffled, field=field, size=size, seed=seed, avoid_department_id=avoid)

    assert again == result  # same seed, any input order: the same panel
    assert len(result.drawn_ids) == size == len(set(result.drawn_ids))
    assert set(result.drawn_ids) <= set(allowed)
    assert list(result.eligible_ids) == allowed
    assert set(result.excluded_ids) == {c.id for c in pool} - set(allowed)
    assert redraw(result.eligible_ids, size=size, seed=seed) == result.drawn_ids


def test_each_exclusion_has_its_chinese_reason() -> None:
    pool = [
        Candidate(1, "教育"),
        Candidate(2, "教育", is_active=False),
        Candidate(3, "卫生"),
        Candidate(4, "教育", department_id=7),
        Candidate(5, "教育", conflict_department_ids=frozenset({7})),
    ]
    result = draw_panel(pool, field="教育", size=1, seed=42, avoid_department_id=7)
    assert result.drawn_ids == (1,)
    assert dict(result.excluded) == {
        2: REASON_INACTIVE,
        3: REASON_OTHER_FIELD,
        4: REASON_OWN_DEPARTMENT,
        5: REASON_CONFLICT,
    }


def test_no_field_means_any_field() -> None:
    pool = [Candidate(1, "教育"), Candidate(2, "卫生")]
    result = draw_panel(pool, field=None, size=2, seed=1, avoid_department_id=None)
    assert sorted(result.drawn_ids) == [1, 2]


def test_too_few_eligible_experts_is_a_domain_error_in_chinese() -> None:
    pool = [Candidate(1, "教育"), Candidate(2, "教育", department_id=3)]
    with pytest.raises(DomainError) as info:
        draw_panel(pool, field="教育", size=2, seed=1, avoid_department_id=3)
    assert "不足" in info.value.message


def test_different_seeds_can_draw_different_panels() -> None:
    pool = [Candidate(i, "教育") for i in range(1, 30)]
    panels = {draw_panel(pool, field=None, size=3, seed=s, avoid_department_id=None).drawn_ids for s in range(20)}
    assert len(panels) > 1


def test_duplicate_candidate_ids_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        draw_panel([Candidate(1, "a"), Candidate(1, "a")], field=None, size=1, seed=1, avoid_department_id=None)


def test_size_below_one_is_rejected() -> None:
    with pytest.raises(DomainError):
        draw_panel([Candidate(1, "a")], field=None, size=0, seed=1, avoid_department_id=None)
