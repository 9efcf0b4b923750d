"""单位自评 writes: starting the year's round, filling, import, the review workflow and score overrides.

Every function re-checks capability and row scope, runs in one transaction, bumps `version` and writes audit rows.
Every save re-runs the scoring engine (evaluation.scoring) and stores the computed scores and flags beside what the
unit claimed; computed scores never overwrite claimed ones (DOMAIN.md §4.8).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jixiao.core import audit, bulk, signatures
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.locking import moved_by
from jixiao.core.numbers import is_year
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import norm
from jixiao.evaluation import selectors
from jixiao.evaluation.models import (
    QualLevel,
    SelfEvalEvent,
    SelfEvalEvidence,
    SelfEvalFund,
    SelfEvalIndicator,
    SelfEvalStatus,
    SelfEvalTask,
    SelfEvaluation,
)
from jixiao.evaluation.scoring import FundRow, IndicatorRow, Issue, ScoringConfig, SelfEvalSheet, as_dict, evaluate
from jixiao.evaluation.scoring.rules import GROUP_OF_LV1, allocate_weights, fmt
from jixiao.evaluation.selfeval_xlsx import read_selfevaluations
from jixiao.evaluation.workflow import BULK_ACTIONS, EDITABLE_STATES, REVIEWER_OF_STATE
from jixiao.evaluation.workflow import SELFEVAL_WORKFLOW as WORKFLOW
from jixiao.execution.selectors import annotate_execution
from jixiao.indicators.models import FrameworkNode, Operator
from jixiao.monitoring.models import MonitoringIndicatorRow
from jixiao.projects.models import Project, ProjectStatus
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetStatus, TargetVersion

APPROVED_TARGET = (TargetStatus.APPROVED, TargetStatus.ADJUSTING)
RECORD_FIELDS = [
    "goal_actual",
    "exec_score_claimed",
    "total_claimed",
    "grade_claimed",
    "flag_explanation",
    "application_advice",
]
ROW_FIELDS = ["actual_text", "qual_level", "claimed_score", "deviation_analysis"]
FUND_KEYS = ("TOTAL", "FISCAL", "CARRYOVER", "OTHER")
GRADES = ("优", "良", "中", "差")
MAX_TEXT = {"goal_actual": 4000, "flag_explanation": 4000, "application_advice": 2000}
ROW_MAX_TEXT = {"actual_text": 1000, "deviation_analysis": 2000}


def _role(actor: Any) -> str:
    membership = getattr(actor, "active_membership", None)
    return membership.role if membership is not None else ""


def _event(actor: Any, record: SelfEvaluation, action: str, label: str, source: str = "", comment: str = "") -> None:
    SelfEvalEvent.log(
        actor,
        action=action,
        label=label,
        comment=comment,
        self_eval=record,
        from_status=source,
        to_status=record.status,
    )


def _visible(actor: Any, record: SelfEvaluation) -> None:
    if not SelfEvaluation.objects.visible_to(actor).filter(pk=record.pk).exists():
        raise NotFoundError("自评记录不存在")


# ---- generation ----------------------------------------------------------------------------------------------------


@dataclass
class _Seed:
    record: SelfEvaluation
    funds: list[SelfEvalFund]
    rows: list[SelfEvalIndicator]


def task_start(*, actor: Any, fiscal_year: int, deadline: date, title: str = "") -> SelfEvalTask:
    """Start the year's self-evaluation: one pre-filled record per approved target (project and 部门整体) of the
    region. Set-based: one query for the targets, one for the projects with their execution to 31 December, one for
    the indicators (plus version snapshots of targets under adjustment), one for the monitoring hints, bulk inserts."""
    require(actor, "evaluation.manage")
    if not is_year(fiscal_year):
        raise DomainError("请填写有效的评价年度")
    if not isinstance(deadline, date):
        raise DomainError("请填写填报截止日期")
    region = actor.active_membership.region
    title = (title or "").strip()[:200] or f"{fiscal_year}年度单位自评"
    with transaction.atomic():
        if SelfEvalTask.objects.select_for_update().filter(region=region, fiscal_year=fiscal_year).exists():
            raise ConflictError(
                f"{fiscal_year}年度的单位自评已经发起；发起后才批复的绩效目标，"
                "请在下方“已发起的自评任务”中点击“补充生成”"
            )
        targets = list(_approved_targets(region, fiscal_year))
        if not targets:
            raise DomainError(f"{fiscal_year}年度没有已批复的绩效目标，不能发起自评")
        task = SelfEvalTask.objects.create(
            region=region,
            fiscal_year=fiscal_year,
            title=title,
            deadline=deadline,
            started_by=actor,
            started_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
        )
        records = _create_records(actor, task, targets)
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_start",
            obj=task,
            changes={"fiscal_year": [None, fiscal_year], "records": [0, len(records)]},
        )
    return task


def task_supplement(*, actor: Any, task: SelfEvalTask) -> int:
    """补充生成: a record for each target of the task's year approved after the round started (a late 追加 project),
    which would otherwise never be self-evaluated; returns how many were added."""
    require(actor, "evaluation.manage")
    with transaction.atomic():
        # The round of the actor's own region, as 发起 makes it (a city's 绩效股 does not fill a county's round).
        own = SelfEvalTask.objects.visible_to(actor).filter(pk=task.pk, region_id=actor.active_membership.region_id)
        task = own.select_for_update().first()  # type: ignore[assignment]
        if task is None:
            raise NotFoundError("自评任务不存在或不属于本级")
        targets = list(_approved_targets(task.region, task.fiscal_year))
        if not targets:
            raise ConflictError(f"{task.fiscal_year}年度已批复的绩效目标都已生成自评表，没有需要补充的")
        records = _create_records(actor, task, targets)
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_supplement",
            obj=task,
            changes={"records_added": [0, len(records)]},
        )
    return len(records)


def _approved_targets(region: Any, fiscal_year: int) -> Any:
    """The year's approved targets of the region and its subregions not yet in any round of the year: a city's round
    and a county's own both reach a county target, and whichever starts first evaluates it, once."""
    return (
        PerformanceTarget.objects.filter(
            is_deleted=False,
            fiscal_year=fiscal_year,
            status__in=APPROVED_TARGET,
            region__path__startswith=region.path,
        )
        .exclude(pk__in=SelfEvaluation.objects.filter(fiscal_year=fiscal_year).values("target_id"))
        .select_related("region", "department", "unit")
        .order_by("department_id", "unit_id", "id")
    )


