"""预警 writes: rule and profile configuration, tiers and finance opinions, the disposition of red warnings, and
escalation. Every function re-checks capability and row scope, locks what it changes and writes audit rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jixiao.alerts import engine, idle_funds, letters, selectors
from jixiao.alerts.models import (
    AMOUNT_OPTIONS,
    ANSWERABLE_STATES,
    CaseStatus,
    FinanceOpinion,
    FundAdjustment,
    OnTimeout,
    Option,
    Profile,
    ProjectMonitoringTier,
    ProjectYearFlag,
    ReminderLetter,
    Tier,
    TierRule,
    WarningCase,
    WarningRule,
    WarningSetting,
)
from jixiao.alerts.workflow import CASE_WORKFLOW, DECIDE, ESCALATE, RESPOND
from jixiao.core import audit
from jixiao.core.bulk import clean_ids, lock_batch
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.jobs import job_progress, job_start, job_summarize
from jixiao.core.locking import check_lock_token
from jixiao.core.models import Job
from jixiao.core.money import format_wan
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR
from jixiao.core.permissions import require
from jixiao.execution.selectors import annotate_execution
from jixiao.organizations.models import CalendarDay, FiscalRegion
from jixiao.projects.models import Project, ProjectStatus
from jixiao.projects.services import project_classes

RULE_FIELDS = [
    "name",
    "bands",
    "enabled",
    "requires_explanation",
    "disposition_options",
    "sla_working_days",
    "on_timeout",
]
SETTING_FIELDS = ["profile", "reminder_feedback_days", "idle_months", "slow_month", "slow_rate_pct"]


# ---- optimistic locking (I05) ----------------------------------------------------------------------------------


class _Stamp:
    """A row without a version or updated_at column, stamped with what a page shows of it (`lock_token` reads
    `pk` and `version`)."""

    def __init__(self, row: Any, *fields: str) -> None:
        self.pk = row.pk
        self.version = "/".join(str(getattr(row, f)) for f in fields)


def rule_lock_rows(rule: WarningRule, region: Any, rows: Any) -> list[WarningRule]:
    """What a save from a rule's page depends on: the rule and, for a row of another level, the region's own copy
    (the save goes there). `rows` are the rules the user sees (the selector) or, in the service, the locked ones."""
    return [
        r
        for r in rows
        if r.pk == rule.pk
        or (r.region_id, r.profile, r.code, r.fiscal_year) == (region.pk, rule.profile, rule.code, rule.fiscal_year)
    ]


def tier_lock_rows(tier: ProjectMonitoringTier | None) -> list[Any]:
    return [_Stamp(tier, "tier", "source", "selected_at")] if tier is not None else []


def tier_rule_lock_rows(rows: Any) -> list[Any]:
    """A region's own 重大/重点 rule rows as the 筛选规则设置 form shows them (TierRule has no version column)."""
    return [_Stamp(row, "fiscal_year", *TIER_RULE_FIELDS) for row in rows]


def calendar_lock_rows(days: Any) -> list[Any]:
    """The calendar page's rows (CalendarDay has no version column: its shown content is the stamp)."""
    return [_Stamp(day, "region_id", "date", "is_working", "name") for day in days]


# ---- configuration ----------------------------------------------------------------------------------------------


def rule_update(
    *,
    actor: Any,
    rule: WarningRule,
    data: dict[str, Any],
    expected_version: int | None = None,
    lock_token: str | None = None,
) -> WarningRule:
    """Edit a rule's bands, switch it on or off, or change its disposition. Bands are validated (engine).

    A row of another level (national, or the province above a county) is not changed: the edit goes to the actor's
    region's own copy (created on first edit), which wins for that region (most specific row)."""
    require(actor, "alerts.configure")
    cleaned = {k: v for k, v in data.items() if k in RULE_FIELDS}
    if "bands" in cleaned:
        enabled = cleaned.get("enabled", rule.enabled)
        problems = engine.validate_bands(cleaned["bands"])
        if problems and (cleaned["bands"] != [] or enabled):  # an empty rule may exist only switched off
            raise DomainError("；".join(problems))
    options = cleaned.get("disposition_options")
    if options is not None and any(o not in Option.values for o in options):
        raise DomainError("处置方式无效")
    if cleaned.get("sla_working_days") is not None and not 1 <= int(cleaned["sla_working_days"]) <= 60:
        raise DomainError("处置时限应在1至60个工作日之间")
    with transaction.atomic():
        region = actor.active_membership.region
        candidates = WarningRule.objects.select_for_update().filter(
            Q(pk=rule.pk) | Q(region=region, profile=rule.profile, code=rule.code, fiscal_year=rule.fiscal_year)
        )
        rows = rule_lock_rows(rule, region, candidates)
        check_lock_token(rows, lock_token)
        locked = next((r for r in rows if r.pk == rule.pk), None)
        if locked is None:
            raise NotFoundError("规则不存在")
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("规则已被他人修改，请刷新后重试")
        if locked.region_id != region.pk:
            locked = _own_copy(actor, locked, region)
        before = audit.snapshot(locked, RULE_FIELDS)
        changed = [f for f, v in cleaned.items() if getattr(locked, f) != v]
        if not changed:
            return locked
        for f in changed:
            setattr(locked, f, cleaned[f])
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="alerts.rule_update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, RULE_FIELDS)),
        )
    return locked


def _own_copy(actor: Any, rule: WarningRule, region: Any) -> WarningRule:
    """The region's own row for the rule (same profile, code and year), copied from `rule` if there is none."""
    own = (
        WarningRule.objects.select_for_update()
        .filter(profile=rule.profile, code=rule.code, region=region, fiscal_year=rule.fiscal_year)
        .first()
    )
    if own is not None:
        return own
    source_pk = rule.pk
    rule.pk = None
    rule.id = None
    rule.region = region
    rule.version = 1
    rule.updated_by = actor
    rule.save(force_insert=True)
    audit.record(
        actor=actor,
        event_type="alerts.rule_override",
        obj=rule,
        changes={"copied_from": [None, str(source_pk)], "region": [None, str(region.pk)]},
    )
    return rule


