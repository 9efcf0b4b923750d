"""绩效运行监控 writes: rounds (create, issue, close), filling, the review workflow and reminders.

Every function re-checks capability and row scope, runs in one transaction, bumps `version` and writes audit rows.
Issuing is set-based: one query for the projects with their execution to the period end, one for the approved
targets, one for their indicators, then bulk inserts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jixiao.core import audit, bulk
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.money import format_wan
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.core.text import CONTROL_IN_TEXT
from jixiao.execution.selectors import annotate_execution
from jixiao.indicators.models import FrameworkNode, Operator
from jixiao.monitoring import hooks, selectors
from jixiao.monitoring.models import (
    DeviationReason,
    Likelihood,
    MonitoringEvent,
    MonitoringIndicatorRow,
    MonitoringRecord,
    MonitoringTask,
    QualitativeLevel,
    RecordStatus,
    Reminder,
    TaskStatus,
)
from jixiao.monitoring.record_xlsx import MonitoringImportError, read_record
from jixiao.monitoring.workflow import BULK_ACTIONS, EDITABLE_STATES
from jixiao.monitoring.workflow import MONITORING_WORKFLOW as WORKFLOW
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetStatus, TargetVersion

APPROVED_TARGET = (TargetStatus.APPROVED, TargetStatus.ADJUSTING)
TASK_FIELDS = [
    "task_no",
    "kind",
    "title",
    "description",
    "fiscal_year",
    "period_end_month",
    "start_date",
    "deadline",
    "warn_days",
    "scope",
    "department",
]
RECORD_FIELDS = [
    "executed_to_date_yuan",
    "difference_explanation",
    "expected_annual_yuan",
    "goal_execution",
    "likelihood",
    "deviation_reasons",
    "deviation_text",
    "measures",
]
ROW_FIELDS = [
    "completion_to_date",
    "expected_annual",
    "qualitative_level",
    "deviation_reasons",
    "deviation_text",
    "measures",
    "remark",
]
MAX_TEXT = {"difference_explanation": 2000, "goal_execution": 4000, "deviation_text": 4000, "measures": 4000}
ROW_MAX_TEXT = {
    "completion_to_date": 1000,
    "expected_annual": 1000,
    "deviation_text": 2000,
    "measures": 2000,
    "remark": 500,
}


def _role(actor: Any) -> str:
    membership = getattr(actor, "active_membership", None)
    return membership.role if membership is not None else ""


# ---- rounds --------------------------------------------------------------------------------------------------------


def _next_task_no(region: Any, fiscal_year: int, month: int) -> str:
    prefix = f"JK{fiscal_year}{month:02d}-"
    existing = MonitoringTask.objects.filter(region=region, task_no__startswith=prefix)
    used = set(existing.values_list("task_no", flat=True))
    seq = len(used) + 1
    while f"{prefix}{seq:02d}" in used:
        seq += 1
    return f"{prefix}{seq:02d}"


def _clean_task(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in TASK_FIELDS}
    month = cleaned.get("period_end_month")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise DomainError("监控截止月份应为1至12月")
    start, deadline = cleaned.get("start_date"), cleaned.get("deadline")
    if not isinstance(start, date) or not isinstance(deadline, date):
        raise DomainError("请填写开始日期和填报截止日期")
    if deadline < start:
        raise DomainError("填报截止日期不能早于开始日期")
    if not (cleaned.get("title") or "").strip():
        raise DomainError("请填写任务名称")
    scope = cleaned.get("scope") or MonitoringTask.Scope.ALL
    if scope not in MonitoringTask.Scope.values:
        raise DomainError("请选择监控范围")
    cleaned["scope"] = scope
    cleaned["kind"] = (
        MonitoringTask.Kind.DEPT_OVERALL if scope == MonitoringTask.Scope.DEPT_OVERALL else MonitoringTask.Kind.PROJECT
    )
    department = cleaned.get("department")
    if department is not None and not Department.objects.visible_to(actor).filter(pk=department.pk).exists():
        raise NotFoundError("主管部门不存在")
    if cleaned.get("warn_days") is None:
        cleaned["warn_days"] = 3
    if cleaned["warn_days"] < 0 or cleaned["warn_days"] > 60:
        raise DomainError("提前提醒天数应在0至60天之间")
    return cleaned


def _refuse_twin_draft(region: Any, year: int, cleaned: dict[str, Any]) -> None:
    """保存 pressed again after 返回 (or twice): the same round is already a draft, not to be created a second time."""
    twin = (
        MonitoringTask.objects.filter(
            region=region,
            fiscal_year=year,
            period_end_month=cleaned["period_end_month"],
            scope=cleaned["scope"],
            department=cleaned.get("department"),
            title=cleaned.get("title"),
            status=TaskStatus.DRAFT,
        )
        .order_by("pk")
        .first()
    )
    if twin is not None:
        raise ConflictError(
            f"已有同名的草稿监控任务“{twin.task_no}”，请勿重复创建；请在监控任务列表中打开该草稿下达，或删除后重新创建"
        )


def task_create(*, actor: Any, data: dict[str, Any], selected_projects: list[Project] | None = None) -> MonitoringTask:
    """A draft round. `data` holds TASK_FIELDS; SELECTED scope needs `selected_projects`."""
    require(actor, "monitoring.manage")
    cleaned = _clean_task(actor, data)
    region = actor.active_membership.region
    year = cleaned.get("fiscal_year")
    if not is_year(year):
        raise DomainError("请填写有效的年度")
    selected = list(selected_projects or [])
    if cleaned["scope"] == MonitoringTask.Scope.SELECTED:
        if not selected:
            raise DomainError("监控范围为“选定项目”时请至少选择一个项目")
        visible = set(
            Project.objects.visible_to(actor)
            .filter(pk__in=[p.pk for p in selected], fiscal_year=year)
            .values_list("pk", flat=True)
        )
        if len(visible) != len({p.pk for p in selected}):
            raise DomainError("所选项目不存在或不属于该年度")
    elif selected:
        selected = []
    with transaction.atomic():
        # One new round per region at a time: the number and the duplicate check below see each other's rows.
        FiscalRegion.objects.filter(pk=region.pk).lock()
        _refuse_twin_draft(region, year, cleaned)
        task_no = (cleaned.get("task_no") or "").strip() or _next_task_no(region, year, cleaned["period_end_month"])
        if MonitoringTask.objects.filter(region=region, task_no=task_no).exists():
            raise ConflictError(f"任务编号“{task_no}”已存在")
        cleaned["task_no"] = task_no
        task = MonitoringTask(region=region, created_by=actor, updated_by=actor, **cleaned)
        task.save()
        if selected:
            task.selected_projects.set(selected)
        MonitoringEvent.log(
            actor,
            action="create",
            label="创建监控任务",
            task=task,
            to_status=task.status,
        )
        audit.record(
            actor=actor,
            event_type="monitoring.task_create",
            obj=task,
            changes=audit.diff({}, audit.snapshot(task, TASK_FIELDS)),
        )
    return task


def _visible_task(actor: Any, task: MonitoringTask) -> None:
    """A round the actor sees and whose bureau the actor belongs to: a county reads its city's round (its units'
    监控表 are in it) but 下达, 关闭 and 删除 stay with the city."""
    visible = MonitoringTask.objects.visible_to(actor).filter(pk=task.pk)
    if not visible.exists():
        raise NotFoundError("监控任务不存在")
    if not MonitoringTask.objects.managed_by(actor.active_membership).filter(pk=task.pk).exists():
        raise PermissionDeniedError("该监控任务由上级财政部门下达，只能由下达的财政部门管理")


@dataclass
class _Seed:
    """What one record starts with, before bulk insertion."""

    record: MonitoringRecord
    rows: list[MonitoringIndicatorRow]


@dataclass
class Issued:
    """What issuing a round made: the records, and for a 部门整体 round the departments left out because no active
    一级预算单位 (本级) can fill their record — named to the issuer, not skipped silently."""

    records: int
    without_own_unit: list[str] = dataclass_field(default_factory=list)


def task_issue(*, actor: Any, task: MonitoringTask) -> Issued:
    """Issue a draft round: create one pre-filled record per project (or department) in scope.

    Scope: in-library projects of the round's year in the region (optionally one department, or the selected list).
    Every such project is monitored (全面监控); those with an approved target get its year goal and indicators."""
    require(actor, "monitoring.manage")
    _visible_task(actor, task)
    with transaction.atomic():
        locked = MonitoringTask.objects.select_for_update(of=("self",)).select_related("region").get(pk=task.pk)
        if locked.status != TaskStatus.DRAFT:
            raise ConflictError("只有草稿状态的监控任务可以下达")
        settings_row = selectors.settings_for(locked.region, locked.fiscal_year)
        progress = selectors.time_progress(locked.fiscal_year, locked.period_end_month, settings_row.time_progress_mode)
        as_of = selectors.month_end(locked.fiscal_year, locked.period_end_month)
        projects = task_projects_in_scope(locked, as_of)
        skipped: list[str] = []
        if locked.kind == MonitoringTask.Kind.DEPT_OVERALL:
            seeds = _dept_seeds(locked, projects, progress, skipped)
        else:
            seeds = task_project_seeds(locked, projects, progress)
        if not seeds:
            if skipped:
                raise DomainError(f"以下部门没有一级预算单位（本级）填报部门整体监控表，不能下达：{'、'.join(skipped)}")
            raise DomainError("监控范围内没有已入库的项目，不能下达")
        now = timezone.now()
        for seed in seeds:
            seed.record.created_by = actor
            seed.record.updated_by = actor
        records = MonitoringRecord.objects.bulk_create([s.record for s in seeds], batch_size=500)
        rows: list[MonitoringIndicatorRow] = []
        for seed, record in zip(seeds, records, strict=True):
            for row in seed.rows:
                row.record = record
                rows.append(row)
        MonitoringIndicatorRow.objects.bulk_create(rows, batch_size=1000)
        MonitoringEvent.objects.bulk_create(
            [
                MonitoringEvent(
                    task=locked,
                    record=r,
                    actor=actor,
                    actor_role=_role(actor),
                    action="issue",
                    action_label="下达监控任务",
                    to_status=r.status,
                    occurred_at=now,
                )
                for r in records
            ],
            batch_size=1000,
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
        MonitoringEvent.log(
            actor,
            action="issue",
            label="下达监控任务",
            comment=f"生成监控表{len(records)}张"
            + (f"；没有本级单位、未生成：{'、'.join(skipped)}" if skipped else ""),
            task=locked,
            from_status=TaskStatus.DRAFT,
            to_status=TaskStatus.ISSUED,
        )
        audit.record(
            actor=actor,
            event_type="monitoring.task_issue",
            obj=locked,
            changes={
                "status": [TaskStatus.DRAFT, TaskStatus.ISSUED],
                "records": [0, len(records)],
                **({"without_own_unit": skipped} if skipped else {}),
            },
        )
    return Issued(len(records), skipped)


def task_projects_in_scope(task: MonitoringTask, as_of: date) -> list[Project]:
    # One query: the projects with their signed payment sum to the period end.
    return list(annotate_execution(selectors.scope_projects(task), as_of).order_by("department_id", "unit_id", "code"))


def _approved_targets(task: MonitoringTask, q: Q) -> list[PerformanceTarget]:
    targets = list(
        PerformanceTarget.objects.filter(q, is_deleted=False, fiscal_year=task.fiscal_year, status__in=APPROVED_TARGET)
    )
    _as_approved(targets)
    return targets


def _as_approved(targets: list[PerformanceTarget]) -> None:
    """A target under adjustment (ADJUSTING) holds the unit's edits not yet approved: the round works from its
    approved version (the snapshot of its goal_version). Its 年度目标 and 年度资金总额 are set from that snapshot on
    the object in hand (never saved), and the snapshot is kept as `approved_snapshot` for `_indicator_rows`."""
    adjusting = {t.pk: t for t in targets if t.status == TargetStatus.ADJUSTING}
    if not adjusting:
        return
    versions = TargetVersion.objects.filter(target_id__in=adjusting).order_by("target_id", "-goal_version", "-id")
    for version in versions:
        target = adjusting[version.target_id]
        if hasattr(target, "approved_snapshot") or version.goal_version > target.goal_version:
            continue
        snap = version.snapshot
        target.approved_snapshot = snap  # type: ignore[attr-defined]
        target.annual_goal = str(snap.get("annual_goal", target.annual_goal))
        if snap.get("annual_total_yuan") is not None:
            target.annual_total_yuan = Decimal(str(snap["annual_total_yuan"]))


def _indicator_rows(targets: list[PerformanceTarget]) -> dict[int, list[MonitoringIndicatorRow]]:
    """The approved version's annual indicators per target id. A target under adjustment (ADJUSTING) may have
    edited rows, so its approved version is read from the version snapshot (`_as_approved`)."""
    result: dict[int, list[MonitoringIndicatorRow]] = defaultdict(list)
    live = [t.pk for t in targets if t.status == TargetStatus.APPROVED]
    adjusting = {t.pk: t.goal_version for t in targets if t.status == TargetStatus.ADJUSTING}
    indicators = (
        TargetIndicator.objects.filter(target_id__in=live, year_flag=TargetIndicator.YearFlag.ANNUAL)
        .select_related("lv1", "lv2")
        .order_by("target_id", "seq", "id")
    )
    for ind in indicators:
        result[ind.target_id].append(
            MonitoringIndicatorRow(
                indicator=ind,
                seq=len(result[ind.target_id]) + 1,
                level1_name=ind.lv1.name,
                level2_name=ind.lv2.name,
                name=ind.name,
                operator=ind.operator,
                is_qualitative=ind.operator == Operator.QUALITATIVE,
                target_value=_target_value(ind.target_text, ind.unit),
            )
        )
    if adjusting:
        snapshots: dict[int, dict[str, Any]] = {
            t.pk: t.approved_snapshot  # type: ignore[attr-defined]
            for t in targets
            if t.pk in adjusting and hasattr(t, "approved_snapshot")
        }
        node_ids = {
            i[key]
            for snap in snapshots.values()
            for i in snap.get("indicators", [])
            for key in ("lv1_id", "lv2_id")
            if i.get(key)
        }
        names = dict(FrameworkNode.objects.filter(pk__in=node_ids).values_list("pk", "name"))
        for target_id, snap in snapshots.items():
            for i in snap.get("indicators", []):
                if i.get("year_flag", "annual") != TargetIndicator.YearFlag.ANNUAL:
                    continue
                result[target_id].append(
                    MonitoringIndicatorRow(
                        seq=len(result[target_id]) + 1,
                        level1_name=names.get(int(i.get("lv1_id") or 0), ""),
                        level2_name=names.get(int(i.get("lv2_id") or 0), ""),
                        name=str(i.get("name", ""))[:200],
                        operator=str(i.get("operator", "")),
                        is_qualitative=i.get("operator") == Operator.QUALITATIVE,
                        target_value=_target_value(str(i.get("target_text", "")), str(i.get("unit") or "")),
                    )
                )
    return result


def _target_value(text: str, unit: str) -> str:
    """指标值 as the 监控表 shows it: the unit appended unless the value already names it (≥120 台 → ≥120台)."""
    return (text + (unit if unit and unit not in text else ""))[:1000]


def _base_record(task: MonitoringTask, progress: Decimal, region_id: int) -> dict[str, Any]:
    """A record's own keys: `region_id` is its project's or department's, not the round's: a city's round over its
    counties gives each county's units records they see (the row scope is the reader's region subtree)."""
    return {"task": task, "region_id": region_id, "fiscal_year": task.fiscal_year, "time_progress": progress}


def task_project_seeds(task: MonitoringTask, projects: list[Project], progress: Decimal) -> list[_Seed]:
    targets = {t.project_id: t for t in _approved_targets(task, Q(project_id__in=[p.pk for p in projects]))}
    rows = _indicator_rows(list(targets.values()))
    seeds: list[_Seed] = []
    for project in projects:
        target = targets.get(project.pk)
        executed = project.executed_yuan  # type: ignore[attr-defined]
        total = project.fiscal_amount_yuan + project.carryover_amount_yuan + project.other_amount_yuan
        annual = target.annual_total_yuan if target is not None and target.annual_total_yuan else total
        record = MonitoringRecord(
            **_base_record(task, progress, project.region_id),
            project=project,
            target=target,
            department_id=project.department_id,
            unit_id=project.unit_id,
            name=project.name,
            annual_budget_yuan=annual,
            current_budget_yuan=total,
            fiscal_budget_yuan=project.fiscal_amount_yuan,
            carryover_budget_yuan=project.carryover_amount_yuan,
            other_budget_yuan=project.other_amount_yuan,
            executed_to_date_yuan=executed,
            executed_from_payments_yuan=executed,
            year_goal=target.annual_goal if target is not None else "",
        )
        seeds.append(_Seed(record, rows.get(target.pk, []) if target is not None else []))
    return seeds


def _dept_seeds(task: MonitoringTask, projects: list[Project], progress: Decimal, skipped: list[str]) -> list[_Seed]:
    """One record per department: budget and execution summed over its in-library projects (already fetched). A
    department without an active 一级预算单位 has nobody to fill it: its name is added to `skipped`."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in projects:
        s = sums[p.department_id]
        s["fiscal"] += p.fiscal_amount_yuan
        s["carryover"] += p.carryover_amount_yuan
        s["other"] += p.other_amount_yuan
        s["executed"] += p.executed_yuan  # type: ignore[attr-defined]
    dept_q = Q(subject_type=PerformanceTarget.Subject.DEPT_OVERALL, region__path__startswith=task.region.path)
    if task.department_id:
        dept_q &= Q(department_id=task.department_id)
    targets = {t.department_id: t for t in _approved_targets(task, dept_q)}
    dept_ids = set(sums) | set(targets)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=dept_ids)}
    own_units: dict[int, int] = {}
    for unit in BudgetUnit.objects.filter(
        department_id__in=dept_ids, level=BudgetUnit.Level.FIRST, is_active=True
    ).order_by("department_id", "agency_code", "id"):
        own_units.setdefault(unit.department_id, unit.pk)
    rows = _indicator_rows(list(targets.values()))
    seeds: list[_Seed] = []
    for dept_id in sorted(dept_ids, key=lambda d: departments[d].dept_code):
        if dept_id not in own_units:
            skipped.append(departments[dept_id].name)
            continue
        s = sums[dept_id]
        total = s["fiscal"] + s["carryover"] + s["other"]
        target = targets.get(dept_id)
        record = MonitoringRecord(
            **_base_record(task, progress, departments[dept_id].region_id),
            target=target,
            department_id=dept_id,
            unit_id=own_units[dept_id],
            name=departments[dept_id].name,
            annual_budget_yuan=target.annual_total_yuan if target is not None and target.annual_total_yuan else total,
            current_budget_yuan=total,
            fiscal_budget_yuan=s["fiscal"],
            carryover_budget_yuan=s["carryover"],
            other_budget_yuan=s["other"],
            executed_to_date_yuan=s["executed"],
            executed_from_payments_yuan=s["executed"],
            year_goal=target.annual_goal if target is not None else "",
        )
        seeds.append(_Seed(record, rows.get(target.pk, []) if target is not None else []))
    return seeds


