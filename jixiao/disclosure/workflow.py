"""Disclosure workflow (DOMAIN.md §6.9): a department, unit or the performance section proposes an item (for
publication, or for exemption with a reason); the performance section reviews: publishes, exempts (涉密/敏感/其他,
reason required) or returns it; it may withdraw a published item (with a reason) and reopen a closed one, or refresh a
published item from its source (更新公开内容: a target adjusted after publication)."""

from jixiao.core.workflow import Transition, Workflow
from jixiao.disclosure.models import DisclosureStatus
from jixiao.disclosure.models import DisclosureStatus as S

PROPOSE = "propose"
PROPOSE_EXEMPT = "propose_exempt"
PUBLISH = "publish"
REPUBLISH = "republish"
WITHDRAW = "withdraw"
EXEMPT_ACTIONS = {
    "exempt_secret": S.EXEMPT_SECRET,
    "exempt_sensitive": S.EXEMPT_SENSITIVE,
    "exempt_other": S.EXEMPT_OTHER,
}

DISCLOSURE_WORKFLOW = Workflow(
    "信息公开",
    [
        Transition(S.PENDING, PROPOSE, S.REVIEW, "disclosure.propose", "提交公开"),
        Transition(S.PENDING, PROPOSE_EXEMPT, S.REVIEW, "disclosure.propose", "申请不予公开", True, "warning"),
        Transition(S.REVIEW, PUBLISH, S.PUBLISHED, "disclosure.review", "审核通过并公开", style="success"),
        Transition(S.REVIEW, "exempt_secret", S.EXEMPT_SECRET, "disclosure.review", "涉密，不予公开", True, "dark"),
        Transition(
            S.REVIEW, "exempt_sensitive", S.EXEMPT_SENSITIVE, "disclosure.review", "敏感，不予公开", True, "dark"
        ),
        Transition(S.REVIEW, "exempt_other", S.EXEMPT_OTHER, "disclosure.review", "其他原因不予公开", True, "dark"),
        Transition(S.REVIEW, "return", S.PENDING, "disclosure.review", "退回", True, "warning"),
        Transition(S.PUBLISHED, REPUBLISH, S.PUBLISHED, "disclosure.review", "更新公开内容", awaits=False),
        Transition(S.PUBLISHED, WITHDRAW, S.WITHDRAWN, "disclosure.review", "撤回公开", True, "danger"),
        Transition(S.WITHDRAWN, "reopen", S.PENDING, "disclosure.review", "重新办理", True, "secondary"),
        Transition(S.EXEMPT_SECRET, "reopen", S.PENDING, "disclosure.review", "重新办理", True, "secondary"),
        Transition(S.EXEMPT_SENSITIVE, "reopen", S.PENDING, "disclosure.review", "重新办理", True, "secondary"),
        Transition(S.EXEMPT_OTHER, "reopen", S.PENDING, "disclosure.review", "重新办理", True, "secondary"),
    ],
    labels={value: str(label) for value, label in DisclosureStatus.choices},
)
