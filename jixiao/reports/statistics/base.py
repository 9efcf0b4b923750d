"""What every statistics code shares: the scope, the figure, money and percentage formatting, the adjustments."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from jixiao.alerts.models import FundAdjustment
from jixiao.core.money import wan_from_yuan

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Scope:
    region: Any
    work_year: int
    fiscal_year: int
    actor: Any = None

    @property
    def path(self) -> str:
        return str(self.region.path)


@dataclass
class Figure:
    code: str
    label: str
    values: dict[str, Any]
    params: dict[str, Any]
    sentence: str
    available: bool = True
    table: list[tuple[str, str]] = field(default_factory=list)


def wan(yuan: Decimal | None) -> str:
    """万元 with 2 decimals, half up, no separators (the seeds' style: 26916.17万元)."""
    return f"{wan_from_yuan(yuan or ZERO).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def pct(part: Decimal | int, whole: Decimal | int) -> str:
    if not whole:
        return "0.00%"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def sum_yuan(field_name: str, **filters: Any) -> Any:
    return Coalesce(Sum(field_name, filter=Q(**filters) if filters else None), ZERO)


def in_region(scope: Scope, prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}region__path__startswith": scope.path}


def _adjustments(scope: Scope, **filters: Any) -> Any:
    return FundAdjustment.objects.filter(
        fiscal_year=scope.work_year, project__is_deleted=False, **in_region(scope, "project__"), **filters
    )


def adjustments(scope: Scope, *, by: str = "kind", **filters: Any) -> dict[str, dict[str, Any]]:
    """The work year's budget adjustments per `kind` (or per `source`, the stage that decided them): count, distinct
    projects and amount, every choice listed (zeros included) in the model's order."""
    rows = {
        r[by]: r
        for r in _adjustments(scope, **filters)
        .values(by)
        .annotate(n=Count("id"), projects=Count("project", distinct=True), amount=sum_yuan("amount_yuan"))
        .order_by()
    }
    choices = FundAdjustment.Kind.choices if by == "kind" else FundAdjustment.Source.choices
    return {
        key: {
            "label": str(label),
            "count": rows.get(key, {}).get("n", 0),
            "projects": rows.get(key, {}).get("projects", 0),
            "amount_yuan": rows.get(key, {}).get("amount", ZERO),
        }
        for key, label in choices
    }


def adjustment_totals(scope: Scope, **filters: Any) -> dict[str, Any]:
    """Records, distinct projects and amount of the work year's adjustments that match `filters`."""
    totals = _adjustments(scope, **filters).aggregate(
        count=Count("id"), projects=Count("project", distinct=True), amount=sum_yuan("amount_yuan")
    )
    return {"count": totals["count"], "projects": totals["projects"], "amount_yuan": totals["amount"]}


def adjustment_sentence(by_kind: dict[str, dict[str, Any]]) -> str:
    parts = [f"{v['label']}{v['count']}笔、{wan(v['amount_yuan'])}万元" for v in by_kind.values() if v["count"]]
    return "、".join(parts) if parts else "未发生预算调整"
