"""Appraisal workflow (DOMAIN.md §6.9): TASK_ISSUED → SELF_SCORING → submit (送审校验) → SECTION_SCORING →
PERF_FINAL → RANKED → OUTCOMES_ISSUED.

Saving the first self score starts self-scoring. Ranking and issuing outcomes are task-wide actions
(services.appraisal_task_rank / appraisal_task_issue_outcomes) that move every appraisal of the task at once.
"""

from jixiao.appraisals.models import AppraisalStatus
from jixiao.appraisals.models import AppraisalStatus as S
from jixiao.core.workflow import Transition, Workflow

SUBMIT = "submit"
RANK = "rank"
ISSUE = "issue_outcomes"

APPRAISAL_WORKFLOW = Workflow(
    "绩效考核",
    [
        Transition(S.TASK_ISSUED, "start", S.SELF_SCORING, "appraisal.self_score", "开始自评"),
        Transition(S.TASK_ISSUED, SUBMIT, S.SECTION_SCORING, "appraisal.self_score", "提交自评（送审）"),
        Transition(S.SELF_SCORING, SUBMIT, S.SECTION_SCORING, "appraisal.self_score", "提交自评（送审）"),
        Transition(S.SECTION_SCORING, "return", S.SELF_SCORING, "appraisal.final", "退回自评", True, "warning"),
        Transition(S.SECTION_SCORING, "section_done", S.PERF_FINAL, "appraisal.final", "股室评分完成，转绩效股审定"),
        Transition(
            S.PERF_FINAL, "return_section", S.SECTION_SCORING, "appraisal.final", "退回股室评分", True, "warning"
        ),
        Transition(S.PERF_FINAL, RANK, S.RANKED, "appraisal.final", "审定并排名", style="success"),
        Transition(S.RANKED, "reopen", S.PERF_FINAL, "appraisal.final", "撤销排名，重新审定", True, "secondary"),
        Transition(S.RANKED, ISSUE, S.OUTCOMES_ISSUED, "appraisal.final", "通报考核结果", style="success"),
    ],
    labels={value: str(label) for value, label in AppraisalStatus.choices},
)

SELF_EDITABLE = {S.TASK_ISSUED, S.SELF_SCORING}
SECTION_EDITABLE = {S.SECTION_SCORING}
FINAL_EDITABLE = {S.SECTION_SCORING, S.PERF_FINAL}
# Task-wide actions: not offered as buttons on a single appraisal.
TASK_ACTIONS = {RANK, ISSUE, "reopen"}
