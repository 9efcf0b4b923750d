"""The unit list layout shared by import and export, so an exported file imports unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.organizations.models import BudgetUnit

# (header, key, required)
UNIT_COLUMNS: list[tuple[str, str, bool]] = [
    ("单位编码", "agency_code", True),
    ("单位名称", "name", True),
    ("主管部门编码", "dept_code", True),
    ("上级单位编码", "parent_code", False),
    ("单位类型", "kind", True),
    ("是否启用", "is_active", False),
]
# 财政区划编码 is read back by the import (optional column): each row is resolved and saved in its region, the
# importer's own or one under it (a city's export holds its counties' units); any other region is refused.
REGION_CODE_HEADER = "财政区划编码"
UNIT_EXPORT_EXTRA_HEADERS = ["单位级次", "主管部门名称", "财政区划", REGION_CODE_HEADER]
UNIT_KIND_BY_LABEL = {str(label): value for value, label in BudgetUnit.Kind.choices}
YES_NO = {"是": True, "否": False}


@dataclass
class UnitImportRow:
    """One parsed row of a unit list workbook (see imports.parse_unit_workbook)."""

    row: int
    agency_code: str
    name: str
    dept_code: str
    parent_code: str
    kind: str
    is_active: bool | None  # None: keep the current value (new units are active)
    region_code: str = ""  # the 财政区划编码 column of an exported file; empty: the importer's own region
