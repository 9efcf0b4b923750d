from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from jixiao.demo.execution import seed_payments
from jixiao.execution.models import Payment, ProjectMonthExecution
from jixiao.execution.selectors import annotate_execution, annotate_execution_fast
from jixiao.projects.models import Project
from jixiao.projects.tests.factories import ProjectFactory


def test_demo_payments_follow_time_with_laggards_and_refunds(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("jixiao.demo.execution.timezone.localdate", lambda: dt.date(2026, 9, 10))
    for n in range(60):
        ProjectFactory(unit=world.school, code=f"D-{n:03d}", in_library=True, fiscal_amount_yuan=Decimal("1000000"))
    count = seed_payments(random.Random(7), world.region, 2026)
    assert count == Payment.objects.count() > 100
    assert not Payment.objects.filter(pay_date__gt=dt.date(2026, 9, 10)).exists()
    refunds = Payment.objects.filter(amount_yuan__lt=0)
    assert refunds.exists() and all(r.reverses_voucher_no for r in refunds)
    projects = Project.objects.filter(code__startswith="D-")
    rates = [p.executed_yuan / p.total_amount_yuan for p in annotate_execution(projects, dt.date(2026, 8, 31))]
    time_progress = Decimal(8) / 12
    assert any(r / time_progress < Decimal("0.6") for r in rates)  # red
    assert any(Decimal("0.6") <= r / time_progress < Decimal("0.8") for r in rates)  # yellow
    assert any(r / time_progress >= Decimal("0.8") for r in rates)  # green
    rolled = ProjectMonthExecution.objects.aggregate(total=Sum("amount_yuan"))["total"]
    raw = Payment.objects.aggregate(total=Sum("amount_yuan"))["total"]
    assert rolled.quantize(Decimal("0.01")) == raw.quantize(Decimal("0.01"))
    # the sweep's rollup-based reading gives the raw figures for any day, after the demo seed's own write path
    for day in (dt.date(2026, 3, 31), dt.date(2026, 6, 15), dt.date(2026, 9, 10), dt.date(2026, 12, 31)):
        raw_rows = dict(annotate_execution(projects, day).values_list("code", "executed_yuan"))
        fast_rows = dict(annotate_execution_fast(projects, day).values_list("code", "executed_yuan"))
        assert {k: Decimal(v).quantize(Decimal("0.01")) for k, v in raw_rows.items()} == {
            k: Decimal(v).quantize(Decimal("0.01")) for k, v in fast_rows.items()
        }, day
