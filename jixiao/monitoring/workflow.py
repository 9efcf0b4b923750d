"""Monitoring record workflow (DOMAIN.md §6.9): unit → 主管部门 → 对口业务股室 → 绩效股 (final).

Saving a pending or returned record moves it to FILLING (services.record_save); every return sends it back to the
unit with an opinion.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.monitoring.models import RecordStatus
from jixiao.monitoring.models import RecordStatus as S

FILL = "monitoring.fill"
REVIEW_DEPT = "monitoring.review_dept"
REVIEW_SECTION = "monitoring.review_section"
MANAGE = "monitoring.manage"

MONITORING_WORKFLOW = Workflow(
    "绩效运行监控填报",
    [
        Transition(S.PENDING, "submit", S.SUBMITTED, FILL, "报送"),
        Transition(S.FILLING, "submit", S.SUBMITTED, FILL, "报送"),
        Transition(S.RETURNED, "submit", S.SUBMITTED, FILL, "重新报送"),
        Transition(S.SUBMITTED, "withdraw", S.FILLING, FILL, "撤回", style="secondary"),
        Transition(S.SUBMITTED, "dept_approve", S.DEPT_APPROVED, REVIEW_DEPT, "主管部门审核通过", style="success"),
        Transition(S.SUBMITTED, "dept_return", S.RETURNED, REVIEW_DEPT, "退回修改", True, "warning"),
        Transition(
            S.DEPT_APPROVED, "section_approve", S.SECTION_APPROVED, REVIEW_SECTION, "业务股室审核通过", style="success"
        ),
        Transition(S.DEPT_APPROVED, "section_return", S.RETURNED, REVIEW_SECTION, "退回修改", True, "warning"),
        Transition(S.SECTION_APPROVED, "perf_approve", S.APPROVED, MANAGE, "绩效股审核通过（终审）", style="success"),
        Transition(S.SECTION_APPROVED, "perf_return", S.RETURNED, MANAGE, "退回修改", True, "warning"),
    ],
    labels={value: str(label) for value, label in RecordStatus.choices},
)

EDITABLE_STATES = {S.PENDING, S.FILLING, S.RETURNED}
REVIEW_CAPABILITIES = (REVIEW_DEPT, REVIEW_SECTION, MANAGE)

# 批量审核 (core.bulk): every review stage's approval (an optional opinion only) and return (one reason for all).
BULK_ACTIONS = ("dept_approve", "dept_return", "section_approve", "section_return", "perf_approve", "perf_return")
