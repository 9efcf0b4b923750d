"""Reads for 绩效运行监控: settings in force, time progress and execution ratio, lists, round progress, 待办."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jixiao.core import config_rows
from jixiao.core.models import AuditEvent
from jixiao.core.numbers import is_digits
from jixiao.core.todos import TodoItem, countdown
from jixiao.monitoring import hooks
from jixiao.monitoring.models import (
    EDITABLE_STATUSES,
    DeviationReason,
    Likelihood,
    MonitoringEvent,
    MonitoringEvidence,
    MonitoringRecord,
    MonitoringSettings,
    MonitoringTask,
    QualitativeLevel,
    RecordStatus,
    Reminder,
    TaskStatus,
    TimeProgressMode,
)
from jixiao.monitoring.workflow import MONITORING_WORKFLOW
from jixiao.organizations.selectors import in_region
from jixiao.projects.models import Project, ProjectStatus

ZERO_YUAN = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))
FOUR = Decimal("0.0001")
TWO = Decimal("0.01")
YELLOW_RATIO_PCT = Decimal(80)


# ---- settings and metrics (DOMAIN.md §5.1, §6.11) ------------------------------------------------------------------


def settings_for(region: Any, fiscal_year: int) -> MonitoringSettings:
    """The most specific settings row; the national defaults (month mode, 60%) without any row."""
    rows = config_rows.applicable(MonitoringSettings.objects.select_related("region"), region, fiscal_year)
    return config_rows.most_specific(rows, region, fiscal_year) or MonitoringSettings()


def month_end(fiscal_year: int, month: int) -> date:
    return date(fiscal_year, month, calendar.monthrange(fiscal_year, month)[1])


def time_progress(fiscal_year: int, month: int, mode: str = TimeProgressMode.MONTH) -> Decimal:
    """序时进度 at the end of `month`: m/12 (MONTH) or elapsed days / days in year (DAY), 4 places."""
    if mode == TimeProgressMode.DAY:
        end = month_end(fiscal_year, month)
        days = 366 if calendar.isleap(fiscal_year) else 365
        value = Decimal(end.timetuple().tm_yday) / Decimal(days)
    else:
        value = Decimal(month) / Decimal(12)
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def region_time_progress(region: Any, fiscal_year: int, month: int) -> Decimal:
    """The region's 序时进度 at the end of `month` by its settings row's mode (the execution app's provider)."""
    return time_progress(fiscal_year, month, settings_for(region, fiscal_year).time_progress_mode)


def exec_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal:
    """执行率 = executed ÷ budget; a zero budget gives 0 (DOMAIN.md §5.1)."""
    if not budget:
        return Decimal(0)
    return (executed or Decimal(0)) / budget


def exec_ratio(executed: Decimal | None, budget: Decimal | None, progress: Decimal | None) -> Decimal | None:
    """执行比 in percent = 执行率 ÷ 序时进度 × 100 (2 places); None when time progress is 0."""
    if not progress:
        return None
    return (exec_rate(executed, budget) / progress * 100).quantize(TWO, rounding=ROUND_HALF_UP)


def record_ratio(record: MonitoringRecord) -> Decimal | None:
    return exec_ratio(record.executed_to_date_yuan, record.current_budget_yuan, record.time_progress)


def needs_explanation(record: MonitoringRecord, red_ratio_pct: Decimal) -> tuple[bool, Decimal | None]:
    """RED needs reasons and measures before submit (DOMAIN.md §5.3): 完全不可能, or 执行比 below the threshold.

    A local estimate only; the warning engine (jixiao.alerts) computes the real lights."""
    ratio = record_ratio(record)
    red = record.likelihood == Likelihood.IMPOSSIBLE or (ratio is not None and ratio < red_ratio_pct)
    return red, ratio


def record_light(record: MonitoringRecord, red_ratio_pct: Decimal | None = None) -> str:
    """The light shown on the 监控表: the warning engine's if registered, else the local execution-ratio estimate."""
    provided = hooks.light_for(record)
    if provided is not None:
        return provided
    red_at = red_ratio_pct if red_ratio_pct is not None else MonitoringSettings().red_ratio_pct
    red, ratio = needs_explanation(record, red_at)
    if red:
        return "红灯"
    if ratio is None:
        return ""
    return "黄灯" if ratio < YELLOW_RATIO_PCT else "绿灯"


def qualitative_light(level: str) -> str:
    """W-QUAL (DOMAIN.md §5.3): 达成 → 绿灯, 部分达成 → 黄灯, 未达成 → 红灯."""
    return {
        QualitativeLevel.ACHIEVED: "绿灯",
        QualitativeLevel.PARTIAL: "黄灯",
        QualitativeLevel.NOT_ACHIEVED: "红灯",
    }.get(level, "")  # type: ignore[call-overload]


def reason_labels(codes: list[str] | None) -> str:
    labels = dict(DeviationReason.choices)
    return "、".join(str(labels[c]) for c in (codes or []) if c in labels)


def progress_sentence(rate: Decimal, progress: Decimal | None) -> str:
    """“执行率45.20%，略高于序时进度（41.67%）” (DOMAIN.md §5.1 overall_progress; seed 001 wording)."""
    if not progress:
        return f"执行率{rate * 100:.2f}%"
    diff = (rate - progress) * 100
    if abs(diff) < Decimal("0.005"):
        relation = "与序时进度持平"
    else:
        word = "高于" if diff > 0 else "低于"
        relation = ("略" if abs(diff) <= 5 else "") + f"{word}序时进度"
    return f"执行率{rate * 100:.2f}%，{relation}（{progress * 100:.2f}%）"


# ---- tasks ---------------------------------------------------------------------------------------------------------


def tasks_visible(user: Any) -> QuerySet[MonitoringTask]:
    return MonitoringTask.objects.visible_to(user).select_related("department", "issued_by")


def task_get(user: Any, pk: Any) -> MonitoringTask:
    found = MonitoringTask.objects.get_visible_or_404(user, pk=pk)
    return MonitoringTask.objects.select_related("region", "department", "issued_by").get(pk=found.pk)


def scope_projects(task: MonitoringTask) -> Any:
    """The round's projects: in-library projects of its year in its region subtree (one department, or the selected
    list, when the round says so). Issuing reads them; the 支付数据执行数 refresh sums a 部门整体 record over them."""
    qs = Project.objects.filter(
        is_deleted=False,
        status=ProjectStatus.IN_LIBRARY,
        fiscal_year=task.fiscal_year,
        region__path__startswith=task.region.path,
    )
    if task.department_id:
        qs = qs.filter(department_id=task.department_id)
    if task.scope == MonitoringTask.Scope.SELECTED:
        qs = qs.filter(pk__in=task.selected_projects.values("pk"))
    return qs


def task_is_managed_by(user: Any, task: MonitoringTask) -> bool:
    """Whether the user's bureau may 下达, 关闭 or 删除 the round (not a round issued above its region)."""
    membership = user.active_membership
    return bool(
        membership is not None
        and user.can("monitoring.manage")
        and MonitoringTask.objects.managed_by(membership).filter(pk=task.pk).exists()
    )


def task_selected_projects(user: Any, task: MonitoringTask, limit: int = 200) -> list[Any]:
    """The 选定项目 of a round that the user sees: a unit sees its own, never the other units' chosen with them."""
    if task.scope != MonitoringTask.Scope.SELECTED:
        return []
    return list(task.selected_projects.visible_to(user).order_by("code")[:limit])


def tasks_filtered(user: Any, params: dict[str, Any]) -> QuerySet[MonitoringTask]:
    qs = tasks_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    return qs


@dataclass(frozen=True)
class RoundProgress:
    total: int
    by_status: dict[str, int]
    filled: int
    submitted: int
    approved: int
    budget_yuan: Decimal
    executed_yuan: Decimal
    rate: Decimal
    time_progress: Decimal | None
    sentence: str


def round_progress(user: Any, task: MonitoringTask) -> RoundProgress:
    """Counts by status and Σ execution ÷ Σ budget over the records the user sees, in two aggregate queries."""
    records = records_visible(user).filter(task=task)
    by_status = dict(records.values_list("status").annotate(n=Count("id")).order_by())
    totals = records.aggregate(
        budget=Coalesce(Sum("current_budget_yuan"), ZERO_YUAN),
        executed=Coalesce(Sum("executed_to_date_yuan"), ZERO_YUAN),
    )
    total = sum(by_status.values())
    submitted_states = {
        RecordStatus.SUBMITTED,
        RecordStatus.DEPT_APPROVED,
        RecordStatus.SECTION_APPROVED,
        RecordStatus.APPROVED,
    }
    submitted = sum(n for s, n in by_status.items() if s in submitted_states)
    filled = submitted + by_status.get(RecordStatus.FILLING, 0)
    rate = exec_rate(totals["executed"], totals["budget"])
    return RoundProgress(
        total=total,
        by_status=by_status,
        filled=filled,
        submitted=submitted,
        approved=by_status.get(RecordStatus.APPROVED, 0),
        budget_yuan=totals["budget"],
        executed_yuan=totals["executed"],
        rate=rate,
        time_progress=task.time_progress,
        sentence=progress_sentence(rate, task.time_progress),
    )


def task_events(task: MonitoringTask) -> QuerySet[MonitoringEvent]:
    return task.events.filter(record__isnull=True).select_related("actor")


# ---- records -------------------------------------------------------------------------------------------------------


def records_visible(user: Any) -> QuerySet[MonitoringRecord]:
    return MonitoringRecord.objects.visible_to(user).exclude(task__status=TaskStatus.DRAFT)


def record_get(user: Any, pk: Any) -> MonitoringRecord:
    found = records_visible(user).filter(pk=pk).values_list("pk", flat=True).first() if is_digits(str(pk)) else None
    if found is None:
        raise Http404
    return MonitoringRecord.objects.select_related("task", "project", "department", "unit", "region").get(pk=found)


def records_filtered(user: Any, params: dict[str, Any]) -> QuerySet[MonitoringRecord]:
    qs = records_visible(user).select_related("task", "project", "department", "unit", "region")
    if params.get("task"):
        qs = qs.filter(task_id=params["task"])
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    qs = in_region(qs, params.get("region"))
    if params.get("department"):
        qs = qs.filter(department_id=params["department"])
    if params.get("likelihood"):
        qs = qs.filter(likelihood=params["likelihood"])
    if params.get("q"):
        q = params["q"]
        qs = qs.filter(Q(name__icontains=q) | Q(project__code__icontains=q) | Q(unit__name__icontains=q))
    return qs.order_by("task__deadline", "department__dept_code", "unit__agency_code", "id")


def record_rows(record: MonitoringRecord) -> QuerySet[Any]:
    return record.indicator_rows.order_by("seq", "id")


RETURN_ACTIONS = frozenset(t.action for t in MONITORING_WORKFLOW.transitions if t.target == RecordStatus.RETURNED)


def pending_return(record: MonitoringRecord) -> MonitoringEvent | None:
    """The return a record is waiting to answer (its latest 报送, 撤回 or return step sent it back), shown with the
    opinion on the record and fill pages until it is 报送 again; None otherwise."""
    if record.status not in (RecordStatus.RETURNED, RecordStatus.FILLING):
        return None
    steps = record.events.filter(action__in=RETURN_ACTIONS | {"submit", "withdraw"})
    last = steps.select_related("actor").order_by("-occurred_at", "-id").first()
    return last if last is not None and last.action in RETURN_ACTIONS else None


def record_events(record: MonitoringRecord) -> QuerySet[MonitoringEvent]:
    return record.events.select_related("actor")


def record_audit_trail(record: MonitoringRecord) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="monitoring.monitoringrecord", object_id=str(record.pk))


