"""Exports take the same filtered queryset the page shows; the layout re-imports unchanged (the 财政区划编码 column
tells the import which region a row belongs to: the importer's own or one under it, so a city's whole export)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.spreadsheets import write_workbook
from jixiao.organizations.columns import UNIT_COLUMNS, UNIT_EXPORT_EXTRA_HEADERS
from jixiao.organizations.models import BudgetUnit

IMPORT_HEADERS = [title for title, _key, _required in UNIT_COLUMNS]
EXPORT_HEADERS = IMPORT_HEADERS + UNIT_EXPORT_EXTRA_HEADERS
SHEET_NAME = "预算单位"


def _row(unit: BudgetUnit) -> list[Any]:
    return [
        unit.agency_code,
        unit.name,
        unit.department.dept_code,
        unit.parent.agency_code if unit.parent_id and unit.parent else "",
        unit.get_kind_display(),
        "是" if unit.is_active else "否",
        unit.get_level_display(),
        unit.department.name,
        unit.region.name,
        unit.region.mof_div_code,
    ]


def unit_rows(queryset: QuerySet[BudgetUnit]) -> Iterator[list[Any]]:
    """The export's rows, read in chunks (core.list_exports streams them or a job writes them)."""
    related = queryset.select_related("department", "parent", "region")
    return (_row(u) for u in related.iterator(chunk_size=2000))


def template_workbook() -> bytes:
    """The 预算单位 sheet with the headers only, the notes, and the examples on their own 示例 sheet: an example row
    on the sheet that is imported would be imported too (a real county's 101001 renamed 县教育局本级)."""
    examples = [
        ["101001", "县教育局本级", "101", "", "行政单位", "是"],
        ["101002", "县第一中学", "101", "101001", "事业单位", "是"],
    ]
    notes = [
        ["单位编码", "必填；数字和字母，同一财政区划内唯一。编码已存在的单位将被更新"],
        ["单位名称", "必填"],
        ["主管部门编码", "必填；须是系统中已有的主管部门编码"],
        ["上级单位编码", "一级单位留空；二级、三级单位填写上级单位编码（可以是本文件中的单位），须属于同一主管部门"],
        ["单位类型", "必填；可选值：" + "、".join(str(label) for _value, label in BudgetUnit.Kind.choices)],
        ["是否启用", "是/否；留空时新单位为“是”，已有单位保持不变"],
        [
            "财政区划编码",
            "导出文件中的列，可不填（即本区划）；填写时须是本区划或下级区划的编码，该行导入到该区划"
            "（主管部门、上级单位按该区划的编码查找）",
        ],
        ["", "导入为“全部成功或全部不导入”：任何一行有错误，所有数据都不会导入"],
        ["示例", f"见“示例”表；请在“{SHEET_NAME}”表中填写单位，不要把示例行复制进去"],
    ]
    return write_workbook(
        [(SHEET_NAME, IMPORT_HEADERS, []), ("填写说明", ["列", "说明"], notes), ("示例", IMPORT_HEADERS, examples)]
    )
