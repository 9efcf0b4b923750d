"""Bulletin workflow: a draft (figures regenerated, narrative edited) is issued once as a numbered CIRCULAR_*
document."""

from jixiao.bulletins.models import BulletinStatus
from jixiao.bulletins.models import BulletinStatus as S
from jixiao.core.workflow import Transition, Workflow

ISSUE = "issue"
REFRESH = "refresh"

BULLETIN_WORKFLOW = Workflow(
    "通报",
    [
        Transition(S.DRAFT, REFRESH, S.DRAFT, "bulletins.manage", "按最新数据重新生成", style="secondary"),
        Transition(S.DRAFT, ISSUE, S.ISSUED, "bulletins.manage", "印发通报（编号）", style="success"),
    ],
    labels={value: str(label) for value, label in BulletinStatus.choices},
)
