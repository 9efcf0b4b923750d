"""The set-based sweep: recompute every warning and light of a region's year in a fixed number of queries.

One query reads the region's in-library projects with `executed_yuan` (execution.selectors.annotate_execution_fast:
the project × month rollup plus the current month's payments); two more read the latest filled monitoring record
per project and its indicator rows. Enabled rules are evaluated in Python over those rows (engine functions). The
result is compared with the stored warnings and lights of the swept projects and only the difference is written
(`alerts.sweep_writes`), in one transaction: changed or vanished warnings deleted, new or changed ones inserted,
changed lights upserted, the rest re-dated to `as_of` by one UPDATE each; a disposition case is opened for each red
warning whose rule has a disposition and no open case (one open case per project-year and rule).
"""

from __future__ import annotations

import functools
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from jixiao.alerts import engine, selectors
from jixiao.alerts.models import Color, WarningCase, WarningRule, WarningSetting
from jixiao.alerts.sweep_writes import (
    LightData,
    WarningData,
    light_counts_refresh,
    lock_regions,
    write_lights,
    write_warnings,
)
from jixiao.core import audit
from jixiao.core.gcpause import freeze_inherited, gc_paused
from jixiao.execution.selectors import annotate_execution_fast
from jixiao.monitoring.models import MonitoringIndicatorRow, MonitoringRecord, MonitoringSettings, RecordStatus
from jixiao.organizations.calendar import add_working_days, overrides_for
from jixiao.organizations.models import FiscalRegion
from jixiao.projects.models import Project, ProjectStatus

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
REVERSE_OPERATORS = {"≤", "<=", "<", "＜"}
LABELS = {"RED": "红灯", "YELLOW": "黄灯", "GREEN": "绿灯"}


class RecordData(NamedTuple):
    """The fields of a monitoring record the rules read."""

    pk: int
    likelihood: str
    current_budget_yuan: Decimal | None
    expected_annual_yuan: Decimal | None


class IndicatorData(NamedTuple):
    """The fields of a monitoring indicator row the rules read."""

    name: str
    operator: str
    is_qualitative: bool
    target_value: str
    completion_to_date: str
    expected_annual: str
    qualitative_level: str


@dataclass(slots=True)
class Row:
    """What the rules see of one project."""

    project_id: int
    budget: Decimal
    executed: Decimal
    record: Any = None
    indicators: list[Any] = field(default_factory=list)
    rate: tuple[Decimal, str] | None = None  # execution rate to date and its text (`_rate`)
    code: str = ""  # the project's code, copied onto its warnings (the 预警列表's order)


@dataclass
class SweepResult:
    projects: int = 0
    warnings: int = 0
    red: int = 0
    cases_opened: int = 0


@functools.lru_cache(maxsize=8192)
def _number(text: str) -> Decimal | None:
    """The first number in an indicator value ("≥95%" → 95); cached: a pass parses the same few values thousands
    of times (Decimals are immutable)."""
    match = NUMBER.search(text or "")
    if not match:
        return None
    try:
        return Decimal(match.group())
    except InvalidOperation:
        return None


def _monitoring_settings(fiscal_year: int) -> list[MonitoringSettings]:
    rows = MonitoringSettings.objects.filter(Q(fiscal_year__isnull=True) | Q(fiscal_year=fiscal_year))
    return list(rows.select_related("region"))


def time_progress_mode(region: Any, fiscal_year: int, rows: list[MonitoringSettings] | None = None) -> str:
    """MONTH or DAY from the monitoring settings rows (most specific wins; MONTH without any)."""
    best: tuple[int, int] | None = None
    mode = "MONTH"
    for row in _monitoring_settings(fiscal_year) if rows is None else rows:
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

    @functools.cached_property
    def progress_text(self) -> str:
        return _pct(self.progress)


TWO_PLACES = Decimal("0.01")


def _pct(value: Decimal) -> str:
    """A percentage's text: `q4` (half up to four places, clamped), then two places. Inline: a sweep writes two of
    these for every project."""
    if -engine.VALUE_LIMIT <= value <= engine.VALUE_LIMIT:
        value = value.quantize(engine.FOUR_PLACES, rounding=ROUND_HALF_UP)
    else:
        value = engine.q4(value)
    return f"{value.quantize(TWO_PLACES)}%"


