"""The document list as Excel (the page's filtered queryset)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from jixiao.core.spreadsheets import write_workbook
from jixiao.documents.models import OfficialDocument

HEADERS = [
    "文号",
    "文书类型",
    "标题",
    "年度",
    "状态",
    "主送单位数",
    "已签收",
    "已反馈",
    "印发时间",
    "反馈期限",
    "关联对象",
]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def document_row(d: OfficialDocument) -> list[Any]:
    return [
        d.doc_no,
        d.get_doc_type_display(),
        d.title,
        d.fiscal_year,
        d.get_status_display(),
        getattr(d, "recipient_count", 0),
        getattr(d, "read_count", 0),
        getattr(d, "feedback_count", 0),
        _when(d.issued_at),
        d.feedback_deadline.isoformat() if d.feedback_deadline else "",
        d.related_repr,
    ]


def document_rows(documents: Iterable[OfficialDocument]) -> Iterator[list[Any]]:
    """The ledger's rows (HEADERS order): the stream and the background job of `views.document_export`."""
    return (document_row(d) for d in documents)


def documents_workbook(documents: Iterable[OfficialDocument]) -> bytes:
    """The titled 文书台账 workbook of a list short enough for a direct export (`core.list_exports`)."""
    return write_workbook([("文书", HEADERS, document_rows(documents))], title="文书台账")