def setting_save(
    *,
    actor: Any,
    region: Any,
    fiscal_year: int | None,
    profile: str,
    reminder_feedback_days: int | None = None,
    idle_months: int | None = None,
    slow_month: int | None = None,
    slow_rate_pct: Decimal | None = None,
    lock_token: str | None = None,
) -> WarningSetting:
    """Choose the rule profile in force for the actor's region (and a year, or every year), the calendar days a
    提醒敦促函 gives the unit to answer, and what 存量资金清理 takes for 沉淀资金 and 执行缓慢 (each None keeps the
    row's value: a new row takes the national default).

    `lock_token` is the token of the settings the rules page showed (`selectors.settings_visible`)."""
    require(actor, "alerts.configure")
    if profile not in Profile.values:
        raise DomainError("预警方案无效")
    if reminder_feedback_days is not None and not 1 <= int(reminder_feedback_days) <= 60:
        raise DomainError("提醒敦促函反馈期限应在1至60日之间")
    if idle_months is not None and not 1 <= int(idle_months) <= 36:
        raise DomainError("沉淀资金认定月数应在1至36个月之间")
    if slow_month is not None and not 1 <= int(slow_month) <= 12:
        raise DomainError("执行缓慢认定月份应在1至12月之间")
    if slow_rate_pct is not None and not 0 <= slow_rate_pct <= 100:
        raise DomainError("执行缓慢认定执行率应在0至100%之间")
    with transaction.atomic():
        check_lock_token(list(selectors.settings_visible(actor).select_for_update(of=("self",))), lock_token)
        row = WarningSetting.objects.select_for_update().filter(region=region, fiscal_year=fiscal_year).first()
        before = audit.snapshot(row, SETTING_FIELDS) if row else {}
        if row is None:
            row = WarningSetting(region=region, fiscal_year=fiscal_year)
        row.profile = profile
        if reminder_feedback_days is not None:
            row.reminder_feedback_days = int(reminder_feedback_days)
        if idle_months is not None:
            row.idle_months = int(idle_months)
        if slow_month is not None:
            row.slow_month = int(slow_month)
        if slow_rate_pct is not None:
            row.slow_rate_pct = slow_rate_pct
        row.save()
        audit.record(
            actor=actor,
            event_type="alerts.setting_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, SETTING_FIELDS)),
        )
    return row


def _lock_region(region_id: Any) -> None:
    """The region's row serialises the writes of its tiers: 按规则筛选 and a tier set by hand (two presses, or one
    beside a manual 层级, would both insert the same project's row: `uniq_project_tier`), and the saves of its own
    重大/重点 rules (two first saves would both create the row: `uniq_tier_rule`)."""
    FiscalRegion.objects.filter(pk=region_id).lock()


TIER_RULE_FIELDS = ["name", "min_amount_wan", "checkpoint_month", "max_exec_rate_pct", "project_classes", "enabled"]


def tier_rule_save(
    *,
    actor: Any,
    tier: str,
    fiscal_year: int | None,
    data: dict[str, Any],
    lock_token: str | None = None,
    shown_year: int | None = None,
) -> TierRule:
    """The actor's region's own 重大 or 重点 selection rule (for a year, or every year): 资金起点, optionally a month
    and an execution rate below which, and the 重要性分类 that take the tier whatever their amount (项目分级分类, seed
    002 S26). It overrides the rule of the regions above for this region and those under it; audited.

    `lock_token` is the token of the region's own rows of the tier the page of `shown_year` showed
    (`selectors.own_tier_rule_rows`): a save from a page shown before another save of them is a 409. The region's
    row is locked first, so two first saves at once do not both create the row (`uniq_tier_rule`)."""
    require(actor, "alerts.configure")
    if tier not in Tier.values:
        raise DomainError("监控层级无效")
    if fiscal_year is not None and not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        raise DomainError(f"年度须在{FIRST_YEAR}至{LAST_YEAR}之间")
    month, rate = data.get("checkpoint_month"), data.get("max_exec_rate_pct")
    if (month is None) != (rate is None):
        raise DomainError("节点月份和执行率须同时填写或同时不填")
    if month is not None and not 1 <= int(month) <= 12:
        raise DomainError("节点月份应在1至12月之间")
    if rate is not None and not 0 <= rate <= 100:
        raise DomainError("执行率应在0至100%之间")
    if data.get("min_amount_wan") is None or data["min_amount_wan"] < 0:
        raise DomainError("资金起点不能小于0")
    values = {
        "name": (data.get("name") or "").strip()[:100] or f"{Tier(tier).label}项目筛选规则",
        "min_amount_wan": data["min_amount_wan"],
        "checkpoint_month": month,
        "max_exec_rate_pct": rate,
        "project_classes": project_classes(data.get("project_classes")),
        "enabled": bool(data.get("enabled", True)),
    }
    region = actor.active_membership.region
    shown = shown_year if shown_year is not None else fiscal_year
    try:
        return _save_tier_rule(actor, region, tier, fiscal_year, values, lock_token=lock_token, shown_year=shown)
    except IntegrityError as exc:  # the lock leaves none; should one come, nothing is written and it is a 409
        raise ConflictError("本级该层级的筛选规则刚被他人保存，请刷新页面后重试") from exc


def _save_tier_rule(
    actor: Any,
    region: Any,
    tier: str,
    fiscal_year: int | None,
    values: dict[str, Any],
    *,
    lock_token: str | None,
    shown_year: int | None,
) -> TierRule:
    with transaction.atomic():
        _lock_region(region.pk)
        shown = selectors.own_tier_rule_rows(region, tier, shown_year).select_for_update()
        check_lock_token(tier_rule_lock_rows(shown), lock_token)
        row = TierRule.objects.select_for_update().filter(tier=tier, region=region, fiscal_year=fiscal_year).first()
        before = audit.snapshot(row, TIER_RULE_FIELDS) if row else {}
        if row is None:
            row = TierRule(tier=tier, region=region, fiscal_year=fiscal_year)
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
        audit.record(
            actor=actor,
            event_type="alerts.tier_rule_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, TIER_RULE_FIELDS)),
        )
    return row


