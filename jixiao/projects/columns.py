"""The project list layout shared by import and export (round trip: an exported file imports unchanged)."""

from __future__ import annotations

from jixiao.projects.models import Project

# (header, key, required)
IMPORT_COLUMNS: list[tuple[str, str, bool]] = [
    ("项目编码", "code", True),
    ("项目名称", "name", True),
    ("实施单位编码", "unit_code", True),
    ("项目类别", "category", True),
    ("新增/延续", "is_new", True),
    ("预算类型", "budget_book", True),
    ("功能分类编码", "function_code", False),
    ("财政拨款（万元）", "fiscal_amount_yuan", False),
    ("上年结转（万元）", "carryover_amount_yuan", False),
    ("其他资金（万元）", "other_amount_yuan", False),
    ("开始年度", "start_year", True),
    ("结束年度", "end_year", True),
    ("重要性分类", "tier", False),
    ("重点项目", "is_key", False),
    ("项目概述", "description", False),
    # Added later: optional, so workbooks made from older templates still import (an absent column changes nothing).
    ("政策类项目", "is_policy", False),
    ("修订的政策或项目", "is_revised", False),
    ("专项债券项目", "is_special_bond", False),
    ("衔接资金项目", "is_rural_link", False),
    ("涉农整合资金项目", "is_agri_integrated", False),
]

# Columns an older template lacks: when the header is missing, the imported rows leave the field unchanged.
LATER_COLUMNS = {"is_policy", "is_revised", "is_special_bond", "is_rural_link", "is_agri_integrated"}

EXPORT_EXTRA_HEADERS = ["年度", "主管部门", "实施单位", "资金总额（万元）", "状态"]

CHOICE_LABELS: dict[str, dict[str, str]] = {
    "category": {str(label): value for value, label in Project.Category.choices},
    "budget_book": {str(label): value for value, label in Project.BudgetBook.choices},
    "tier": {
        **{value: value for value in Project.Tier.values},
        **{str(label): value for value, label in Project.Tier.choices},
    },
}
BOOL_LABELS: dict[str, dict[str, bool]] = {
    "is_new": {"新增": True, "延续": False},
    "is_key": {"是": True, "否": False, "": False},
    "is_policy": {"是": True, "否": False, "": False},
    "is_revised": {"是": True, "否": False, "": False},
    "is_special_bond": {"是": True, "否": False, "": False},
    "is_rural_link": {"是": True, "否": False, "": False},
    "is_agri_integrated": {"是": True, "否": False, "": False},
}
