"""Disposition of a red warning (DOMAIN.md §5.4): the unit explains and proposes, finance decides. A case still
unanswered after its working-day deadline is escalated by the system (`escalate_warning_cases`); the unit can still
answer an overdue case."""

from jixiao.alerts.models import CaseStatus
from jixiao.alerts.models import CaseStatus as S
from jixiao.core.workflow import Transition, Workflow

RESPOND = "respond"
DECIDE = "decide"
ESCALATE = "escalate"

CASE_WORKFLOW = Workflow(
    "预警处置",
    [
        Transition(S.OPEN, RESPOND, S.PROPOSED, "alerts.respond", "说明原因并提出处置建议"),
        Transition(S.OVERDUE, RESPOND, S.PROPOSED, "alerts.respond", "说明原因并提出处置建议（逾期）"),
        # A case answered only through its 提醒敦促函 in 文书管理 has a 说明 but no proposal: until finance decides,
        # the unit may still add one (`services.may_supplement`).
        Transition(
            S.PROPOSED,
            RESPOND,
            S.PROPOSED,
            "alerts.respond",
            "补充说明并提出处置建议（已反馈提醒敦促函）",
            awaits=False,
        ),
        Transition(S.PROPOSED, DECIDE, S.DECIDED, "alerts.decide", "作出处置决定", style="success"),
        Transition(S.OPEN, ESCALATE, S.OVERDUE, "system", "逾期处理（系统每日自动）", style="danger"),
    ],
    labels={value: str(label) for value, label in CaseStatus.choices},
)
