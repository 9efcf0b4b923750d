"""Treasury payments of one county as CSV rows in the import layout (jixiao.execution.columns), not stored.

Each in-library project gets a share of the county's payment count proportional to the square root of its budget.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jixiao.demo.generator import CURRENT_YEAR
from jixiao.organizations.models import FiscalRegion
from jixiao.projects.models import Project, ProjectStatus

PAYMENTS_PER_REGION = 50_000
REFUND_SHARE = 0.005
ECONOMIC_CODES = ("30201", "30205", "30211", "30216", "30226", "30227", "31002", "31003", "31007")
FUND_SOURCES = ("一般公共预算", "一般公共预算", "一般公共预算", "政府性基金预算", "上级转移支付")
DAYS_PAID = 334  # 1 January to 30 November
DAYS = [date(CURRENT_YEAR, 1, 1) + timedelta(days=n) for n in range(DAYS_PAID)]
DAY_TEXTS = [day.isoformat() for day in DAYS]


def write_payments(rng: random.Random, county: FiscalRegion, writer: Any, per_region: int) -> int:
    """Append the county's payments of the current year (Jan—Nov) in the treasury layout; returns the row count.

    Each in-library project gets a share of `per_region` proportional to the square root of its budget, and pays
    30%—100% of its budget; about 0.5% of payments are later partly refunded (a negative voucher naming them).
    """
    projects = list(
        Project.objects.filter(region=county, fiscal_year=CURRENT_YEAR, status=ProjectStatus.IN_LIBRARY)
        .order_by("code")
        .values_list("code", "unit__agency_code", "function_code", "total_amount_yuan")
    )
    if not projects:
        return 0
    weights = [math.sqrt(float(total or 1)) for *_rest, total in projects]
    scale = per_region / sum(weights)
    serial = 0
    code = county.mof_div_code
    prefix = f"P{code[2:6]}"
    for (project_code, unit_code, function_code, total), weight in zip(projects, weights, strict=True):
        count = max(1, int(weight * scale + 0.5))
        budget_cents = int((total or Decimal(0)) * 100)
        paid = int(budget_cents * rng.uniform(0.3, 1.0))
        per = max(1, paid // count)
        refunds: list[tuple[str, int, date]] = []
        rows = []
        for _ in range(count):
            serial += 1
            voucher = f"{prefix}{serial:08d}"
            cents = max(1, int(per * rng.uniform(0.5, 1.5)))
            day_index = rng.randrange(DAYS_PAID)
            economic = rng.choice(ECONOMIC_CODES)
            fund = rng.choice(FUND_SOURCES)
            rows.append(
                (
                    voucher,
                    DAY_TEXTS[day_index],
                    code,
                    unit_code,
                    project_code,
                    _yuan(cents),
                    economic,
                    function_code,
                    fund,
                    "",
                )
            )
            if rng.random() < REFUND_SHARE and cents > 1:
                refunds.append((voucher, max(1, cents // rng.choice((2, 4, 10))), DAYS[day_index]))
        writer.writerows(rows)
        for original, cents, day in refunds:
            serial += 1
            refund_day = min(day + timedelta(days=rng.randrange(1, 20)), date(CURRENT_YEAR, 11, 30))
            writer.writerow(
                [
                    f"{prefix}{serial:08d}",
                    refund_day.isoformat(),
                    code,
                    unit_code,
                    project_code,
                    "-" + _yuan(cents),
                    "",
                    function_code,
                    "",
                    original,
                ]
            )
    return serial


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
