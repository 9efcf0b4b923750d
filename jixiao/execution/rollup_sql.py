"""Statements that build read models, shared by `execution.services` and the migrations that fill the read models
for existing data (which must not import the live models): the dense, cumulative department rollup
(`DepartmentCumulativeExecution`) from the department × month rollup, and the payment totals (`PaymentTotal`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

MONTHS = " UNION ALL ".join(f"SELECT {m} AS month" for m in range(1, 13))


def insert_cumulative(
    department_ids: Sequence[int],
    source_table: str = "execution_departmentmonthexecution",
    target_table: str = "execution_departmentcumulativeexecution",
) -> None:
    """Insert, for every department and project year with monthly rows, twelve rows: the payments through the end
    of month m of the project year (earlier years' payments included; later years' excluded). The caller deletes
    the departments' old rows first, in the same transaction."""
    if not department_ids:
        return
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(department_ids))
    sql = (
        f"INSERT INTO {quote(target_table)} (department_id, project_year, month, executed_yuan) "  # noqa: S608 - names from model metadata, values bound
        "SELECT r.department_id, r.project_year, m.month, "
        "SUM(CASE WHEN r.fiscal_year < r.project_year OR (r.fiscal_year = r.project_year AND r.month <= m.month) "
        "THEN r.amount_yuan ELSE 0 END) "
        f"FROM {quote(source_table)} r CROSS JOIN ({MONTHS}) m "
        f"WHERE r.department_id IN ({marks}) GROUP BY r.department_id, r.project_year, m.month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(department_ids))


PAYMENT_TOTALS = "execution_paymenttotal"
TOTAL_COLUMNS = "region_id, department_id, unit_id, fiscal_year, payments, amount_yuan, refunds, refunds_yuan"


def insert_payment_totals(
    source: str, where: str, params: Sequence[Any], *, region_id: int | None = None, add: bool = False
) -> None:
    """Insert the payment totals of the `source` rows (the payment table, or the import's staging table with the
    batch's `region_id`) matching `where`, grouped by region, department, unit and year. With `add`, totals of keys
    that have a row already are added to it (the import's batches); without, the caller deleted the rows first."""
    quote = connection.ops.quote_name
    region = "region_id" if region_id is None else "%s"
    keys = (
        "department_id, unit_id, fiscal_year"
        if region_id is not None
        else "region_id, department_id, unit_id, fiscal_year"
    )
    sql = (
        f"INSERT INTO {quote(PAYMENT_TOTALS)} ({TOTAL_COLUMNS}) "  # noqa: S608 - names from our own code, values bound
        f"SELECT {region}, department_id, unit_id, fiscal_year, COUNT(*), SUM(amount_yuan), "
        "SUM(CASE WHEN amount_yuan < 0 THEN 1 ELSE 0 END), SUM(CASE WHEN amount_yuan < 0 THEN amount_yuan ELSE 0 END) "
        f"FROM {quote(source)} WHERE {where} GROUP BY {keys}"
    )
    if add:
        table = quote(PAYMENT_TOTALS)
        sums = ", ".join(
            f"{c} = {table}.{c} + excluded.{c}" for c in ("payments", "amount_yuan", "refunds", "refunds_yuan")
        )
        sql += f" ON CONFLICT (region_id, fiscal_year, department_id, unit_id) DO UPDATE SET {sums}"
    with connection.cursor() as cursor:
        bound: list[Any] = [region_id] if region_id is not None else []
        cursor.execute(sql, [*bound, *params])
