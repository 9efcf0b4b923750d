"""The 整改台账 workbook: the same filtered rows the list shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from jixiao.core.spreadsheets import write_workbook
from jixiao.rectification.models import Finding, Rectification, RectificationLetter, issuing_letter

HEADERS = [
    "编号",
    "年度",
    "问题来源",
    "整改事项",
    "主管部门",
    "整改单位",
    "项目编码",
    "项目名称",
    "问题数",
    "问题描述",
    "整改要求",
    "整改期限",
    "状态",
    "是否逾期",
    "逾期处理",
    "下达文书文号",
    "整改措施及成效",
    "反馈审核意见",
    "业务股室预算调整意见",
    "完成时间",
    "按期完成",
    "财政区划",  # new columns go last, so the columns before them keep their places in the users' sheets
    "下达文书",
]
ESCALATION = {0: "", 1: "已发提醒敦促函", 2: "已发约谈通知书"}


def _row(rect: Rectification, findings: list[Finding], issued_with: RectificationLetter | None) -> list[Any]:
    closed = timezone.localtime(rect.closed_at).strftime("%Y-%m-%d") if rect.closed_at else ""
    return [
        rect.pk,
        rect.fiscal_year,
        rect.get_source_type_display(),
        rect.title,
        rect.department.name,
        rect.unit.name if rect.unit_id else "",  # type: ignore[union-attr]
        rect.project.code if rect.project_id else "",  # type: ignore[union-attr]
        rect.project.name if rect.project_id else "",  # type: ignore[union-attr]
        len(findings),
        "\n".join(f"{i}. {f.description}" for i, f in enumerate(findings, 1)),
        rect.requirements,
        rect.deadline.isoformat() if rect.deadline else "",
        rect.get_status_display(),
        "是" if getattr(rect, "is_overdue", False) else "否",
        ESCALATION.get(rect.escalation_level, ""),
        issued_with.doc_no if issued_with else "",
        rect.feedback_measures,
        rect.review_opinion,
        rect.fin_adjust_advice,
        closed,
        ("是" if rect.closed_on_time else "否") if rect.closed_at else "",
        rect.region.name,
        issued_with.get_kind_display() if issued_with else "",
    ]


def ledger_rows(rows: QuerySet[Rectification]) -> Iterator[list[Any]]:
    """The ledger's rows, read in chunks with their problems and letters (core.list_exports streams them or writes
    them in a job): a province's ledger is never held in memory at once."""
    chunked = rows.select_related("region").prefetch_related("findings", "letters").iterator(chunk_size=2000)
    for rect in chunked:
        findings = [f for f in rect.findings.all() if not f.is_deleted]
        yield _row(rect, findings, issuing_letter(rect))


def ledger_workbook(rows: QuerySet[Rectification]) -> bytes:
    """The titled workbook of a ledger short enough for a direct export."""
    return write_workbook([("整改台账", HEADERS, ledger_rows(rows))], title="问题整改台账")
