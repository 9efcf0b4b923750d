"""Reading a provincial score sheet (.xlsx): a pure function, file in → nodes + per-cell errors out.

Columns (first row, names as in provincial sheets): 指标代码, 指标名称, 评（扣）分标准, 分值, 主管处室; optional
上级代码, 指标说明, 类别 (计分项/加分项/扣分项), 自动指标 (a metric's Chinese name, as the table export writes it).
Without 上级代码 the parent is the longest other code that prefixes the row's code (A → A1 → A1-1, 01 → 0101).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import IO, Any

from jixiao.appraisals.metrics import METRIC_LABELS
from jixiao.appraisals.models import NodeKind
from jixiao.appraisals.ranking import CENT, MAX_POINTS, TEMPLATE_HEADERS, ParsedNode
from jixiao.core.spreadsheets import CellError, SpreadsheetError, cell_text, read_rows

COLUMNS = {
    "code": ("指标代码", "代码", "编码"),
    "name": ("指标名称", "名称", "考核内容"),
    "standard": ("评（扣）分标准", "评(扣)分标准", "评分标准", "扣分标准"),
    "points": ("分值", "分数", "标准分"),
    "section": ("主管处室", "主管股室", "责任股室", "责任处室"),
    "parent": ("上级代码", "上级指标代码"),
    "description": ("指标说明", "说明"),
    "kind": ("类别", "指标类别"),
    "metric": ("自动指标",),
}
REQUIRED = ("code", "name", "points")
__all__ = ["TEMPLATE_HEADERS", "parse_score_sheet"]
KINDS = {str(label): value for value, label in NodeKind.choices} | {"加分": "BONUS", "扣分": "PENALTY", "": "SCORE"}
METRIC_KEYS = {label: key for key, label in METRIC_LABELS.items()} | {"": ""}


def _columns(header: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in header:
                found[key] = name
                break
    return found


def _infer_parent(code: str, codes: list[str]) -> str:
    candidates = [c for c in codes if c != code and code.startswith(c)]
    return max(candidates, key=len) if candidates else ""


def parse_score_sheet(upload: IO[bytes] | bytes) -> tuple[list[ParsedNode], list[CellError]]:
    header, rows = read_rows(upload)
    columns = _columns(header)
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise SpreadsheetError("评分表缺少以下列：" + "、".join(missing))
    raw: list[tuple[int, dict[str, Any]]] = []
    errors: list[CellError] = []
    for number, row in rows:
        values = {key: cell_text(row.get(name)) for key, name in columns.items()}
        raw.append((number, values))
        if len(raw) > 2000:
            raise SpreadsheetError("评分表行数过多（最多2000行）")
    codes = [v["code"] for _, v in raw]
    seen: set[str] = set()
    nodes: list[ParsedNode] = []
    for number, v in raw:
        code, name = v["code"][:30], v["name"][:200]
        if not code:
            errors.append(CellError(number, columns["code"], "", "指标代码不能为空"))
            continue
        if code in seen:
            errors.append(CellError(number, columns["code"], code, "指标代码重复"))
        seen.add(code)
        if not name:
            errors.append(CellError(number, columns["name"], "", "指标名称不能为空"))
        try:
            points = Decimal(v["points"])
            if not points.is_finite() or points < 0 or points > MAX_POINTS or points != points.quantize(CENT):
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                CellError(number, columns["points"], v["points"], "分值应为0至99999.99之间的数字，最多两位小数")
            )
            continue
        kind = KINDS.get(v.get("kind", ""))
        if kind is None:
            errors.append(
                CellError(number, columns.get("kind", "类别"), v.get("kind", ""), "类别应为计分项、加分项或扣分项")
            )
            continue
        metric = METRIC_KEYS.get(v.get("metric", ""))
        if metric is None:
            names = "、".join(METRIC_LABELS.values())
            errors.append(CellError(number, columns["metric"], v["metric"], f"自动指标应为以下之一或留空：{names}"))
            continue
        parent = v.get("parent", "") if "parent" in columns else _infer_parent(code, codes)
        if parent and parent not in codes:
            errors.append(CellError(number, columns.get("parent", "上级代码"), parent, "上级代码在表中不存在"))
        nodes.append(
            ParsedNode(
                code=code,
                name=name,
                points=points.quantize(CENT),
                parent_code=parent,
                description=v.get("description", "")[:2000],
                standard=v.get("standard", "")[:2000],
                section=v.get("section", "")[:100],
                kind=kind,
                metric=metric,
            )
        )
    order = {code: i for i, code in enumerate(codes)}
    for node in nodes:
        if node.parent_code and order.get(node.parent_code, -1) > order.get(node.code, 0):
            errors.append(CellError(0, "上级代码", node.parent_code, f"“{node.code}”的上级指标应排在它之前"))
    return nodes, errors
