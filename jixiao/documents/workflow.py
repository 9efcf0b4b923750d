"""Official document workflow (DOMAIN.md §6.9): DRAFT → ISSUED (文号 assigned) → READ → FEEDBACK_RECEIVED → CLOSED.

`read` and `feedback` are not buttons: they happen when every addressee has opened the document, or has answered it
(documents.services.document_mark_read / document_feedback). The issuer may close an issued document at any time.
"""

from jixiao.core.workflow import Transition, Workflow
from jixiao.documents.models import DocumentStatus
from jixiao.documents.models import DocumentStatus as S

ISSUE = "issue"
READ = "read"
FEEDBACK = "feedback"
CLOSE = "close"

DOCUMENT_WORKFLOW = Workflow(
    "文书",
    [
        Transition(S.DRAFT, ISSUE, S.ISSUED, "documents.issue", "印发（编号）", style="success"),
        Transition(S.ISSUED, READ, S.READ, "documents.receive", "全部主送单位已签收"),
        Transition(S.ISSUED, FEEDBACK, S.FEEDBACK_RECEIVED, "documents.receive", "全部主送单位已反馈"),
        Transition(S.READ, FEEDBACK, S.FEEDBACK_RECEIVED, "documents.receive", "全部主送单位已反馈"),
        Transition(S.ISSUED, CLOSE, S.CLOSED, "documents.issue", "办结", True, "secondary"),
        Transition(S.READ, CLOSE, S.CLOSED, "documents.issue", "办结", True, "secondary"),
        Transition(S.FEEDBACK_RECEIVED, CLOSE, S.CLOSED, "documents.issue", "办结", True, "secondary"),
    ],
    labels={value: str(label) for value, label in DocumentStatus.choices},
)

EDITABLE_STATES = {S.DRAFT}
# Moves made by the system from receipts, never offered as buttons.
AUTOMATIC_ACTIONS = {READ, FEEDBACK}
FEEDBACK_STATES = {S.ISSUED, S.READ, S.FEEDBACK_RECEIVED}
