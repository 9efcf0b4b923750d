"""The 指标入库 workflow table, checked without the database: every transition and every refused action."""

from __future__ import annotations

import itertools

import pytest

from jixiao.accounts.capabilities import Role, capabilities_for
from jixiao.core.errors import TransitionNotAllowedError
from jixiao.indicators.models import ItemStatus
from jixiao.indicators.workflow import INDICATOR_WORKFLOW

EXPECTED = {
    ("draft", "submit"): ("submitted", "indicator.propose"),
    ("returned", "submit"): ("submitted", "indicator.propose"),
    ("submitted", "withdraw"): ("draft", "indicator.propose"),
    ("submitted", "section_pass"): ("reviewed", "indicator.review"),
    ("submitted", "section_return"): ("returned", "indicator.review"),
    ("submitted", "approve"): ("approved", "indicator.approve"),
    ("reviewed", "approve"): ("approved", "indicator.approve"),
    ("submitted", "return"): ("returned", "indicator.approve"),
    ("reviewed", "return"): ("returned", "indicator.approve"),
    ("approved", "disable"): ("disabled", "indicator.manage"),
    ("disabled", "enable"): ("approved", "indicator.manage"),
}
ACTIONS = sorted({action for _state, action in EXPECTED})
REFUSED = [
    (state, action)
    for state, action in itertools.product(ItemStatus.values, ACTIONS)
    if (state, action) not in EXPECTED
]


def test_the_table_has_exactly_the_expected_transitions() -> None:
    table = {(t.source, t.action): (t.target, t.capability) for t in INDICATOR_WORKFLOW.transitions}
    assert table == EXPECTED


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED))
def test_each_transition_moves_to_its_target(state: str, action: str) -> None:
    transition = INDICATOR_WORKFLOW.get(state, action)
    assert (transition.target, transition.capability) == EXPECTED[(state, action)]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_action_is_refused(state: str, action: str) -> None:
    with pytest.raises(TransitionNotAllowedError):
        INDICATOR_WORKFLOW.get(state, action)


def test_returning_and_disabling_need_an_opinion() -> None:
    needs_comment = {t.action for t in INDICATOR_WORKFLOW.transitions if t.needs_comment}
    assert needs_comment == {"section_return", "return", "disable"}


def test_every_status_has_a_chinese_label_in_the_table() -> None:
    assert set(INDICATOR_WORKFLOW.labels) == set(ItemStatus.values)
    assert INDICATOR_WORKFLOW.labels["approved"] == "已入库"


def _actions(role: str, state: str) -> list[str]:
    return [t.action for t in INDICATOR_WORKFLOW.available(state, capabilities_for(role))]


def test_unit_and_department_users_only_submit_resubmit_and_withdraw() -> None:
    for role in (Role.UNIT_USER, Role.DEPT_ADMIN):
        assert _actions(role, "draft") == ["submit"]
        assert _actions(role, "returned") == ["submit"]
        assert _actions(role, "submitted") == ["withdraw"]
        assert _actions(role, "reviewed") == []
        assert _actions(role, "approved") == []


def test_business_section_may_pre_review_submitted_proposals_only() -> None:
    assert _actions(Role.BUSINESS, "submitted") == ["section_pass", "section_return"]
    for state in ("draft", "reviewed", "returned", "approved", "disabled"):
        assert _actions(Role.BUSINESS, state) == []


def test_performance_section_approves_returns_disables_and_enables() -> None:
    assert _actions(Role.PERFORMANCE, "submitted") == ["approve", "return"]
    assert _actions(Role.PERFORMANCE, "reviewed") == ["approve", "return"]
    assert _actions(Role.PERFORMANCE, "approved") == ["disable"]
    assert _actions(Role.PERFORMANCE, "disabled") == ["enable"]
    assert _actions(Role.PERFORMANCE, "draft") == []


@pytest.mark.parametrize(
    "role", [Role.BUDGET, Role.EXPERT, Role.AGENCY, Role.LEADER, Role.OVERSIGHT, Role.SYS_ADMIN, Role.AUDIT_ADMIN]
)
def test_other_roles_have_no_indicator_actions(role: str) -> None:
    assert all(_actions(role, state) == [] for state in ItemStatus.values)
