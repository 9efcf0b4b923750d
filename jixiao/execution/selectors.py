"""Execution read from payments, always in the database (one aggregate query, never a Python loop per project)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jixiao.core.scoping import ScopeLevel, whole_departments_q
from jixiao.execution import hooks
from jixiao.execution.models import (
    DepartmentCumulativeExecution,
    DepartmentMonthExecution,
    Payment,
    PaymentImport,
    PaymentTotal,
    ProjectMonthExecution,
    RegionMonthExecution,
)
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion
from jixiao.organizations.selectors import spans_counties
from jixiao.projects.models import Project, ProjectStatus

MONEY_FIELD: Any = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)
CENT = Decimal("0.01")


def annotate_execution(projects: QuerySet[Any], as_of: date) -> QuerySet[Any]:
    """Add `executed_yuan` to each project: the signed sum of its payments dated on or before `as_of`, 0 if none.

    The contract other stages rely on (monitoring, warnings, evaluation); how it is computed (raw payments or a
    rollup) may change behind it. It reads raw payments through the (project, pay_date) index, so it is right for
    any date and for payments written by any path; `annotate_execution_to_month` reads the monthly rollup and gives
    the same figures for month ends.
    """
    return projects.annotate(executed_yuan=executed_sum(as_of, "project", project=OuterRef("pk")))


def executed_sum(as_of: date, group: str, **match: Any) -> Coalesce:
    """The signed sum of the payments that `match` (correlated by OuterRef: one project, or one department's projects)
    dated on or before `as_of`, grouped by `group` (the correlated column), 0 if none: the raw-payment definition of
    `annotate_execution`, for a caller that updates other rows with it (the monitoring refresh)."""
    paid = (
        Payment.objects.filter(pay_date__lte=as_of, **match)
        .order_by()
        .values(group)
        .annotate(total=Sum("amount_yuan"))
        .values("total")
    )
    return Coalesce(Subquery(paid, output_field=MONEY_FIELD), ZERO)


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def annotate_execution_to_month(projects: QuerySet[Any], year: int, month: int) -> QuerySet[Any]:
    """`executed_yuan` to the end of `year`-`month`, from the project × month rollup (dashboards, sweeps)."""
    per_project = (
        ProjectMonthExecution.objects.filter(project=OuterRef("pk"))
        .filter(Q(fiscal_year__lt=year) | Q(fiscal_year=year, month__lte=month))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount_yuan"))
        .values("total")
    )
    return projects.annotate(executed_yuan=Coalesce(Subquery(per_project, output_field=MONEY_FIELD), ZERO))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def rollup_filter_before(as_of: date) -> Q:
    """Rollup rows wholly on or before `as_of`: every earlier year, and this year's months up to the last complete
    one (the month of `as_of` itself when `as_of` is its last day)."""
    last_month = as_of.month if is_month_end(as_of) else as_of.month - 1
    return Q(fiscal_year__lt=as_of.year) | Q(fiscal_year=as_of.year, month__lte=last_month)


def annotate_execution_fast(projects: QuerySet[Any], as_of: date) -> QuerySet[Any]:
    """The same `executed_yuan` as `annotate_execution`, read from the project × month rollup up to the last
    complete month plus the raw payments of the current month up to `as_of` (none at a month end). The rollup is
    kept in step with every write of payments (execution.services `_write_batch`, `rollup_refresh`), so both give
    equal figures for any date; this one never scans a project's whole payment history."""
    from_rollup = (
        ProjectMonthExecution.objects.filter(project=OuterRef("pk"))
        .filter(rollup_filter_before(as_of))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount_yuan"))
        .values("total")
    )
    executed: Any = Coalesce(Subquery(from_rollup, output_field=MONEY_FIELD), ZERO)
    if not is_month_end(as_of):
        this_month = (
            Payment.objects.filter(project=OuterRef("pk"), pay_date__gte=_month_start(as_of), pay_date__lte=as_of)
            .order_by()
            .values("project")
            .annotate(total=Sum("amount_yuan"))
            .values("total")
        )
        executed = executed + Coalesce(Subquery(this_month, output_field=MONEY_FIELD), ZERO)
    return projects.annotate(executed_yuan=executed)


def execution_by_month(projects: QuerySet[Any], fiscal_year: int) -> list[dict[str, Any]]:
    """Rows {month, amount} (1..12, 0 where nothing was paid) for the given projects, from the rollup."""
    return _twelve_months(
        ProjectMonthExecution.objects.filter(project__in=projects.values("pk"), fiscal_year=fiscal_year)
    )


def _twelve_months(rollup_rows: QuerySet[Any]) -> list[dict[str, Any]]:
    """Rollup rows (project, department or region × month) summed per month: {month, amount} for 1..12."""
    sums = dict(rollup_rows.values("month").annotate(total=Sum("amount_yuan")).values_list("month", "total").order_by())
    return [{"month": m, "amount": sums.get(m) or Decimal("0.00")} for m in range(1, 13)]


def execution_by_department(projects: QuerySet[Any], fiscal_year: int, month: int = 12) -> list[dict[str, Any]]:
    """Per 主管部门: budget, executed to the end of `month` and the rate (a fraction), largest budget first.

    One grouped statement, as a hand-written query would do it: the rollup summed per project once (only the given
    projects' rows, through the (project, fiscal_year, month) unique index), joined to the projects and grouped by
    department. Raw SQL because the ORM cannot join a grouped derived table; the projects come in as the compiled
    SQL of the given queryset, so every filter (scope included) applies."""
    year_projects = (
        projects.filter(fiscal_year=fiscal_year).order_by().values("pk", "department_id", "total_amount_yuan")
    )
    sql, params = year_projects.query.sql_with_params()
    quote = connection.ops.quote_name
    rollup = quote(ProjectMonthExecution._meta.db_table)
    department = quote(Department._meta.db_table)
    region = quote(FiscalRegion._meta.db_table)
    text = (
        f"SELECT p.department_id, d.name, g.name, SUM(p.total_amount_yuan) AS budget, "  # noqa: S608
        f"SUM(COALESCE(x.executed, 0)), COUNT(*) FROM ({sql}) p JOIN {department} d ON d.id = p.department_id "
        f"JOIN {region} g ON g.id = d.region_id "
        f"LEFT JOIN (SELECT r.project_id, SUM(r.amount_yuan) AS executed FROM {rollup} r "
        f"WHERE r.project_id IN (SELECT q.pk FROM ({sql}) q) AND r.fiscal_year <= %s "
        f"AND NOT (r.fiscal_year = %s AND r.month > %s) GROUP BY r.project_id) x ON x.project_id = p.pk "
        f"GROUP BY p.department_id, d.name, g.name"
    )
    with connection.cursor() as cursor:
        cursor.execute(text, [*params, *params, fiscal_year, fiscal_year, month])
        fetched = cursor.fetchall()
    return _department_rows(fetched)


def _department_rows(fetched: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """(department id, name, region name, budget sum, executed sum, project count) rows as the panel's dicts,
    largest budget first."""
    rows = []
    for department_id, name, region_name, budget_sum, executed_sum, count in fetched:
        budget = _cents(budget_sum)
        spent = _cents(executed_sum)
        rows.append(
            {
                "department_id": department_id,
                "department": name,
                "region": region_name,
                "budget": budget,
                "executed": spent,
                "rate": spent / budget if budget else Decimal(0),
                "projects": count,
            }
        )
    rows.sort(key=lambda row: (-row["budget"], row["department"] or ""))
    return rows


def whole_departments(user: Any) -> QuerySet[Department] | None:
    """The 主管部门 whose projects the user sees in full, by the projects' own row scope
    (`core.scoping.whole_departments_q`): the region subtree, the 对口 section's departments or the user's own
    department. None for unit-level users, who see part of a department (they read the project rollup)."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return None
    whole = whole_departments_q(membership, "")
    if whole is None:
        return None
    return Department.objects.filter(whole, region__path__startswith=membership.region.path)


def whole_regions(user: Any) -> QuerySet[FiscalRegion] | None:
    """The fiscal regions whose projects the user sees in full: the region subtree of region-level users (the
    bureau's sections, leaders, oversight); None for every narrower scope."""
    membership = getattr(user, "active_membership", None)
    if membership is None or membership.scope_level != ScopeLevel.REGION:
        return None
    return FiscalRegion.objects.filter(path__startswith=membership.region.path)


def execution_by_month_of_regions(regions: QuerySet[FiscalRegion], fiscal_year: int) -> list[dict[str, Any]]:
    """`execution_by_month` for all in-library projects of whole regions, from the region × month rollup (a few
    thousand rows for a province)."""
    return _twelve_months(
        RegionMonthExecution.objects.filter(
            region__in=regions.values("pk"), project_year=fiscal_year, fiscal_year=fiscal_year
        )
    )


def department_months(departments: QuerySet[Department], project_year: int) -> QuerySet[Any]:
    return DepartmentMonthExecution.objects.filter(department__in=departments.values("pk"), project_year=project_year)


def execution_by_month_of_departments(departments: QuerySet[Department], fiscal_year: int) -> list[dict[str, Any]]:
    """`execution_by_month` for all in-library projects of whole departments, from the department × month rollup
    (tens of rows per department instead of twelve per project)."""
    return _twelve_months(department_months(departments, fiscal_year).filter(fiscal_year=fiscal_year))


def execution_by_department_of_departments(
    projects: QuerySet[Any], departments: QuerySet[Department], fiscal_year: int, month: int = 12
) -> list[dict[str, Any]]:
    """`execution_by_department` when `projects` are all in-library projects of whole `departments`: budgets
    grouped from the projects (an index-only scan on PostgreSQL), execution through `month` (1–12) read from the
    dense cumulative department rollup (one row per department), joined with the names in one statement composed
    of the compiled querysets (every filter, scope included, stays in their SQL; values stay bound parameters)
    and sorted there, so the final sort in Python only confirms the order."""
    budgets = (
        projects.filter(fiscal_year=fiscal_year)
        .order_by()
        .values("department_id")
        # COUNT(*), not COUNT(id): the id is not in the covering index, and reading it lost the index-only scan
        # (the bench's department panel went from 1.5× to 2.3× DuckDB).
        .annotate(budget=Sum("total_amount_yuan"), n=Count("*"))
        .values_list("department_id", "budget", "n")
    )
    executed = DepartmentCumulativeExecution.objects.filter(
        department__in=departments.values("pk"), project_year=fiscal_year, month=month
    ).values_list("department_id", "executed_yuan")
    budget_sql, budget_params = budgets.query.sql_with_params()
    executed_sql, executed_params = executed.query.sql_with_params()
    department = connection.ops.quote_name(Department._meta.db_table)
    region = connection.ops.quote_name(FiscalRegion._meta.db_table)
    text = (
        f"SELECT b.department_id, d.name, g.name, b.budget, e.executed_yuan, b.n FROM ({budget_sql}) b "  # noqa: S608 - compiled querysets
        f"JOIN {department} d ON d.id = b.department_id JOIN {region} g ON g.id = d.region_id "
        f"LEFT JOIN ({executed_sql}) e ON e.department_id = b.department_id "
        "ORDER BY COALESCE(b.budget, 0) DESC, d.name"
    )
    with connection.cursor() as cursor:
        cursor.execute(text, [*budget_params, *executed_params])
        fetched = cursor.fetchall()
    return _department_rows(fetched)


def _cents(value: Any) -> Decimal:
    """Money in cents (SQLite sums decimals in floating point and returns floats from raw SQL)."""
    if value is None:
        return Decimal("0.00")
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT)


def cumulative(rows: list[dict[str, Any]]) -> list[Decimal]:
    total = Decimal(0)
    series = []
    for row in rows:
        total += row["amount"]
        series.append(total)
    return series


def payment_list(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Payment]:
    """Payments the user may see, filtered (project code/name, unit, date range, year), newest first."""
    filters = filters or {}
    qs = Payment.objects.visible_to(user).select_related("project", "unit")
    if filters.get("project"):
        qs = qs.filter(Q(project__code__icontains=filters["project"]) | Q(project__name__icontains=filters["project"]))
    if filters.get("project_id"):
        qs = qs.filter(project_id=filters["project_id"])
    if filters.get("unit"):
        qs = qs.filter(Q(unit__agency_code=filters["unit"]) | Q(unit__name__icontains=filters["unit"]))
    if filters.get("unit_id"):
        qs = qs.filter(unit_id=filters["unit_id"])
    if filters.get("date_from"):
        qs = qs.filter(pay_date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(pay_date__lte=filters["date_to"])
    if filters.get("fiscal_year"):
        qs = qs.filter(fiscal_year=filters["fiscal_year"])
    if filters.get("voucher_no"):
        qs = qs.filter(voucher_no=filters["voucher_no"])
    return qs.order_by("-pay_date", "-id")  # type: ignore[no-any-return]


def payment_totals(payments: QuerySet[Payment]) -> dict[str, Any]:
    """Count, signed sum and refunds of the listed payments in one pass (a province: one scan of 10 million rows
    instead of two; the list page hands the count to its paginator)."""
    return payments.order_by().aggregate(
        count=Count("*"),
        total=Coalesce(Sum("amount_yuan"), ZERO),
        refunds=Coalesce(Sum("amount_yuan", filter=Q(amount_yuan__lt=0)), ZERO),
    )


# The payment list's filters the totals read model answers; any other (search, dates, project) counts the rows.
TOTALS_FILTERS = frozenset({"fiscal_year", "region", "department", "unit", "refunds"})


def payment_list_totals(user: Any, payments: QuerySet[Payment], filters: Mapping[str, Any]) -> dict[str, Any]:
    """The payment list's count, signed sum and refunds. Filtered by nothing but the year, the region, the
    department, the unit or refunds, they come from `PaymentTotal`, scoped like the payments and keyed by the
    payments' own columns, so they are the listed rows' figures (a province user: ~80,000 rows summed instead of
    10 million payments); otherwise `payment_totals` over the listed payments. `filters` are the list's cleaned
    filter values."""
    if any(value not in (None, "", False) for name, value in filters.items() if name not in TOTALS_FILTERS):
        return payment_totals(payments)
    rows = PaymentTotal.objects.visible_to(user)  # type: ignore[attr-defined]
    if filters.get("fiscal_year"):
        rows = rows.filter(fiscal_year=filters["fiscal_year"])
    if filters.get("region"):  # a city or county of a multi-county user's own (the filter's choices)
        rows = rows.filter(region__path__startswith=filters["region"].path)
    # As the list's ScopedIdFilter does it: an id outside the user's scope matches nothing.
    if filters.get("department"):
        rows = rows.filter(
            department__in=Department.objects.visible_to(user).filter(pk=filters["department"]).values("pk")
        )  # type: ignore[attr-defined]
    if filters.get("unit"):
        rows = rows.filter(unit__in=BudgetUnit.objects.visible_to(user).filter(pk=filters["unit"]).values("pk"))  # type: ignore[attr-defined]
    sums = rows.order_by().aggregate(
        count=Coalesce(Sum("payments"), 0),
        total=Coalesce(Sum("amount_yuan"), ZERO),
        refund_count=Coalesce(Sum("refunds"), 0),
        refunds=Coalesce(Sum("refunds_yuan"), ZERO),
    )
    if filters.get("refunds"):  # the list shows only the negative vouchers
        return {"count": sums["refund_count"], "total": sums["refunds"], "refunds": sums["refunds"]}
    return {"count": sums["count"], "total": sums["total"], "refunds": sums["refunds"]}


def import_history(user: Any) -> QuerySet[PaymentImport]:
    """Imports of the regions the user works in (importers only reach this page)."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return PaymentImport.objects.none()
    return PaymentImport.objects.filter(region__path__startswith=membership.region.path).select_related("user", "job")


def project_execution_panel(project: Any, today: date) -> dict[str, Any]:
    """Budget, executed to date, rate and the cumulative monthly series of one (already visible) project."""
    executed = (
        annotate_execution(type(project).objects.filter(pk=project.pk), today)
        .values_list("executed_yuan", flat=True)
        .first()
    ) or Decimal(0)
    budget = project.total_amount_yuan or Decimal(0)
    months = execution_by_month(type(project).objects.filter(pk=project.pk), project.fiscal_year)
    return {
        "budget": budget,
        "executed": executed,
        "rate": executed / budget if budget else Decimal(0),
        "series": [str(v) for v in cumulative(months)][: today.month if project.fiscal_year == today.year else 12],
        "has_payments": Payment.objects.filter(project_id=project.pk).exists(),
    }


# Bars of an execution-rate chart (执行进度分析, 领导驾驶舱): the departments furthest behind.
CHART_DEPARTMENTS = 15


def lagging_departments(departments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`execution_analysis` department rows, lowest execution rate first (the departments furthest behind)."""
    return sorted(departments, key=lambda row: (row["rate"], row["department"]))


def execution_analysis(user: Any, fiscal_year: int, month: int) -> dict[str, Any]:
    """Execution against 序时进度 for the projects the user sees: the monthly cumulative series and per 主管部门
    to the end of `month`, against the 序时进度 of the viewer's region (its monitoring settings: m/12, the national
    default, or elapsed days ÷ days in the year). All sums are computed in the database."""
    projects = Project.objects.visible_to(user).filter(fiscal_year=fiscal_year, status=ProjectStatus.IN_LIBRARY)
    whole = whole_departments(user)
    regions = whole_regions(user)
    if whole is not None:  # region, section and department users: the region and department × month rollups
        if regions is not None:
            monthly = execution_by_month_of_regions(regions, fiscal_year)
        else:
            monthly = execution_by_month_of_departments(whole, fiscal_year)
        departments = execution_by_department_of_departments(projects, whole, fiscal_year, month)
    else:
        monthly = execution_by_month(projects, fiscal_year)
        departments = execution_by_department(projects, fiscal_year, month)
    # Every project has its 主管部门: the departments' budgets and counts add up to the whole.
    budget = sum((row["budget"] for row in departments), Decimal("0.00"))
    series = cumulative(monthly)
    membership = getattr(user, "active_membership", None)
    progress = hooks.time_progress(getattr(membership, "region", None), fiscal_year, month)
    several_counties = spans_counties(user)  # every county has its 教育局: name the region too
    for row in departments:
        row["gap"] = row["rate"] - progress
        if several_counties:
            row["department"] = f"{row['region']}·{row['department']}"
    executed = series[month - 1] if series else Decimal(0)
    return {
        "budget": budget,
        "executed": executed,
        "rate": executed / budget if budget else Decimal(0),
        "time_progress": progress,
        "months": [f"{m}月" for m in range(1, 13)],
        "cumulative": series,
        "departments": departments,
        "project_count": sum(row["projects"] for row in departments),
    }


def filtered_project(user: Any, project_id: Any) -> Project | None:
    """The project a payment list is filtered to (`?project=`, from the project page's 查看支付明细), named above the
    list; None when the id is no project the user sees (the list is then empty, as the filter leaves it)."""
    if not project_id:
        return None
    return Project.objects.visible_to(user).filter(pk=project_id).only("pk", "code", "name").first()