def _check_calendar(region: Any, year: int, lock_token: str | None) -> None:
    """The page showed one year's days (`selectors.calendar_days`); refuse a save when they changed since."""
    days = selectors.calendar_days(region, year).select_for_update(of=("self",))
    check_lock_token(calendar_lock_rows(days), lock_token)


def calendar_day_save(
    *, actor: Any, region: Any, day: date, is_working: bool, name: str, lock_token: str | None = None
) -> CalendarDay:
    """Register a holiday or a make-up working day; `lock_token` is the token of the days of `day`'s year shown."""
    require(actor, "alerts.configure")
    with transaction.atomic():
        _check_calendar(region, day.year, lock_token)
        row, created = CalendarDay.objects.select_for_update().get_or_create(
            region=region, date=day, defaults={"is_working": is_working, "name": name[:60]}
        )
        before = {} if created else {"is_working": row.is_working, "name": row.name}
        row.is_working, row.name = is_working, name[:60]
        row.save()
        audit.record(
            actor=actor,
            event_type="alerts.calendar_save",
            obj=row,
            changes=audit.diff(before, {"is_working": is_working, "name": row.name}),
        )
    return row


def calendar_day_delete(*, actor: Any, region: Any, pk: Any, lock_token: str | None = None) -> None:
    require(actor, "alerts.configure")
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(pk=pk, region=region).first()
        if row is None:
            raise NotFoundError("日历记录不存在")
        _check_calendar(region, row.date.year, lock_token)
        audit.record(actor=actor, event_type="alerts.calendar_delete", obj=row, changes={"date": [str(row.date), None]})
        row.delete()


# ---- sweeping (the engine lives in alerts.sweep) ---------------------------------------------------------------


def sweep(
    *, actor: Any, region: Any, fiscal_year: int, as_of: date, progress: Callable[[int, int], None] | None = None
) -> Any:
    """立即计算: the actor's region and every region under it (a city or province bureau sweeps its counties)."""
    from jixiao.alerts.sweep import sweep_subtree

    require(actor, "alerts.configure")
    return sweep_subtree(region, fiscal_year, as_of, actor=actor, progress=progress)


# ---- tiers --------------------------------------------------------------------------------------------------------


TIER_CLASH = "其他人正在筛选或调整本地区的监控层级，请刷新页面后重试"


@dataclass(frozen=True)
class TierSelection:
    """What 按规则筛选 did: the rows it selected per tier, and the rules whose execution rate was not applied because
    their checkpoint month had not ended (`waiting`: the rule and the first day it applies)."""

    counts: dict[str, int]
    waiting: tuple[tuple[TierRule, date], ...] = ()

    def message(self) -> str:
        """The result as the 重点监控 page tells it."""
        text = f"筛选完成：重点项目{self.counts.get('KEY', 0)}个，重大项目{self.counts.get('MAJOR', 0)}个"
        for rule, applies_from in self.waiting:
            text += (
                f"。{rule.get_tier_display()}项目规则“{rule.name}”须用{rule.checkpoint_month}月末执行率，"
                f"{applies_from.year}年{applies_from.month}月{applies_from.day}日起适用，本次未按该规则筛选"
            )
            if rule.project_classes:
                text += f"（{'、'.join(rule.project_classes)}类项目仍列入）"
        return text


def checkpoint_applies_from(rule: TierRule, fiscal_year: int) -> date | None:
    """The first day a rule's execution rate can be read: the day after its checkpoint month ends (the month's
    figures are whole only then). None for a rule on the amount alone."""
    if not rule.checkpoint_month or rule.max_exec_rate_pct is None:
        return None
    return engine.month_end(fiscal_year, rule.checkpoint_month) + timedelta(days=1)


def select_tiers(*, actor: Any, region: Any, fiscal_year: int, today: date | None = None) -> TierSelection:
    """Run the tier rules: rule-selected rows are replaced, manual ones kept. 重点 beats 重大.

    Execution is taken at the end of the rule's checkpoint month in one query per rule. Before that month has ended
    the rule is not applied ("< 60% at the end of August" read from March's figures would select on a rate the reason
    would call 8月末): it is returned in `waiting`, while the rules on the amount alone (and its 重要性分类) apply.
    The region's row is locked while the rows are replaced (`_lock_region`); a clash the lock did not prevent is a
    409 with nothing changed."""
    require(actor, "alerts.decide")
    today = today or timezone.localdate()
    chosen: dict[int, tuple[str, Any, str]] = {}
    waiting: list[tuple[TierRule, date]] = []
    for rule in sorted(selectors.tier_rules_in_force(region, fiscal_year), key=lambda r: r.tier == Tier.KEY):
        applies_from = checkpoint_applies_from(rule, fiscal_year)
        if applies_from is not None and today < applies_from:
            waiting.append((rule, applies_from))
        else:
            chosen.update(_picked_by_amount(rule, region, fiscal_year))
        if rule.project_classes:  # 项目分级分类: the classes named take the tier whatever their amount
            classed = Project.objects.filter(
                region=region,
                fiscal_year=fiscal_year,
                status=ProjectStatus.IN_LIBRARY,
                is_deleted=False,
                tier__in=list(rule.project_classes),
            )
            for pk, project_class in classed.values_list("pk", "tier"):
                if chosen.get(pk, ("",))[0] != rule.tier:
                    chosen[pk] = (rule.tier, rule, f"重要性分类{project_class}类项目")
    try:
        counts = _replace_rule_tiers(actor, region, fiscal_year, chosen, waiting)
    except IntegrityError as exc:
        raise ConflictError(TIER_CLASH) from exc
    return TierSelection(counts=counts, waiting=tuple(waiting))