def reimport_allowed(record: MonitoringRecord, export_token: str, exported_version: int) -> bool:
    """Whether a workbook exported at `exported_version` may still be imported although the record moved on: only
    when every change since was an import of this very workbook (same export token), i.e. the record's latest import
    came from it and produced the record's current version (any other save bumps the version past it)."""
    if not export_token:
        return False
    last = (
        AuditEvent.objects.filter(
            object_type="monitoring.monitoringrecord", object_id=str(record.pk), event_type="monitoring.record_import"
        )
        .order_by("-seq")
        .values_list("changes", flat=True)
        .first()
    )
    if not isinstance(last, dict):
        return False
    return last.get("export_token") == ["", export_token] and last.get("version") == [exported_version, record.version]


def record_evidence(record: MonitoringRecord) -> list[MonitoringEvidence]:
    return list(record.evidence.select_related("row", "uploaded_by").order_by("uploaded_at", "id"))


def evidence_get(user: Any, pk: Any, evidence_pk: Any) -> MonitoringEvidence:
    """A file of a record the user sees; another record's (or unit's) file is missing all the same (404)."""
    record = record_get(user, pk)
    evidence = record.evidence.select_related("row").filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    evidence.record = record
    return evidence


def evidence_row_choices(rows: Any) -> list[tuple[int, str]]:
    """The upload form's 对应指标 options: the record's rows in their order."""
    choices = []
    for row in sorted(rows, key=lambda r: (r.seq, r.pk)):
        levels = "／".join(n for n in (row.level1_name, row.level2_name) if n)
        choices.append((row.pk, f"{row.name}（{levels}）" if levels else row.name))
    return choices


