"""The target workflow table, exhaustively, without the database."""

from __future__ import annotations

import itertools

import pytest

from jixiao.core.errors import TransitionNotAllowedError
from jixiao.targets.models import TargetStatus as S
from jixiao.targets.workflow import GRADE_OF_ACTION, RETURNING_STAGE, TARGET_WORKFLOW

EXPECTED = {
    (S.DRAFT, "submit"): (S.UNIT_SUBMITTED, "target.submit"),
    (S.RETURNED, "resubmit"): (RETURNING_STAGE, "target.submit"),
    (S.UNIT_SUBMITTED, "withdraw"): (S.DRAFT, "target.submit"),
    (S.UNIT_SUBMITTED, "dept_pass"): (S.SECTION_REVIEW, "target.review_dept"),
    (S.UNIT_SUBMITTED, "dept_return"): (S.RETURNED, "target.review_dept"),
    (S.SECTION_REVIEW, "section_pass"): (S.PERF_REVIEW, "target.review_section"),
    (S.SECTION_REVIEW, "section_return"): (S.RETURNED, "target.review_section"),
    (S.PERF_REVIEW, "send_to_panel"): (S.PANEL_REVIEW, "target.grade"),
    (S.PANEL_REVIEW, "panel_done"): (S.PERF_REVIEW, "target.grade"),
    (S.PERF_REVIEW, "grade_excellent"): (S.READY_FOR_BUDGET, "target.grade"),
    (S.PERF_REVIEW, "grade_good"): (S.READY_FOR_BUDGET, "target.grade"),
    (S.PERF_REVIEW, "grade_fair"): (S.RETURNED, "target.grade"),
    (S.PERF_REVIEW, "grade_poor"): (S.REJECTED, "target.grade"),
    (S.PERF_REVIEW, "perf_return"): (S.RETURNED, "target.grade"),
    (S.READY_FOR_BUDGET, "approve"): (S.APPROVED, "target.approve"),
    (S.APPROVED, "request_adjustment"): (S.ADJUSTING, "target.submit"),
    (S.ADJUSTING, "approve_adjustment"): (S.APPROVED, "target.approve"),
    (S.ADJUSTING, "reject_adjustment"): (S.APPROVED, "target.approve"),
}
ACTIONS = sorted({action for _state, action in EXPECTED})


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S.values, ACTIONS)))
def test_every_state_and_action_pair_is_either_in_the_table_or_refused(state: str, action: str) -> None:
    if (state, action) in EXPECTED:
        transition = TARGET_WORKFLOW.get(state, action)
        assert (transition.target, transition.capability) == EXPECTED[(state, action)]
    else:
        with pytest.raises(TransitionNotAllowedError):
            TARGET_WORKFLOW.get(state, action)


def test_returns_and_bad_grades_need_an_opinion() -> None:
    needs = {t.action for t in TARGET_WORKFLOW.transitions if t.needs_comment}
    assert {"dept_return", "section_return", "perf_return", "grade_fair", "grade_poor", "grade_good"} <= needs
    assert "submit" not in needs


def test_grade_actions_map_to_the_four_grades() -> None:
    assert {str(g.label) for g in GRADE_OF_ACTION.values()} == {"优", "良", "中", "差"}


def test_rejected_and_approved_targets_cannot_be_resubmitted() -> None:
    assert TARGET_WORKFLOW.available(S.REJECTED, {"target.submit", "target.grade", "target.approve"}) == []
    assert [t.action for t in TARGET_WORKFLOW.available(S.APPROVED, {"target.submit"})] == ["request_adjustment"]