def _picked_by_amount(rule: TierRule, region: Any, fiscal_year: int) -> dict[int, tuple[str, Any, str]]:
    """The projects a rule selects by its 资金起点 (and, with a checkpoint, its execution rate at the month's end)."""
    qs = Project.objects.filter(
        region=region,
        fiscal_year=fiscal_year,
        status=ProjectStatus.IN_LIBRARY,
        is_deleted=False,
        total_amount_yuan__gte=rule.min_amount_yuan,
    )
    picked: dict[int, tuple[str, Any, str]] = {}
    if rule.checkpoint_month and rule.max_exec_rate_pct is not None:
        at = engine.month_end(fiscal_year, rule.checkpoint_month)
        for pk, budget, executed in annotate_execution(qs.order_by(), at).values_list(
            "pk", "total_amount_yuan", "executed_yuan"
        ):
            rate = engine.exec_rate_to_date(executed, budget)
            if rate < rule.max_exec_rate_pct:
                reason = f"资金{format_wan(budget)}万元，{rule.checkpoint_month}月末执行率{rate:.2f}%"
                picked[pk] = (rule.tier, rule, reason)
    else:
        for pk, budget in qs.values_list("pk", "total_amount_yuan"):
            picked[pk] = (rule.tier, rule, f"资金{format_wan(budget)}万元")
    return picked


def _replace_rule_tiers(
    actor: Any,
    region: Any,
    fiscal_year: int,
    chosen: dict[int, tuple[str, Any, str]],
    waiting: list[tuple[TierRule, date]],
) -> dict[str, int]:
    with transaction.atomic():
        _lock_region(region.pk)
        manual = set(
            ProjectMonitoringTier.objects.filter(
                project__region=region, fiscal_year=fiscal_year, source=ProjectMonitoringTier.Source.MANUAL
            ).values_list("project_id", flat=True)
        )
        ProjectMonitoringTier.objects.filter(
            project__region=region, fiscal_year=fiscal_year, source=ProjectMonitoringTier.Source.RULE
        ).delete()
        rows = [
            ProjectMonitoringTier(
                project_id=pk,
                fiscal_year=fiscal_year,
                tier=tier,
                source=ProjectMonitoringTier.Source.RULE,
                rule=rule,
                reason=reason[:500],
                selected_by=actor,
            )
            for pk, (tier, rule, reason) in chosen.items()
            if pk not in manual
        ]
        ProjectMonitoringTier.objects.bulk_create(rows)
        counts = {t.value: sum(1 for r in rows if r.tier == t.value) for t in Tier}
        audit.record(
            actor=actor,
            event_type="alerts.tier_select",
            object_type="organizations.fiscalregion",
            object_id=str(region.pk),
            object_repr=f"{region.name} {fiscal_year}年度监控层级筛选",
            changes={
                "selected": counts,
                "manual_kept": len(manual),
                "not_yet_applied": [f"{rule.name}（{day:%Y-%m-%d}起）" for rule, day in waiting],
            },
        )
    return counts


def _visible_project(actor: Any, project: Project) -> None:
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")


def tier_set(
    *, actor: Any, project: Project, tier: str, reason: str, lock_token: str | None = None
) -> ProjectMonitoringTier | None:
    """Set a project's tier by hand (with a reason); tier '' returns it to 全面 only. `lock_token`: the token of
    `tier_lock_rows` of the tier row the page showed."""
    require(actor, "alerts.decide")
    _visible_project(actor, project)
    if tier and tier not in Tier.values:
        raise DomainError("监控层级无效")
    if not reason.strip():
        raise DomainError("请填写调整理由")
    try:
        return _set_tier(actor, project, tier, reason, lock_token)
    except IntegrityError as exc:
        raise ConflictError(TIER_CLASH) from exc


def _set_tier(
    actor: Any, project: Project, tier: str, reason: str, lock_token: str | None
) -> ProjectMonitoringTier | None:
    with transaction.atomic():
        _lock_region(project.region_id)  # before the project's row: the order 按规则筛选 takes them in
        Project.objects.select_for_update().get(pk=project.pk)
        row = (
            ProjectMonitoringTier.objects.select_for_update()
            .filter(project=project, fiscal_year=project.fiscal_year)
            .first()
        )
        check_lock_token(tier_lock_rows(row), lock_token)
        before = {"tier": row.tier if row else ""}
        if not tier:
            if row is not None:
                row.delete()
            result = None
        else:
            row = row or ProjectMonitoringTier(project=project, fiscal_year=project.fiscal_year)
            row.tier, row.source, row.rule = tier, ProjectMonitoringTier.Source.MANUAL, None
            row.reason, row.selected_by = reason.strip()[:500], actor
            row.save()
            result = row
        audit.record(
            actor=actor,
            event_type="alerts.tier_set",
            obj=project,
            changes={"tier": [before["tier"], tier]},
            reason=reason,
        )
    return result


def opinion_save(
    *, actor: Any, project: Project, data: dict[str, Any], lock_token: str | None = None
) -> FinanceOpinion:
    """财政重点审核意见 on a project-year. `lock_token`: the token of the opinion row the page showed (or none)."""
    require(actor, "alerts.decide")
    _visible_project(actor, project)
    fields = ["needs_rectify", "advice", "budget_action"]
    cleaned = {k: data[k] for k in fields if k in data}
    if cleaned.get("needs_rectify") and not str(cleaned.get("advice", "")).strip():
        raise DomainError("需要整改时请填写整改要求和建议")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        row = (
            FinanceOpinion.objects.select_for_update().filter(project=project, fiscal_year=project.fiscal_year).first()
        )
        check_lock_token(row, lock_token)
        before = audit.snapshot(row, fields) if row else {}
        row = row or FinanceOpinion(project=project, fiscal_year=project.fiscal_year)
        for k, v in cleaned.items():
            setattr(row, k, v)
        row.updated_by = actor
        if row.pk:
            row.version += 1
        row.save()
        audit.record(
            actor=actor,
            event_type="alerts.opinion_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, fields)),
        )
    return row


# ---- disposition -----------------------------------------------------------------------------------------------


