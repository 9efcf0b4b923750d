"""Frozen copies of a target and the field-by-field diff between two of them (approval and adjustments)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.core import audit
from jixiao.core.money import format_wan
from jixiao.indicators.models import FrameworkNode, IndicatorLibraryItem, Operator, ValueBasis
from jixiao.targets.models import PerformanceTarget, TargetIndicator

TARGET_FIELDS = [
    "name",
    "midterm_goal",
    "annual_goal",
    "mid_total_yuan",
    "mid_fiscal_yuan",
    "annual_total_yuan",
    "annual_fiscal_yuan",
    "basic_yuan",
    "project_spending_yuan",
]
INDICATOR_FIELDS = [
    "year_flag",
    "lv1_id",
    "lv2_id",
    "name",
    "operator",
    "target_text",
    "midterm_text",
    "unit",
    "weight",
    "explanation",
    "scoring_standard",
    "value_basis",
    "data_source",
    "remark",
    "is_core",
    "library_item_id",
]
TASK_FIELDS = ["name", "content", "amount_yuan"]
FIELD_LABELS = {
    "name": "名称",
    "midterm_goal": "中期目标",
    "annual_goal": "年度目标",
    "mid_total_yuan": "中期资金总额",
    "mid_fiscal_yuan": "中期财政拨款",
    "annual_total_yuan": "年度资金总额",
    "annual_fiscal_yuan": "年度财政拨款",
    "basic_yuan": "基本支出",
    "project_spending_yuan": "项目支出",
    "target_text": "指标值",
    "operator": "指标性质",
    "unit": "计量单位",
    "weight": "分值",
    "midterm_text": "中期指标值",
    "explanation": "指标解释",
    "scoring_standard": "评（扣）分标准",
    "year_flag": "年度/中期",
    "lv1_id": "一级指标",
    "lv2_id": "二级指标",
    "value_basis": "取值依据",
    "data_source": "数据来源",
    "remark": "备注",
    "is_core": "核心指标",
    "library_item_id": "来自指标库",
    "content": "主要内容",
    "amount_yuan": "预算金额",
}
# Stored codes shown by their Chinese names in the diff.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "operator": {str(k): str(v) for k, v in Operator.choices},
    "value_basis": {str(k): str(v) for k, v in ValueBasis.choices},
    "year_flag": {str(k): str(v) for k, v in TargetIndicator.YearFlag.choices},
}


def snapshot(target: PerformanceTarget) -> dict[str, Any]:
    data = audit.snapshot(target, TARGET_FIELDS)
    data["indicators"] = [
        {field: audit.jsonable(getattr(row, field)) for field in INDICATOR_FIELDS}
        for row in target.indicators.order_by("seq", "id")
    ]
    data["tasks"] = [
        {field: audit.jsonable(getattr(task, field)) for field in TASK_FIELDS}
        for task in target.tasks.order_by("seq", "id")
    ]
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """Changes as rows of (位置, 项目, 原内容, 新内容), for the adjustment page and the audit trail, in the page's
    words: money in 万元, stored codes and linked rows (framework nodes, library items) by their names."""
    rows: list[dict[str, Any]] = []
    for field in TARGET_FIELDS:
        if before.get(field) != after.get(field):
            rows.append(
                {
                    "where": "目标",
                    "key": field,
                    "before": before.get(field),
                    "after": after.get(field),
                }
            )
    old = {row["name"]: row for row in before.get("indicators", [])}
    new = {row["name"]: row for row in after.get("indicators", [])}
    for name in old.keys() - new.keys():
        rows.append({"where": name, "key": "指标", "before": old[name]["target_text"], "after": "（删除）"})
    for name in new.keys() - old.keys():
        rows.append({"where": name, "key": "指标", "before": "（新增）", "after": new[name]["target_text"]})
    for name in old.keys() & new.keys():
        for field in INDICATOR_FIELDS:
            if old[name].get(field) != new[name].get(field):
                rows.append(
                    {"where": name, "key": field, "before": old[name].get(field), "after": new[name].get(field)}
                )
    rows.extend(_task_diff(before.get("tasks", []), after.get("tasks", [])))
    return _shown(rows)


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    nodes = _names(FrameworkNode, rows, ("lv1_id", "lv2_id"), lambda node: node.name)
    items = _names(IndicatorLibraryItem, rows, ("library_item_id",), lambda item: f"{item.code} {item.name}")
    names = {"lv1_id": nodes, "lv2_id": nodes, "library_item_id": items}
    return [
        {
            "where": row["where"],
            "field": FIELD_LABELS.get(row["key"], row["key"]),
            "before": _value(row["key"], row["before"], names),
            "after": _value(row["key"], row["after"], names),
        }
        for row in rows
    ]


def _names(model: Any, rows: list[dict[str, Any]], keys: tuple[str, ...], name: Any) -> dict[Any, str]:
    ids = {v for row in rows if row["key"] in keys for v in (row["before"], row["after"]) if v is not None}
    return {obj.pk: name(obj) for obj in model.objects.filter(pk__in=ids)} if ids else {}


def _value(key: str, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value is None or value == "":
        return ""
    if key in names:
        return names[key].get(value, str(value))
    if key.endswith("_yuan"):
        try:
            return f"{_wan(Decimal(str(value)))}万元"
        except InvalidOperation:
            return str(value)
    if key in CHOICE_LABELS:
        return CHOICE_LABELS[key].get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _wan(yuan: Decimal) -> str:
    """万元 with two places, or as many as a smaller change needs (150元 is 0.015万元, not 0.02)."""
    exact = (yuan / 10000).normalize()
    places = max(2, -int(exact.as_tuple().exponent))
    return format_wan(yuan, places)


def _task_diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old = {task["name"]: task for task in before}
    new = {task["name"]: task for task in after}
    rows = [
        {"where": name, "key": "年度主要任务", "before": "", "after": "（删除）"} for name in old.keys() - new.keys()
    ]
    rows += [
        {"where": name, "key": "年度主要任务", "before": "（新增）", "after": ""} for name in new.keys() - old.keys()
    ]
    for name in old.keys() & new.keys():
        for field in ("content", "amount_yuan"):
            if old[name].get(field) != new[name].get(field):
                rows.append(
                    {"where": name, "key": field, "before": old[name].get(field), "after": new[name].get(field)}
                )
    return rows