def task_close(*, actor: Any, task: MonitoringTask, comment: str = "") -> MonitoringTask:
    require(actor, "monitoring.manage")
    _visible_task(actor, task)
    # Read from the raw request, no form field checked it: a NUL is a 500 on PostgreSQL, refused before any write.
    if CONTROL_IN_TEXT.search(comment):
        raise DomainError("关闭说明不能包含控制字符")
    with transaction.atomic():
        locked = MonitoringTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.ISSUED:
            raise ConflictError("只有已下达的监控任务可以关闭")
        locked.status = TaskStatus.CLOSED
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
        MonitoringEvent.log(
            actor,
            action="close",
            label="关闭监控任务",
            comment=comment,
            task=locked,
            from_status=TaskStatus.ISSUED,
            to_status=TaskStatus.CLOSED,
        )
        audit.record(
            actor=actor,
            event_type="monitoring.task_close",
            obj=locked,
            reason=comment[:500],
            changes={"status": [TaskStatus.ISSUED, TaskStatus.CLOSED]},
        )
    return locked


def task_delete(*, actor: Any, task: MonitoringTask) -> None:
    """Delete a draft round (nothing was issued yet)."""
    require(actor, "monitoring.manage")
    _visible_task(actor, task)
    with transaction.atomic():
        locked = MonitoringTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != TaskStatus.DRAFT:
            raise ConflictError("已下达的监控任务不能删除")
        audit.record(actor=actor, event_type="monitoring.task_delete", obj=locked)
        locked.delete()