def _check_amount(option: str, amount: Decimal | None, funds: selectors.ProjectFunds) -> Decimal | None:
    """The amount of a 调剂 / 调减 / 收回: at most the budget neither spent nor already reallocated, cut or recovered
    on the project's year (`selectors.ProjectFunds.available_yuan`)."""
    if option not in Option.values:
        raise DomainError("处置方式无效")
    if option not in AMOUNT_OPTIONS:
        return None
    if amount is None or amount <= 0:
        raise DomainError(f"“{Option(option).label}”须填写大于0的金额")
    available = funds.available_yuan
    if amount > available:
        if funds.cut_yuan:
            raise DomainError(
                f"金额不能超过尚未支出的预算{format_wan(available)}万元"
                f"（已扣除本年度已决定{funds.cut_label}的{format_wan(funds.cut_yuan)}万元）"
            )
        raise DomainError(f"金额不能超过尚未支出的预算{format_wan(available)}万元")
    return amount


def case_respond(
    *, actor: Any, case: WarningCase, explanation: str, option: str, amount_yuan: Decimal | None
) -> WarningCase:
    """The unit explains the red warning and proposes a disposition."""
    require(actor, "alerts.respond")
    if not WarningCase.objects.visible_to(actor).filter(pk=case.pk).exists():  # type: ignore[attr-defined]
        raise NotFoundError("预警处置不存在")
    if not explanation.strip():
        raise DomainError("请说明预警原因")
    with transaction.atomic():
        locked = WarningCase.objects.select_for_update(of=("self",)).select_related("project", "rule").get(pk=case.pk)
        if locked.status not in ANSWERABLE_STATES and not may_supplement(locked):
            raise ConflictError(f"预警处置当前状态为“{locked.get_status_display()}”，不能再说明")
        allowed = locked.rule.disposition_options or Option.values
        if option not in allowed:
            raise DomainError("该规则不允许此处置方式")
        funds = selectors.project_funds(locked.project, locked.fiscal_year)
        amount = _check_amount(option, amount_yuan, funds)
        _answer(actor, locked, explanation, option, amount)
        proposal = Option(option).label + (f"{format_wan(amount)}万元" if amount is not None else "")
        letters.reminder_answer(actor=actor, case=locked, text=f"{locked.explanation}（建议：{proposal}）")
    return locked


def may_supplement(case: WarningCase) -> bool:
    """A case answered through its 提醒敦促函 (a 说明, no proposal) still takes the unit's proposal until finance
    decides: a holding reply to the letter (“正在核实”) does not cost the unit its say on the disposition."""
    return case.status == CaseStatus.PROPOSED and not case.proposed_option


def cases_answer_from_letter(*, actor: Any, document_id: int, text: str) -> int:
    """The unit answered a 提醒敦促函 in 文书管理 (`receivers.letter_answered`): its feedback is the 说明 of each case
    the letter covers that is still unanswered and that the unit may answer (as on the case page, `case_respond`),
    without a proposed disposition (the letter asks for none in particular: finance decides, with no reason needed
    for "changing" a proposal there is not). Cases answered already keep their own 说明. Runs inside the feedback's
    transaction; returns the number of cases answered."""
    if not actor.can("alerts.respond"):
        return 0
    case_ids = ReminderLetter.objects.filter(document_id=document_id).values_list("case_id", flat=True)
    visible = WarningCase.objects.visible_to(actor).filter(pk__in=case_ids)  # type: ignore[attr-defined]
    explanation = text.strip()[:2000] or "见提醒敦促函反馈附件"
    answered = 0
    with transaction.atomic():
        for locked in (
            WarningCase.objects.select_for_update(of=("self",))
            .filter(pk__in=visible.values("pk"), status__in=ANSWERABLE_STATES)
            .order_by("pk")
        ):
            _answer(actor, locked, explanation, "", None, reason=f"在文书管理中反馈提醒敦促函（文书{document_id}）")
            answered += 1
    return answered


ANSWER_FIELDS = ["status", "explanation", "proposed_option", "proposed_amount_yuan"]


def _answer(
    actor: Any, locked: WarningCase, explanation: str, option: str, amount: Decimal | None, reason: str = ""
) -> None:
    """The unit's 说明 (and proposal, if any) on a locked, answerable case: on to 待财政决定, audited."""
    before = audit.snapshot(locked, ANSWER_FIELDS)
    locked.explanation = explanation.strip()[:2000]
    locked.proposed_option, locked.proposed_amount_yuan = option, amount
    locked.proposed_by, locked.proposed_at = actor, timezone.now()
    locked.status = CASE_WORKFLOW.get(locked.status, RESPOND).target
    locked.version += 1
    locked.save()
    changes = audit.diff(before, audit.snapshot(locked, ANSWER_FIELDS))
    audit.record(actor=actor, event_type="alerts.case_respond", obj=locked, changes=changes, reason=reason)


# The budget adjustment a decision records (DOMAIN.md §5.4 “Decisions create FundAdjustment rows”).
ADJUSTMENT_OF = {
    Option.REALLOCATE: FundAdjustment.Kind.REALLOCATE,
    Option.ADJUST_DOWN: FundAdjustment.Kind.ADJUST_DOWN,
    Option.RECOVER: FundAdjustment.Kind.RECOVER,
}


