from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.views_helpers import capability_required, xlsx_response
from jixiao.evaluation.forms import SelfEvalCheckForm
from jixiao.evaluation.samples import example_sheet
from jixiao.evaluation.scoring import as_dict, evaluate
from jixiao.evaluation.selectors import scoring_config
from jixiao.evaluation.selfeval_xlsx import read_selfevaluations, write_selfevaluations
from jixiao.indicators.valueparse import Op
from jixiao.indicators.valueparse.vocab import SYMBOL

SEVERITY_ORDER = {"ERROR": 0, "WARN": 1, "INFO": 2}
# The parser's value kinds (DOMAIN.md §4.2) as the page names them; the codes stay in the JSON of the API and command.
KIND_LABELS = {"NUM": "数值", "RANGE": "区间", "TIME": "时间", "QUAL": "定性", "EMPTY": "未填", "UNPARSED": "无法识别"}


def _shown(value: dict[str, Any], *, with_op: bool = True) -> str:
    """A parsed target (or, without its operator, an actual) in Chinese, e.g. “数值 ≥500人”, “时间 ≤2026-10-31”,
    “定性” (the page printed the codes: “NUM GE 500人”, “QUAL QUAL”)."""
    kind = value.get("kind", "")
    label = KIND_LABELS.get(kind, kind)
    if kind not in ("NUM", "RANGE", "TIME"):
        return label
    op = value.get("op")
    symbol = SYMBOL.get(Op(op), "") if with_op and isinstance(op, str) and op in Op.__members__ else ""
    unit = value.get("unit") or ""
    if kind == "TIME":
        return f"{label} {symbol}{value.get('deadline', '')}".rstrip()
    if kind == "RANGE" and value.get("lo") is not None and value.get("hi") is not None:
        return f"{label} {value['lo']}至{value['hi']}{unit}"
    number = value.get("num")
    return f"{label} {symbol}{'' if number is None else number}{unit}".rstrip()


def _worst(messages: list[dict[str, str]]) -> str:
    return min((m["severity"] for m in messages), key=lambda s: SEVERITY_ORDER[s], default="")


def _annotated(result: dict[str, Any]) -> dict[str, Any]:
    """Rows with an ERROR or WARN first (DOMAIN.md §4.8: the reviewer sees flagged rows first)."""
    for row in result["indicators"]:
        row["worst"] = _worst(row["messages"])
        row["target_shown"], row["actual_shown"] = _shown(row["target"]), _shown(row["actual"], with_op=False)
    result["flagged_first"] = sorted(result["indicators"], key=lambda r: (SEVERITY_ORDER.get(r["worst"], 3), r["row"]))
    messages = [*result["messages"], *result["exec"]["messages"]]
    messages += [m for row in result["indicators"] for m in row["messages"]]
    result["error_count"] = sum(1 for m in messages if m["severity"] == "ERROR")
    return result


@capability_required("evaluation.check")
def selfeval_check(request: HttpRequest) -> HttpResponse:
    """Upload a filled 自评表 and see every parsed value, computed and claimed score and flag. Nothing is stored."""
    form = SelfEvalCheckForm(request.POST or None, request.FILES or None)
    results: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sheets = read_selfevaluations(upload)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            region = request.user.active_membership.region  # type: ignore[union-attr]
            results = [
                _annotated(as_dict(evaluate(sheet, scoring_config(region, sheet.fiscal_year)))) for sheet in sheets
            ]
            audit.record(
                actor=request.user,
                event_type="evaluation.selfeval_check",
                obj=None,
                changes={"file": upload.name[:200], "sheets": len(sheets)},
            )
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "evaluation/selfeval_check.html", {"form": form, "results": results}, status=status)


@capability_required("evaluation.check")
def selfeval_sample(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    return xlsx_response(write_selfevaluations([example_sheet(year)]), "项目支出绩效自评表（样表）.xlsx")
