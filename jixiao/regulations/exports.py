"""制度办法 export: the rows the list page shows (core.list_exports: audited; streamed, or a background job for a
long list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.regulations.models import Regulation

HEADERS = ["印发日期", "制度名称", "文号", "类别", "方式", "发文单位", "效力", "财政区划", "说明"]


def regulation_rows(regulations: QuerySet[Regulation]) -> Iterator[list[Any]]:
    for r in regulations.select_related("region").iterator(chunk_size=2000):
        yield [
            r.issued_on.isoformat(),
            r.title,
            r.doc_no,
            r.get_category_display(),
            r.get_action_display(),
            r.issuer,
            "现行有效" if r.is_current else "已废止",
            r.region.name,
            r.note,
        ]