def case_decide(
    *,
    actor: Any,
    case: WarningCase,
    option: str,
    amount_yuan: Decimal | None,
    reason: str,
    expected_version: int | None = None,
) -> WarningCase:
    """Finance decides (it may change the option and the amount, with a reason). A decided 调剂, 调减 or 收回 records a
    budget adjustment (`FundAdjustment`) of its kind, which later decisions count against the project's funds.
    `expected_version` is the case as the decision page showed it: a unit that supplemented its 说明 or proposal since
    is a conflict (409), not a decision on a proposal never shown."""
    require(actor, "alerts.decide")
    if not WarningCase.objects.visible_to(actor).filter(pk=case.pk).exists():  # type: ignore[attr-defined]
        raise NotFoundError("预警处置不存在")
    with transaction.atomic():
        locked = WarningCase.objects.select_for_update(of=("self",)).select_related("project", "rule").get(pk=case.pk)
        if locked.status != CaseStatus.PROPOSED:
            raise ConflictError(f"预警处置当前状态为“{locked.get_status_display()}”，不能决定")
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("页面打开后单位更新了情况说明或处置建议，请核对后再决定")
        # The project's row serialises the decisions on its cases: two cases decided at once cannot both take the
        # same unspent budget.
        list(Project.objects.select_for_update().filter(pk=locked.project_id).values_list("pk", flat=True))
        funds = selectors.project_funds(locked.project, locked.fiscal_year)
        amount = _check_amount(option, amount_yuan, funds)
        # A unit that answered only the 提醒敦促函 proposed nothing: deciding then changes no proposal.
        changed = bool(locked.proposed_option) and (
            option != locked.proposed_option or amount != locked.proposed_amount_yuan
        )
        if changed and not reason.strip():
            raise DomainError("改变单位建议的处置方式或金额时须填写理由")
        before = audit.snapshot(locked, ["status", "decided_option", "decided_amount_yuan", "decision_reason"])
        locked.decided_option, locked.decided_amount_yuan = option, amount
        locked.decision_reason = reason.strip()[:2000]
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.status = CASE_WORKFLOW.get(locked.status, DECIDE).target
        locked.version += 1
        locked.save()
        after = audit.snapshot(locked, ["status", "decided_option", "decided_amount_yuan", "decision_reason"])
        audit.record(actor=actor, event_type="alerts.case_decide", obj=locked, changes=audit.diff(before, after))
        kind = ADJUSTMENT_OF.get(Option(option))
        if kind is not None and amount is not None:
            adjustment = FundAdjustment.objects.create(
                project=locked.project,
                fiscal_year=locked.fiscal_year,
                kind=kind,
                amount_yuan=amount,
                reason=(reason.strip() or locked.explanation)[:2000],
                source=FundAdjustment.Source.MONITORING,
                source_case=locked,
                created_by=actor,
            )
            audit.record(
                actor=actor,
                event_type="alerts.fund_adjustment",
                obj=adjustment,
                changes={"kind": [None, kind.value], "amount_yuan": [None, str(amount)]},
            )
        if option == Option.SUSPEND:
            _suspend(locked, "财政决定暂停拨付")
    return locked


def payment_resume(*, actor: Any, case: WarningCase, reason: str) -> ProjectYearFlag:
    """恢复拨付: finance lifts the project-year's 暂停拨付 (set by an overdue case or a decision) once the unit has
    answered or corrected, with its reason. Nothing lifts it by itself: the flag is what the payment system is told
    (DOMAIN.md §5.4), so it changes only by a finance decision, audited."""
    require(actor, "alerts.decide")
    if not WarningCase.objects.visible_to(actor).filter(pk=case.pk).exists():  # type: ignore[attr-defined]
        raise NotFoundError("预警处置不存在")
    if not reason.strip():
        raise DomainError("请填写恢复拨付的理由")
    with transaction.atomic():
        flag = (
            ProjectYearFlag.objects.select_for_update()
            .filter(project_id=case.project_id, fiscal_year=case.fiscal_year, payment_suspended=True)
            .first()
        )
        if flag is None:
            raise ConflictError("该项目本年度未暂停拨付（可能已由他人恢复），请刷新页面")
        suspended_for = flag.reason
        flag.payment_suspended, flag.reason = False, f"恢复拨付：{reason.strip()}"[:300]
        flag.save(update_fields=["payment_suspended", "reason"])
        audit.record(
            actor=actor,
            event_type="alerts.payment_resume",
            obj=case,
            changes={"payment_suspended": [True, False], "reason": [suspended_for, flag.reason]},
        )
    return flag


# ---- 预算调整登记 (budget adjustments decided outside a warning case) --------------------------------------------


def adjustment_record(
    *,
    actor: Any,
    project: Project,
    fiscal_year: int,
    source: str,
    kind: str,
    amount_yuan: Decimal,
    reason: str,
) -> FundAdjustment:
    """登记预算调整: a budget effect decided at a stage other than a warning case (a 目标审核 核减 or 核销, a 事前评估
    追减, an evaluation's 削减, a 结果应用 调减…), recorded by the finance bureau so that the 年度工作总结 counts it
    under its stage (TG-4, PA-3(b), MON-4, RA-1). The same record posted twice (a double click, 返回 then 保存) is
    refused naming the first."""
    require(actor, "alerts.adjust")
    if not Project.objects.visible_to(actor).filter(pk=project.pk, is_deleted=False).exists():  # type: ignore[attr-defined]
        raise NotFoundError("项目不存在")
    if not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        raise DomainError(f"年度须在{FIRST_YEAR}至{LAST_YEAR}之间")
    if source not in FundAdjustment.Source.values:
        raise DomainError("调整环节无效")
    if kind not in FundAdjustment.Kind.values:
        raise DomainError("调整类型无效")
    if amount_yuan is None or amount_yuan <= 0:
        raise DomainError("调整金额须大于0")
    if not reason.strip():
        raise DomainError("请填写调整依据或原因")
    with transaction.atomic():
        # The project's row serialises registrations (and warning decisions) of its budget.
        list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True))
        same = FundAdjustment.objects.filter(
            project=project, fiscal_year=fiscal_year, source=source, kind=kind, amount_yuan=amount_yuan
        ).first()
        if same is not None:
            raise ConflictError(
                f"该项目{fiscal_year}年度已于{timezone.localtime(same.created_at):%Y-%m-%d %H:%M}登记"
                f"{same.get_source_display()}{same.get_kind_display()}{format_wan(amount_yuan)}万元，请勿重复登记"
            )
        adjustment = FundAdjustment.objects.create(
            project=project,
            fiscal_year=fiscal_year,
            source=source,
            kind=kind,
            amount_yuan=amount_yuan,
            reason=reason.strip()[:2000],
            created_by=actor,
        )
        audit.record(
            actor=actor,
            event_type="alerts.fund_adjustment",
            obj=adjustment,
            changes={"source": [None, source], "kind": [None, kind], "amount_yuan": [None, str(amount_yuan)]},
        )
    return adjustment


