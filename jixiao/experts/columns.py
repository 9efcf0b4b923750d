"""The expert pool layout shared by import and export, so an exported file imports unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.experts.models import Expert

# (header, key, required)
EXPERT_COLUMNS: list[tuple[str, str, bool]] = [
    ("编号", "expert_id", False),
    ("姓名", "name", True),
    ("类别", "kind", True),
    ("专业领域", "field", True),
    ("职称", "title", False),
    ("工作单位", "affiliation", False),
    ("所属部门编码", "dept_code", False),
    ("联系电话", "phone", False),
    ("声明回避部门编码", "conflict_codes", False),
    ("是否在库", "is_active", False),
]
# 财政区划编码 is read back by the import (optional column, the export's last): a new expert's region, the
# importer's own or one under it (a city's file holds its counties' experts); an existing expert keeps its region.
REGION_CODE_HEADER = "财政区划编码"
EXPERT_KIND_BY_LABEL = {str(label): value for value, label in Expert.Kind.choices}
YES_NO = {"是": True, "否": False}
MASK_CHAR = "*"


@dataclass
class ExpertImportRow:
    """One parsed row of an expert pool workbook (see imports.parse_expert_workbook)."""

    row: int
    expert_id: int | None  # None: a new expert
    name: str
    kind: str
    field: str
    title: str
    affiliation: str
    dept_code: str
    phone: str  # a masked number ("138****5678") keeps the stored phone
    conflict_codes: tuple[str, ...]
    is_active: bool | None  # None: keep the current value (new experts are in the pool)
    region_code: str = ""  # the 财政区划编码 column of an exported file; empty: the importer's own region

    @property
    def phone_is_masked(self) -> bool:
        return MASK_CHAR in self.phone
