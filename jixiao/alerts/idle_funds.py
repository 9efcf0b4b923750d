"""存量资金清理: the in-library projects of a year whose budget lies unspent and may go back for 统筹使用 (seed 003
岚皋 S62 “盘活回收各类存量及沉淀资金2080万元”, and its “存量资金定期收缴清理”).

A project-year is a candidate when one of these holds on the chosen date:

- 结余资金: the project's period ended with its year (结束年度 ≤ the year) and the year is over;
- 连续两年结转: the year is over and its budget holds funds carried over from the year before (上年结转): what of
  them is still unspent has now lain unspent for two years;
- 沉淀资金: nothing was paid for `idle_months` full months running (counted from the year's start when nothing was
  ever paid), and nothing in the current month so far;
- 执行缓慢: within the year, after the end of `slow_month`, execution below `slow_rate_pct`.

Its balance is the budget less what is paid (a negative sum of refunds counts as nothing paid) and what is already
调减/收回, like a warning case's `ProjectFunds.available_yuan`; the recoverable amount is the whole balance, or for
a 连续两年结转 alone no more than the carried-over funds.

The first two are the national rule (国发〔2015〕35号: 结余资金和连续两年未用完的结转资金一律收回统筹使用); the
numbers of the last two are the region's 预警方案设置 (`WarningSetting`, national defaults 6 months, September, 30%).
Everything is computed in the database for all the projects in scope at once (`FIGURES_SQL`): execution from the
project × month rollup up to the last whole month plus this month's payments (the figure of
`execution.selectors.annotate_execution_fast`), the last month paid from the same rollup.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from jixiao.alerts.models import TAKEN_KINDS, FundAdjustment, WarningSetting
from jixiao.alerts.selectors import adjustments_filtered, setting_for
from jixiao.execution.models import Payment, ProjectMonthExecution
from jixiao.execution.selectors import is_month_end
from jixiao.organizations.selectors import in_region
from jixiao.projects.models import Project, ProjectStatus

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
# The kinds that have already taken money off a project-year's budget (as `selectors.project_funds` counts them).
TAKEN = TAKEN_KINDS


class IdleReason(models.TextChoices):
    SURPLUS = "SURPLUS", "结余资金"
    CARRYOVER = "CARRYOVER", "连续两年结转"
    DORMANT = "DORMANT", "沉淀资金"
    SLOW = "SLOW", "执行缓慢"


@dataclass(frozen=True)
class Criteria:
    """What makes unspent funds idle for one clean-up: the year, the date, and the region's settings."""

    fiscal_year: int
    as_of: date
    idle_months: int
    slow_month: int
    slow_rate_pct: Decimal

    @property
    def year_over(self) -> bool:
        return self.as_of > date(self.fiscal_year, 12, 31)

    @property
    def slow_from(self) -> date:
        return date(self.fiscal_year, self.slow_month, calendar.monthrange(self.fiscal_year, self.slow_month)[1])

    @property
    def slow_applies(self) -> bool:
        """执行缓慢 is a judgement within the year, once its cut-off month has ended."""
        return self.slow_from <= self.as_of <= date(self.fiscal_year, 12, 31)

    def sentences(self) -> list[tuple[str, str]]:
        """The four rules as the page states them, each with whether it applies on this date."""
        over = "" if self.year_over else "（年度结束后认定）"
        slow = "" if self.slow_applies else f"（{self.fiscal_year}年{self.slow_month}月底后、年度结束前认定）"
        return [
            (IdleReason.SURPLUS.label, f"项目实施期已结束，年度结束后仍未支出的资金{over}"),
            (IdleReason.CARRYOVER.label, f"上年结转资金到年度结束仍未用完的（已连续两年未用完），以结转金额为限{over}"),
            (IdleReason.DORMANT.label, f"连续{self.idle_months}个月以上没有支出的项目资金"),
            (
                IdleReason.SLOW.label,
                f"{self.slow_month}月底以后，截至认定日期执行率仍低于{self.slow_rate_pct.normalize():f}%的项目资金{slow}",
            ),
        ]


def criteria_for(region: Any, fiscal_year: int, as_of: date) -> Criteria:
    setting: WarningSetting = setting_for(region, fiscal_year)
    return Criteria(fiscal_year, as_of, setting.idle_months, setting.slow_month, Decimal(setting.slow_rate_pct))


def _month_index(year: int, month: int) -> int:
    return year * 12 + month


def _last_complete_month(as_of: date) -> int:
    """The month index of the last month wholly on or before `as_of` (the rollup rows counted by execution)."""
    month = as_of.month if is_month_end(as_of) else as_of.month - 1
    return _month_index(as_of.year, month)