def adjustment_delete(*, actor: Any, adjustment: FundAdjustment, reason: str) -> None:
    """撤销登记 of a wrongly registered adjustment, with a reason kept in the audit trail (the record itself goes: the
    statistics count what stands). An adjustment made by a warning decision belongs to its case and is not undone
    here."""
    require(actor, "alerts.adjust")
    if not FundAdjustment.objects.visible_to(actor).filter(pk=adjustment.pk).exists():  # type: ignore[attr-defined]
        raise NotFoundError("预算调整记录不存在")
    if not reason.strip():
        raise DomainError("请填写撤销理由")
    with transaction.atomic():
        locked = FundAdjustment.objects.select_for_update().filter(pk=adjustment.pk).first()
        if locked is None:
            raise ConflictError("该记录已被他人撤销，请刷新页面")
        if locked.source_case_id is not None:
            raise DomainError("该调整由预警处置决定产生，不能在此撤销")
        before = audit.snapshot(locked, ["project", "fiscal_year", "source", "kind", "amount_yuan", "reason"])
        audit.record(
            actor=actor,
            event_type="alerts.fund_adjustment_delete",
            obj=locked,
            changes={k: [v, None] for k, v in before.items()},
            reason=reason.strip()[:500],
        )
        locked.delete()


def idle_funds_recover(
    *, actor: Any, fiscal_year: int, as_of: date, project_ids: Iterable[Any], reason: str
) -> tuple[int, Decimal]:
    """收回存量资金: each chosen project's recoverable amount on `as_of` becomes a 收回 of the 存量资金清理 stage
    (`FundAdjustment`, source IDLE_FUNDS), for the 年度工作总结 (RA-1) and the project's page. Only the projects of the
    actor's own region (their settings are the ones applied), read again under the projects' locks with the page's
    rules (`idle_funds.idle_candidates`); never more than what is left today, when the date is earlier (payments
    made since are not taken back). All or nothing: a project out of scope is a 404; one recovered meanwhile by
    someone else, no longer idle or spent since refuses the batch naming it, so a double post recovers nothing twice.
    Returns the count and the amount recovered."""
    require(actor, "alerts.adjust")
    ids = clean_ids(project_ids, noun="项目")
    if not FIRST_YEAR <= fiscal_year <= LAST_YEAR:
        raise DomainError(f"年度须在{FIRST_YEAR}至{LAST_YEAR}之间")
    today = timezone.localdate()
    if as_of > today:
        raise DomainError("认定日期不能晚于今天")
    if not reason.strip():
        raise DomainError("请填写收回依据及统筹用途")
    region = actor.active_membership.region
    with transaction.atomic():
        # The projects' rows serialise their budget's adjustments (as `adjustment_record` and the case decisions).
        visible = Project.objects.visible_to(actor).filter(is_deleted=False)  # type: ignore[attr-defined]
        locked = lock_batch(visible, ids, state=ProjectStatus.IN_LIBRARY, noun="项目")
        if any(project.region_id != region.pk for project in locked):
            raise DomainError("只能收回本级财政区划项目的存量资金，下级区县的项目请由其财政部门清理")
        rows = idle_funds.idle_candidates(actor, idle_funds.criteria_for(region, fiscal_year, as_of), ids=ids)[:]
        now = (
            {p.pk: p.balance_yuan for p in rows}  # type: ignore[attr-defined]
            if as_of == today
            else idle_funds.idle_candidates(
                actor, idle_funds.criteria_for(region, fiscal_year, today), ids=ids
            ).balances()
        )
        amounts = {p.pk: min(p.recoverable_yuan, now.get(p.pk, Decimal(0))) for p in rows}  # type: ignore[attr-defined]
        refused = sorted(p.code for p in locked if amounts.get(p.pk, Decimal(0)) <= 0)
        if refused:
            named = "、".join(refused[:5]) + ("等" if len(refused) > 5 else "")
            raise ConflictError(
                f"{len(refused)}个项目（{named}）已无可收回的存量资金或不在清理范围内（可能已被他人收回，或认定日期后已有支出），"
                "请刷新页面后重新勾选"
            )
        adjustments = FundAdjustment.objects.bulk_create(
            [
                FundAdjustment(
                    project=project,
                    fiscal_year=fiscal_year,
                    source=FundAdjustment.Source.IDLE_FUNDS,
                    kind=FundAdjustment.Kind.RECOVER,
                    amount_yuan=amounts[project.pk],
                    reason=(
                        f"存量资金清理（{'、'.join(idle_funds.reasons_of(project))}，截至{as_of:%Y-%m-%d}）："
                        f"{reason.strip()}"
                    )[:2000],
                    created_by=actor,
                )
                for project in rows
            ]
        )
        audit.record_all(
            [
                audit.event_for(
                    actor=actor,
                    event_type="alerts.idle_funds_recover",
                    obj=adjustment,
                    object_repr=f"{adjustment.project.name}：{adjustment}",
                    changes={"kind": [None, adjustment.kind], "amount_yuan": [None, str(adjustment.amount_yuan)]},
                    reason=reason.strip()[:500],
                )
                for adjustment in adjustments
            ]
        )
    return len(adjustments), sum((a.amount_yuan for a in adjustments), Decimal(0))


def _suspend(case: WarningCase, reason: str) -> None:
    flag, _created = ProjectYearFlag.objects.get_or_create(project=case.project, fiscal_year=case.fiscal_year)
    if not flag.payment_suspended:
        flag.payment_suspended, flag.suspended_at, flag.reason = True, timezone.now(), reason[:300]
        flag.save()


# Cases escalated per transaction: a province's mass deadline is a few statements per batch, not per case.
ESCALATE_BATCH = 500


