"""Project library workflow: unit → 主管部门 → 对口业务股室 → 入库."""

from jixiao.core.workflow import Transition, Workflow
from jixiao.projects.models import ProjectStatus
from jixiao.projects.models import ProjectStatus as S

PROJECT_WORKFLOW = Workflow(
    "项目入库",
    [
        Transition(S.DRAFT, "submit", S.SUBMITTED, "project.submit", "提交审核"),
        Transition(S.RETURNED, "submit", S.SUBMITTED, "project.submit", "重新提交"),
        Transition(S.SUBMITTED, "dept_approve", S.DEPT_APPROVED, "project.review_dept", "主管部门审核通过"),
        Transition(
            S.SUBMITTED,
            "dept_return",
            S.RETURNED,
            "project.review_dept",
            "退回修改",
            needs_comment=True,
            style="warning",
        ),
        Transition(S.DEPT_APPROVED, "section_approve", S.IN_LIBRARY, "project.review_section", "审核通过并入库"),
        Transition(
            S.DEPT_APPROVED,
            "section_return",
            S.RETURNED,
            "project.review_section",
            "退回修改",
            needs_comment=True,
            style="warning",
        ),
        Transition(S.SUBMITTED, "withdraw", S.DRAFT, "project.submit", "撤回", style="secondary"),
        Transition(S.DRAFT, "cancel", S.CANCELLED, "project.submit", "撤销项目", needs_comment=True, style="danger"),
        # A project sent back that the unit gives up on: it would otherwise wait in its 被退回 待办 for good.
        Transition(S.RETURNED, "cancel", S.CANCELLED, "project.submit", "撤销项目", needs_comment=True, style="danger"),
    ],
    labels={value: str(label) for value, label in ProjectStatus.choices},
)

EDITABLE_STATES = {S.DRAFT, S.RETURNED}

# 批量审核 (core.bulk): the 主管部门's and the 对口业务股室's approval and return. 入库 still passes the 事前评估 gate
# row by row (gates.check): a project that needs a supportive conclusion fails the batch and is named. Submitting,
# withdrawing and cancelling are the unit's own acts on its own projects, not a review queue.
BULK_ACTIONS = ("dept_approve", "dept_return", "section_approve", "section_return")