def records_for_export(records: QuerySet[MonitoringRecord]) -> QuerySet[MonitoringRecord]:
    return records.select_related("task", "project", "department", "unit").order_by(
        "department__dept_code", "unit__agency_code", "id"
    )


def reminders_visible(user: Any) -> QuerySet[Reminder]:
    return Reminder.objects.filter(record__in=records_visible(user)).select_related("record", "record__task")


# ---- 待办 ----------------------------------------------------------------------------------------------------------

REVIEW_TODO = (
    ("monitoring.review_dept", RecordStatus.SUBMITTED),
    ("monitoring.review_section", RecordStatus.DEPT_APPROVED),
    ("monitoring.manage", RecordStatus.SECTION_APPROVED),
)


# 监控表待填报: what the 待办 line counts and its list (`?todo=fill`) shows; a returned record has its own line.
TO_FILL = (RecordStatus.PENDING, RecordStatus.FILLING)


def monitoring_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("monitoring.view"):
        return []
    filling = membership.can("monitoring.fill")
    # (title, statuses, query) of the record counts: the unit's own lines, then the reviewers'.
    own: list[tuple[str, list[str], str]] = [
        ("监控表待填报", list(TO_FILL), "todo=fill"),
        ("监控表被退回", [RecordStatus.RETURNED], f"status={RecordStatus.RETURNED}"),
    ]
    reviews: list[tuple[str, list[str], str]] = [
        (f"监控表{RecordStatus(status).label}", [status], f"status={status}")
        for capability, status in REVIEW_TODO
        if membership.can(capability) and status in MONITORING_WORKFLOW.states_awaiting(capability)
    ]
    shown = (own if filling else []) + reviews
    wanted = sorted({s for _title, statuses, _query in shown for s in statuses})
    stats: dict[str, dict[str, Any]] = {}
    if wanted:
        rows = (
            records_visible(user)
            .filter(task__status=TaskStatus.ISSUED, status__in=wanted)
            .values("status")
            .annotate(n=Count("*"), deadline=Min("task__deadline"))
            .order_by()
        )
        stats = {row["status"]: row for row in rows}
    url = reverse("monitoring:record_list")

    def item(title: str, statuses: list[str], query: str) -> TodoItem:
        count = sum(stats[s]["n"] for s in statuses if s in stats)
        deadlines = [stats[s]["deadline"] for s in statuses if s in stats]
        hint = f"最近截止{min(deadlines):%Y-%m-%d}，{countdown(min(deadlines))[1]}" if deadlines else ""
        return TodoItem("绩效运行监控", title, count, f"{url}?{query}", hint)

    items: list[TodoItem] = []
    if filling:
        items.extend(item(*line) for line in own)
        today = timezone.localdate()
        reminders = reminders_visible(user).filter(sent_on=today, record__status__in=EDITABLE_STATUSES).count()
        items.append(
            TodoItem("绩效运行监控", "监控填报截止提醒", reminders, f"{url}?todo=fill", "临近或已过填报截止日期")
        )
    items.extend(item(*line) for line in reviews)
    return items