def _rate(row: Row) -> tuple[Decimal, str]:
    """The project's execution rate to date and its text, computed once for the three execution rules."""
    if row.rate is None:
        rate = engine.exec_rate_to_date(row.executed, row.budget)
        row.rate = (rate, _pct(rate))
    return row.rate


def _exec_ratio(rule: WarningRule, row: Row, ctx: Context) -> Result:
    rate, rate_text = _rate(row)
    ratio = engine.exec_ratio(rate, ctx.progress)
    if ratio is None:
        return NONE
    reason = f"执行率{rate_text}，序时进度{ctx.progress_text}，执行进度为序时进度的{_pct(ratio)}"
    return ratio, "", reason, None


def _threshold(rule: WarningRule, ctx: Context) -> Decimal | None:
    """The rule's checkpoint requirement at the sweep date, once per rule and pass."""
    cached = getattr(rule, "_threshold", None)
    if cached is None or cached[0] is not ctx:
        checkpoints = (rule.params or {}).get("checkpoints", {})
        cached = (ctx, engine.checkpoint_threshold(ctx.as_of, ctx.fiscal_year, checkpoints))
        rule._threshold = cached  # type: ignore[attr-defined]
    return cached[1]


def _exec_checkpoint(rule: WarningRule, row: Row, ctx: Context) -> Result:
    threshold = _threshold(rule, ctx)
    rate, rate_text = _rate(row)
    gap = engine.exec_checkpoint(rate, threshold)
    if gap is None:
        return NONE
    return gap, "", f"执行率{rate_text}，节点要求不低于{_pct(threshold or Decimal(0))}", None


def _exec_rate(rule: WarningRule, row: Row, ctx: Context) -> Result:
    rate, rate_text = _rate(row)
    return rate, "", f"执行率{rate_text}", None


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
    if row.record is None or not row.indicators:
        return NONE
    best: tuple[int, Any, Any] | None = None
    bands = _bands(rule)
    for ind in row.indicators:
        value = compute(ind)
        if value is None:
            continue
        color = engine.band_compiled(value, bands)
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


def _bands(rule: WarningRule) -> engine.CompiledBands:
    """The rule's bands compiled once per rule instance (a sweep pass loads each rule once for all its regions)."""
    compiled = getattr(rule, "_compiled_bands", None)
    if compiled is None or compiled[0] is not rule.bands:
        compiled = (rule.bands, engine.compile_bands(rule.bands))
        rule._compiled_bands = compiled  # type: ignore[attr-defined]
    return compiled[1]


Plan = list[tuple[WarningRule, Callable[[WarningRule, Row, Context], Result], engine.CompiledBands]]


def plan(rules: list[WarningRule]) -> Plan:
    """The rules this sweep evaluates, each with its evaluator and compiled bands (looked up once, not per project)."""
    return [(rule, EVALUATORS[rule.metric], _bands(rule)) for rule in rules if rule.metric in EVALUATORS]


def evaluate(rules: list[WarningRule], row: Row, ctx: Context) -> list[tuple[WarningRule, str, Result]]:
    return _evaluate(plan(rules), row, ctx)


def _evaluate(planned: Plan, row: Row, ctx: Context) -> list[tuple[WarningRule, str, Result]]:
    found = []
    for rule, evaluator, bands in planned:
        result = evaluator(rule, row, ctx)
        if result[0] is None:
            continue
        color = engine.band_compiled(result[0], bands)
        if color is not None:
            found.append((rule, color, result))
    return found


# ---- reading --------------------------------------------------------------------------------------------------------


def _projects(region_ids: list[int], fiscal_year: int, project_ids: list[int] | None) -> QuerySet[Any]:
    projects = Project.objects.filter(
        region_id__in=region_ids, fiscal_year=fiscal_year, status=ProjectStatus.IN_LIBRARY, is_deleted=False
    )
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    return projects.order_by()


# Ids per `IN (...)` list: well under the 65,535 parameters PostgreSQL takes in one statement.
ID_CHUNK = 10_000


