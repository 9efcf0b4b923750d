"""支付数据执行数 kept current: payments imported after a round was issued (a late 国库 file, refunds) reach the
监控表 still being filled; a record once 报送 (and every record of a closed round) keeps the figure it was sent with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, When
from django.utils import timezone

from jixiao.core import audit
from jixiao.execution.selectors import executed_sum
from jixiao.monitoring import selectors
from jixiao.monitoring.models import EDITABLE_STATUSES, MonitoringRecord, MonitoringTask, TaskStatus

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)


def records_refresh_execution(region: Any, fiscal_years: Iterable[int]) -> int:
    """execution.hooks callback after payments of `region` were imported: the 监控表 of the region's subtree for those
    years that are still with the unit (待填报, 填报中, 被退回) in an issued round get the 支付数据执行数 of the
    payments now in, to the end of their round's period (a project record: its project's; a 部门整体 record: the
    department's projects in the round's scope, as at 下达). A 1—N月执行数 the unit left as pre-filled (equal to
    the old figure) moves with it; one the unit changed is kept (the 差异说明 check then compares it with the new
    figure). Set-based: one UPDATE per round and kind. Returns the number of records changed."""
    years = [int(y) for y in fiscal_years]
    live = MonitoringRecord.objects.filter(
        is_deleted=False,
        region_id__in=region.subtree_ids,
        fiscal_year__in=years,
        status__in=list(EDITABLE_STATUSES),
    )
    tasks = MonitoringTask.objects.filter(
        pk__in=live.values("task_id"), status=TaskStatus.ISSUED, is_deleted=False
    ).select_related("region")
    changed = 0
    with transaction.atomic():
        for task in tasks.order_by("pk"):
            as_of = selectors.month_end(task.fiscal_year, task.period_end_month)
            per_project = executed_sum(as_of, "project", project=OuterRef("project"))
            per_department = executed_sum(
                as_of,
                "project__department",
                project__in=selectors.scope_projects(task),
                project__department=OuterRef("department"),
            )
            count = 0
            for rows, fresh in (
                (live.filter(task=task, project__isnull=False), per_project),
                (live.filter(task=task, project__isnull=True), per_department),
            ):
                count += rows.exclude(executed_from_payments_yuan=fresh).update(
                    executed_to_date_yuan=Case(
                        When(executed_to_date_yuan=F("executed_from_payments_yuan"), then=fresh),
                        default=F("executed_to_date_yuan"),
                        output_field=MONEY,
                    ),
                    executed_from_payments_yuan=fresh,
                    updated_at=timezone.now(),
                )
            if count:
                audit.record(
                    actor=None,
                    event_type="monitoring.execution_refresh",
                    obj=task,
                    reason="支付数据导入后更新未报送监控表的支付数据执行数",
                    changes={"records": [0, count]},
                )
            changed += count
    return changed


def on_payments_imported(region: Any, fiscal_years: Iterable[int]) -> None:
    """The execution.hooks registration (AppConfig.ready)."""
    records_refresh_execution(region, fiscal_years)
