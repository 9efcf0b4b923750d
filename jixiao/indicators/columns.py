"""The indicator list layout shared by import and export (round trip: an exported file imports unchanged)."""

from __future__ import annotations

from jixiao.indicators.models import Operator, ValueBasis

# (header, key, required)
IMPORT_COLUMNS: list[tuple[str, str, bool]] = [
    ("指标编码", "code", False),
    ("行业领域编码", "category_code", True),
    ("指标体系", "framework_code", False),
    ("一级指标", "lv1_name", True),
    ("二级指标", "lv2_name", True),
    ("三级指标名称", "name", True),
    ("共性/个性", "is_common", True),
    ("计算符号", "operator", True),
    ("参考指标值", "typical_value", False),
    ("计量单位", "unit", False),
    ("指标解释", "explanation", False),
    ("评（扣）分标准", "scoring_standard", False),
    ("取值依据", "value_basis", False),
    ("数据来源", "data_source", False),
    ("核心指标", "is_core", False),
]
IMPORT_HEADERS = [h for h, _k, _r in IMPORT_COLUMNS]
EXPORT_EXTRA_HEADERS = ["行业领域", "指标级次", "财政区划", "提出部门", "状态"]

OPERATOR_LABELS: dict[str, str] = {
    **{str(label): value for value, label in Operator.choices},
    ">=": Operator.GTE,
    "<=": Operator.LTE,
    "＞": Operator.GT,
    "＜": Operator.LT,
    "＝": Operator.EQ,
    "大于等于": Operator.GTE,
    "大于": Operator.GT,
    "等于": Operator.EQ,
    "小于等于": Operator.LTE,
    "小于": Operator.LT,
}
OPERATOR_HINT = "≥、>、=、≤、<、定性"
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "operator": OPERATOR_LABELS,
    "value_basis": {**{str(label): value for value, label in ValueBasis.choices}, "": ValueBasis.PLAN},
}
BOOL_LABELS: dict[str, dict[str, bool]] = {
    "is_common": {"共性": True, "个性": False, "特性": False},
    "is_core": {"是": True, "否": False, "": False},
}
TEXT_LIMITS = {
    "code": 40,
    "category_code": 20,
    "framework_code": 20,
    "lv1_name": 50,
    "lv2_name": 50,
    "name": 200,
    "typical_value": 1000,
    "unit": 20,
    "explanation": 2000,
    "scoring_standard": 2000,
    "data_source": 500,
}
