"""Self-evaluation review workflow (DOMAIN.md §6.9 SelfEvaluation): unit → 主管部门 → 对口业务股室 → 绩效股 (final).

Submitting re-runs the scoring checks: ERROR flags block it, WARN flags need an explanation
(services.selfeval_transition).
Every return sends the record back to the unit with an opinion.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.evaluation.models import SelfEvalStatus, UpperCheckStatus
from jixiao.evaluation.models import SelfEvalStatus as S
from jixiao.evaluation.models import UpperCheckStatus as U

FILL = "evaluation.fill"
REVIEW_DEPT = "evaluation.review_dept"
REVIEW_SECTION = "evaluation.review_section"
REVIEW_FINAL = "evaluation.review_final"
AUTHENTICITY = "evaluation.authenticity"

SELFEVAL_WORKFLOW = Workflow(
    "单位自评审核",
    [
        Transition(S.FILLING, "submit", S.SUBMITTED, FILL, "提交自评"),
        Transition(S.RETURNED, "submit", S.SUBMITTED, FILL, "修改后重新提交"),
        Transition(S.SUBMITTED, "withdraw", S.FILLING, FILL, "撤回", style="secondary"),
        Transition(S.SUBMITTED, "dept_approve", S.DEPT_REVIEWED, REVIEW_DEPT, "主管部门审核通过", style="success"),
        Transition(S.SUBMITTED, "dept_return", S.RETURNED, REVIEW_DEPT, "退回修改", True, "warning"),
        Transition(
            S.DEPT_REVIEWED, "section_approve", S.SECTION_REVIEWED, REVIEW_SECTION, "业务股室审核通过", style="success"
        ),
        Transition(S.DEPT_REVIEWED, "section_return", S.RETURNED, REVIEW_SECTION, "退回修改", True, "warning"),
        Transition(
            S.SECTION_REVIEWED, "final_approve", S.FIN_REVIEWED, REVIEW_FINAL, "绩效股审定通过", style="success"
        ),
        Transition(S.SECTION_REVIEWED, "final_return", S.RETURNED, REVIEW_FINAL, "退回修改", True, "warning"),
    ],
    labels={value: str(label) for value, label in SelfEvalStatus.choices},
)

EDITABLE_STATES = {S.FILLING, S.RETURNED}
# The capability that reviews a record in each review state (and may override row scores there).
REVIEWER_OF_STATE = {S.SUBMITTED: REVIEW_DEPT, S.DEPT_REVIEWED: REVIEW_SECTION, S.SECTION_REVIEWED: REVIEW_FINAL}

# 批量审核 (core.bulk): every review stage's approval and return (one reason for all). The single-item form asks for
# nothing else except the 主管部门's optional 主管部门评分, which a batch leaves blank (a score is given one by one).
BULK_ACTIONS = ("dept_approve", "dept_return", "section_approve", "section_return", "final_approve", "final_return")


# 上级核查 印证资料 (DOMAIN.md §2.4.6): the project's unit (or its 主管部门) uploads and submits, the organising section
# (业务股室 / 绩效股) passes it or returns it with a reason — a passed one too, until the check is forwarded.
UPPER_CHECK_WORKFLOW = Workflow(
    "上级核查印证资料",
    [
        Transition(U.PENDING, "upper_submit", U.SUBMITTED, FILL, "提交印证资料"),
        Transition(U.RETURNED, "upper_submit", U.SUBMITTED, FILL, "补充后重新提交"),
        Transition(U.SUBMITTED, "upper_approve", U.APPROVED, AUTHENTICITY, "印证资料审核通过", style="success"),
        Transition(U.SUBMITTED, "upper_return", U.RETURNED, AUTHENTICITY, "退回补充", True, "warning"),
        Transition(U.APPROVED, "upper_return", U.RETURNED, AUTHENTICITY, "退回补充", True, "warning"),
    ],
    labels={value: str(label) for value, label in UpperCheckStatus.choices},
)

UPPER_EDITABLE_STATES = {U.PENDING, U.RETURNED}
