"""The set-based sweep: recompute every warning and light of a region's year in a fixed number of queries.

One query reads the region's in-library projects with `executed_yuan` (execution.selectors.annotate_execution);
two more read the latest filled monitoring record per project and its indicator rows. Enabled rules are evaluated
in Python over those rows (engine functions), and the warnings of the region-year are replaced atomically
(delete + bulk_create), lights upserted in bulk, and a disposition case opened for each new red warning whose rule
has a disposition (one open case per project-year and rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jixiao.alerts import engine, selectors
from jixiao.alerts.models import Color, ProjectLight, Warning, WarningCase, WarningRule
from jixiao.core import audit
from jixiao.execution.selectors import annotate_execution
from jixiao.monitoring.models import MonitoringIndicatorRow, MonitoringRecord, MonitoringSettings, RecordStatus
from jixiao.organizations.calendar import add_working_days, overrides_for
from jixiao.projects.models import Project, ProjectStatus

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
REVERSE_OPERATORS = {"≤", "<=", "<", "＜"}
LABELS = {"RED": "红灯", "YELLOW": "黄灯", "GREEN": "绿灯"}


@dataclass
class Row:
    """What the rules see of one project."""

    project_id: int
    budget: Decimal
    executed: Decimal
    record: Any = None
    indicators: list[Any] = field(default_factory=list)


@dataclass
class SweepResult:
    projects: int = 0
    warnings: int = 0
    red: int = 0
    cases_opened: int = 0


def _number(text: str) -> Decimal | None:
    match = NUMBER.search(text or "")
    if not match:
        return None
    try:
        return Decimal(match.group())
    except InvalidOperation:
        return None


def time_progress_mode(region: Any, fiscal_year: int) -> str:
    """MONTH or DAY from the monitoring settings rows (most specific wins; MONTH without any)."""
    rows = MonitoringSettings.objects.filter(Q(fiscal_year__isnull=True) | Q(fiscal_year=fiscal_year))
    best: tuple[int, int] | None = None
    mode = "MONTH"
    for row in rows.select_related("region"):
        rank = selectors._rank(row, region)
        if rank is not None and (best is None or rank > best):
            best, mode = rank, row.time_progress_mode.upper()
    return mode


# ---- evaluators: (rule, row, context) → (value, text, reason, record_id) ------------------------------------------

Result = tuple[Any, str, str, int | None]
NONE: Result = (None, "", "", None)


@dataclass(frozen=True)
class Context:
    as_of: date
    fiscal_year: int
    progress: Decimal  # time progress, %


def _pct(value: Decimal) -> str:
    return f"{engine.q4(value).quantize(Decimal('0.01'))}%"


def _exec_ratio(rule: WarningRule, row: Row, ctx: Context) -> Result:
    rate = engine.exec_rate_to_date(row.executed, row.budget)
    ratio = engine.exec_ratio(rate, ctx.progress)
    if ratio is None:
        return NONE
    reason = f"执行率{_pct(rate)}，序时进度{_pct(ctx.progress)}，执行进度为序时进度的{_pct(ratio)}"
    return ratio, "", reason, None


def _exec_checkpoint(rule: WarningRule, row: Row, ctx: Context) -> Result:
    threshold = engine.checkpoint_threshold(ctx.as_of, ctx.fiscal_year, (rule.params or {}).get("checkpoints", {}))
    rate = engine.exec_rate_to_date(row.executed, row.budget)
    gap = engine.exec_checkpoint(rate, threshold)
    if gap is None:
        return NONE
    return gap, "", f"执行率{_pct(rate)}，节点要求不低于{_pct(threshold or Decimal(0))}", None


def _exec_rate(rule: WarningRule, row: Row, ctx: Context) -> Result:
    rate = engine.exec_rate_to_date(row.executed, row.budget)
    return rate, "", f"执行率{_pct(rate)}", None


def _likelihood(rule: WarningRule, row: Row, ctx: Context) -> Result:
    if row.record is None:
        return NONE
    label = engine.likelihood(row.record.likelihood)
    if label is None:
        return NONE
    return label, label, f"单位填报完成目标可能性：{label}", row.record.pk


def _carryover(rule: WarningRule, row: Row, ctx: Context) -> Result:
    record = row.record
    if record is None:
        return NONE
    share = engine.carryover_share(record.current_budget_yuan, record.expected_annual_yuan)
    if share is None:
        return NONE
    return share, "", f"预计结转结余占全年预算{_pct(share * 100)}", record.pk


def _progress_of(ind: Any, ctx: Context) -> Decimal | None:
    target = _number(ind.target_value)
    done = _number(ind.completion_to_date)
    if target is None or done is None:
        return None
    reverse = ind.operator in REVERSE_OPERATORS
    return engine.indicator_progress(done, target * ctx.progress / 100, reverse=reverse)


def _goal_gap(rule: WarningRule, row: Row, ctx: Context) -> Result:
    if row.record is None:
        return NONE
    quantitative = [i for i in row.indicators if not i.is_qualitative]
    progress = engine.goal_progress((_progress_of(i, ctx), Decimal(1)) for i in quantitative)
    if progress is None:
        return NONE
    rate = engine.exec_rate_to_date(row.executed, row.budget)
    gap = engine.goal_gap(progress * 100, rate)
    if gap is None:
        return NONE
    return gap, "", f"目标完成进度{_pct(progress * 100)}，执行率{_pct(rate)}", row.record.pk


def _worst_indicator(
    rule: WarningRule, row: Row, compute: Callable[[Any], Any], describe: Callable[[Any, Any], str]
) -> Result:
    """Indicator rules: the indicator with the worst colour speaks for the project."""
    best: tuple[int, Any, Any] | None = None
    for ind in row.indicators:
        value = compute(ind)
        color = engine.band(value, rule.bands)
        if color is None:
            continue
        rank = engine.WORST_FIRST[color]
        if best is None or rank > best[0]:
            best = (rank, value, ind)
    if best is None or row.record is None:
        return NONE
    _rank, value, ind = best
    text = value if isinstance(value, str) else ""
    return value, text, describe(ind, value), row.record.pk


def _qualitative(rule: WarningRule, row: Row, ctx: Context) -> Result:
    return _worst_indicator(
        rule,
        row,
        lambda i: engine.qualitative_level(i.qualitative_level) if i.is_qualitative else None,
        lambda i, v: f"{i.name}：{v}",
    )


def _indicator_gap(rule: WarningRule, row: Row, ctx: Context) -> Result:
    return _worst_indicator(
        rule,
        row,
        lambda i: None if i.is_qualitative else engine.indicator_progress_gap(_progress_of(i, ctx)),
        lambda i, v: f"{i.name}：进度偏差{_pct(v * 100)}",
    )


def _forecast(rule: WarningRule, row: Row, ctx: Context) -> Result:
    def compute(ind: Any) -> Decimal | None:
        if ind.is_qualitative:
            return None
        reverse = ind.operator in REVERSE_OPERATORS
        return engine.forecast_deviation(_number(ind.target_value), _number(ind.expected_annual), reverse=reverse)

    return _worst_indicator(rule, row, compute, lambda i, v: f"{i.name}：全年预计偏差{_pct(v * 100)}")


def _zero_target(rule: WarningRule, row: Row, ctx: Context) -> Result:
    def compute(ind: Any) -> Decimal | None:
        if ind.is_qualitative or ind.operator in REVERSE_OPERATORS:
            return None
        return engine.zero_target(_number(ind.target_value), _number(ind.completion_to_date))

    return _worst_indicator(rule, row, compute, lambda i, v: f"{i.name}：年度指标值为0，填报{v}")


# Metrics evaluated per project here; the deadline and balance metrics belong to the monitoring and results stages.
EVALUATORS: dict[str, Callable[[WarningRule, Row, Context], Result]] = {
    "exec_ratio": _exec_ratio,
    "exec_checkpoint": _exec_checkpoint,
    "exec_rate_to_date": _exec_rate,
    "likelihood": _likelihood,
    "carryover_share": _carryover,
    "goal_gap": _goal_gap,
    "qualitative_level": _qualitative,
    "indicator_progress_gap": _indicator_gap,
    "forecast_deviation": _forecast,
    "zero_target": _zero_target,
}


def evaluate(rules: list[WarningRule], row: Row, ctx: Context) -> list[tuple[WarningRule, str, Result]]:
    found = []
    for rule in rules:
        evaluator = EVALUATORS.get(rule.metric)
        if evaluator is None:
            continue
        result = evaluator(rule, row, ctx)
        color = engine.band(result[0], rule.bands)
        if color is not None:
            found.append((rule, color, result))
    return found


# ---- reading --------------------------------------------------------------------------------------------------------


def _rows(region: Any, fiscal_year: int, as_of: date, project_ids: list[int] | None) -> list[Row]:
    projects = Project.objects.filter(
        region=region, fiscal_year=fiscal_year, status=ProjectStatus.IN_LIBRARY, is_deleted=False
    )
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    values = annotate_execution(projects.order_by(), as_of).values_list("pk", "total_amount_yuan", "executed_yuan")
    rows = {pk: Row(pk, budget or Decimal(0), executed or Decimal(0)) for pk, budget, executed in values}
    if not rows:
        return []
    # Latest filled record per project (records of later rounds and later saves win); one query.
    records = (
        MonitoringRecord.objects.filter(
            project__region=region, fiscal_year=fiscal_year, project__isnull=False, is_deleted=False
        )
        .exclude(status=RecordStatus.PENDING)
        .order_by("project_id", "-task__period_end_month", "-id")
        .only(
            "id",
            "project_id",
            "likelihood",
            "current_budget_yuan",
            "expected_annual_yuan",
            "task__period_end_month",
        )
        .select_related("task")
    )
    latest: dict[int, Any] = {}
    for record in records:
        pid = record.project_id
        if pid is not None and pid in rows and pid not in latest:
            latest[pid] = record
            rows[pid].record = record
    if latest:
        by_record = {r.pk: r.project_id for r in latest.values()}
        for ind in MonitoringIndicatorRow.objects.filter(record_id__in=list(by_record)).order_by("record_id", "seq"):
            rows[by_record[ind.record_id]].indicators.append(ind)
    return list(rows.values())


# ---- writing --------------------------------------------------------------------------------------------------------


def sweep_region(
    region: Any, fiscal_year: int, as_of: date, *, actor: Any = None, project_ids: list[int] | None = None
) -> SweepResult:
    """Recompute the warnings, lights and new cases of a region's year at `as_of` (all projects, or some)."""
    _setting, rules = selectors.rules_in_force(region, fiscal_year)
    mode = time_progress_mode(region, fiscal_year)
    ctx = Context(as_of, fiscal_year, engine.time_progress(as_of, fiscal_year, mode))
    rows = _rows(region, fiscal_year, as_of, project_ids)
    result = SweepResult(projects=len(rows))
    warnings: list[Warning] = []
    lights: list[ProjectLight] = []
    reds: list[Warning] = []
    for row in rows:
        colors = []
        reasons = []
        for rule, color, (value, text, reason, record_id) in evaluate(rules, row, ctx):
            number = engine.q4(Decimal(value)) if value is not None and not isinstance(value, str) else None
            warning = Warning(
                project_id=row.project_id,
                fiscal_year=fiscal_year,
                rule=rule,
                value=number,
                value_text=text[:60],
                color=color,
                reason=reason[:300],
                as_of=as_of,
                record_id=record_id,
            )
            warnings.append(warning)
            colors.append(color)
            if color != Color.GREEN:
                reasons.append(f"{rule.name}：{LABELS[color]}，{reason}"[:300])
            if color == Color.RED and rule.has_disposition:
                reds.append(warning)
        lights.append(
            ProjectLight(
                project_id=row.project_id,
                fiscal_year=fiscal_year,
                color=engine.worst(colors),
                executed_yuan=row.executed,
                reasons=reasons,
                as_of=as_of,
            )
        )
    result.warnings = len(warnings)
    result.red = sum(1 for w in warnings if w.color == Color.RED)
    ids = [row.project_id for row in rows]
    with transaction.atomic():
        Warning.objects.filter(project_id__in=ids, fiscal_year=fiscal_year).delete()
        Warning.objects.bulk_create(warnings, batch_size=1000)
        ProjectLight.objects.bulk_create(
            lights,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["project", "fiscal_year"],
            update_fields=["color", "executed_yuan", "reasons", "as_of", "computed_at"],
        )
        result.cases_opened = _open_cases(reds, region, fiscal_year, as_of)
        audit.record(
            actor=actor or "系统",
            event_type="alerts.sweep",
            object_type="organizations.fiscalregion",
            object_id=str(region.pk),
            object_repr=f"{region.name} {fiscal_year}年度预警计算",
            changes={
                "as_of": as_of.isoformat(),
                "projects": result.projects,
                "warnings": result.warnings,
                "red": result.red,
                "cases_opened": result.cases_opened,
            },
        )
    return result