def _create_records(actor: Any, task: SelfEvalTask, targets: list[PerformanceTarget]) -> list[SelfEvaluation]:
    """The records of `targets` with their funds, indicators and 发起自评 events, in bulk."""
    seeds = task_record_seeds(task, targets)
    for seed in seeds:
        seed.record.created_by = actor
        seed.record.updated_by = actor
    records = SelfEvaluation.objects.bulk_create([s.record for s in seeds], batch_size=500)
    funds: list[SelfEvalFund] = []
    rows: list[SelfEvalIndicator] = []
    for seed, record in zip(seeds, records, strict=True):
        for fund in seed.funds:
            fund.self_eval = record
            funds.append(fund)
        for row in seed.rows:
            row.self_eval = record
            rows.append(row)
    SelfEvalFund.objects.bulk_create(funds, batch_size=1000)
    SelfEvalIndicator.objects.bulk_create(rows, batch_size=1000)
    now = timezone.now()
    SelfEvalEvent.objects.bulk_create(
        [
            SelfEvalEvent(
                self_eval=r,
                actor=actor,
                actor_role=_role(actor),
                action="start",
                action_label="发起自评",
                to_status=r.status,
                occurred_at=now,
            )
            for r in records
        ],
        batch_size=1000,
    )
    return records


def task_record_seeds(task: SelfEvalTask, targets: list[PerformanceTarget]) -> list[_Seed]:
    year_end = date(task.fiscal_year, 12, 31)
    project_ids = [t.project_id for t in targets if t.project_id]
    dept_ids = [t.department_id for t in targets if t.subject_type == PerformanceTarget.Subject.DEPT_OVERALL]
    # One query: the projects of project targets and of departments with a 部门整体 target, executed to 31 Dec. A
    # department's budget is that of its in-library projects, as its 部门整体 monitoring record sums it (a draft,
    # returned or cancelled project has no budget).
    in_budget = Q(
        department_id__in=dept_ids, fiscal_year=task.fiscal_year, is_deleted=False, status=ProjectStatus.IN_LIBRARY
    )
    projects = list(annotate_execution(Project.objects.filter(Q(pk__in=project_ids) | in_budget), year_end))
    by_id = {p.pk: p for p in projects}
    dept_sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in projects:
        if (
            p.department_id in dept_ids
            and p.fiscal_year == task.fiscal_year
            and not p.is_deleted
            and p.status == ProjectStatus.IN_LIBRARY
        ):
            s = dept_sums[p.department_id]
            s["FISCAL"] += p.fiscal_amount_yuan
            s["CARRYOVER"] += p.carryover_amount_yuan
            s["OTHER"] += p.other_amount_yuan
            s["executed"] += p.executed_yuan  # type: ignore[attr-defined]
    rows = approved_rows(targets)
    configs: dict[int, ScoringConfig] = {}
    seeds: list[_Seed] = []
    for target in targets:
        project = by_id.get(target.project_id) if target.project_id else None
        if target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL:
            s = dept_sums[target.department_id]
            amounts = {k: s[k] for k in ("FISCAL", "CARRYOVER", "OTHER")}
            executed = s["executed"]
            subject = SelfEvaluation.Subject.DEPT_OVERALL
        elif project is not None:
            amounts = {
                "FISCAL": project.fiscal_amount_yuan,
                "CARRYOVER": project.carryover_amount_yuan,
                "OTHER": project.other_amount_yuan,
            }
            executed = project.executed_yuan  # type: ignore[attr-defined]
            subject = SelfEvaluation.Subject.PROJECT
        else:
            continue
        record = SelfEvaluation(
            task=task,
            subject=subject,
            fiscal_year=task.fiscal_year,
            region=target.region,
            department=target.department,
            unit=target.unit,
            project=project,
            target=target,
            goal_version=target.goal_version,
            name=target.name,
            goal_expected=target.annual_goal,
        )
        seed = _Seed(record, _funds(amounts, executed, target), rows.get(target.pk, []))
        # Scored at once (pure computation, no query): the list shows what is still missing from the start.
        if target.region_id not in configs:
            configs[target.region_id] = selectors.scoring_config(target.region, task.fiscal_year)
        cfg = configs[target.region_id]
        # The 预算执行率 points of the region's 评价评分参数, as the indicator groups' points are (not the model's 10).
        record.exec_weight = cfg.exec_weight
        _self_evaluation_weights(seed.rows, cfg)
        score(record, seed.funds, seed.rows, cfg=cfg)
        seeds.append(seed)
    return seeds