def _rows(projects: QuerySet[Any], fiscal_year: int, as_of: date) -> dict[int, list[Row]]:
    """What the rules see of every project in scope, by region: one query for execution, one for the latest filled
    monitoring records and one per 10,000 of those records for their indicator rows, whatever the number of
    regions."""
    values = annotate_execution_fast(projects, as_of).values_list(
        "pk", "region_id", "total_amount_yuan", "executed_yuan", "code"
    )
    rows: dict[int, Row] = {}
    by_region: dict[int, list[Row]] = {}
    # Cents: SQLite sums decimals in floating point, and the rollup and raw sums must band alike (PostgreSQL's
    # numeric sums of cents are exact already).
    to_cents = connection.vendor != "postgresql"
    for pk, region_id, budget, executed, code in values:
        executed = executed or Decimal(0)
        row = Row(pk, budget or Decimal(0), executed.quantize(TWO_PLACES) if to_cents else executed, code=code)
        rows[pk] = row
        by_region.setdefault(region_id, []).append(row)
    if not rows:
        return by_region
    # Latest filled record per project (records of later rounds and later saves win). Plain tuples, not model
    # instances: the rules read a handful of fields of every record and indicator row.
    records = (
        MonitoringRecord.objects.filter(project__in=projects.values("pk"), fiscal_year=fiscal_year, is_deleted=False)
        .exclude(status=RecordStatus.PENDING)
        .order_by("project_id", "-task__period_end_month", "-id")
        .values_list("id", "project_id", "likelihood", "current_budget_yuan", "expected_annual_yuan")
    )
    latest: dict[int, int] = {}
    for pk, project_id, likelihood, budget, expected in records:
        if project_id in rows and rows[project_id].record is None:
            latest[pk] = project_id
            rows[project_id].record = RecordData(pk, likelihood, budget, expected)
    for ids in _id_sets(sorted(latest)):
        indicators = (
            MonitoringIndicatorRow.objects.filter(record_id__in=ids)
            .order_by("record_id", "seq")
            .values_list("record_id", *IndicatorData._fields)
        )
        for record_id, *fields in indicators:
            rows[latest[record_id]].indicators.append(IndicatorData(*fields))
    return by_region


