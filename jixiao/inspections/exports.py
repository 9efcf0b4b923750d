"""季度检查 Excel export: the rows the list page shows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.spreadsheets import write_workbook
from jixiao.inspections.models import QUARTERS, Inspection
from jixiao.inspections.selectors import CoverageRow

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


COVERAGE_HEADERS = ["部门编码", "主管部门（乡镇）", "对口股室", *(label for _q, label in QUARTERS), "全年检查（次）"]


def coverage_xlsx(rows: Iterable[CoverageRow], year: int) -> bytes:
    """检查覆盖情况表: a department a row, each quarter “已检查N次（M次发现问题）” or “未检查”."""

    def cell(checks: int, problems: int) -> str:
        if not checks:
            return "未检查"
        return f"已检查{checks}次" + (f"（{problems}次发现问题）" if problems else "")

    body = [
        [
            row.department.dept_code,
            row.department.name,
            row.department.finance_section.name if row.department.finance_section else "",
            *(cell(n, p) for _q, n, p in row.cells),
            sum(n for _q, n, _p in row.cells),
        ]
        for row in rows
    ]
    return write_workbook([(f"{year}年度检查覆盖情况", COVERAGE_HEADERS, body)])


def inspection_rows(inspections: QuerySet[Inspection]) -> Iterator[list[Any]]:
    """The rows the list page shows, read in chunks (core.list_exports streams them or writes them in a job)."""
    for i in inspections.iterator(chunk_size=2000):
        yield [
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
