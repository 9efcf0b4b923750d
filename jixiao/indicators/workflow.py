"""指标入库: a department proposes a 个性 indicator → 业务股室 may pre-review → 绩效股 approves or returns.

The performance section also disables and re-enables library items. Items it creates itself are approved
at once (no workflow step), and every change of status goes through this table.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.indicators.models import ItemStatus
from jixiao.indicators.models import ItemStatus as S

INDICATOR_WORKFLOW = Workflow(
    "指标入库",
    [
        Transition(S.DRAFT, "submit", S.SUBMITTED, "indicator.propose", "提交审核"),
        Transition(S.RETURNED, "submit", S.SUBMITTED, "indicator.propose", "重新提交"),
        Transition(S.SUBMITTED, "withdraw", S.DRAFT, "indicator.propose", "撤回", style="secondary"),
        Transition(S.SUBMITTED, "section_pass", S.REVIEWED, "indicator.review", "初审通过"),
        Transition(
            S.SUBMITTED,
            "section_return",
            S.RETURNED,
            "indicator.review",
            "退回修改",
            needs_comment=True,
            style="warning",
        ),
        Transition(S.SUBMITTED, "approve", S.APPROVED, "indicator.approve", "审核通过并入库", style="success"),
        Transition(S.REVIEWED, "approve", S.APPROVED, "indicator.approve", "审核通过并入库", style="success"),
        Transition(
            S.SUBMITTED, "return", S.RETURNED, "indicator.approve", "退回修改", needs_comment=True, style="warning"
        ),
        Transition(
            S.REVIEWED, "return", S.RETURNED, "indicator.approve", "退回修改", needs_comment=True, style="warning"
        ),
        Transition(S.APPROVED, "disable", S.DISABLED, "indicator.manage", "停用", needs_comment=True, style="danger"),
        Transition(S.DISABLED, "enable", S.APPROVED, "indicator.manage", "重新启用"),
    ],
    labels={value: str(label) for value, label in ItemStatus.choices},
)

# The proposing department may change its proposal only while it is with the department.
PROPOSER_EDITABLE_STATES = {S.DRAFT, S.RETURNED}
# States whose items appear in a proposer's "my proposals" to-do list.
PROPOSER_TODO_STATES = (S.DRAFT, S.RETURNED)
