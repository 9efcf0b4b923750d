"""What each review list offers in bulk (core.bulk): approvals that need no input but an optional opinion, and
returns that need one reason; each action leaves from one state only, so the state is the button's."""

from __future__ import annotations

import pytest

from jixiao.core import bulk
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.core.workflow import Workflow
from jixiao.disclosure.services import BULK_ACTIONS as DISCLOSURE_BULK
from jixiao.disclosure.workflow import DISCLOSURE_WORKFLOW
from jixiao.evaluation.workflow import BULK_ACTIONS as SELFEVAL_BULK
from jixiao.evaluation.workflow import SELFEVAL_WORKFLOW
from jixiao.monitoring.workflow import BULK_ACTIONS as MONITORING_BULK
from jixiao.monitoring.workflow import MONITORING_WORKFLOW
from jixiao.projects.workflow import BULK_ACTIONS as PROJECT_BULK
from jixiao.projects.workflow import PROJECT_WORKFLOW
from jixiao.targets.workflow import BULK_ACTIONS as TARGET_BULK
from jixiao.targets.workflow import GRADE_OF_ACTION, TARGET_WORKFLOW

REVIEW_LISTS = [
    (PROJECT_WORKFLOW, PROJECT_BULK),
    (TARGET_WORKFLOW, TARGET_BULK),
    (MONITORING_WORKFLOW, MONITORING_BULK),
    (SELFEVAL_WORKFLOW, SELFEVAL_BULK),
]


@pytest.mark.parametrize(("workflow", "offered"), [*REVIEW_LISTS, (DISCLOSURE_WORKFLOW, DISCLOSURE_BULK)])
def test_every_bulk_action_leaves_from_one_state(workflow: Workflow, offered: tuple[str, ...]) -> None:
    for action in offered:
        transition = bulk.transition_of(workflow, offered, action)
        assert [t.source for t in workflow.transitions if t.action == action] == [transition.source]


@pytest.mark.parametrize(("workflow", "offered"), REVIEW_LISTS)
def test_review_lists_offer_approvals_and_returns_of_review_stages_only(
    workflow: Workflow, offered: tuple[str, ...]
) -> None:
    transitions = [bulk.transition_of(workflow, offered, action) for action in offered]
    returns = [t for t in transitions if t.needs_comment]
    approvals = [t for t in transitions if not t.needs_comment]
    assert {t.label for t in returns} == {"退回修改"}
    # Every stage with a bulk approval also has its bulk return; no submitting, withdrawing or adjusting.
    assert {t.source for t in approvals} <= {t.source for t in returns}
    assert not {"submit", "resubmit", "withdraw", "cancel", "request_adjustment", "approve_adjustment"} & set(offered)


def test_grading_a_target_is_not_offered_in_bulk() -> None:
    assert not set(GRADE_OF_ACTION) & set(TARGET_BULK)
    with pytest.raises(DomainError, match="该操作不能批量办理"):
        bulk.transition_of(TARGET_WORKFLOW, TARGET_BULK, "grade_excellent")


def test_ids_are_cleaned_limited_and_checked() -> None:
    assert bulk.clean_ids(["3", 1, "3"], noun="绩效目标") == [1, 3]
    with pytest.raises(NotFoundError, match="绩效目标不存在"):
        bulk.clean_ids(["1", "x"], noun="绩效目标")
    with pytest.raises(DomainError, match="请先勾选要办理的监控表"):
        bulk.clean_ids([], noun="监控表")
    assert len(bulk.clean_ids(range(bulk.MAX_BATCH), noun="监控表")) == bulk.MAX_BATCH
    with pytest.raises(DomainError, match="一次最多批量办理200项，所选201项"):
        bulk.clean_ids(range(bulk.MAX_BATCH + 1), noun="监控表")


def test_the_success_message_names_the_kind_the_count_and_the_action() -> None:
    assert bulk.done_message(TARGET_WORKFLOW, "dept_pass", 12) == "已批量通过 12 项（主管部门审核通过）"
    assert bulk.done_message(MONITORING_WORKFLOW, "perf_return", 3) == "已批量退回 3 项（退回修改）"