# The figures of every project in scope, computed once: grouped joins of the rollup, this month's payments and the
# year's 调减/收回 (one pass over each, where correlated subqueries repeated per reference took 2.4 s for a 20-county
# province), then the four rules over them. Portable SQL (SQLite and PostgreSQL); amounts may come back as floats
# on SQLite, hence a half-cent for "above zero".
FIGURES_SQL = """
WITH scoped (id) AS ({scoped}),
r AS (
    SELECT project_id, SUM(amount_yuan) AS paid,
           MAX(CASE WHEN amount_yuan <> 0 THEN fiscal_year * 12 + month END) AS last_idx
    FROM {rollup}
    WHERE project_id IN (SELECT id FROM scoped) AND (fiscal_year < %s OR (fiscal_year = %s AND month <= %s))
    GROUP BY project_id
),
m AS (
    SELECT project_id, SUM(amount_yuan) AS paid, MAX(CASE WHEN amount_yuan <> 0 THEN 1 ELSE 0 END) AS moved
    FROM {payment}
    WHERE project_id IN (SELECT id FROM scoped) AND pay_date >= %s AND pay_date <= %s
    GROUP BY project_id
),
t AS (
    SELECT project_id, SUM(amount_yuan) AS taken
    FROM {adjustment}
    WHERE project_id IN (SELECT id FROM scoped) AND fiscal_year = %s AND kind IN ({taken})
    GROUP BY project_id
),
f AS (
    SELECT p.id, p.code, p.region_id, p.end_year, p.carryover_amount_yuan AS carry, p.total_amount_yuan AS budget,
           COALESCE(r.paid, 0) + COALESCE(m.paid, 0) AS executed, COALESCE(t.taken, 0) AS taken,
           r.last_idx, COALESCE(m.moved, 0) AS moved
    FROM {project} p
    LEFT JOIN r ON r.project_id = p.id
    LEFT JOIN m ON m.project_id = p.id
    LEFT JOIN t ON t.project_id = p.id
    WHERE p.id IN (SELECT id FROM scoped)
),
g AS (
    SELECT f.*, budget - (CASE WHEN executed < 0 THEN 0 ELSE executed END) - taken AS balance,
           %s - COALESCE(last_idx, %s) AS idle_months,
           CASE WHEN %s = 1 AND end_year <= %s THEN 1 ELSE 0 END AS surplus,
           CASE WHEN %s = 1 AND carry > 0 THEN 1 ELSE 0 END AS carryover,
           CASE WHEN %s - COALESCE(last_idx, %s) >= %s AND moved = 0 THEN 1 ELSE 0 END AS dormant,
           CASE WHEN %s = 1 AND budget > 0 AND executed * 100 < budget * %s THEN 1 ELSE 0 END AS slow
    FROM f
),
h AS (
    SELECT g.*,
           CASE WHEN surplus = 1 OR dormant = 1 OR slow = 1 THEN balance
                WHEN carryover = 1 THEN (CASE WHEN balance < carry THEN balance ELSE carry END)
                ELSE 0 END AS recoverable
    FROM g
)
"""
COLUMNS = (
    "id",
    "executed",
    "taken",
    "balance",
    "recoverable",
    "last_idx",
    "idle_months",
    "surplus",
    "carryover",
    "dormant",
    "slow",
)
REASON_COLUMNS: dict[str, str] = {
    IdleReason.SURPLUS: "surplus",
    IdleReason.CARRYOVER: "carryover",
    IdleReason.DORMANT: "dormant",
    IdleReason.SLOW: "slow",
}
HALF_CENT = Decimal("0.005")
CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


