"""A fresh county's monitoring round issued and self-evaluation started: the services' work, with fast inserts.

`monitoring.services.task_issue` and `evaluation.services.task_start` spend most of a generated county's time in
`bulk_create` of their records, indicator rows, fund rows and events. Here the same seed builders of those services
(`task_projects_in_scope`/`task_project_seeds`, `task_record_seeds`: the pre-filled amounts, indicators and
scores) make the rows and
`bulk.insert_objects` writes them; the task rows, events and audit rows are the services'. The result is the same
rows (`jixiao/demo/tests/test_province.py` compares both paths); a county that is not freshly generated, or any
other caller, must use the services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.demo.province.bulk import insert_objects
from jixiao.evaluation import services as evaluation
from jixiao.evaluation.models import SelfEvalEvent, SelfEvalTask
from jixiao.monitoring import selectors as monitoring_selectors
from jixiao.monitoring import services as monitoring
from jixiao.monitoring.models import MonitoringEvent, MonitoringTask, TaskStatus
from jixiao.targets.models import PerformanceTarget


def issue_round(*, actor: Any, task: MonitoringTask) -> int:
    """Issue a fresh draft round of all in-library projects (task_issue for scope ALL); returns the record count."""
    role = actor.active_membership.role
    with transaction.atomic():
        locked = MonitoringTask.objects.select_for_update(of=("self",)).select_related("region").get(pk=task.pk)
        if locked.status != TaskStatus.DRAFT or locked.kind != MonitoringTask.Kind.PROJECT:
            raise ValueError("only a fresh project round can be issued here")
        settings_row = monitoring_selectors.settings_for(locked.region, locked.fiscal_year)
        progress = monitoring_selectors.time_progress(
            locked.fiscal_year, locked.period_end_month, settings_row.time_progress_mode
        )
        as_of = monitoring_selectors.month_end(locked.fiscal_year, locked.period_end_month)
        seeds = monitoring.task_project_seeds(locked, monitoring.task_projects_in_scope(locked, as_of), progress)
        now = timezone.now()
        records = [seed.record for seed in seeds]
        for record in records:
            record.created_by = actor
            record.updated_by = actor
        insert_objects(records)
        rows = []
        for seed in seeds:
            for row in seed.rows:
                row.record = seed.record
                rows.append(row)
        insert_objects(rows)
        insert_objects(
            [
                MonitoringEvent(
                    task=locked,
                    record=record,
                    actor=actor,
                    actor_role=role,
                    action="issue",
                    action_label="下达监控任务",
                    to_status=record.status,
                    occurred_at=now,
                )
                for record in records
            ]
        )
        locked.status = TaskStatus.ISSUED
        locked.issued_by = actor
        locked.issued_at = now
        locked.time_progress = progress
        locked.version += 1
        locked.updated_by = actor
        locked.save(
            update_fields=["status", "issued_by", "issued_at", "time_progress", "version", "updated_by", "updated_at"]
        )
        MonitoringEvent.objects.create(
            task=locked,
            actor=actor,
            actor_role=role,
            action="issue",
            action_label="下达监控任务",
            from_status=TaskStatus.DRAFT,
            to_status=TaskStatus.ISSUED,
            comment=f"生成监控表{len(records)}张",
        )
        audit.record(
            actor=actor,
            event_type="monitoring.task_issue",
            obj=locked,
            changes={"status": [TaskStatus.DRAFT, TaskStatus.ISSUED], "records": [0, len(records)]},
        )
    return len(records)


def start_self_evaluation(*, actor: Any, fiscal_year: int, deadline: date) -> int:
    """task_start for a fresh county: one pre-filled, scored record per approved target; returns the record count."""
    membership = actor.active_membership
    region = membership.region
    with transaction.atomic():
        targets = list(
            PerformanceTarget.objects.filter(
                is_deleted=False,
                fiscal_year=fiscal_year,
                status__in=evaluation.APPROVED_TARGET,
                region__path__startswith=region.path,
            )
            .select_related("region", "department", "unit")
            .order_by("department_id", "unit_id", "id")
        )
        if not targets:
            return 0
        task = SelfEvalTask.objects.create(
            region=region,
            fiscal_year=fiscal_year,
            title=f"{fiscal_year}年度单位自评",
            deadline=deadline,
            started_by=actor,
            started_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
        )
        seeds = evaluation.task_record_seeds(task, targets)
        records = [seed.record for seed in seeds]
        for record in records:
            record.created_by = actor
            record.updated_by = actor
        insert_objects(records)
        funds, rows = [], []
        for seed in seeds:
            for fund in seed.funds:
                fund.self_eval = seed.record
                funds.append(fund)
            for row in seed.rows:
                row.self_eval = seed.record
                rows.append(row)
        insert_objects(funds)
        insert_objects(rows)
        now = timezone.now()
        insert_objects(
            [
                SelfEvalEvent(
                    self_eval=record,
                    actor=actor,
                    actor_role=membership.role,
                    action="start",
                    action_label="发起自评",
                    to_status=record.status,
                    occurred_at=now,
                )
                for record in records
            ]
        )
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_start",
            obj=task,
            changes={"fiscal_year": [None, fiscal_year], "records": [0, len(records)]},
        )
    return len(records)
