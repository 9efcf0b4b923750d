"""The pre-assessment workflow table, without a database."""

from __future__ import annotations

from jixiao.accounts.capabilities import capabilities_for
from jixiao.preassessment.workflow import PREASSESSMENT_WORKFLOW as WF

EXPECTED = {
    ("draft", "submit"): ("submitted", "preassessment.file"),
    ("submitted", "withdraw"): ("draft", "preassessment.file"),
    ("submitted", "dept_approve"): ("dept_approved", "preassessment.review_dept"),
    ("submitted", "dept_return"): ("draft", "preassessment.review_dept"),
    ("dept_approved", "section_pass"): ("fin_review", "preassessment.review_section"),
    ("dept_approved", "section_return"): ("draft", "preassessment.review_section"),
    ("fin_review", "conclude"): ("concluded", "preassessment.conclude"),
    ("fin_review", "perf_return"): ("draft", "preassessment.conclude"),
    ("concluded", "accept_revision"): ("concluded", "preassessment.conclude"),
}


def test_the_table_is_exactly_the_domain_state_machine() -> None:
    assert {(t.source, t.action): (t.target, t.capability) for t in WF.transitions} == EXPECTED


def test_every_return_needs_an_opinion_and_goes_back_to_draft() -> None:
    returns = [t for t in WF.transitions if t.action.endswith("return")]
    assert len(returns) == 3
    assert all(t.needs_comment and t.target == "draft" for t in returns)


def test_each_role_sees_only_its_own_buttons() -> None:
    def actions(role: str, state: str) -> list[str]:
        return [t.action for t in WF.available(state, capabilities_for(role))]

    assert actions("unit_user", "draft") == ["submit"]
    assert actions("unit_user", "submitted") == ["withdraw"]
    assert actions("dept_admin", "submitted") == ["withdraw", "dept_approve", "dept_return"]
    assert actions("business", "dept_approved") == ["section_pass", "section_return"]
    assert actions("performance", "fin_review") == ["conclude", "perf_return"]
    assert actions("leader", "fin_review") == [] and actions("expert", "draft") == []
