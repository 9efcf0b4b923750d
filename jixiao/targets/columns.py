"""The 申报表 and flat batch layouts shared by export, import and the print view (DOMAIN.md §3.0–§3.2, §3.5).

Also the parsed, still unresolved shapes that the pure parser hands to the import service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import norm
from jixiao.indicators.models import Operator, ValueBasis

TEMPLATE_PROJECT = "jixiao.goal.project"
TEMPLATE_DEPT = "jixiao.goal.dept"
TEMPLATE_FLAT = "jixiao.goal.flat"
TEMPLATE_VERSION = "1"

PROJECT_TITLE = "项目支出绩效目标申报表"
DEPT_TITLE = "部门（单位）整体支出绩效目标申报表"
DEPT_SHEET = "部门整体支出绩效目标申报表"

# Indicator grid columns B–N: (column letter, header, field).
GRID_COLUMNS: list[tuple[str, str, str]] = [
    ("B", "一级指标", "lv1"),
    ("C", "二级指标", "lv2"),
    ("D", "三级指标", "name"),
    ("E", "指标性质", "operator"),
    ("F", "年度指标值", "target_text"),
    ("G", "计量单位", "unit"),
    ("H", "中期指标值", "midterm_text"),
    ("I", "分值", "weight"),
    ("J", "指标解释", "explanation"),
    ("K", "评（扣）分标准", "scoring_standard"),
    ("L", "取值依据", "value_basis"),
    ("M", "数据来源", "data_source"),
    ("N", "备注", "remark"),
]
GRID_HEADER = {letter: header for letter, header, _f in GRID_COLUMNS}
OPERATOR_LABELS: dict[str, str] = {value: str(label) for value, label in Operator.choices}
VALUE_BASIS_LABELS: dict[str, str] = {value: str(label) for value, label in ValueBasis.choices}
TEXT_LIMITS = {
    "name": 200,
    "target_text": 1000,
    "midterm_text": 1000,
    "unit": 20,
    "explanation": 2000,
    "scoring_standard": 2000,
    "data_source": 500,
    "remark": 500,
    "midterm_goal": 4000,
    "annual_goal": 4000,
}

# Flat batch layout (§3.5): (code, label) per sheet; row 1 labels, row 2 codes, data from row 3.
KEY_COLUMNS = [
    ("form_type", "表单类型"),
    ("fiscal_year", "预算年度"),
    ("mof_div_code", "财政区划代码"),
    ("dept_code", "主管部门编码"),
    ("agency_code", "预算单位编码"),
    ("pro_code", "项目编码"),
]
MAIN_COLUMNS = [
    *KEY_COLUMNS,
    ("dept_name", "主管部门名称"),
    ("agency_name", "预算单位名称"),
    ("pro_name", "项目名称"),
    ("project_attr", "项目属性"),
    ("start_year", "项目期起"),
    ("end_year", "项目期止"),
    ("midterm_goal", "中期目标"),
    ("annual_goal", "年度目标"),
    ("basic_wan", "基本支出(万元)"),
    ("project_spending_wan", "项目支出(万元)"),
    ("status", "状态"),
]
FUND_COLUMNS = [
    *KEY_COLUMNS,
    ("fund_source", "资金来源"),
    ("mid_total_wan", "中期资金总额(万元)"),
    ("annual_total_wan", "年度资金总额(万元)"),
]
INDICATOR_COLUMNS = [
    *KEY_COLUMNS,
    ("indicator_id", "指标ID"),
    ("seq", "序号"),
    ("lv1", "一级指标"),
    ("lv2", "二级指标"),
    ("lv3", "三级指标"),
    ("yearflag", "目标期"),
    ("operator", "指标性质"),
    ("target_text", "指标值"),
    ("midterm_text", "中期指标值"),
    ("unit", "计量单位"),
    ("weight", "分值"),
    ("explanation", "指标解释"),
    ("scoring_standard", "评（扣）分标准"),
    ("value_basis", "取值依据"),
    ("data_source", "数据来源"),
    ("remark", "备注"),
    ("is_core", "核心指标"),
]
REQUIRED_CODES = {
    "主表": ["form_type", "fiscal_year", "mof_div_code", "dept_code", "agency_code", "pro_code"],
    "资金": ["form_type", "fiscal_year", "mof_div_code", "dept_code", "agency_code", "pro_code", "fund_source"],
    "指标": ["form_type", "fiscal_year", "mof_div_code", "dept_code", "agency_code", "pro_code", "lv1", "lv2", "lv3"],
}
FORM_PROJECT = "GOAL_PROJECT"
FORM_DEPT = "GOAL_DEPT"
FLAT_NOTES = [
    "本工作簿为绩效目标批量交换格式（每行一个指标）。",
    "“主表”“资金”“指标”三张表：第1行为中文列名，第2行为列代码（导入时按代码识别），第3行起为数据。",
    "金额单位为万元；表单类型：GOAL_PROJECT（项目支出）、GOAL_DEPT（部门整体支出）。",
    "导入为“全部成功或全部不导入”：任何一处错误，所有数据都不会导入。",
]


def is_blank(value: Any) -> bool:
    """Empty, `—`, `-` and `/` all mean "not applicable"."""
    return norm(value) in {"", "—", "-", "/"}


@dataclass(frozen=True)
class SheetCellError:
    sheet: str
    row: int
    column: str
    value: str
    message: str


class DeclarationImportRejectedError(DomainError):
    """A workbook import found errors: nothing was saved; `errors` is the per-cell report."""

    def __init__(self, errors: list[SheetCellError]) -> None:
        super().__init__(f"导入未完成：发现{len(errors)}处错误，所有数据均未导入")
        self.errors = errors


@dataclass
class ParsedIndicator:
    """One indicator row as read: level names still text, other fields typed."""

    sheet: str
    row: int
    lv1: str
    lv2: str
    values: dict[str, Any]
    indicator_id: str = ""
    lv1_column: str = "B"
    lv2_column: str = "C"


@dataclass
class ParsedTarget:
    """One form instance (a 申报表 sheet or a flat-layout row key) before it is matched to a target."""

    sheet: str
    row: int
    subject: str  # "project" or "dept_overall"
    fiscal_year: int | None = None
    record_id: str = ""
    pro_code: str = ""
    name: str = ""
    unit_name: str = ""
    agency_code: str = ""
    dept_code: str = ""
    mof_div_code: str = ""
    goals: dict[str, Any] = field(default_factory=dict)
    indicators: list[ParsedIndicator] = field(default_factory=list)
