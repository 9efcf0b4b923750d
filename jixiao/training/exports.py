"""培训记录 export: the rows the list page shows (core.list_exports: audited; a short list as this workbook with a
total row, a long one or CSV as a plain stream or a background job)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

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


def _row(s: TrainingSession) -> list[Any]:
    return [
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


def session_rows(sessions: QuerySet[TrainingSession]) -> Iterator[list[Any]]:
    """Read in chunks, each chunk's participant units with it: flat memory at any length."""
    for session in sessions.prefetch_related("participant_units").iterator(chunk_size=2000):
        yield _row(session)


def sessions_xlsx(sessions: QuerySet[TrainingSession]) -> bytes:
    rows = list(session_rows(sessions))
    total = ["合计", "", "", "", "", "", "", sum(r[7] for r in rows), sum(r[8] for r in rows), "", ""]
    return write_workbook([("培训记录", HEADERS, [*rows, total])])