def escalate_overdue(*, today: date, region: Any | None = None, draft_letters: bool = True) -> int:
    """Cases still unanswered after their deadline: OVERDUE, and the rule's on_timeout (暂停拨付 flag and/or a
    提醒敦促函 drafted in 文书管理 for the 绩效股 to issue, `alerts.letters`). Idempotent: an escalated case is not
    escalated again, and a case has one letter. Set-based, by batches of cases locked together: one UPDATE of their
    status, the 暂停拨付 flags together, one append of their audit records. `draft_letters=False` changes the status
    only (the list pages' lazy run, `escalate_on_page`): the letters are then drafted by a job or the nightly
    command."""
    pending = list(selectors.overdue_cases(today, region).order_by("pk").values_list("pk", flat=True))
    count = sum(
        _escalate_batch(pending[start : start + ESCALATE_BATCH], today)
        for start in range(0, len(pending), ESCALATE_BATCH)
    )
    if draft_letters:
        # The 提醒敦促函: one per unit for its cases escalated (now or by an earlier run that stopped short).
        draft_reminder_letters(today=today, region=region)
    return count


def _escalate_batch(pks: list[int], today: date) -> int:
    with transaction.atomic():
        cases = list(
            WarningCase.objects.select_for_update(of=("self",))
            .filter(pk__in=pks, status=CaseStatus.OPEN, due_date__lt=today)  # not answered meanwhile
            .select_related("project", "rule")
            .order_by("pk")
        )
        if not cases:
            return 0
        target = CASE_WORKFLOW.get(CaseStatus.OPEN, ESCALATE).target
        WarningCase.objects.filter(pk__in=[case.pk for case in cases]).update(
            status=target, escalated_at=timezone.now(), version=F("version") + 1
        )
        _suspend_all([case for case in cases if case.rule.on_timeout == OnTimeout.SUSPEND_PAYMENT])
        audit.record_all(
            [
                audit.event_for(
                    actor="系统",
                    event_type="alerts.case_escalate",
                    obj=case,
                    changes={
                        "status": [CaseStatus.OPEN.value, target],
                        "on_timeout": [None, case.rule.on_timeout],
                    },
                )
                for case in cases
            ]
        )
    return len(cases)


def _suspend_all(cases: list[WarningCase]) -> None:
    """`_suspend` for many cases at once: the flags of their project-years, created or switched on (a flag already
    on keeps its time and reason), the reason naming the first case's deadline."""
    if not cases:
        return
    reasons: dict[tuple[int, int], str] = {}
    for case in cases:
        reasons.setdefault((case.project_id, case.fiscal_year), f"预警处置逾期（期限{case.due_date:%Y-%m-%d}）")
    now = timezone.now()
    flags = ProjectYearFlag.objects.select_for_update().filter(
        project_id__in={key[0] for key in reasons}, fiscal_year__in={key[1] for key in reasons}
    )
    existing = {(flag.project_id, flag.fiscal_year): flag for flag in flags}
    off = [flag for key, flag in existing.items() if key in reasons and not flag.payment_suspended]
    for flag in off:
        flag.payment_suspended, flag.suspended_at = True, now
        flag.reason = reasons[(flag.project_id, flag.fiscal_year)][:300]
    ProjectYearFlag.objects.bulk_update(off, ["payment_suspended", "suspended_at", "reason"])
    ProjectYearFlag.objects.bulk_create(
        [
            ProjectYearFlag(
                project_id=project_id, fiscal_year=year, payment_suspended=True, suspended_at=now, reason=reason[:300]
            )
            for (project_id, year), reason in reasons.items()
            if (project_id, year) not in existing
        ],
        ignore_conflicts=True,  # created meanwhile by a decision (暂停拨付), which suspends too
    )


def draft_reminder_letters(*, today: date, region: Any | None) -> int:
    """The 提醒敦促函 of escalated cases still without one (`letters.draft_missing`), with the feedback days in force
    for each case's region and year. Returns the number of documents drafted."""
    return letters.draft_missing(
        today=today,
        region=region,
        feedback_days=lambda where, year: selectors.setting_for(where, year).reminder_feedback_days,
    )


LETTERS_JOB = "alerts.reminder_letters"
UNFINISHED_JOB = (Job.Status.QUEUED, Job.Status.RUNNING)


def escalate_on_page(*, actor: Any, today: date) -> int:
    """The lazy escalation of the warnings and cases lists, over the actor's region and the regions under it: only
    the status change (cheap, a few rows per case), never the letters, which cost some 30 queries per late unit
    and are the nightly command's work. When this run escalated cases whose letters are missing, it enqueues one
    background job drafting them, unless a job of the same region or of a region above it is still waiting or
    running (it will draft them too: the job drafts every missing letter of its subtree). Returns the number of
    cases escalated."""
    region = actor.active_membership.region
    count = escalate_overdue(today=today, region=region, draft_letters=False)
    if count and letters.missing(region).exists():
        codes = [code for code in region.path.split("/") if code]
        waiting = Job.objects.filter(kind=LETTERS_JOB, status__in=UNFINISHED_JOB, region_code__in=codes)
        if not waiting.exists():
            job_start(
                actor,
                LETTERS_JOB,
                "jixiao.alerts.services.reminder_letters_job",
                title=f"起草预警处置逾期的提醒敦促函：{region.name}",
                region_code=region.mof_div_code,
                region_id=region.pk,
                today=today.isoformat(),
            )
    return count


def reminder_letters_job(job: Job, *, region_id: int, today: str) -> None:
    """The background half of `escalate_on_page`: the missing letters of the region and the regions under it,
    dated the day the page escalated the cases. Drafted as the system, like the nightly command."""
    region = FiscalRegion.objects.get(pk=region_id)
    job_progress(job, 0, None, "正在起草提醒敦促函…")
    drafted = draft_reminder_letters(today=date.fromisoformat(today), region=region)
    job_summarize(job, f"已起草提醒敦促函{drafted}份，请在文书管理中审核印发", [("提醒敦促函", drafted)])
