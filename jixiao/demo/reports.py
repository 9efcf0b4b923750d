"""Demo 年度工作总结: the performance section (jxg) generates the county's draft for the year with one click, so
the summary page has a report whose every figure comes from the demo data (DOMAIN.md §2.9)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from jixiao.accounts.models import User
from jixiao.core.errors import DomainError
from jixiao.reports import services


def seed_reports(rng: random.Random, county: Any, year: int) -> None:
    del rng  # deterministic: the figures come from the data seeded before
    perf = User.objects.filter(username="jxg").first()
    if perf is None or perf.active_membership is None or perf.active_membership.region_id != county.pk:
        return
    try:
        # The demo's self-evaluation round and key evaluations are of the current year (demo/evaluation.py), not the
        # year before that a report evaluates by default (FY = WY − 1): name it, so the report is not a page of zeros.
        report = services.annual_report_generate(actor=perf, work_year=year, fiscal_year=year, self_score=Decimal("96"))
        services.annual_report_update(
            actor=perf,
            report=report,
            texts={},
            version=report.version,
            doc_no=f"渠财绩〔{year + 1}〕1号",
            addressees="四川省财政厅、达州市财政局",
        )
    except DomainError:
        return
