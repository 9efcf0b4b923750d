"""The budget section's workbook: one row per proposal, amounts in 万元 (DOMAIN.md §3.0)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.money import wan_from_yuan
from jixiao.core.spreadsheets import write_workbook
from jixiao.results.models import ResultApplication

HEADERS = [
    "项目编码",
    "项目",
    "单位",
    "本年预算（万元）",
    "评价等级",
    "依据",
    "建议",
    "建议金额（万元）",
    "决定",
    "决定金额（万元）",
    "理由",
    "财政区划",  # last, so the columns before it keep their places in the users' sheets
]


def _wan(value: Any) -> Any:
    return None if value is None else float(wan_from_yuan(value))


def _row(app: ResultApplication) -> list[Any]:
    reasons = "；".join(str(r.get("text", "")) for r in app.reasons or [])
    proposed = app.get_proposed_action_display()
    if app.proposed_pct is not None:
        proposed += f"（{app.proposed_pct.normalize():f}%）"
    elif app.needs_pct:
        proposed += "（比例未设定）"
    decided = app.get_decided_action_display() if app.status == ResultApplication.Status.DECIDED else ""
    return [
        app.project.code,
        app.project.name,
        app.unit.name,
        _wan(app.base_amount_yuan),
        app.grade,
        reasons,
        proposed,
        _wan(app.proposed_amount_yuan),
        decided,
        _wan(app.decided_amount_yuan) if decided else None,
        app.decision_reason,
        app.region.name,
    ]


def export_applications(applications: QuerySet[ResultApplication], *, title: str) -> bytes:
    """The budget section's titled workbook (a list up to the direct-export size)."""
    return write_workbook([("结果应用", HEADERS, application_rows(applications))], title=title)


def application_rows(applications: QuerySet[ResultApplication]) -> Iterator[list[Any]]:
    """The rows of the 结果应用建议 export, read in chunks (core.list_exports streams them or writes them in a job)."""
    for app in applications.select_related("region", "project", "unit").iterator(chunk_size=2000):
        yield _row(app)
