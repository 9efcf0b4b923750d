"""An evaluation as one JSON-ready object (the `check_selfevaluation --json` and API shape of issue #6):

{"exec": {"rate", "claimed", "computed", "flags"}, "indicators": [{"row", "name", "weight", "target": {"kind", "op",
"num", "unit"}, "actual": {…}, "claimed", "computed", "flags"}], "total": {"claimed", "computed"},
"grade": {"claimed", "computed"}, "flags": [...]}

Numbers are JSON numbers (Decimal → exact decimal text → number), null where absent; flags are DOMAIN.md §4.2/§4.8
codes. Extra keys (formula, messages, lv1 …) explain each score and may be ignored by readers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jixiao.indicators.valueparse import ParsedValue, format_number

from .check import Evaluation, IndicatorResult
from .rules import Issue


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    text = format_number(value)
    return int(text) if "." not in text else float(text)


def parsed(value: ParsedValue) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": str(value.kind),
        "op": str(value.op) if value.op is not None else None,
        "num": number(value.num),
        "unit": value.unit_raw,
    }
    if value.unit_canon and value.unit_canon != value.unit_raw:
        out["unit_canon"] = value.unit_canon
    if value.base_value is not None:
        out["base_value"] = number(value.base_value)
    if value.lo is not None or value.hi is not None:
        out["lo"], out["hi"] = number(value.lo), number(value.hi)
    if value.deadline is not None:
        out["deadline"] = value.deadline.isoformat()
    if value.hint is not None:
        out["hint"] = str(value.hint)
    return out


def _codes(issues: list[Issue]) -> list[str]:
    return list(dict.fromkeys(issue.code for issue in issues))


def _messages(issues: list[Issue]) -> list[dict[str, str]]:
    return [{"code": i.code, "severity": i.severity, "message": i.message} for i in issues]


def _indicator(result: IndicatorResult) -> dict[str, Any]:
    row = result.source
    return {
        "row": row.row,
        "lv1": row.lv1,
        "lv2": row.lv2,
        "name": row.name,
        "weight": number(row.weight),
        "target": {"text": row.target_text, **parsed(result.target)},
        "actual": {"text": row.actual_text, **parsed(result.actual)},
        "claimed": number(row.claimed),
        "computed": number(result.computed.value),
        "manual": result.computed.manual,
        "formula": result.computed.formula,
        "level_suggested": result.level_suggested,
        "flags": _codes(result.issues),
        "messages": _messages(result.issues),
    }


def as_dict(evaluation: Evaluation) -> dict[str, Any]:
    sheet = evaluation.sheet
    execution = evaluation.exec
    return {
        "fiscal_year": sheet.fiscal_year,
        "project": sheet.project_name,
        "department": sheet.department,
        "unit": sheet.unit,
        "exec": {
            "rate": number(execution.rate),
            "rate_claimed": number(execution.rate_claimed),
            "weight": number(execution.weight),
            "claimed": number(execution.claimed),
            "computed": number(execution.computed.value),
            "formula": execution.computed.formula,
            "flags": _codes(execution.issues),
            "messages": _messages(execution.issues),
        },
        "indicators": [_indicator(result) for result in evaluation.indicators],
        "total": {"claimed": number(evaluation.total_claimed), "computed": number(evaluation.total_computed)},
        "grade": {"claimed": evaluation.grade_claimed, "computed": evaluation.grade_computed},
        "flags": _codes(evaluation.issues),
        "messages": _messages(evaluation.issues),
        "has_errors": evaluation.has_errors,
    }
