"""Exports take the same filtered queryset the page shows; the layout re-imports unchanged.

Phones are masked unless the exporter holds expert.contact (SECURITY.md G02); a masked phone in a
re-imported file keeps the stored number. The file re-imports, a city's whole export too: an expert is found by
编号 in its own region, a new one goes to the region its 财政区划编码 names (the importer's own or one under it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from jixiao.core.spreadsheets import write_workbook
from jixiao.experts.columns import EXPERT_COLUMNS, REGION_CODE_HEADER
from jixiao.experts.models import Expert

IMPORT_HEADERS = [title for title, _key, _required in EXPERT_COLUMNS]
EXPORT_HEADERS = [*IMPORT_HEADERS, "所属部门名称", "财政区划", REGION_CODE_HEADER]
SHEET_NAME = "专家库"


def _row(expert: Expert, *, with_contact: bool) -> list[Any]:
    department = expert.department
    return [
        expert.pk,
        expert.name,
        expert.get_kind_display(),
        expert.field,
        expert.title,
        expert.affiliation,
        department.dept_code if department is not None else "",
        expert.phone if with_contact else expert.phone_masked,
        "、".join(d.dept_code for d in expert.conflict_departments.all()),
        "是" if expert.is_active else "否",
        department.name if department is not None else "",
        expert.region.name,
        expert.region.mof_div_code,
    ]


def expert_rows(queryset: QuerySet[Expert], *, with_contact: bool) -> Iterator[list[Any]]:
    """The export's rows, read in chunks (core.list_exports streams them or a job writes them)."""
    related = queryset.select_related("department", "region").prefetch_related("conflict_departments")
    return (_row(e, with_contact=with_contact) for e in related.iterator(chunk_size=2000))


def template_workbook() -> bytes:
    examples = [
        ["", "张明", "专家", "教育", "高级工程师", "县职业技术学校", "", "13800001234", "101", "是"],
        ["", "李华", "人大代表", "卫生健康", "", "县人大常委会", "", "13900005678", "", "是"],
    ]
    notes = [
        ["编号", "新增专家留空；填写已有专家的编号（见导出文件）将更新该专家"],
        ["姓名", "必填"],
        ["类别", "必填；可选值：" + "、".join(str(label) for _value, label in Expert.Kind.choices)],
        ["专业领域", "必填；抽取专家时按此领域筛选"],
        ["所属部门编码", "在本县部门任职的专家填写，抽取时将回避该部门；按该专家所属财政区划的部门编码查找"],
        ["联系电话", "新增专家填写完整号码；导出文件中的脱敏号码（如 138****1234）表示保持不变"],
        ["声明回避部门编码", "多个编码用顿号或逗号分隔"],
        ["是否在库", "是/否；留空时新专家为“是”，已有专家保持不变"],
        [
            "财政区划编码",
            "可不填（即本区划）；市、省的用户可填写下级区划的编码，新增专家导入到该区划；已有专家（填写编号）"
            "留在其所属区划，填写时须与之相同",
        ],
        ["", "导入为“全部成功或全部不导入”：任何一行有错误，所有数据都不会导入"],
    ]
    return write_workbook([(SHEET_NAME, IMPORT_HEADERS, examples), ("填写说明", ["列", "说明"], notes)])
