"""Pre-assessment workflow (DOMAIN.md §6.9): unit → 主管部门 → 对口业务股室 → 绩效股 conclusion.

Every return sends the filing back to the unit's draft with an opinion. `conclude` needs the conclusion form and is
done by services.preassessment_conclude; `accept_revision` confirms the revised plan of a 调整后支持 conclusion.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.preassessment.models import PreAssessmentStatus
from jixiao.preassessment.models import PreAssessmentStatus as S

CONCLUDE = "conclude"
ACCEPT_REVISION = "accept_revision"

PREASSESSMENT_WORKFLOW = Workflow(
    "事前绩效评估",
    [
        Transition(S.DRAFT, "submit", S.SUBMITTED, "preassessment.file", "提交评估申报"),
        Transition(S.SUBMITTED, "withdraw", S.DRAFT, "preassessment.file", "撤回", style="secondary"),
        Transition(S.SUBMITTED, "dept_approve", S.DEPT_APPROVED, "preassessment.review_dept", "主管部门审核通过"),
        Transition(S.SUBMITTED, "dept_return", S.DRAFT, "preassessment.review_dept", "退回修改", True, "warning"),
        Transition(S.DEPT_APPROVED, "section_pass", S.FIN_REVIEW, "preassessment.review_section", "业务股室审核通过"),
        Transition(
            S.DEPT_APPROVED, "section_return", S.DRAFT, "preassessment.review_section", "退回修改", True, "warning"
        ),
        Transition(S.FIN_REVIEW, CONCLUDE, S.CONCLUDED, "preassessment.conclude", "作出评估结论", style="success"),
        Transition(S.FIN_REVIEW, "perf_return", S.DRAFT, "preassessment.conclude", "退回修改", True, "warning"),
        # Taken on a conclusion whose plan the unit revised: not every concluded filing waits for it (no 待办 line).
        Transition(
            S.CONCLUDED,
            ACCEPT_REVISION,
            S.CONCLUDED,
            "preassessment.conclude",
            "确认调整后方案",
            True,
            "success",
            awaits=False,
        ),
    ],
    labels={value: str(label) for value, label in PreAssessmentStatus.choices},
)

EDITABLE_STATES = {S.DRAFT}
# The returns: each sends the filing back to the unit's draft with a required opinion.
RETURN_ACTIONS = tuple(t.action for t in PREASSESSMENT_WORKFLOW.transitions if t.target == S.DRAFT and t.needs_comment)
# Actions that need their own form (not the plain comment-and-button bar).
FORM_ACTIONS = {CONCLUDE, ACCEPT_REVISION}