# ---- filling -------------------------------------------------------------------------------------------------------


def _visible_record(actor: Any, record: MonitoringRecord) -> None:
    if not selectors.records_visible(actor).filter(pk=record.pk).exists():
        raise NotFoundError("监控表不存在")


def _codes(value: Any, where: str) -> list[str]:
    codes = list(value or [])
    unknown = [c for c in codes if c not in DeviationReason.values]
    if unknown:
        raise DomainError(f"{where}偏差原因类别无效：{'、'.join(map(str, unknown))}")
    return [c for c in DeviationReason.values if c in codes]


def _text(value: Any, limit: int, label: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise DomainError(f"{label}不能超过{limit}字")
    return text


def _verbose(model: Any, name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _wan_exact(yuan: Decimal) -> str:
    """万元 to the cent (up to 6 places, at least 2): a unit that typed the page's rounded 2,833.79 for payments of
    2,833.788271万元 must see why the figures differ, not the same 2,833.79 twice."""
    text = format_wan(yuan, places=6).rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _clean_record(record: MonitoringRecord, data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The record's entries checked; every refusal is added to `problems` (all of them at once, in form order)."""
    cleaned: dict[str, Any] = {}
    n = record.task.period_end_month
    labels = {f: _verbose(MonitoringRecord, f).replace("1—N月", f"1—{n}月") for f in RECORD_FIELDS}
    for field in RECORD_FIELDS:
        if field not in data:
            continue
        try:
            cleaned[field] = _clean_value(field, data[field], labels[field], n)
        except DomainError as exc:
            problems.append(exc.message)
    if "executed_to_date_yuan" in data and "executed_to_date_yuan" not in cleaned:
        return cleaned  # the figures below compare against it
    executed = cleaned.get("executed_to_date_yuan", record.executed_to_date_yuan)
    explanation = cleaned.get("difference_explanation", record.difference_explanation)
    if executed != record.executed_from_payments_yuan and not explanation:
        problems.append(
            f"1—{n}月执行数（{_wan_exact(executed)}万元）与支付数据（{_wan_exact(record.executed_from_payments_yuan)}"
            "万元）不一致，请填写差异说明"
        )
    expected = cleaned.get("expected_annual_yuan", record.expected_annual_yuan)
    if expected is not None and expected >= 0 and expected < executed:
        problems.append(f"全年预计执行数不能小于1—{n}月执行数")
    return cleaned


def _clean_value(field: str, value: Any, label: str, n: int) -> Any:
    if field in MAX_TEXT:
        return _text(value, MAX_TEXT[field], label)
    if field == "deviation_reasons":
        return _codes(value, "")
    if field == "likelihood":
        value = value or ""
        if value and value not in Likelihood.values:
            raise DomainError("完成目标可能性无效")
    elif field == "executed_to_date_yuan":
        if value is None:
            raise DomainError(f"请填写1—{n}月执行数")
        if value < 0:
            raise DomainError(f"1—{n}月执行数不能为负数")
    elif field == "expected_annual_yuan" and value is not None and value < 0:
        raise DomainError("全年预计执行数不能为负数")
    return value


def _clean_rows(
    rows: dict[int, MonitoringIndicatorRow], data: dict[int, dict[str, Any]], month: int, problems: list[str]
) -> dict[int, dict[str, Any]]:
    """The indicator rows' entries checked; every refusal is added to `problems`, named by its indicator."""
    cleaned: dict[int, dict[str, Any]] = {}
    for pk, values in data.items():
        row = rows.get(pk)
        if row is None:
            raise DomainError("指标行不存在，请刷新后重试")
        where = f"指标“{row.name}”："
        out: dict[str, Any] = {}
        for field in ROW_FIELDS:
            if field not in values:
                continue
            try:
                out[field] = _clean_row_value(row, field, values[field], where, month)
            except DomainError as exc:
                problems.append(exc.message)
        cleaned[pk] = out
    return cleaned


def _clean_row_value(row: MonitoringIndicatorRow, field: str, value: Any, where: str, month: int) -> Any:
    if field in ROW_MAX_TEXT:
        label = _verbose(MonitoringIndicatorRow, field).replace("1—N月", f"1—{month}月")
        return _text(value, ROW_MAX_TEXT[field], where + label)
    if field == "deviation_reasons":
        return _codes(value, where)
    if field == "qualitative_level":
        value = value or ""
        if value and not row.is_qualitative:
            raise DomainError(where + "只有定性指标可以选择完成档次")
        if value and value not in QualitativeLevel.values:
            raise DomainError(where + "定性完成档次无效")
    return value


VERSION_CHANGED = "监控表已被他人修改，请刷新后重试"


def record_save(
    *,
    actor: Any,
    record: MonitoringRecord,
    data: dict[str, Any],
    rows: dict[int, dict[str, Any]] | None = None,
    version: int | None = None,
    saved: list[MonitoringRecord] | None = None,
) -> MonitoringRecord:
    """Save the unit's entries (record fields and indicator rows, by row id). All or nothing.

    `saved`: a caller running this inside its own transaction (the import) collects the record there and runs the
    saved-record hooks itself once that transaction commits, as `record_transition` does."""
    require(actor, "monitoring.fill")
    _visible_record(actor, record)
    with transaction.atomic():
        locked = MonitoringRecord.objects.select_for_update(of=("self",)).select_related("task").get(pk=record.pk)
        if locked.status not in EDITABLE_STATES:
            raise ConflictError(f"监控表当前状态为“{locked.get_status_display()}”，不能修改")
        if locked.task.status != TaskStatus.ISSUED:
            raise ConflictError("监控任务已关闭，不能修改")
        if version is not None and version != locked.version:
            raise ConflictError(VERSION_CHANGED)
        problems: list[str] = []
        cleaned = _clean_record(locked, data, problems)
        existing = {r.pk: r for r in locked.indicator_rows.all()}
        row_data = _clean_rows(existing, rows or {}, locked.task.period_end_month, problems)
        if problems:  # every refusal at once, not the first one only
            raise DomainError("；".join(problems))
        before = audit.snapshot(locked, [*RECORD_FIELDS, "status"])
        for field, value in cleaned.items():
            setattr(locked, field, value)
        changed_rows: list[MonitoringIndicatorRow] = []
        row_changes: dict[str, Any] = {}
        for pk, values in row_data.items():
            row = existing[pk]
            diffs = {f: [getattr(row, f), v] for f, v in values.items() if getattr(row, f) != v}
            if diffs:
                for f, (_old, new) in diffs.items():
                    setattr(row, f, new)
                changed_rows.append(row)
                row_changes[f"indicator:{row.name}"] = {
                    f: [audit.jsonable(a), audit.jsonable(b)] for f, (a, b) in diffs.items()
                }
        if changed_rows:
            MonitoringIndicatorRow.objects.bulk_update(changed_rows, ROW_FIELDS)
        source = locked.status
        if source in (RecordStatus.PENDING, RecordStatus.RETURNED):
            locked.status = RecordStatus.FILLING
        locked.filled_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        changes = audit.diff(before, audit.snapshot(locked, [*RECORD_FIELDS, "status"]))
        changes.update(row_changes)
        if source != locked.status:
            MonitoringEvent.log(
                actor,
                action="fill",
                label="开始填报",
                task=locked.task,
                record=locked,
                from_status=source,
                to_status=locked.status,
            )
        audit.record(actor=actor, event_type="monitoring.record_save", obj=locked, changes=changes)
    if saved is None:
        hooks.record_saved(locked)
    else:
        saved.append(locked)
    return locked


def record_import(*, actor: Any, record: MonitoringRecord, upload: IO[bytes] | bytes) -> MonitoringRecord:
    """监控表导入: the unit's entries from a filled 监控表 workbook (the record's own export, filled offline), saved
    through `record_save` with its checks. All or nothing: a workbook of another record, year or period, a changed
    三级指标 or 年度指标值, a missing or extra row, or any bad cell refuses it (every problem named by its cell)."""
    require(actor, "monitoring.fill")
    _visible_record(actor, record)
    record = MonitoringRecord.objects.select_related("task", "region", "department", "unit").get(pk=record.pk)
    if record.status not in EDITABLE_STATES:
        raise ConflictError(f"监控表当前状态为“{record.get_status_display()}”，不能导入")
    if record.task.status != TaskStatus.ISSUED:
        raise ConflictError("监控任务已关闭，不能导入")
    parsed = read_record(upload, record, list(selectors.record_rows(record)))
    stale = ConflictError("监控表在导出后已被修改（页面保存或另一次导入），为免覆盖，请重新导出后填写再导入")
    base = parsed.version
    if base is not None and base != record.version:
        # The same workbook imported again (corrected, or unchanged) over its own earlier import: nothing else
        # changed the record since, so the import goes on against the version that import left.
        if not selectors.reimport_allowed(record, parsed.export_token, base):
            raise stale
        base = record.version
    saved: list[MonitoringRecord] = []
    with transaction.atomic():
        try:
            locked = record_save(
                actor=actor, record=record, data=parsed.data, rows=parsed.rows, version=base, saved=saved
            )
        except ConflictError as exc:
            if base is not None and exc.message == VERSION_CHANGED:
                raise stale from exc
            raise
        except DomainError as exc:  # the online form's checks, each problem on its line as the reader's
            raise MonitoringImportError(exc.message.split("；")) from exc
        MonitoringEvent.log(
            actor,
            action="import",
            label="导入监控表",
            comment=f"导入{len(parsed.rows)}个指标",
            task=locked.task,
            record=locked,
            from_status=record.status,
            to_status=locked.status,
        )
        audit.record(
            actor=actor,
            event_type="monitoring.record_import",
            obj=locked,
            changes={
                "rows": [0, len(parsed.rows)],
                # What `selectors.reimport_allowed` reads: the export imported and the versions it went from and to.
                "version": [parsed.version, locked.version],
                "export_token": ["", parsed.export_token],
            },
        )
    hooks.records_saved(saved)
    return locked


def check_submittable(record: MonitoringRecord) -> None:
    """Everything a record needs before it is submitted (Chinese messages, all problems at once)."""
    problems: list[str] = []
    n = record.task.period_end_month
    if record.expected_annual_yuan is None:
        problems.append("请填写全年预计执行数")
    if not record.goal_execution.strip():
        problems.append(f"请填写年度总体目标1—{n}月执行情况")
    if not record.likelihood:
        problems.append("请选择完成目标可能性")
    if record.executed_to_date_yuan != record.executed_from_payments_yuan and not record.difference_explanation:
        problems.append(f"1—{n}月执行数与支付数据不一致，请填写差异说明")
    for row in record.indicator_rows.order_by("seq", "id"):
        if row.is_qualitative:
            if not row.qualitative_level:
                problems.append(f"指标“{row.name}”：请选择定性完成档次")
        else:
            if not row.completion_to_date.strip():
                problems.append(f"指标“{row.name}”：请填写1—{n}月执行情况")
            if not row.expected_annual.strip():
                problems.append(f"指标“{row.name}”：请填写全年预计完成情况")
        # 未达成 is a red light (W-QUAL, DOMAIN.md §5.3): like a red record it needs the reason and the measures.
        if row.qualitative_level == QualitativeLevel.NOT_ACHIEVED:
            missing = [
                label
                for label, text in (("偏差原因说明", row.deviation_text), ("改进措施", row.measures))
                if not text.strip()
            ]
            if missing:
                problems.append(f"指标“{row.name}”：未达成年度指标（红灯），请填写{'和'.join(missing)}")
    settings_row = selectors.settings_for(record.region, record.fiscal_year)
    red, ratio = selectors.needs_explanation(record, settings_row.red_ratio_pct)
    if red and (not record.deviation_reasons or not record.deviation_text.strip() or not record.measures.strip()):
        if record.likelihood == Likelihood.IMPOSSIBLE:
            why = "完成目标可能性为“完全不可能”"
        else:
            why = f"执行进度明显滞后（执行率÷序时进度为{ratio}%，低于{settings_row.red_ratio_pct.normalize():f}%）"
        problems.append(f"{why}，请选择偏差原因类别、填写偏差原因说明和改进措施后再报送")
    if problems:
        raise DomainError("；".join(problems))


def record_transition(
    *,
    actor: Any,
    record: MonitoringRecord,
    action: str,
    comment: str = "",
    saved: list[MonitoringRecord] | None = None,
) -> MonitoringRecord:
    """Submit, withdraw, review and return. Submitting checks completeness and the RED explanation rule.

    The saved-record hooks (the warning sweep) run after the transaction; `saved`: a caller running this inside its
    own transaction (a batch) collects the record there and runs them itself once that transaction commits."""
    transition = WORKFLOW.get(record.status, action)
    require(actor, transition.capability)
    _visible_record(actor, record)
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("退回时请填写意见")
    if len(comment) > 2000:
        raise DomainError("意见不能超过2000字")
    with transaction.atomic():
        locked = (
            MonitoringRecord.objects.select_for_update(of=("self",)).select_related("task", "region").get(pk=record.pk)
        )
        if locked.status != transition.source:
            raise ConflictError("监控表状态已变化，请刷新后重试")
        if locked.task.status != TaskStatus.ISSUED:
            raise ConflictError("监控任务已关闭，不能操作")
        fields = ["status", "version", "updated_by", "updated_at"]
        if action == "submit":
            check_submittable(locked)
            locked.submitted_at = timezone.now()
            fields.append("submitted_at")
        if transition.target == RecordStatus.RETURNED:
            locked.returned_from = transition.source
            fields.append("returned_from")
        if transition.target == RecordStatus.APPROVED:
            locked.approved_at = timezone.now()
            fields.append("approved_at")
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=fields)
        MonitoringEvent.log(
            actor,
            action=action,
            label=transition.label,
            comment=comment,
            task=locked.task,
            record=locked,
            from_status=transition.source,
            to_status=transition.target,
        )
        audit.record(
            actor=actor,
            event_type=f"monitoring.{action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [transition.source, transition.target]},
        )
    if saved is None:
        hooks.record_saved(locked)
    else:
        saved.append(locked)
    return locked


def record_bulk_transition(*, actor: Any, ids: list[Any], action: str, comment: str = "") -> int:
    """批量审核 of the ticked records: each goes through `record_transition` (event, audit record, warning sweep), all
    in one transaction; a record out of scope, no longer in the button's state or of a closed round fails the batch.
    The saved-record hooks run once the batch has committed, as they do after a single transition: never for a
    refused batch, and the warning sweep's region locks are not held across the batch (in record order, which could
    deadlock against a sweep taking them in region order). They run for the batch's records together
    (`hooks.records_saved`): the warning sweep recomputes the batch's projects in one pass, not one per record."""
    saved: list[MonitoringRecord] = []
    count = bulk.run(
        actor=actor,
        workflow=WORKFLOW,
        offered=BULK_ACTIONS,
        action=action,
        ids=ids,
        comment=comment,
        visible=selectors.records_visible(actor),
        noun="监控表",
        event_prefix="monitoring",
        apply=lambda record, text: record_transition(
            actor=actor, record=record, action=action, comment=text, saved=saved
        ),
    )
    hooks.records_saved(saved)  # once for the batch: the warning sweep makes one pass over its projects
    return count


# ---- reminders -----------------------------------------------------------------------------------------------------


def send_reminders(today: date | None = None, *, dry_run: bool = False) -> list[Reminder]:
    """Reminders for records still to be filled within `warn_days` of the deadline (or overdue), once per record
    and day. Returns the reminders created (or that would be created)."""
    today = today or timezone.localdate()
    candidates = (
        MonitoringRecord.objects.filter(
            is_deleted=False, task__status=TaskStatus.ISSUED, status__in=list(EDITABLE_STATES)
        )
        .exclude(reminders__sent_on=today)
        .select_related("task")
        .order_by("task_id", "id")
    )
    reminders: list[Reminder] = []
    for record in candidates.iterator(chunk_size=1000):
        days, label = selectors.countdown(record.task.deadline, today)
        if days > record.task.warn_days:
            continue
        reminders.append(
            Reminder(
                record=record,
                unit_id=record.unit_id,
                sent_on=today,
                days_left=days,
                message=f"“{record.name}”监控表（{record.task.period_label}）填报截止{record.task.deadline:%Y-%m-%d}，{label}"[
                    :300
                ],
            )
        )
    if not dry_run and reminders:
        with transaction.atomic():
            Reminder.objects.bulk_create(reminders, batch_size=1000, ignore_conflicts=True)
            audit.record(
                actor=None,
                event_type="monitoring.reminders",
                object_type="monitoring.reminder",
                object_repr=f"{today:%Y-%m-%d} 填报提醒",
                changes={"count": [0, len(reminders)]},
            )
    return reminders