class IdleList:
    """The idle funds of the projects a user sees (in library, of the year, filtered by `params`), largest recoverable
    amount first. Sliced like a list (the paginator's page, the export's chunks), each item a `Project` with its
    figures: `executed_yuan`, `taken_yuan`, `balance_yuan`, `recoverable_yuan`, `last_paid_idx`, `idle_months` and
    `reasons` (labels)."""

    def __init__(self, projects: QuerySet[Project], criteria: Criteria, reason: str = "") -> None:
        self.criteria = criteria
        scoped_sql, scoped_params = projects.order_by().values("pk").query.sql_with_params()
        c, year = criteria, criteria.fiscal_year
        this_month_from = c.as_of + timedelta(days=1) if is_month_end(c.as_of) else c.as_of.replace(day=1)
        last_whole = _last_complete_month(c.as_of)  # the rollup's months counted: up to it (month 0: none this year)
        before_year, before_month = c.as_of.year, last_whole - _month_index(c.as_of.year, 0)
        self.sql = FIGURES_SQL.format(
            scoped=scoped_sql,
            rollup=ProjectMonthExecution._meta.db_table,
            payment=Payment._meta.db_table,
            adjustment=FundAdjustment._meta.db_table,
            taken=", ".join(["%s"] * len(TAKEN)),
            project=Project._meta.db_table,
        )
        self.params: list[Any] = [
            *scoped_params,
            before_year,
            before_year,
            before_month,
            this_month_from,
            c.as_of,
            year,
            *TAKEN,
            last_whole,
            _month_index(year, 0),
            int(c.year_over),
            year,
            int(c.year_over),
            last_whole,
            _month_index(year, 0),
            c.idle_months,
            int(c.slow_applies),
            c.slow_rate_pct,
        ]
        reasons = [REASON_COLUMNS[reason]] if reason in REASON_COLUMNS else list(REASON_COLUMNS.values())
        self.where = f"recoverable > {HALF_CENT} AND ({' OR '.join(f'{column} = 1' for column in reasons)})"
        self._totals: dict[str, Any] | None = None

    def _fetch(self, tail: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"{self.sql} {tail}", self.params)
            return list(cursor.fetchall())

    def totals(self) -> dict[str, Any]:
        """Count, budgets and balances of the whole list (the 合计 line and the cards)."""
        if self._totals is None:
            tail = f"SELECT COUNT(*), SUM(budget), SUM(recoverable) FROM h WHERE {self.where}"  # noqa: S608 (fixed)
            n, budget, recoverable = self._fetch(tail)[0]
            self._totals = {"count": n, "budget_yuan": _money(budget), "recoverable_yuan": _money(recoverable)}
        return self._totals

    def count(self) -> int:
        return int(self.totals()["count"])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Project]:
        return iter(self[:])

    def __getitem__(self, window: slice) -> list[Project]:
        start = window.start or 0
        stop = window.stop if window.stop is not None else self.count()
        # Only integers and the fixed column names are written into the statement; values go as parameters.
        order = f"ORDER BY recoverable DESC, code, id LIMIT {max(stop - start, 0):d} OFFSET {start:d}"
        rows = self._fetch(f"SELECT {', '.join(COLUMNS)} FROM h WHERE {self.where} {order}")  # noqa: S608
        loaded = Project.objects.select_related("department", "unit", "region").in_bulk([row[0] for row in rows])
        page = []
        for pk, executed, taken, balance, recoverable, last_idx, idle, *flags in rows:
            project = loaded[pk]
            project.executed_yuan = _money(executed)  # type: ignore[attr-defined]
            project.taken_yuan = _money(taken)  # type: ignore[attr-defined]
            project.balance_yuan = _money(balance)  # type: ignore[attr-defined]
            project.recoverable_yuan = _money(recoverable)  # type: ignore[attr-defined]
            project.last_paid_idx = last_idx  # type: ignore[attr-defined]
            project.idle_months = int(idle)  # type: ignore[attr-defined]
            project.reasons = [  # type: ignore[attr-defined]
                str(IdleReason(reason).label) for reason, flag in zip(REASON_COLUMNS, flags, strict=True) if flag
            ]
            page.append(project)
        return page

    def balances(self) -> dict[int, Decimal]:
        """Every listed-or-not project's balance on the date, whatever the rules (the cap of a 收回)."""
        return {pk: _money(balance) for pk, balance in self._fetch("SELECT id, balance FROM h")}

    def chunks(self, limit: int, size: int = 2_000) -> Iterator[list[Project]]:
        """The first `limit` rows, `size` at a time (the export)."""
        for start in range(0, min(limit, self.count()), size):
            yield self[start : min(start + size, limit)]


def idle_candidates(
    user: Any, criteria: Criteria, params: dict[str, Any] | None = None, *, ids: Iterable[int] | None = None
) -> IdleList:
    """The year's in-library projects the user sees that hold idle funds on the date: balance above zero and at
    least one reason (or the one `params["reason"]` names); `ids` narrows them to the projects ticked."""
    params = params or {}
    projects: Any = Project.objects.visible_to(user).filter(  # type: ignore[attr-defined]
        fiscal_year=criteria.fiscal_year, status=ProjectStatus.IN_LIBRARY, is_deleted=False
    )
    projects = in_region(projects, params.get("region"))  # one of a multi-county user's own (the form's choices)
    if params.get("department"):
        projects = projects.filter(department=params["department"])
    if params.get("q"):
        projects = projects.filter(Q(name__icontains=params["q"]) | Q(code__icontains=params["q"]))
    if ids is not None:
        projects = projects.filter(pk__in=list(ids))
    return IdleList(projects, criteria, params.get("reason") or "")


def reasons_of(project: Any) -> list[str]:
    """The labels of the reasons a listed project meets."""
    return list(project.reasons)


def recovered_totals(user: Any, fiscal_year: int) -> dict[str, Any]:
    """What 存量资金清理 has already recovered of the year's budgets in the user's scope (count, projects, amount):
    the 预算调整登记 of that stage."""
    recovered = adjustments_filtered(user, {"fiscal_year": fiscal_year, "source": FundAdjustment.Source.IDLE_FUNDS})
    totals = recovered.order_by().aggregate(
        n=Count("pk"), projects=Count("project", distinct=True), amount=Coalesce(Sum("amount_yuan"), ZERO)
    )
    return {"count": totals["n"], "projects": totals["projects"], "amount_yuan": totals["amount"]}


def rate(project: Any) -> Decimal | None:
    """An annotated project's execution rate (%, two places), None without a budget."""
    if not project.total_amount_yuan:
        return None
    return (Decimal(project.executed_yuan) * 100 / project.total_amount_yuan).quantize(Decimal("0.01"))


def last_paid_text(project: Any) -> str:
    """The last whole month with a payment, as 2026年11月 (this month's payments are not in the rollup yet), or
    无支出."""
    index = project.last_paid_idx
    if index is None:
        return "无支出"
    year, month = divmod(index - 1, 12)
    return f"{year}年{month + 1}月"
