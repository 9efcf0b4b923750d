"""Target review workflow: unit → 主管部门 → 对口业务股室 (初审) → 绩效股 (复审, grade) → 预算股 (批复).

DOMAIN.md §6.9 PerformanceTarget. A return sends the target back to the unit; resubmission goes to the stage
that returned it (RETURNING_STAGE is resolved by the service from `returned_from`).
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.targets.models import Grade, TargetStatus
from jixiao.targets.models import TargetStatus as S

RETURNING_STAGE = "returning_stage"

TARGET_WORKFLOW = Workflow(
    "绩效目标审核",
    [
        Transition(S.DRAFT, "submit", S.UNIT_SUBMITTED, "target.submit", "提交审核"),
        Transition(S.RETURNED, "resubmit", RETURNING_STAGE, "target.submit", "修改后重新提交"),
        Transition(S.UNIT_SUBMITTED, "withdraw", S.DRAFT, "target.submit", "撤回", style="secondary", awaits=False),
        Transition(S.UNIT_SUBMITTED, "dept_pass", S.SECTION_REVIEW, "target.review_dept", "主管部门审核通过"),
        Transition(S.UNIT_SUBMITTED, "dept_return", S.RETURNED, "target.review_dept", "退回修改", True, "warning"),
        # The 主管部门 takes back its pass while the 业务股室 has not acted on it (no opinion since the pass:
        # `services.target_transition` refuses otherwise).
        Transition(
            S.SECTION_REVIEW,
            "dept_recall",
            S.UNIT_SUBMITTED,
            "target.review_dept",
            "撤回审核（业务股室办理前）",
            style="secondary",
            awaits=False,
        ),
        Transition(S.SECTION_REVIEW, "section_pass", S.PERF_REVIEW, "target.review_section", "初审通过"),
        Transition(
            S.SECTION_REVIEW, "section_return", S.RETURNED, "target.review_section", "退回修改", True, "warning"
        ),
        Transition(S.PERF_REVIEW, "send_to_panel", S.PANEL_REVIEW, "target.grade", "提交集中会审", style="info"),
        Transition(S.PANEL_REVIEW, "panel_done", S.PERF_REVIEW, "target.grade", "会审完成", True),
        Transition(S.PERF_REVIEW, "grade_excellent", S.READY_FOR_BUDGET, "target.grade", "评为“优”，通过"),
        Transition(S.PERF_REVIEW, "grade_good", S.READY_FOR_BUDGET, "target.grade", "评为“良”，通过", True),
        Transition(S.PERF_REVIEW, "grade_fair", S.RETURNED, "target.grade", "评为“中”，退回修改", True, "warning"),
        Transition(S.PERF_REVIEW, "grade_poor", S.REJECTED, "target.grade", "评为“差”，不予安排预算", True, "danger"),
        Transition(S.PERF_REVIEW, "perf_return", S.RETURNED, "target.grade", "退回修改", True, "warning"),
        Transition(S.READY_FOR_BUDGET, "approve", S.APPROVED, "target.approve", "随预算批复", style="success"),
        Transition(
            S.APPROVED, "request_adjustment", S.ADJUSTING, "target.submit", "申请调整", True, "secondary", awaits=False
        ),
        Transition(S.ADJUSTING, "approve_adjustment", S.APPROVED, "target.approve", "同意调整", style="success"),
        Transition(S.ADJUSTING, "reject_adjustment", S.APPROVED, "target.approve", "不同意调整", True, "warning"),
    ],
    labels={**{value: str(label) for value, label in TargetStatus.choices}, RETURNING_STAGE: "退回前所在环节"},
)

# The grade each grading action records (DOMAIN.md §2.2: 优/良 proceed, 中 returns, 差 blocks the budget).
GRADE_OF_ACTION = {
    "grade_excellent": Grade.EXCELLENT,
    "grade_good": Grade.GOOD,
    "grade_fair": Grade.FAIR,
    "grade_poor": Grade.POOR,
}

# Where the unit may edit the target and its indicators.
EDITABLE_STATES = {S.DRAFT, S.RETURNED, S.ADJUSTING}
# Review stages that may return a target, and the stage a resubmission goes back to.
REVIEW_STATES = {S.UNIT_SUBMITTED, S.SECTION_REVIEW, S.PERF_REVIEW}

# 批量审核 (core.bulk): the 主管部门's and the 业务股室's approval (an optional opinion only) and every review stage's
# return (one reason for all). The 绩效股's 复审 is not offered: it grades each target (优/良/中/差 with the four aspect
# ratings), a judgement per target; 批复 has its own page by department, and an adjustment is judged on its changes.
BULK_ACTIONS = ("dept_pass", "dept_return", "section_pass", "section_return", "perf_return")
