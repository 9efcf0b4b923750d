"""Random drawing of a review panel: a pure function, candidates in → drawn, eligible and excluded ids out.

The draw depends only on the eligible ids (sorted) and the seed, so storing both lets anyone re-run it
(`redraw`) and compare with the stored result. Avoidance rules (财监〔2021〕4号: independence and avoidance
of conflicts): an expert never reviews for the department they work in or declared a conflict with.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from jixiao.core.errors import DomainError

REASON_INACTIVE = "不在库"
REASON_OTHER_FIELD = "专业领域不符"
REASON_OWN_DEPARTMENT = "所属部门回避"
REASON_CONFLICT = "已声明回避该部门"


class NotEnoughExpertsError(DomainError):
    def __init__(self, eligible: int, size: int) -> None:
        super().__init__(f"符合条件的专家只有{eligible}名，不足抽取人数{size}名，请调整领域或人数")
        self.eligible = eligible
        self.size = size


@dataclass(frozen=True)
class Candidate:
    id: int
    field: str
    department_id: int | None = None
    conflict_department_ids: frozenset[int] = dataclass_field(default_factory=frozenset)
    is_active: bool = True


@dataclass(frozen=True)
class DrawResult:
    drawn_ids: tuple[int, ...]  # in draw order
    eligible_ids: tuple[int, ...]  # sorted
    excluded: tuple[tuple[int, str], ...]  # (id, reason), sorted by id

    @property
    def excluded_ids(self) -> tuple[int, ...]:
        return tuple(expert_id for expert_id, _reason in self.excluded)


def exclusion_reason(candidate: Candidate, *, field: str | None, avoid_department_id: int | None) -> str | None:
    """Why a candidate may not sit on this panel, or None when eligible. The first rule that applies wins."""
    if not candidate.is_active:
        return REASON_INACTIVE
    if field and candidate.field != field:
        return REASON_OTHER_FIELD
    if avoid_department_id is not None:
        if candidate.department_id == avoid_department_id:
            return REASON_OWN_DEPARTMENT
        if avoid_department_id in candidate.conflict_department_ids:
            return REASON_CONFLICT
    return None


def redraw(eligible_ids: Iterable[int], *, size: int, seed: int) -> tuple[int, ...]:
    """The draw itself: a seeded sample from the sorted eligible ids (input order does not matter)."""
    pool = sorted(set(eligible_ids))
    if size < 1:
        raise DomainError("抽取人数至少为1名")
    if len(pool) < size:
        raise NotEnoughExpertsError(len(pool), size)
    # A seeded PRNG on purpose: the draw must be re-verifiable from its stored seed. The seed itself is
    # unpredictable (services.panel_draw takes it from `secrets`).
    return tuple(random.Random(seed).sample(pool, size))  # noqa: S311


def draw_panel(
    candidates: Sequence[Candidate], *, field: str | None, size: int, seed: int, avoid_department_id: int | None
) -> DrawResult:
    ids = [c.id for c in candidates]
    if len(ids) != len(set(ids)):
        raise ValueError("candidate ids must be unique")
    eligible: list[int] = []
    excluded: list[tuple[int, str]] = []
    for candidate in sorted(candidates, key=lambda c: c.id):
        reason = exclusion_reason(candidate, field=field, avoid_department_id=avoid_department_id)
        if reason is None:
            eligible.append(candidate.id)
        else:
            excluded.append((candidate.id, reason))
    drawn = redraw(eligible, size=size, seed=seed)
    return DrawResult(drawn_ids=drawn, eligible_ids=tuple(eligible), excluded=tuple(excluded))