def _open_cases(reds: list[Warning], region: Any, fiscal_year: int, as_of: date) -> int:
    if not reds:
        return 0
    existing = selectors.open_case_keys({w.project_id for w in reds}, fiscal_year)
    overrides = overrides_for(region, as_of, date(as_of.year + 1, 12, 31))
    cases = []
    for w in reds:
        key = (w.project_id, w.rule.code)
        if key in existing:
            continue
        existing.add(key)
        cases.append(
            WarningCase(
                project_id=w.project_id,
                fiscal_year=fiscal_year,
                rule=w.rule,
                rule_code=w.rule.code,
                value=w.value,
                reason=w.reason,
                opened_on=as_of,
                due_date=add_working_days(as_of, w.rule.sla_working_days, overrides),
            )
        )
    WarningCase.objects.bulk_create(cases)
    return len(cases)


def default_as_of(fiscal_year: int, today: date | None = None) -> date:
    """Today inside the fiscal year; the year's last day after it."""
    today = today or timezone.localdate()
    return min(today, date(fiscal_year, 12, 31))


def on_payments_imported(region: Any, fiscal_years: Any) -> None:
    """execution.hooks callback: recompute the imported years of the region."""
    for year in fiscal_years:
        sweep_region(region, int(year), default_as_of(int(year)))


