"""The one way tests write a payment row directly (without a file import): the row and its rollup month together.

Every test helper that creates `Payment` rows goes through `payment_create`, so the project × month rollup that the
warning sweep and the dashboards read is always in step with the raw payments (`annotate_execution` and
`annotate_execution_fast` agree)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from jixiao.execution.models import Payment
from jixiao.execution.services import rollup_refresh

_vouchers = count(1)


def payment_create(
    project: Any, amount: str | Decimal, on: date, *, voucher_no: str = "", reverses: str = "", **extra: Any
) -> Payment:
    payment = Payment.objects.create(
        region=project.region,
        fiscal_year=project.fiscal_year,
        voucher_no=voucher_no or f"TF{next(_vouchers):08d}",
        pay_date=on,
        unit=project.unit,
        department=project.department,
        project=project,
        amount_yuan=Decimal(amount),
        reverses_voucher_no=reverses,
        **extra,
    )
    rollup_refresh(project_ids=[project.pk], months=[(on.year, on.month)])
    return payment
