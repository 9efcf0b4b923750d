"""Exports take the same filtered queryset the page shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.money import wan_from_yuan
from jixiao.core.spreadsheets import write_workbook
from jixiao.projects.columns import IMPORT_COLUMNS
from jixiao.projects.models import Project

# The import columns (an exported file re-imports: the import reads columns by title and ignores the rest), then
# what the list shows; 财政区划 last, so the columns before it keep their places in the users' sheets.
EXPORT_HEADERS = [h for h, _k, _r in IMPORT_COLUMNS] + [
    "年度",
    "主管部门",
    "实施单位",
    "资金总额（万元）",
    "状态",
    "财政区划",
]


def _row(p: Project) -> list[Any]:
    return [
        p.code,
        p.name,
        p.unit.agency_code,
        p.get_category_display(),
        "新增" if p.is_new else "延续",
        p.get_budget_book_display(),
        p.function_code,
        float(wan_from_yuan(p.fiscal_amount_yuan)),
        float(wan_from_yuan(p.carryover_amount_yuan)),
        float(wan_from_yuan(p.other_amount_yuan)),
        p.start_year,
        p.end_year,
        p.tier,
        "是" if p.is_key else "否",
        p.description,
        "是" if p.is_policy else "否",
        "是" if p.is_revised else "否",
        "是" if p.is_special_bond else "否",
        "是" if p.is_rural_link else "否",
        "是" if p.is_agri_integrated else "否",
        p.fiscal_year,
        p.department.name,
        p.unit.name,
        float(wan_from_yuan(p.total_amount_yuan)),
        p.get_status_display(),
        p.region.name,
    ]


def project_rows(queryset: QuerySet[Project]) -> Iterator[list[Any]]:
    """Export rows (EXPORT_HEADERS order; an exported file re-imports unchanged), read in chunks."""
    for project in queryset.select_related("department", "unit", "region").iterator(chunk_size=2000):
        yield _row(project)


def template_workbook() -> bytes:
    example = [
        "2026-EDU-001",
        "义务教育学校设备购置",
        "101001",
        "特定目标类",
        "新增",
        "一般公共预算",
        "2050202",
        120.5,
        0,
        0,
        2026,
        2026,
        "B",
        "否",
        "为全县义务教育学校购置教学设备",
        "否",
        "否",
        "否",
    ]
    return write_workbook([("项目库", [h for h, _k, _r in IMPORT_COLUMNS], [example])])