def on_record_saved(record: Any) -> None:
    """monitoring.hooks callback: recompute the record's project at the end of the round's period."""
    if record.project_id is None:
        return
    task = record.task
    as_of = min(engine.month_end(record.fiscal_year, task.period_end_month), default_as_of(record.fiscal_year))
    sweep_region(record.region, record.fiscal_year, as_of, project_ids=[record.project_id])


FUNDS_TARGETS = {"PROJECT_YEAR", "RECORD_FUNDS"}


def record_light(record: Any) -> str:
    """monitoring.hooks light provider: the 监控表's funds light (预警 on the funds row) under the funds rules in force
    (execution ratio, checkpoints, carry-over), from the record's own figures: its execution to date against its
    全年预算数 at the end of the round's period. '' when no rule applies. The project's overall light (all rules,
    worst colour) is `ProjectLight`."""
    _setting, rules = selectors.rules_in_force(record.region, record.fiscal_year)
    rules = [r for r in rules if r.applies_to in FUNDS_TARGETS]
    as_of = engine.month_end(record.fiscal_year, record.task.period_end_month)
    progress = (
        record.time_progress * 100
        if record.time_progress
        else engine.time_progress(as_of, record.fiscal_year, time_progress_mode(record.region, record.fiscal_year))
    )
    row = Row(
        project_id=record.project_id or 0,
        budget=record.current_budget_yuan or Decimal(0),
        executed=record.executed_to_date_yuan or Decimal(0),
        record=record,
        indicators=list(record.indicator_rows.all()) if record.pk else [],
    )
    found = evaluate(rules, row, Context(as_of, record.fiscal_year, progress))
    return LABELS.get(engine.worst(color for _rule, color, _result in found), "")