def _id_sets(ids: list[int]) -> list[Any]:
    """Right-hand sides for `id__in` over many ids: on PostgreSQL one array parameter (`IN (SELECT unnest(…))`),
    since Django prepares every `IN (%s, …)` placeholder in Python (a tenth of a 50-county pass for 12,000 record
    ids); elsewhere lists of ID_CHUNK ids."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        return [RawSQL("SELECT unnest(%s::bigint[])", [ids])]
    return [ids[start : start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK)]


# ---- computing ------------------------------------------------------------------------------------------------------


@dataclass
class Computed:
    warnings: dict[tuple[int, int], WarningData] = field(default_factory=dict)
    lights: dict[int, LightData] = field(default_factory=dict)
    reds: list[tuple[int, WarningRule, Decimal | None, str]] = field(default_factory=list)


# Metrics that read the project's latest monitoring record (none without one): skipped for projects without a record.
RECORD_METRICS = frozenset(EVALUATORS) - {"exec_ratio", "exec_checkpoint", "exec_rate_to_date"}


def _compute(rules: list[WarningRule], rows: list[Row], ctx: Context) -> Computed:
    out = Computed()
    planned = plan(rules)
    without_record = [step for step in planned if step[0].metric not in RECORD_METRICS]
    warnings, lights, reds = out.warnings, out.lights, out.reds
    worst_rank = engine.WORST_FIRST
    for row in rows:
        worst = ""
        reasons = []
        project_id = row.project_id
        steps = planned if row.record is not None else without_record
        for rule, color, (value, text, reason, record_id) in _evaluate(steps, row, ctx):
            if value is None or isinstance(value, str):
                number = None
            else:
                number = engine.q4(value if isinstance(value, Decimal) else Decimal(value))
            if len(reason) > 300:
                reason = reason[:300]
            warnings[(project_id, rule.pk)] = (number, text[:60], color, reason, record_id)
            if not worst or worst_rank.get(color, 0) > worst_rank.get(worst, 0):
                worst = color
            if color != Color.GREEN:
                reasons.append(f"{rule.name}：{LABELS[color]}，{reason}"[:300])
                if color == Color.RED and rule.has_disposition:
                    reds.append((project_id, rule, number, reason))
        lights[project_id] = (worst, row.executed, reasons)
    return out


def sweep_region(
    region: Any,
    fiscal_year: int,
    as_of: date,
    *,
    actor: Any = None,
    project_ids: list[int] | None = None,
    opened_on: date | None = None,
) -> SweepResult:
    """Recompute the warnings, lights and new cases of a region's year at `as_of` (all projects, or some).

    Only changed rows are written: a sweep over unchanged data re-dates the rows and writes nothing else. New cases
    are opened on `opened_on` (default `as_of`), their deadline counted from it."""
    return sweep_regions([region], fiscal_year, as_of, actor=actor, project_ids=project_ids, opened_on=opened_on)[
        region.pk
    ]


def sweep_regions(
    regions: list[Any],
    fiscal_year: int,
    as_of: date,
    *,
    actor: Any = None,
    project_ids: list[int] | None = None,
    opened_on: date | None = None,
) -> dict[int, SweepResult]:
    """`sweep_region` for several regions in one pass: the same number of queries for twenty counties as for one
    (each region keeps its own rules, time progress, calendar and audit record), one transaction for the writes."""
    with gc_paused():  # hundreds of thousands of short-lived acyclic objects per pass: see core.gcpause
        return _sweep_regions(
            regions, fiscal_year, as_of, actor=actor, project_ids=project_ids, opened_on=opened_on or as_of
        )


def _sweep_regions(
    regions: list[Any],
    fiscal_year: int,
    as_of: date,
    *,
    actor: Any,
    project_ids: list[int] | None,
    opened_on: date | None = None,
) -> dict[int, SweepResult]:
    regions = sorted(regions, key=lambda region: region.pk)
    region_ids = [region.pk for region in regions]
    scope = _projects(region_ids, fiscal_year, project_ids)
    rows = _rows(scope, fiscal_year, as_of)
    computed: dict[int, Computed] = {}
    results: dict[int, SweepResult] = {}
    # The configuration rows once per pass; each region picks its own from them.
    settings_rows = list(WarningSetting.objects.select_related("region"))
    rule_rows = list(WarningRule.objects.select_related("region"))
    monitoring_rows = _monitoring_settings(fiscal_year)
    for region in regions:
        setting = selectors.pick_setting(settings_rows, region, fiscal_year)
        rules = selectors.pick_rules(rule_rows, region, fiscal_year, setting.profile)
        mode = time_progress_mode(region, fiscal_year, monitoring_rows)
        ctx = Context(as_of, fiscal_year, engine.time_progress(as_of, fiscal_year, mode))
        region_rows = rows.get(region.pk, [])
        computed[region.pk] = out = _compute(rules, region_rows, ctx)
        result = results[region.pk] = SweepResult(projects=len(region_rows), warnings=len(out.warnings))
        result.red = sum(1 for data in out.warnings.values() if data[2] == Color.RED)
    warnings = {key: data for out in computed.values() for key, data in out.warnings.items()}
    lights = {key: data for out in computed.values() for key, data in out.lights.items()}
    places = {row.project_id: (region_id, row.code) for region_id, region_rows in rows.items() for row in region_rows}
    scope_ids = scope.values("pk")
    with transaction.atomic():
        lock_regions(region_ids)
        warnings_written = write_warnings(scope_ids, fiscal_year, as_of, warnings, places)
        lights_written = write_lights(scope_ids, fiscal_year, as_of, lights)
        if lights_written:  # the counts derive from the lights: a pass that changed none leaves them as they are
            light_counts_refresh(region_ids, [fiscal_year])
        events = []
        for region in regions:
            result = results[region.pk]
            result.cases_opened = _open_cases(computed[region.pk].reds, region, fiscal_year, opened_on or as_of)
            events.append(
                audit.event_for(
                    actor=actor or "系统",
                    event_type="alerts.sweep",
                    object_type="organizations.fiscalregion",
                    object_id=str(region.pk),
                    object_repr=f"{region.name} {fiscal_year}年度预警计算",
                    # The nightly pass (no user) is recorded in the county it computed, for that county's auditor.
                    region_path="" if actor else region.path,
                    changes={
                        "as_of": as_of.isoformat(),
                        "projects": result.projects,
                        "warnings": result.warnings,
                        "red": result.red,
                        "cases_opened": result.cases_opened,
                        # Rows written by the pass this region was swept in (all its regions together).
                        "warnings_written": warnings_written,
                        "lights_written": lights_written,
                        "regions_in_pass": len(regions),
                    },
                )
            )
        audit.record_all(events)
    return results


def regions_per_pass() -> int:
    """Regions swept together in one pass (`JIXIAO_SWEEP_REGIONS_PER_PASS`, default 50): each pass reads the year's
    stored warnings and lights once, so fewer, larger passes scan less; memory grows with the pass (~180 MB peak
    for 50 counties of ~600 in-library projects each). Measured at 200 counties in docs/scale.md."""
    return max(1, int(getattr(settings, "JIXIAO_SWEEP_REGIONS_PER_PASS", 50)))


def regions_to_sweep(root: Any, fiscal_year: int) -> list[Any]:
    """The regions of `root`'s subtree (itself included) that have in-library projects in the year."""
    with_projects = Project.objects.filter(
        fiscal_year=fiscal_year, status=ProjectStatus.IN_LIBRARY, is_deleted=False
    ).values("region_id")
    regions = FiscalRegion.objects.filter(path__startswith=root.path, pk__in=with_projects)
    return list(regions.order_by("pk"))


