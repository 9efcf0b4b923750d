"""The one statement that builds the dense, cumulative department rollup (`DepartmentCumulativeExecution`) from the
department × month rollup; shared by `execution.services.department_rollup_refresh` and the migration that fills
it for existing data (which must not import the live models)."""

from __future__ import annotations

from collections.abc import Sequence

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
