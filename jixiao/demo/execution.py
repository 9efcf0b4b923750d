"""Demo 国库集中支付 data: monthly payments for the demo county's current-year in-library projects.

Most projects pay roughly in step with time (序时进度); some lag a little (yellow), some badly (red), a few have
not paid at all, and a few payments are partly refunded (negative vouchers that reverse an earlier one). Payments
are dated up to today, so monitoring rounds and warnings find realistic execution whatever day the demo is built.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from jixiao.execution.models import Payment
from jixiao.execution.services import rollup_rebuild
from jixiao.projects.models import Project

# (share of projects, execution as a multiple of time progress: low, high)
PROFILES: list[tuple[float, tuple[float, float]]] = [
    (0.62, (0.85, 1.08)),  # on track (green)
    (0.18, (0.62, 0.79)),  # lagging (yellow)
    (0.14, (0.15, 0.55)),  # far behind (red)
    (0.06, (0.0, 0.0)),  # nothing paid yet
]
REFUND_CHANCE = 0.04
ECONOMIC_CODES = ["30201", "30205", "30211", "30226", "31002", "31005", "30905"]
FUND_SOURCES = ["一般公共预算", "一般公共预算", "政府性基金预算", "上级转移支付"]
CENT = Decimal("0.01")


def _profile(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    for share, bounds in PROFILES:
        if pick < share:
            return bounds
        pick -= share
    return PROFILES[0][1]


def _last_month(year: int, today: date) -> int:
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month


def _day(rng: random.Random, year: int, month: int, today: date) -> date:
    last = 28 if month == 2 else 30
    if (year, month) == (today.year, today.month):
        last = max(1, min(last, today.day))
    return date(year, month, rng.randint(1, last))


def seed_payments(rng: random.Random, county: Any, year: int) -> int:
    """Book the demo payments of `year` for the county's in-library projects; returns the number of payment rows."""
    today = timezone.localdate()
    months = _last_month(year, today)
    if months == 0:
        return 0
    projects = list(
        Project.objects.filter(region=county, fiscal_year=year, status=Project.Status.IN_LIBRARY, is_deleted=False)
        .order_by("code")
        .values("pk", "unit_id", "department_id", "total_amount_yuan", "function_code")
    )
    rows: list[Payment] = []
    sequence = 0
    for project in projects:
        budget = project["total_amount_yuan"] or Decimal(0)
        low, high = _profile(rng)
        if budget <= 0 or high == 0:
            continue
        factor = rng.uniform(low, high)
        paid = Decimal(0)
        economic = rng.choice(ECONOMIC_CODES)
        for month in range(1, months + 1):
            # Spending bunches up a little towards the end of quarters, like treasury data does.
            target = budget * Decimal(str(min(1.0, factor * month / 12)))
            due = (target - paid).quantize(CENT, rounding=ROUND_HALF_UP)
            if due <= 0 or (month % 3 != 0 and rng.random() < 0.3):
                continue
            parts = 2 if due > 200_000 and rng.random() < 0.5 else 1
            for _part in range(parts):
                amount = (due / parts).quantize(CENT, rounding=ROUND_HALF_UP)
                sequence += 1
                rows.append(
                    Payment(
                        region=county,
                        fiscal_year=year,
                        voucher_no=f"ZF{year}{sequence:07d}",
                        pay_date=_day(rng, year, month, today),
                        unit_id=project["unit_id"],
                        department_id=project["department_id"],
                        project_id=project["pk"],
                        amount_yuan=amount,
                        economic_code=economic,
                        function_code=project["function_code"] or "",
                        fund_source=rng.choice(FUND_SOURCES),
                    )
                )
                paid += amount
                if rng.random() < REFUND_CHANCE / max(1, months // 3):
                    original = rows[-1]
                    sequence += 1
                    refund = (original.amount_yuan * Decimal(str(rng.choice([0.05, 0.1, 0.2])))).quantize(CENT)
                    rows.append(
                        Payment(
                            region=county,
                            fiscal_year=year,
                            voucher_no=f"ZF{year}{sequence:07d}",
                            pay_date=max(original.pay_date, _day(rng, year, month, today)),
                            unit_id=original.unit_id,
                            department_id=original.department_id,
                            project_id=original.project_id,
                            amount_yuan=-refund,
                            reverses_voucher_no=original.voucher_no,
                            economic_code=original.economic_code,
                            function_code=original.function_code,
                            fund_source=original.fund_source,
                        )
                    )
                    paid -= refund
    Payment.objects.bulk_create(rows, batch_size=2_000)
    rollup_rebuild(project_ids=[p["pk"] for p in projects])
    return len(rows)
