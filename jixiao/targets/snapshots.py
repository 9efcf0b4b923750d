"""Frozen copies of a target and the field-by-field diff between two of them (approval and adjustments)."""

from __future__ import annotations

from typing import Any

from jixiao.core import audit
from jixiao.targets.models import PerformanceTarget

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
    """Changes as rows of (位置, 项目, 原内容, 新内容), for the adjustment page and the audit trail."""
    rows: list[dict[str, str]] = []
    for field in TARGET_FIELDS:
        if before.get(field) != after.get(field):
            rows.append(
                {
                    "where": "目标",
                    "field": FIELD_LABELS.get(field, field),
                    "before": str(before.get(field) or ""),
                    "after": str(after.get(field) or ""),
                }
            )
    old = {row["name"]: row for row in before.get("indicators", [])}
    new = {row["name"]: row for row in after.get("indicators", [])}
    for name in old.keys() - new.keys():
        rows.append({"where": name, "field": "指标", "before": old[name]["target_text"], "after": "（删除）"})
    for name in new.keys() - old.keys():
        rows.append({"where": name, "field": "指标", "before": "（新增）", "after": new[name]["target_text"]})
    for name in old.keys() & new.keys():
        for field in INDICATOR_FIELDS:
            if old[name].get(field) != new[name].get(field):
                rows.append(
                    {
                        "where": name,
                        "field": FIELD_LABELS.get(field, field),
                        "before": str(old[name].get(field) or ""),
                        "after": str(new[name].get(field) or ""),
                    }
                )
    rows.extend(_task_diff(before.get("tasks", []), after.get("tasks", [])))
    return rows


def _task_diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, str]]:
    old = {task["name"]: task for task in before}
    new = {task["name"]: task for task in after}
    rows = [
        {"where": name, "field": "年度主要任务", "before": "", "after": "（删除）"} for name in old.keys() - new.keys()
    ]
    rows += [
        {"where": name, "field": "年度主要任务", "before": "（新增）", "after": ""} for name in new.keys() - old.keys()
    ]
    for name in old.keys() & new.keys():
        for field, label in (("content", "主要内容"), ("amount_yuan", "预算金额")):
            if old[name].get(field) != new[name].get(field):
                rows.append(
                    {
                        "where": name,
                        "field": label,
                        "before": str(old[name].get(field) or ""),
                        "after": str(new[name].get(field) or ""),
                    }
                )
    return rows
