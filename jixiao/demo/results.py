"""Demo 结果应用: the county sets the 压缩 percentage for self-evaluation and re-evaluation grades (the department
and finance evaluations keep the national “比例未设定”, to show it) and an execution threshold; the performance
section (jxg) generates the proposals for the current year's projects (→ next year's budget); the budget section
(ysg) accepts some, changes one with a reason, cancels one, and cuts one of 县教育局's projects by 20%: when next
year's copy of that project is entered above the decided amount, its submission is refused. Everything goes through
the services."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from jixiao.accounts.models import User
from jixiao.results import services
from jixiao.results.checks import q2
from jixiao.results.models import Action, ApplicationStatus, ResultApplication

DEPARTMENT = "县教育局"
COUNTY_RULES: list[tuple[str, dict[str, Any]]] = [
    ("SELF_EVAL-中", {"action": Action.REDUCE_PCT, "pct": Decimal(10), "enforce": True, "priority": 12}),
    ("RE_EVAL-中", {"action": Action.REDUCE_PCT, "pct": Decimal(15), "enforce": True, "priority": 16}),
    (
        "EXEC-LOW",
        {
            "action": Action.REDUCE_UNSPENT,
            "threshold": Decimal(50),
            "pct": Decimal(50),
            "enforce": True,
            "priority": 60,
        },
    ),
]


def _rules(perf: User) -> None:
    for code, data in COUNTY_RULES:
        services.rule_save(actor=perf, code=code, fiscal_year=None, data={**data, "is_active": True})


def _decide(rng: random.Random, budget: User, year: int) -> list[ResultApplication]:
    pending = list(
        ResultApplication.objects.filter(fiscal_year=year, status=ApplicationStatus.PROPOSED)
        .exclude(proposed_amount_yuan__isnull=True)
        .order_by("project__code")
    )
    if not pending:
        return []
    chosen = rng.sample(pending, min(6, len(pending)))
    decided = []
    for app in chosen[:4]:
        decided.append(services.application_decide(actor=budget, application=app, action=app.proposed_action))
    if len(chosen) > 4:
        app = chosen[4]
        amount = q2(app.base_amount_yuan * Decimal("0.9"))
        decided.append(
            services.application_decide(
                actor=budget,
                application=app,
                action=Action.REDUCE_PCT,
                amount_yuan=amount,
                reason="县级财力紧张，同类项目统一压减10%",
            )
        )
    if len(chosen) > 5:
        app = chosen[5]
        decided.append(
            services.application_decide(
                actor=budget, application=app, action=Action.CANCEL, reason="项目已完成既定目标，下年度不再安排"
            )
        )
    return decided


def _school_case(budget: User, year: int) -> None:
    """A cut decided for one of 县教育局's projects: its next-year copy (same code) must stay within the amount."""
    app = (
        ResultApplication.objects.filter(
            fiscal_year=year, department__name=DEPARTMENT, status=ApplicationStatus.PROPOSED
        )
        .order_by("project__code")
        .select_related("project")
        .first()
    )
    if app is None:
        return
    cut = q2(app.base_amount_yuan * Decimal("0.8"))
    services.application_decide(
        actor=budget, application=app, action=Action.REDUCE_PCT, amount_yuan=cut, reason="执行偏慢，压减20%"
    )


def seed_results(rng: random.Random, county: Any, year: int) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["jxg", "ysg"])}
    if len(users) < 2:
        return
    _rules(users["jxg"])
    services.applications_generate(actor=users["jxg"], region=county, fiscal_year=year)
    _decide(rng, users["ysg"], year)
    _school_case(users["ysg"], year)