def _funds(amounts: dict[str, Decimal], executed: Decimal, target: PerformanceTarget) -> list[SelfEvalFund]:
    """TOTAL = the three parts; 年初预算数 of TOTAL is the approved target's annual total when it has one. The
    payments cannot be split by source, so they count as 当年财政拨款 first, the rest as the other sources."""
    total = sum(amounts.values(), Decimal(0))
    initial_total = target.annual_total_yuan or total
    funds = [
        SelfEvalFund(
            fund_source="TOTAL",
            initial_yuan=initial_total,
            annual_yuan=total,
            executed_yuan=executed,
            executed_from_payments_yuan=executed,
        )
    ]
    left = executed
    parts = list(amounts.items())
    for index, (key, amount) in enumerate(parts):
        share = left if index == len(parts) - 1 else min(left, amount)
        left -= share
        initial = amount if initial_total == total else (target.annual_fiscal_yuan if key == "FISCAL" else amount)
        funds.append(SelfEvalFund(fund_source=key, initial_yuan=initial, annual_yuan=amount, executed_yuan=share))
    # 年初预算数 of the parts must add up to the total's (E_FUNDS_SUM): put any difference on 其他资金.
    gap = funds[0].initial_yuan - sum((f.initial_yuan for f in funds[1:]), Decimal(0))
    funds[-1].initial_yuan += gap
    return funds


def approved_rows(targets: list[PerformanceTarget]) -> dict[int, list[SelfEvalIndicator]]:
    """The annual indicators of each target's approved version. A target under adjustment may have edited rows, so
    its approved version is read from the version snapshot. Last monitoring values are attached as hints."""
    result: dict[int, list[SelfEvalIndicator]] = defaultdict(list)
    live = [t.pk for t in targets if t.status == TargetStatus.APPROVED]
    adjusting = {t.pk: t.goal_version for t in targets if t.status == TargetStatus.ADJUSTING}
    indicators = (
        TargetIndicator.objects.filter(target_id__in=live, year_flag=TargetIndicator.YearFlag.ANNUAL)
        .select_related("lv1", "lv2")
        .order_by("target_id", "seq", "id")
    )
    for ind in indicators:
        result[ind.target_id].append(
            _row(
                ind.target_id, ind.lv1.name, ind.lv2.name, ind.name, ind.target_text, ind.unit, ind.operator, ind.weight
            )
        )
        result[ind.target_id][-1].indicator = ind
        result[ind.target_id][-1].seq = len(result[ind.target_id])
    if adjusting:
        for target_id, snap in _snapshots(adjusting).items():
            node_ids = {i[k] for i in snap.get("indicators", []) for k in ("lv1_id", "lv2_id") if i.get(k)}
            names = dict(FrameworkNode.objects.filter(pk__in=node_ids).values_list("pk", "name"))
            for i in snap.get("indicators", []):
                if i.get("year_flag", "annual") != TargetIndicator.YearFlag.ANNUAL:
                    continue
                weight = Decimal(str(i["weight"])) if i.get("weight") not in (None, "") else None
                row = _row(
                    target_id,
                    names.get(int(i.get("lv1_id") or 0), ""),
                    names.get(int(i.get("lv2_id") or 0), ""),
                    str(i.get("name", "")),
                    str(i.get("target_text", "")),
                    str(i.get("unit", "")),
                    str(i.get("operator", "")),
                    weight,
                )
                row.seq = len(result[target_id]) + 1
                result[target_id].append(row)
    _monitoring_hints([row for rows in result.values() for row in rows])
    return result


def _self_evaluation_weights(rows: list[SelfEvalIndicator], cfg: ScoringConfig) -> None:
    """The goal table's weights (to 100) become the self-evaluation points per group (rules.allocate_weights)."""
    groups = [GROUP_OF_LV1.get(r.lv1 if r.lv1.endswith("指标") else f"{r.lv1}指标", "") for r in rows]
    for row, weight in zip(
        rows, allocate_weights(list(zip(groups, [r.weight for r in rows], strict=True)), cfg), strict=True
    ):
        row.weight = weight