def _sweep_passes(
    region_ids: list[int], fiscal_year: int, as_of: date, opened_on: date | None = None
) -> dict[int, SweepResult]:
    """Some regions in passes, in this process."""
    regions = list(FiscalRegion.objects.filter(pk__in=region_ids).order_by("pk"))
    results: dict[int, SweepResult] = {}
    size = regions_per_pass()
    for start in range(0, len(regions), size):
        results.update(sweep_regions(regions[start : start + size], fiscal_year, as_of, opened_on=opened_on))
    return results


def _worker(region_ids: list[int], fiscal_year: int, as_of: date, opened_on: date | None) -> dict[int, SweepResult]:
    """A forked worker's share; the worker closes the connection it opened before it exits."""
    freeze_inherited()
    try:
        return _sweep_passes(region_ids, fiscal_year, as_of, opened_on)
    finally:
        connection.close()


def sweep_in_parallel(
    regions: list[Any], fiscal_year: int, as_of: date, *, workers: int = 1, opened_on: date | None = None
) -> dict[int, SweepResult]:
    """The nightly sweep of many regions by `workers` processes, each taking every `workers`-th pass (PostgreSQL:
    the regions' advisory locks keep overlapping sweeps apart; SQLite takes one writer, so one process). New cases
    are opened on `opened_on` (default `as_of`)."""
    ids = [region.pk for region in sorted(regions, key=lambda region: region.pk)]
    size = regions_per_pass()
    # Forked workers need their own connections: not from inside a transaction (they would not see its rows).
    if workers <= 1 or connection.vendor != "postgresql" or len(ids) <= size or connection.in_atomic_block:
        return _sweep_passes(ids, fiscal_year, as_of, opened_on)
    passes = [ids[start : start + size] for start in range(0, len(ids), size)]
    shares = [[pk for chunk in passes[n::workers] for pk in chunk] for n in range(workers)]
    connections.close_all()  # each forked worker opens its own connection
    results: dict[int, SweepResult] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for part in pool.map(_worker, shares, [fiscal_year] * workers, [as_of] * workers, [opened_on] * workers):
            results.update(part)
    return results


