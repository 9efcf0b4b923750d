"""季度检查 Excel export: the rows the list page shows."""

from __future__ import annotations

from collections.abc import Iterable

from jixiao.core.spreadsheets import write_workbook
from jixiao.inspections.models import Inspection

HEADERS = [
    "年度",
    "季度",
    "检查日期",
    "被检查部门",
    "检查股室",
    "检查人员",
    "检查内容",
    "发现问题",
    "意见建议",
    "财政区划",
]


def inspections_xlsx(inspections: Iterable[Inspection]) -> bytes:
    rows = [
        [
            i.fiscal_year,
            i.get_quarter_display(),  # type: ignore[attr-defined]
            i.inspected_on.isoformat(),
            i.department.name,
            i.section.name if i.section else "",
            i.inspectors,
            i.subject,
            i.findings or "未发现问题",
            i.opinions,
            i.region.name,
        ]
        for i in inspections
    ]
    return write_workbook([("季度检查", HEADERS, rows)])