def _snapshots(versions: dict[int, int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for v in TargetVersion.objects.filter(target_id__in=versions).order_by("target_id", "-goal_version", "-id"):
        if v.target_id not in found and v.goal_version <= versions[v.target_id]:
            found[v.target_id] = v.snapshot
    return found


def _row(
    target_id: int, lv1: str, lv2: str, name: str, text: str, unit: str, op: str, weight: Decimal | None
) -> SelfEvalIndicator:
    target_text = text + (unit if unit and unit not in text else "")
    return SelfEvalIndicator(
        lv1=lv1[:100],
        lv2=lv2[:100],
        name=name[:200],
        target_text=target_text[:1000],
        is_qualitative=op == Operator.QUALITATIVE,
        weight=weight,
    )


def _monitoring_hints(rows: list[SelfEvalIndicator]) -> None:
    """The last monitored value of each indicator (全年预计完成情况, else 1—N月执行情况), one query."""
    ids = [r.indicator_id for r in rows if r.indicator_id]
    if not ids:
        return
    latest: dict[int, str] = {}
    monitored = (
        MonitoringIndicatorRow.objects.filter(indicator_id__in=ids)
        .order_by("indicator_id", "-record__task__period_end_month", "-record_id")
        .values_list("indicator_id", "expected_annual", "completion_to_date", "record__task__period_end_month")
    )
    for indicator_id, expected, to_date, month in monitored:
        if indicator_id in latest or not (expected or to_date):
            continue
        if expected:
            latest[indicator_id] = f"1—{month}月监控：全年预计{expected}"
        else:
            latest[indicator_id] = f"1—{month}月监控：已完成{to_date}"
    for row in rows:
        if row.indicator_id in latest:
            row.monitoring_hint = latest[row.indicator_id][:1000]


# ---- scoring ---------------------------------------------------------------------------------------------------------


def to_sheet(record: SelfEvaluation) -> SelfEvalSheet:
    """The record as the engine's plain data (also the export)."""
    return sheet_of(record, list(record.funds.all()), list(record.indicators.all()))


def sheet_of(record: SelfEvaluation, funds: list[SelfEvalFund], rows: list[SelfEvalIndicator]) -> SelfEvalSheet:
    sheet = SelfEvalSheet(
        fiscal_year=record.fiscal_year,
        project_name=record.name,
        department=record.department.name,
        unit=record.unit.name,
        exec_weight=record.exec_weight,
        exec_score_claimed=record.exec_score_claimed,
        goal_expected=record.goal_expected,
        goal_actual=record.goal_actual,
        total_claimed=record.total_claimed,
        grade_claimed=record.grade_claimed or None,
    )
    for fund in funds:
        sheet.funds[fund.fund_source] = FundRow(fund.initial_yuan, fund.annual_yuan, fund.executed_yuan, fund.exec_rate)
    weights = Decimal(0)
    for index, row in enumerate(rows, start=1):
        weights += row.weight or 0
        sheet.rows.append(
            IndicatorRow(
                row=index,
                lv1=row.lv1,
                lv2=row.lv2,
                name=row.name,
                target_text=row.target_text,
                actual_text=row.actual_text,
                weight=row.weight,
                claimed=row.claimed_score,
                deviation=row.deviation_analysis,
                level_claimed=row.qual_level or None,
            )
        )
    sheet.total_weight = weights + record.exec_weight
    return sheet


def _target_changed(record: SelfEvaluation) -> list[Issue]:
    """D_TARGET_CHANGED: the record's indicator set and target texts must equal the approved version."""
    target = PerformanceTarget.objects.get(pk=record.target_id)
    if target.goal_version != record.goal_version:
        return [
            Issue(
                "D_TARGET_CHANGED",
                f"自评生成后绩效目标已调整（第{record.goal_version}版 → 第{target.goal_version}版），"
                "指标与批复的目标不一致，请联系绩效股在本页“按调整后的绩效目标重新生成”",
            )
        ]
    approved = approved_rows([target]).get(target.pk, [])
    expected = {norm(r.name): norm(r.target_text) for r in approved}
    have = {norm(r.name): norm(r.target_text) for r in record.indicators.all()}
    if expected == have:
        return []
    differ = sorted(set(expected) ^ set(have) | {k for k in expected.keys() & have.keys() if expected[k] != have[k]})
    return [Issue("D_TARGET_CHANGED", "指标或年度指标值与批复的绩效目标不一致：" + "、".join(differ[:10]))]


# The unit's entries on an indicator row, carried over when a record is generated again (`selfeval_regenerate`).
UNIT_ROW_FIELDS = ("actual_text", "qual_level", "claimed_score", "deviation_analysis")


def selfeval_regenerate(*, actor: Any, record: SelfEvaluation, expected_version: int | None = None) -> SelfEvaluation:
    """重新生成: a record whose target was adjusted after the round started (D_TARGET_CHANGED, 第N版 → 第M版)
    could never be submitted. The 绩效股 reads its goal, indicators and funds again from the target's approved
    version, while the record is with the unit (填报中, 被退回). The unit's entries stay where they still apply:
    实际完成值, 定性完成档次, 得分 and 偏差原因分析 of an indicator of the same 三级指标 name, the 全年执行数 and 执行率
    of each fund source, the 年度总体目标实际完成情况. Scored again; timeline and audit name both versions."""
    require(actor, "evaluation.manage")
    _visible(actor, record)
    with transaction.atomic():
        locked = SelfEvaluation.objects.select_for_update(of=("self",)).select_related("task").get(pk=record.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("自评表已被修改，请刷新后重试")
        if locked.status not in EDITABLE_STATES:
            raise ConflictError(
                f"自评表当前状态为“{locked.get_status_display()}”，只有填报中或被退回的自评表可以重新生成"
            )
        target = PerformanceTarget.objects.select_related("region", "department", "unit").get(pk=locked.target_id)
        if target.goal_version == locked.goal_version:
            raise ConflictError("绩效目标自评表生成后未调整，无需重新生成")
        seeds = task_record_seeds(locked.task, [target])
        if not seeds:
            raise DomainError("该绩效目标已没有对应的项目，不能重新生成")
        seed, before = seeds[0], locked.goal_version
        entered = {norm(r.name): r for r in locked.indicators.all()}
        kept = 0
        for row in seed.rows:
            previous = entered.get(norm(row.name))
            if previous is not None:
                kept += 1
                for field in UNIT_ROW_FIELDS:
                    setattr(row, field, getattr(previous, field))
        paid = {f.fund_source: f for f in locked.funds.all()}
        for fund in seed.funds:
            if fund.fund_source in paid:
                fund.executed_yuan = paid[fund.fund_source].executed_yuan
                fund.exec_rate = paid[fund.fund_source].exec_rate
        old_rows = list(entered.values())
        for row in seed.rows:
            row.self_eval = locked
        created = SelfEvalIndicator.objects.bulk_create(seed.rows)
        # A 佐证资料 file tied to an indicator stays tied to the indicator of the same name (else it stays untied).
        for row in created:
            previous = entered.get(norm(row.name))
            if previous is not None:
                SelfEvalEvidence.objects.filter(self_eval=locked, row_id=previous.pk).update(row=row)
        SelfEvalIndicator.objects.filter(pk__in=[r.pk for r in old_rows]).delete()
        locked.funds.all().delete()
        for fund in seed.funds:
            fund.self_eval = locked
        SelfEvalFund.objects.bulk_create(seed.funds)
        for field in ("goal_version", "name", "goal_expected", "exec_weight"):
            setattr(locked, field, getattr(seed.record, field))
        rescore(locked)
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        note = f"绩效目标第{before}版 → 第{locked.goal_version}版，{len(seed.rows)}个指标，其中{kept}个保留单位已填内容"
        _event(actor, locked, "regenerate", "按调整后的绩效目标重新生成", locked.status, note)
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_regenerate",
            obj=locked,
            changes={"goal_version": [before, locked.goal_version], "indicators": [len(entered), len(seed.rows)]},
        )
    return locked


def rescore(record: SelfEvaluation) -> dict[str, Any]:
    """Run the engine on the record and store computed scores and flags (record and rows). Returns `as_dict`."""
    rows = list(record.indicators.all())
    result = score(record, list(record.funds.all()), rows, _target_changed(record))
    SelfEvalIndicator.objects.bulk_update(rows, ["auto_score", "formula", "flags"])
    return result


def score(
    record: SelfEvaluation,
    funds: list[SelfEvalFund],
    rows: list[SelfEvalIndicator],
    extra: list[Issue] | None = None,
    cfg: ScoringConfig | None = None,
) -> dict[str, Any]:
    """Evaluate and set the computed fields on the (possibly unsaved) record and rows; nothing is written."""
    cfg = cfg or selectors.scoring_config(record.region, record.fiscal_year)
    evaluation = evaluate(sheet_of(record, funds, rows), cfg)
    evaluation.issues.extend(extra or [])
    result = as_dict(evaluation)
    for row, scored, computed in zip(rows, evaluation.indicators, result["indicators"], strict=True):
        row.auto_score = scored.computed.value
        row.formula = computed["formula"][:500]
        row.flags = computed["messages"]
    messages = [*result["messages"], *result["exec"]["messages"]]
    messages += [m for r in result["indicators"] for m in r["messages"]]
    record.exec_score_computed = evaluation.exec.computed.value
    record.total_computed = evaluation.total_computed
    record.grade_computed = evaluation.grade_computed or ""
    record.flags = result
    record.error_count = sum(1 for m in messages if m["severity"] == "ERROR")
    record.warn_count = sum(1 for m in messages if m["severity"] == "WARN")
    return result


SCORE_FIELDS = ["exec_score_computed", "total_computed", "grade_computed", "flags", "error_count", "warn_count"]
# What the unit signs with SM2 when it submits (jixiao.core.signatures): its own entries, not the reviewers'.
SIGNED_CONTENT: dict[str, Any] = {
    "fields": [
        "name",
        "fiscal_year",
        "unit_id",
        "target_id",
        "goal_version",
        "goal_actual",
        "exec_score_claimed",
        "total_claimed",
        "grade_claimed",
        "flag_explanation",
        "submitted_at",
    ],
    "children": {
        "funds": ["fund_source", "initial_yuan", "annual_yuan", "executed_yuan", "exec_rate"],
        "indicators": [
            "seq",
            "name",
            "target_text",
            "weight",
            "actual_text",
            "qual_level",
            "claimed_score",
            "deviation_analysis",
        ],
    },
}


def _issue_list(result: dict[str, Any], severity: str) -> list[str]:
    messages = [*result["messages"], *result["exec"]["messages"]]
    found = [f"{m['code']} {m['message']}" for m in messages if m["severity"] == severity]
    for row in result["indicators"]:
        found += [f"“{row['name']}”：{m['message']}" for m in row["messages"] if m["severity"] == severity]
    return list(dict.fromkeys(found))


# ---- filling -------------------------------------------------------------------------------------------------------


def _decimal_or_none(value: Any, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except Exception as exc:
        raise DomainError(f"{label}应为数字") from exc
    if not number.is_finite() or number < 0 or number > Decimal(1000):
        raise DomainError(f"{label}应为0至1000之间的数字")
    return number.quantize(Decimal("0.01"))


def _clean_record(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in RECORD_FIELDS}
    for field, limit in MAX_TEXT.items():
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()[:limit]
    for field, label in (("exec_score_claimed", "预算执行率得分"), ("total_claimed", "总分")):
        if field in cleaned:
            cleaned[field] = _decimal_or_none(cleaned[field], label)
    if "grade_claimed" in cleaned:
        grade = (cleaned["grade_claimed"] or "").strip()
        if grade and grade not in GRADES:
            raise DomainError("等级应为优、良、中、差之一")
        cleaned["grade_claimed"] = grade
    return cleaned


def _clean_row(row: SelfEvalIndicator, data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in ROW_FIELDS}
    for field, limit in ROW_MAX_TEXT.items():
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()[:limit]
    if "claimed_score" in cleaned:
        cleaned["claimed_score"] = _decimal_or_none(cleaned["claimed_score"], f"“{row.name}”的得分")
    if "qual_level" in cleaned:
        level = cleaned["qual_level"] or ""
        if level and level not in QualLevel.values:
            raise DomainError(f"“{row.name}”的定性完成档次无效")
        if level and not row.is_qualitative:
            level = ""
        cleaned["qual_level"] = level
    return cleaned


def _clean_funds(data: dict[str, Any] | None) -> dict[str, Decimal]:
    cleaned: dict[str, Decimal] = {}
    for key, value in (data or {}).items():
        if key not in FUND_KEYS or value is None:
            continue
        amount = Decimal(str(value))
        if not amount.is_finite() or amount < 0:
            raise DomainError("全年执行数不能为负数")
        cleaned[key] = amount.quantize(Decimal("0.01"))
    return cleaned


def selfeval_save(
    *,
    actor: Any,
    record: SelfEvaluation,
    data: dict[str, Any],
    rows: dict[int, dict[str, Any]] | None = None,
    executed: dict[str, Any] | None = None,
    version: int | None = None,
) -> SelfEvaluation:
    """Save the unit's entries (record fields, rows by id, 全年执行数 per fund source) and re-score."""
    require(actor, "evaluation.fill")
    _visible(actor, record)
    cleaned = _clean_record(data)
    funds = _clean_funds(executed)
    with transaction.atomic():
        locked = (
            SelfEvaluation.objects.select_for_update(of=("self",))
            .select_related("department", "unit", "region")
            .get(pk=record.pk)
        )
        if locked.status not in EDITABLE_STATES:
            raise ConflictError(f"自评当前状态为“{locked.get_status_display()}”，不能修改")
        if version is not None and locked.version != version:
            raise ConflictError("自评已被他人修改，请刷新后重试")
        before = audit.snapshot(locked, RECORD_FIELDS)
        for field, value in cleaned.items():
            setattr(locked, field, value)
        changed_rows = _apply_rows(locked, rows or {})
        changed_funds = _apply_funds(locked, funds)
        rescore(locked)
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_save",
            obj=locked,
            changes={
                **audit.diff(before, audit.snapshot(locked, RECORD_FIELDS)),
                "rows": [None, changed_rows],
                "funds": [None, changed_funds],
            },
        )
    return locked


def _apply_rows(record: SelfEvaluation, rows: dict[int, dict[str, Any]]) -> int:
    existing = {r.pk: r for r in record.indicators.all()}
    unknown = set(rows) - set(existing)
    if unknown:
        raise DomainError("指标行不属于该自评")
    changed: list[SelfEvalIndicator] = []
    for pk, values in rows.items():
        row = existing[pk]
        cleaned = _clean_row(row, values)
        diff = [f for f, v in cleaned.items() if getattr(row, f) != v]
        for field in diff:
            setattr(row, field, cleaned[field])
        if diff:
            changed.append(row)
    SelfEvalIndicator.objects.bulk_update(changed, ROW_FIELDS)
    return len(changed)


def _apply_funds(record: SelfEvaluation, amounts: dict[str, Decimal]) -> int:
    changed = []
    for fund in record.funds.all():
        if fund.fund_source in amounts and fund.executed_yuan != amounts[fund.fund_source]:
            fund.executed_yuan = amounts[fund.fund_source]
            changed.append(fund)
    SelfEvalFund.objects.bulk_update(changed, ["executed_yuan"])
    return len(changed)


# ---- import ----------------------------------------------------------------------------------------------------------


def selfeval_import(*, actor: Any, record: SelfEvaluation, upload: IO[bytes] | bytes) -> dict[str, Any]:
    """Fill the record from a filled 项目支出绩效自评表 (standard layout). All or nothing: the year, the indicator
    names and their target values must match the record (a unit cannot change its approved targets here)."""
    require(actor, "evaluation.fill")
    _visible(actor, record)
    sheets = read_selfevaluations(upload)
    if len(sheets) != 1:
        raise DomainError(f"工作簿中有{len(sheets)}张自评表，请只上传本项目的一张自评表")
    sheet = sheets[0]
    if sheet.fiscal_year != record.fiscal_year:
        raise DomainError(f"自评表年度为{sheet.fiscal_year}年，本自评为{record.fiscal_year}年度")
    rows = list(record.indicators.all())
    mine = {norm(r.name): r for r in rows}
    theirs = {norm(r.name): r for r in sheet.rows}
    problems: list[str] = []
    missing = [r.name for r in rows if norm(r.name) not in theirs]
    extra = [r.name for r in sheet.rows if norm(r.name) not in mine]
    if missing:
        problems.append("自评表缺少以下指标：" + "、".join(missing))
    if extra:
        problems.append("自评表有本自评没有的指标（三级指标名称须与批复的绩效目标一致）：" + "、".join(extra))
    for key, row in mine.items():
        other = theirs.get(key)
        if other is not None and norm(other.target_text) != norm(row.target_text):
            problems.append(
                f"第{other.row}行“{row.name}”的年度指标值“{other.target_text}”与批复的“{row.target_text}”不一致"
            )
    if problems:
        raise DomainError("；".join(problems) + "。未导入任何内容。")
    data: dict[str, Any] = {
        "goal_actual": sheet.goal_actual,
        "exec_score_claimed": sheet.exec_score_claimed,
        "total_claimed": sheet.total_claimed,
        "grade_claimed": sheet.grade_claimed or "",
    }
    row_data = {
        mine[key].pk: {
            "actual_text": other.actual_text,
            "claimed_score": other.claimed,
            "deviation_analysis": other.deviation,
            # A “（完成档次：…）” line sets the qualitative level; without one the record keeps its own.
            **({"qual_level": other.level_claimed} if other.level_claimed else {}),
        }
        for key, other in theirs.items()
    }
    executed = {k: f.executed_yuan for k, f in sheet.funds.items() if f.executed_yuan is not None}
    with transaction.atomic():
        saved = selfeval_save(actor=actor, record=record, data=data, rows=row_data, executed=executed)
        rates = {k: f.rate_claimed for k, f in sheet.funds.items()}
        funds = list(saved.funds.all())
        for fund in funds:
            fund.exec_rate = rates.get(fund.fund_source)
        SelfEvalFund.objects.bulk_update(funds, ["exec_rate"])
        rescore(saved)
        saved.save(update_fields=SCORE_FIELDS)
        _event(actor, saved, "import", "导入自评表", saved.status, f"导入{len(row_data)}个指标")
        audit.record(
            actor=actor, event_type="evaluation.selfeval_import", obj=saved, changes={"rows": [0, len(row_data)]}
        )
    return dict(saved.flags)


def selfeval_exported(*, actor: Any, record: SelfEvaluation, filename: str) -> None:
    """导出自评表 hands the record's figures out of the system: audited as every other export (the view has read the
    record through the actor's scope)."""
    audit.record(actor=actor, event_type="evaluation.selfeval_export", obj=record, changes={"file": [None, filename]})


# ---- workflow ------------------------------------------------------------------------------------------------------


def selfeval_transition(
    *,
    actor: Any,
    record: SelfEvaluation,
    action: str,
    comment: str = "",
    dept_score: Decimal | None = None,
) -> SelfEvaluation:
    transition = WORKFLOW.get(record.status, action)
    require(actor, transition.capability)
    _visible(actor, record)
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    if dept_score is not None and not Decimal(0) <= dept_score <= Decimal(100):
        raise DomainError("主管部门评分应在0到100之间")
    with transaction.atomic():
        locked = (
            SelfEvaluation.objects.select_for_update(of=("self",))
            .select_related("department", "unit", "region")
            .get(pk=record.pk)
        )
        if locked.status != transition.source:
            raise ConflictError("自评状态已变化，请刷新后重试")
        fields = ["status", "version", "updated_by", "updated_at"]
        if action == "submit":
            _check_submit(locked, comment)
            locked.submitted_at = timezone.now()
            fields += ["submitted_at", "flag_explanation", *SCORE_FIELDS]
        if transition.source == SelfEvalStatus.SUBMITTED and action != "withdraw":
            locked.dept_opinion = comment[:2000]
            fields.append("dept_opinion")
            if dept_score is not None:
                locked.dept_score = dept_score
                fields.append("dept_score")
        elif transition.source == SelfEvalStatus.DEPT_REVIEWED:
            locked.section_opinion = comment[:2000]
            fields.append("section_opinion")
        elif transition.source == SelfEvalStatus.SECTION_REVIEWED:
            locked.fin_opinion = comment[:2000]
            locked.is_final = transition.target == SelfEvalStatus.FIN_REVIEWED
            fields += ["fin_opinion", "is_final"]
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=fields)
        changes: dict[str, Any] = {"status": [transition.source, transition.target]}
        cleared = _clear_overrides(locked) if transition.target in EDITABLE_STATES else []
        if action == "submit":
            signatures.sign(actor=actor, obj=locked, purpose="evaluation.selfeval_submit", **SIGNED_CONTENT)
        _event(actor, locked, action, transition.label, transition.source, comment)
        if cleared:
            changes["overrides_cleared"] = [None, cleared]
            names = "、".join(f"“{name}”" for name in cleared)
            _event(
                actor, locked, "override_clear", "清除审定得分", locked.status, f"{names}的审定得分待重新提交后重新审定"
            )
        audit.record(
            actor=actor,
            event_type=f"evaluation.selfeval_{action}",
            obj=locked,
            reason=comment[:500],
            changes=changes,
        )
    return locked


def _clear_overrides(record: SelfEvaluation) -> list[str]:
    """A record going back to the unit (退回, 撤回) loses its rows' 审定得分: the unit may change any row, and a
    reviewer's score of the old values must not stay shown as current, seed a re-score or be published. Each reviewer
    sets it again on the resubmitted record. Returns the names of the rows cleared (the timeline and the audit record
    keep the scores that were set)."""
    rows = list(record.indicators.filter(final_score__isnull=False).order_by("seq", "id"))
    for row in rows:
        row.final_score = None
        row.override_reason = ""
        row.overridden_by = None
    SelfEvalIndicator.objects.bulk_update(rows, ["final_score", "override_reason", "overridden_by"])
    return [row.name for row in rows]


def selfeval_bulk_transition(*, actor: Any, ids: list[Any], action: str, comment: str = "") -> int:
    """批量审核 of the ticked self-evaluations: each goes through `selfeval_transition` (opinion, event, audit record),
    all in one transaction; a record out of scope or no longer in the button's state fails the whole batch. A batch
    gives no 主管部门评分."""
    return bulk.run(
        actor=actor,
        workflow=WORKFLOW,
        offered=BULK_ACTIONS,
        action=action,
        ids=ids,
        comment=comment,
        visible=SelfEvaluation.objects.visible_to(actor),
        noun="单位自评",
        event_prefix="evaluation.selfeval",
        apply=lambda record, text: selfeval_transition(actor=actor, record=record, action=action, comment=text),
    )


def _check_submit(record: SelfEvaluation, comment: str) -> None:
    """ERROR flags block submission; WARN flags need an explanation (the record's or the submit comment)."""
    result = rescore(record)
    errors = _issue_list(result, "ERROR")
    if errors:
        raise DomainError(f"自评存在{len(errors)}个错误，不能提交：" + "；".join(errors[:20]))
    warnings = _issue_list(result, "WARN")
    if warnings and not (record.flag_explanation or comment):
        raise DomainError(
            f"自评存在{len(warnings)}个提示事项，请在“提示事项说明”中逐项说明后再提交：" + "；".join(warnings[:20])
        )
    if comment and not record.flag_explanation:
        record.flag_explanation = comment[:4000]


def regenerated_refusal(record: SelfEvaluation) -> str:
    """The 409 message for a 审定得分 posted for an indicator row that 重新生成 (`selfeval_regenerate`, the only
    step that deletes rows) has replaced since the page was shown, naming who regenerated it and when; empty when the
    record was never regenerated (the row id is then simply not one of its rows: 404)."""
    event = record.events.filter(action="regenerate").select_related("actor").first()
    if event is None:
        return ""
    return (
        "您打开页面后，该自评已按调整后的绩效目标重新生成"
        + moved_by(event, lambda e: e.action_label)
        + "，原指标已替换，审定得分未保存；请核对页面上的最新指标后再调整"
    )


def selfeval_override(
    *,
    actor: Any,
    record: SelfEvaluation,
    row: SelfEvalIndicator,
    score: Decimal,
    reason: str,
    version: int | None = None,
) -> SelfEvalIndicator:
    """A reviewer sets the row's final score (审定得分); the reason is required, audited and shown.

    `version`: the record's version on the page the score was typed on. A record changed since (returned and
    resubmitted by the unit, another row adjusted, a step taken) is refused with 409 naming who changed it and its
    state, instead of being scored unseen; the page then shows what is stored, with the score typed still there."""
    # A reviewer of some step; which one is checked on the locked record (a stale page gets its 409, not a 403).
    if not getattr(actor, "is_authenticated", False) or not any(actor.can(c) for c in REVIEWER_OF_STATE.values()):
        raise PermissionDeniedError("您没有执行此操作的权限")
    _visible(actor, record)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("调整得分须填写理由")
    with transaction.atomic():
        locked = SelfEvaluation.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=record.pk)
        if version is not None and locked.version != version:
            by = str(locked.updated_by) if locked.updated_by is not None else "他人"
            raise ConflictError(
                f"您打开页面后，该自评已由{by}修改（当前状态为“{locked.get_status_display()}”），审定得分未保存；"
                "请核对页面上的最新内容后再调整"
            )
        capability = (
            REVIEWER_OF_STATE.get(SelfEvalStatus(locked.status)) if locked.status in REVIEWER_OF_STATE else None
        )
        if capability is None:
            raise ConflictError("只有审核中的自评可以调整得分")
        require(actor, capability)
        if locked.status != record.status:
            raise ConflictError("自评状态已变化，请刷新后重试")
        try:
            locked_row = SelfEvalIndicator.objects.select_for_update().get(pk=row.pk, self_eval=locked)
        except SelfEvalIndicator.DoesNotExist as exc:
            if refusal := regenerated_refusal(locked):
                raise ConflictError(refusal) from exc
            raise NotFoundError("指标不存在") from exc
        weight = locked_row.weight or Decimal(0)
        if score is None or not Decimal(0) <= score <= weight:
            raise DomainError(f"审定得分应在0至分值{fmt(weight)}之间")
        before = {"final_score": audit.jsonable(locked_row.final_score), "override_reason": locked_row.override_reason}
        locked_row.final_score = score.quantize(Decimal("0.01"))
        locked_row.override_reason = reason[:1000]
        locked_row.overridden_by = actor
        locked_row.save(update_fields=["final_score", "override_reason", "overridden_by"])
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["version", "updated_by", "updated_at"])
        comment = (
            f"“{locked_row.name}”审定得分{fmt(locked_row.final_score)}（填报{fmt(locked_row.claimed_score)}）：{reason}"
        )
        _event(actor, locked, "override", "调整指标得分", locked.status, comment)
        audit.record(
            actor=actor,
            event_type="evaluation.selfeval_override",
            obj=locked,
            reason=reason[:500],
            changes={
                "row": [None, locked_row.name],
                "final_score": [before["final_score"], audit.jsonable(locked_row.final_score)],
                "override_reason": [before["override_reason"], locked_row.override_reason],
            },
        )
    return locked_row
