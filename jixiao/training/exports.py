"""培训记录 Excel export: the rows the list page shows."""

from __future__ import annotations

from collections.abc import Iterable

from jixiao.core.spreadsheets import write_workbook
from jixiao.training.models import TrainingSession

HEADERS = [
    "日期",
    "主题",
    "形式",
    "组织单位",
    "授课人类型",
    "授课人",
    "培训对象",
    "期数",
    "参训人次",
    "参训单位",
    "说明",
]


def sessions_xlsx(sessions: Iterable[TrainingSession]) -> bytes:
    rows = [
        [
            s.held_on.isoformat(),
            s.topic,
            s.get_kind_display(),
            s.organiser,
            s.get_trainer_type_display(),
            s.trainer,
            "、".join(s.audience_labels),
            s.session_count,
            s.attendance,
            "、".join(u.name for u in s.participant_units.all()),
            s.note,
        ]
        for s in sessions
    ]
    total = ["合计", "", "", "", "", "", "", sum(r[7] for r in rows), sum(r[8] for r in rows), "", ""]  # type: ignore[misc]
    return write_workbook([("培训记录", HEADERS, [*rows, total])])
