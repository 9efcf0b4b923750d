"""Key-evaluation workflow (DOMAIN.md §2.4.3 procedure, §6.9): plan → notice → work plan → fieldwork → draft report
→ feedback from the evaluated party → final report → results issued.

Some moves need documents or scores first (services.REQUIRED_DOCUMENTS); `respond` is the evaluated party's answer
(its opinion is the comment); `issue` fixes the score and the grade.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.keyeval.models import KeyEvalStatus
from jixiao.keyeval.models import KeyEvalStatus as S

MANAGE = "keyeval.manage"
RESPOND = "keyeval.respond"

KEYEVAL_WORKFLOW = Workflow(
    "重点绩效评价",
    [
        Transition(S.PLANNED, "notify", S.NOTIFIED, MANAGE, "下发评价通知"),
        Transition(S.NOTIFIED, "approve_plan", S.WORK_PLAN, MANAGE, "确定评价工作方案"),
        Transition(S.WORK_PLAN, "start_fieldwork", S.FIELDWORK, MANAGE, "开始评价实施"),
        Transition(S.FIELDWORK, "draft_report", S.DRAFT_REPORT, MANAGE, "形成报告初稿"),
        Transition(S.DRAFT_REPORT, "back_to_fieldwork", S.FIELDWORK, MANAGE, "退回补充评价", True, "warning"),
        Transition(S.DRAFT_REPORT, "request_feedback", S.FEEDBACK, MANAGE, "征求被评价方意见"),
        Transition(S.FEEDBACK, "respond", S.FINAL_REPORT, RESPOND, "反馈意见", True, "success"),
        Transition(S.FEEDBACK, "no_feedback", S.FINAL_REPORT, MANAGE, "逾期未反馈，视同无异议", True, "secondary"),
        Transition(S.FINAL_REPORT, "issue", S.ISSUED, MANAGE, "下达评价结果", style="success"),
    ],
    labels={value: str(label) for value, label in KeyEvalStatus.choices},
)

# States in which scorers may enter or revise scores.
SCORING_STATES = {S.WORK_PLAN, S.FIELDWORK}
# States in which the performance section may still arrange scorers (before the draft report fixes the score).
SCORER_SETUP_STATES = {S.PLANNED, S.NOTIFIED, *SCORING_STATES}
# States in which the evaluation's basic data may be edited.
EDITABLE_STATES = {S.PLANNED, S.NOTIFIED, S.WORK_PLAN, S.FIELDWORK, S.DRAFT_REPORT}
