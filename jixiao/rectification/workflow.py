"""Rectification workflow (DOMAIN.md §6.9): drafted → issued with the chosen document (整改通知书, 绩效管理意见书 or
约谈通知书) → the unit answers → the section reviews → closed, or returned to the unit with a reason. Overdue cases
escalate in the sweep (services.rectification_sweep), not by transition."""

from jixiao.core.workflow import Transition, Workflow
from jixiao.rectification.models import RectificationStatus
from jixiao.rectification.models import RectificationStatus as S

ISSUE = "issue"
FEEDBACK = "submit_feedback"
CLOSE = "close"
RETURN = "return"

RECTIFICATION_WORKFLOW = Workflow(
    "问题整改",
    [
        Transition(S.DRAFT, ISSUE, S.ISSUED, "rectification.manage", "下达整改"),
        Transition(S.ISSUED, FEEDBACK, S.FEEDBACK_SUBMITTED, "rectification.respond", "提交整改反馈"),
        Transition(S.RETURNED, FEEDBACK, S.FEEDBACK_SUBMITTED, "rectification.respond", "重新提交整改反馈"),
        Transition(
            S.FEEDBACK_SUBMITTED, CLOSE, S.CLOSED, "rectification.review", "审核通过，完成整改", style="success"
        ),
        Transition(S.FEEDBACK_SUBMITTED, RETURN, S.RETURNED, "rectification.review", "退回重新整改", True, "warning"),
    ],
    labels={value: str(label) for value, label in RectificationStatus.choices},
)
