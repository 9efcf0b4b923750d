"""Exports take the same filtered queryset the page shows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.spreadsheets import write_workbook
from jixiao.indicators.columns import EXPORT_EXTRA_HEADERS, IMPORT_HEADERS, OPERATOR_HINT
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorLibraryItem

EXPORT_HEADERS = IMPORT_HEADERS + EXPORT_EXTRA_HEADERS


def _row(item: IndicatorLibraryItem) -> list[Any]:
    return [
        item.code,
        item.category.code,
        item.framework.code,
        item.lv1.name,
        item.lv2.name,
        item.name,
        "共性" if item.is_common else "个性",
        item.get_operator_display(),
        item.typical_value,
        item.unit,
        item.explanation,
        item.scoring_standard,
        item.get_value_basis_display(),
        item.data_source,
        "是" if item.is_core else "否",
        item.category.name,
        item.get_library_level_display(),
        item.region.name if item.region else "（通用）",
        item.department.name if item.department else "",
        item.get_status_display(),
    ]


def item_rows(queryset: QuerySet[IndicatorLibraryItem]) -> Iterator[list[Any]]:
    """The export's rows, read in chunks (core.list_exports streams them or a job writes them): the import columns
    first, so an exported file imports back (imports.parse_indicator_workbook reads them by their titles)."""
    related = queryset.select_related("category", "framework", "lv1", "lv2", "region", "department")
    return (_row(item) for item in related.iterator(chunk_size=2000))


def _guide_rows(categories: Iterable[IndicatorCategory], nodes: Iterable[FrameworkNode]) -> list[list[str]]:
    rows = [["示例", "见“示例”表", "请在“指标库”表中逐行填写，不要把示例行复制进去"]]
    rows += [["计算符号", OPERATOR_HINT, ""], ["共性/个性", "共性、个性", ""], ["核心指标", "是、否", ""]]
    rows.append(["取值依据", "计划标准、行业标准、历史标准、预算支出标准、其他", "为空按计划标准"])
    rows.append(["指标编码", "为空时自动生成；填写已有编码则更新该指标", ""])
    rows.extend(["行业领域编码", c.code, c.name] for c in categories)
    rows.extend(
        ["指标体系/一级/二级", n.framework.code, f"{n.parent.name if n.parent else ''} / {n.name}"] for n in nodes
    )
    return rows


def template_workbook(categories: Iterable[IndicatorCategory], nodes: Iterable[FrameworkNode]) -> bytes:
    """The 指标库 sheet with the headers only, the guide, and the example on its own 示例 sheet: an example row on
    the sheet that is imported would enter the library as an approved indicator."""
    example = [
        "",
        "0102",
        "2015_88",
        "产出指标",
        "数量指标",
        "课后服务覆盖学校数",
        "个性",
        "≥",
        "32",
        "所",
        "开展课后服务的义务教育学校数量。",
        "完成目标值得满分；未完成的按完成比例计分。",
        "计划标准",
        "课后服务工作台账",
        "否",
    ]
    return write_workbook(
        [
            ("指标库", IMPORT_HEADERS, []),
            ("填写说明", ["项目", "可填写的值", "说明"], _guide_rows(categories, nodes)),
            ("示例", IMPORT_HEADERS, [example]),
        ]
    )
