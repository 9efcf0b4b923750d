"""制度办法 Excel export: the rows the list page shows."""

from __future__ import annotations

from collections.abc import Iterable

from jixiao.core.spreadsheets import write_workbook
from jixiao.regulations.models import Regulation

HEADERS = ["印发日期", "制度名称", "文号", "类别", "方式", "发文单位", "效力", "财政区划", "说明"]


def regulations_xlsx(regulations: Iterable[Regulation]) -> bytes:
    rows = [
        [
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
        for r in regulations
    ]
    return write_workbook([("制度办法", HEADERS, rows)])
