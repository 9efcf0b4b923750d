"""Execution read from payments, always in the database (one aggregate query, never a Python loop per project)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jixiao.execution.models import Payment

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))


def annotate_execution(projects: QuerySet[Any], as_of: date) -> QuerySet[Any]:
    """Add `executed_yuan` to each project: the signed sum of its payments dated on or before `as_of`, 0 if none.

    The contract other stages rely on (monitoring, warnings, evaluation); how it is computed (raw payments or a
    rollup) may change behind it.
    """
    per_project = (
        Payment.objects.filter(project=OuterRef("pk"), pay_date__lte=as_of)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount_yuan"))
        .values("total")
    )
    return projects.annotate(
        executed_yuan=Coalesce(Subquery(per_project, output_field=DecimalField(max_digits=18, decimal_places=2)), ZERO)
    )