def sweep_subtree(
    root: Any,
    fiscal_year: int,
    as_of: date,
    *,
    actor: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Sweep every region under `root` (a county, a city or the province) in passes (`regions_per_pass`); the
    totals of all regions. `progress(done, total)` after each pass (regions). Cases found are opened today even
    when `as_of` is a past day (`opening_day`)."""
    regions = regions_to_sweep(root, fiscal_year)
    total = SweepResult()
    size = regions_per_pass()
    for start in range(0, len(regions), size):
        batch = regions[start : start + size]
        for result in sweep_regions(batch, fiscal_year, as_of, actor=actor, opened_on=opening_day(as_of)).values():
            total.projects += result.projects
            total.warnings += result.warnings
            total.red += result.red
            total.cases_opened += result.cases_opened
        if progress is not None:
            progress(start + len(batch), len(regions))
    return total


def _open_cases(
    reds: list[tuple[int, WarningRule, Decimal | None, str]], region: Any, fiscal_year: int, opened_on: date
) -> int:
    if not reds:
        return 0
    existing = selectors.open_case_keys({project_id for project_id, *_rest in reds}, fiscal_year)
    due: list[tuple[int, WarningRule, Decimal | None, str]] = []
    for red in reds:
        key = (red[0], red[1].code)
        if key not in existing:
            existing.add(key)
            due.append(red)
    if not due:
        return 0
    overrides = overrides_for(region, opened_on, date(opened_on.year + 1, 12, 31))
    WarningCase.objects.bulk_create(
        WarningCase(
            project_id=project_id,
            fiscal_year=fiscal_year,
            rule=rule,
            rule_code=rule.code,
            value=value,
            reason=reason,
            opened_on=opened_on,
            due_date=add_working_days(opened_on, rule.sla_working_days, overrides),
        )
        for project_id, rule, value, reason in due
    )
    return len(due)


def default_as_of(fiscal_year: int, today: date | None = None) -> date:
    """Today inside the fiscal year; the year's last day after it."""
    today = today or timezone.localdate()
    return min(today, date(fiscal_year, 12, 31))


def opening_day(as_of: date, today: date | None = None) -> date:
    """The day a case found by a recomputation triggered now is opened: today, never before `as_of`. A sweep at the
    end of a past period (a 1—8月 record saved in December, a past year's payments imported in January) must not
    open a case dated back then, its deadline already passed (escalated and payments suspended on the next look)."""
    return max(as_of, today or timezone.localdate())


def on_payments_imported(region: Any, fiscal_years: Any) -> None:
    """execution.hooks callback: recompute the imported years of the region."""
    for year in fiscal_years:
        as_of = default_as_of(int(year))
        sweep_region(region, int(year), as_of, opened_on=opening_day(as_of))


def record_as_of(record: Any) -> date:
    """The date a saved record's project is recomputed at: the end of the round's period (today at the latest)."""
    return min(engine.month_end(record.fiscal_year, record.task.period_end_month), default_as_of(record.fiscal_year))


def on_records_saved(records: Any) -> None:
    """monitoring.hooks callback for records saved together (one record, or a 批量审核 batch after its commit):
    recompute each record's project at the end of its round's period, in one pass (`sweep_regions`) over the
    records' regions and projects per year and date — one pass for a batch of one round, however many records.

    The same warnings, lights and cases as recomputing the records one by one in the batch's order (`sweep_region`
    of the record's region and project): a project's rows depend on its own data only, and every project goes
    through the same recomputations in the same order — a project with records of several rounds in the batch is
    recomputed once per record, its first records' dates in an earlier pass than its later ones (a case opened at
    an earlier date stays open, as one by one). What differs is the audit trail: one `alerts.sweep` record per
    region and pass instead of one per record. (A project moved to another county since its round was issued is
    recomputed only if its new county is among the batch's records' counties; one by one, a record's recomputation
    looks for its project in the record's county and never finds it.)"""
    passes: list[dict[tuple[int, date], tuple[dict[int, Any], list[int]]]] = []
    seen: dict[int, int] = {}
    for record in records:
        if record.project_id is None:
            continue
        # The n-th record of a project goes into the n-th round of passes.
        nth = seen[record.project_id] = seen.get(record.project_id, -1) + 1
        if nth == len(passes):
            passes.append({})
        regions, project_ids = passes[nth].setdefault((record.fiscal_year, record_as_of(record)), ({}, []))
        regions.setdefault(record.region_id, record.region)
        project_ids.append(record.project_id)
    for batch in passes:
        for (fiscal_year, as_of), (regions, project_ids) in batch.items():
            sweep_regions(
                list(regions.values()), fiscal_year, as_of, project_ids=project_ids, opened_on=opening_day(as_of)
            )


def on_record_saved(record: Any) -> None:
    """Recompute one saved record's project (`on_records_saved` of that record)."""
    on_records_saved([record])


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
