"""The warnings list, the 预算调整登记 and the 存量资金清理表 as .xlsx (what the filters selected, amounts in 万元)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from jixiao.alerts.idle_funds import last_paid_text, rate, reasons_of
from jixiao.core.money import wan_from_yuan

TWO_PLACES = Decimal("0.01")

HEADERS = [
    "年度",
    "项目编码",
    "项目名称",
    "主管部门",
    "实施单位",
    "资金总额（万元）",
    "规则",
    "颜色",
    "指标值",
    "说明",
    "计算日期",
    "财政区划",  # last, so the columns before it keep their places in the users' sheets
]


def warning_rows(warnings: Any) -> Iterator[list[Any]]:
    """Export rows in HEADERS order, read in chunks with the project, department, unit, region and rule joined."""
    w: Any
    rows = warnings.select_related("project__department", "project__unit", "project__region", "rule")
    for w in rows.iterator(chunk_size=2_000):
        yield [
            w.fiscal_year,
            w.project.code,
            w.project.name,
            w.project.department.name,
            w.project.unit.name,
            wan_from_yuan(w.project.total_amount_yuan),
            w.rule.name,
            w.get_color_display(),
            w.value_text or (_shown(w.value) if w.value is not None else ""),
            w.reason,
            w.as_of.isoformat(),
            w.project.region.name,
        ]


def _shown(value: Decimal) -> Decimal:
    """The value as the list shows it (two places), a number in the sheet rather than text."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


ADJUSTMENT_HEADERS = [
    "预算年度",
    "项目编码",
    "项目名称",
    "主管部门",
    "实施单位",
    "调整环节",
    "调整类型",
    "调整金额（万元）",
    "调整依据或原因",
    "来源",
    "登记人",
    "登记时间",
]


def adjustment_rows(adjustments: Any) -> Iterator[list[Any]]:
    """预算调整登记 export rows in ADJUSTMENT_HEADERS order (the selector joins what they show)."""
    a: Any
    for a in adjustments.iterator(chunk_size=2_000):
        yield [
            a.fiscal_year,
            a.project.code,
            a.project.name,
            a.project.department.name,
            a.project.unit.name,
            a.get_source_display(),
            a.get_kind_display(),
            wan_from_yuan(a.amount_yuan),
            a.reason,
            "预警处置决定" if a.source_case_id else "登记",
            str(a.created_by) if a.created_by else "",
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
        ]


IDLE_HEADERS = [
    "预算年度",
    "项目编码",
    "项目名称",
    "主管部门",
    "实施单位",
    "实施期",
    "预算金额（万元）",
    "其中上年结转（万元）",
    "已支出（万元）",
    "执行率（%）",
    "已调剂/调减/收回（万元）",
    "余额（万元）",
    "可收回（万元）",
    "最后支出月份",
    "认定情形",
    "认定日期",
    "财政区划",
]


def idle_rows(candidates: Any, limit: int) -> Iterator[list[Any]]:
    """存量资金清理表 rows in IDLE_HEADERS order: the first `limit` of `idle_funds.idle_candidates`, read by chunks."""
    as_of = candidates.criteria.as_of
    p: Any
    for p in (project for chunk in candidates.chunks(limit) for project in chunk):
        yield [
            p.fiscal_year,
            p.code,
            p.name,
            p.department.name,
            p.unit.name,
            p.period_text,
            wan_from_yuan(p.total_amount_yuan),
            wan_from_yuan(p.carryover_amount_yuan),
            wan_from_yuan(p.executed_yuan),
            rate(p),
            wan_from_yuan(p.taken_yuan),
            wan_from_yuan(p.balance_yuan),
            wan_from_yuan(p.recoverable_yuan),
            last_paid_text(p),
            "、".join(reasons_of(p)),
            as_of.strftime("%Y-%m-%d"),
            p.region.name,
        ]
