"""结果应用 writes: generating the proposals, the budget section's decisions, links, and the rule rows.

Every function re-checks capability and row scope, runs in one transaction and writes events and audit rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token, duplicate_is_conflict
from jixiao.core.money import format_wan
from jixiao.core.permissions import require
from jixiao.organizations.models import FiscalRegion
from jixiao.projects.models import Project
from jixiao.results import selectors
from jixiao.results.checks import ProjectFacts, evaluate, q2
from jixiao.results.models import (
    CUT_ACTIONS,
    PCT_ACTIONS,
    ZERO_ACTIONS,
    Action,
    ApplicationStatus,
    Condition,
    ResultApplication,
    ResultApplicationEvent,
    ResultApplicationRule,
)

PROPOSAL_FIELDS = [
    "grade",
    "reasons",
    "rule_id",
    "source",
    "proposed_action",
    "proposed_pct",
    "enforce",
    "base_amount_yuan",
    "executed_yuan",
    "proposed_amount_yuan",
]
DECISION_FIELDS = ["status", "decided_action", "decided_amount_yuan", "decision_reason", "decided_by", "decided_at"]


def _event(actor: Any, app: ResultApplication, action: str, detail: str = "") -> ResultApplicationEvent:
    membership = getattr(actor, "active_membership", None)
    return ResultApplicationEvent(
        application=app,
        actor=actor,
        actor_role=membership.role if membership is not None else "",
        action=action,
        detail=detail[:1000],
    )


def _proposal(facts: ProjectFacts, rules: list[ResultApplicationRule]) -> dict[str, Any] | None:
    """The proposal fields for one project, or None when no rule matches."""
    matches = evaluate(rules, facts)
    if not matches:
        return None
    best = matches[0]
    return {
        "grade": facts.grade_text()[:200],
        "reasons": [m.as_json() for m in matches],
        "rule_id": best.rule.pk,
        "source": best.rule.source,
        "proposed_action": best.rule.action,
        "proposed_pct": best.rule.pct,
        "enforce": best.rule.enforce,
        "base_amount_yuan": facts.budget_yuan,
        "executed_yuan": facts.executed_yuan,
        "proposed_amount_yuan": best.amount_yuan,
    }


def _check_region(actor: Any, region: Any) -> None:
    own = actor.active_membership.region
    if not region.path.startswith(own.path):
        raise NotFoundError("财政区划不存在")


def applications_generate(*, actor: Any, region: Any, fiscal_year: int) -> dict[str, int]:
    """Proposals for every arranged project of `fiscal_year` in the region, for the budget of `fiscal_year + 1`.

    Reproducible: the same data gives the same proposals. Decided proposals are kept as they are; undecided ones
    are brought up to date, created, or removed when no rule matches any more. Each project is judged by the rules
    of its own region (the most specific rows for it): a city generating over its counties applies each county's
    own rules, not the city's.
    """
    require(actor, "results.generate")
    _check_region(actor, region)
    rules_of: dict[int, list[Any]] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0, "kept_decided": 0}
    with transaction.atomic():
        projects = selectors.proposal_projects(region, fiscal_year)
        facts = selectors.project_facts(projects, fiscal_year)
        following = selectors.next_year_projects(projects, fiscal_year + 1)
        existing = {
            a.project_id: a
            for a in ResultApplication.objects.select_for_update(of=("self",)).filter(project__in=projects.values("pk"))
        }
        meta = {p.pk: p for p in projects.only("pk", "region_id", "department_id", "unit_id")}
        to_create: list[ResultApplication] = []
        to_update: list[ResultApplication] = []
        events: list[ResultApplicationEvent] = []
        regions = {r.pk: r for r in FiscalRegion.objects.filter(pk__in={p.region_id for p in meta.values()})}
        for pid in sorted(facts):
            region_id = meta[pid].region_id
            if region_id not in rules_of:
                rules_of[region_id] = selectors.effective_rules(regions[region_id], fiscal_year)
            proposal = _proposal(facts[pid], rules_of[region_id])
            app = existing.get(pid)
            if app is not None and app.status == ApplicationStatus.DECIDED:
                counts["kept_decided"] += 1
                continue
            if proposal is None:
                if app is not None:
                    app.delete()
                    counts["removed"] += 1
                continue
            if app is None:
                project = meta[pid]
                app = ResultApplication(
                    project_id=pid,
                    fiscal_year=fiscal_year,
                    budget_year=fiscal_year + 1,
                    region_id=project.region_id,
                    department_id=project.department_id,
                    unit_id=project.unit_id,
                    next_year_project_id=following.get(pid),
                    created_by=actor,
                    updated_by=actor,
                    **proposal,
                )
                to_create.append(app)
                continue
            changed = [f for f, v in proposal.items() if getattr(app, f) != v]
            if app.next_year_project_id is None and following.get(pid):
                app.next_year_project_id = following[pid]
                changed.append("next_year_project")
            if not changed:
                counts["unchanged"] += 1
                continue
            for field, value in proposal.items():
                setattr(app, field, value)
            app.version += 1
            app.updated_by = actor
            to_update.append(app)
            events.append(_event(actor, app, "regenerate", "重新生成建议：" + app.get_proposed_action_display()))
        # Generated meanwhile by another press (or the other level): theirs stand.
        with duplicate_is_conflict("下年预算建议正在由他人同时生成，请稍后刷新查看"):
            ResultApplication.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            ResultApplication.objects.bulk_update(
                to_update,
                [
                    *PROPOSAL_FIELDS[:2],
                    "rule",
                    *PROPOSAL_FIELDS[3:],
                    "next_year_project",
                    "version",
                    "updated_by",
                    "updated_at",
                ],
                batch_size=500,
            )
        for app in to_create:
            events.append(_event(actor, app, "generate", "生成建议：" + app.get_proposed_action_display()))
        ResultApplicationEvent.objects.bulk_create(events, batch_size=500)
        counts["created"], counts["updated"] = len(to_create), len(to_update)
        audit.record(
            actor=actor,
            event_type="results.generate",
            object_type="results.resultapplication",
            object_repr=f"{region.name} {fiscal_year}年度结果应用建议",
            changes={"region": region.mof_div_code, "fiscal_year": fiscal_year, **counts},
        )
    return counts


def _visible_locked(actor: Any, application: ResultApplication) -> ResultApplication:
    if not ResultApplication.objects.visible_to(actor).filter(pk=application.pk).exists():
        raise NotFoundError("结果应用建议不存在")
    return ResultApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)


def _clean_decision(app: ResultApplication, action: str, amount: Decimal | None, reason: str) -> Decimal:
    if action not in Action.values:
        raise DomainError("请选择决定的应用方式")
    reason = (reason or "").strip()
    if action in ZERO_ACTIONS:
        amount = Decimal("0.00")
    if amount is None:
        if action == app.proposed_action and app.proposed_amount_yuan is not None:
            amount = app.proposed_amount_yuan
        elif action in PCT_ACTIONS or action == Action.RECOVER:
            raise DomainError("压缩比例尚未设定，请填写决定金额")
        else:
            amount = app.base_amount_yuan
    if amount < 0:
        raise DomainError("决定金额不能为负数")
    if action in CUT_ACTIONS and amount > app.base_amount_yuan:
        # A cut that gives more than this year: the next-year gate (asked for more than decided) would never bite.
        label = Action(action).label
        raise DomainError(f"{label}后的决定金额不能高于本年预算{format_wan(app.base_amount_yuan)}万元")
    amount = q2(amount)
    changed = action != app.proposed_action or amount != app.proposed_amount_yuan
    if changed and not reason:
        raise DomainError("调整建议时须填写理由")
    return amount


def application_decide(
    *,
    actor: Any,
    application: ResultApplication,
    action: str,
    amount_yuan: Decimal | None = None,
    reason: str = "",
    version: int | None = None,
) -> ResultApplication:
    """The budget section's decision: accept the proposal, or change it with a required reason."""
    require(actor, "results.decide")
    with transaction.atomic():
        locked = _visible_locked(actor, application)
        if version is not None and version != locked.version:
            raise ConflictError("该建议已被他人修改，请刷新后重试")
        amount = _clean_decision(locked, action, amount_yuan, reason)
        before = audit.snapshot(locked, DECISION_FIELDS)
        locked.status = ApplicationStatus.DECIDED
        locked.decided_action = action
        locked.decided_amount_yuan = amount
        locked.decision_reason = (reason or "").strip()[:1000]
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*DECISION_FIELDS, "version", "updated_by", "updated_at"])
        label = locked.get_decided_action_display()
        kind = "change" if locked.is_changed else "accept"
        detail = f"{'调整为' if kind == 'change' else '采纳建议：'}{label}" + (
            f"；理由：{locked.decision_reason}" if locked.decision_reason else ""
        )
        _event(actor, locked, kind, detail).save()
        audit.record(
            actor=actor,
            event_type=f"results.{kind}",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, DECISION_FIELDS)),
            reason=locked.decision_reason,
        )
    return locked


def applications_accept(*, actor: Any, ids: list[int], versions: dict[int, int] | None = None) -> dict[str, int]:
    """Batch accept: every visible, undecided proposal with a known amount is decided as proposed.

    `versions` (pk → version as the list showed it): when any ticked proposal changed since (regenerated, decided,
    relinked), nothing is accepted and the batch is a conflict: the budget section accepts what it saw, never a
    proposal it has not read."""
    require(actor, "results.decide")
    counts = {"accepted": 0, "skipped": 0}
    with transaction.atomic():
        visible = ResultApplication.objects.visible_to(actor).filter(pk__in=ids).values("pk")
        rows = list(
            ResultApplication.objects.select_for_update(of=("self",))
            .filter(pk__in=visible)
            .select_related("project")
            .order_by("pk")
        )
        stale = [a.project.name for a in rows if versions and a.pk in versions and versions[a.pk] != a.version]
        if stale:
            names = "、".join(stale[:5]) + (f"等{len(stale)}个项目" if len(stale) > 5 else "")
            raise ConflictError(f"所选建议中{names}的建议已被他人修改或重新生成，未采纳任何建议，请刷新后重试")
        for app in rows:
            if app.status != ApplicationStatus.PROPOSED or app.proposed_amount_yuan is None:
                counts["skipped"] += 1
                continue
            application_decide(actor=actor, application=app, action=app.proposed_action)
            counts["accepted"] += 1
        counts["skipped"] += len(set(ids)) - counts["accepted"] - counts["skipped"]
    return counts


def application_link(
    *, actor: Any, application: ResultApplication, project: Project | None, version: int | None = None
) -> ResultApplication:
    """Link the proposal explicitly to its next-year project (or unlink with None). `version`: the proposal's as the
    page showed it; changed since (another link, a decision, a regeneration) is a conflict."""
    require(actor, "results.decide")
    with transaction.atomic():
        locked = _visible_locked(actor, application)
        if version is not None and version != locked.version:
            raise ConflictError("该建议已被他人修改，请刷新后重试")
        if project is not None and not selectors.link_candidates(locked).filter(pk=project.pk).exists():
            raise DomainError("只能关联同一单位下一年度的项目")
        before = audit.snapshot(locked, ["next_year_project"])
        locked.next_year_project = project
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["next_year_project", "version", "updated_by", "updated_at"])
        _event(actor, locked, "link", f"关联下年项目：{project}" if project else "取消关联下年项目").save()
        audit.record(
            actor=actor,
            event_type="results.link",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, ["next_year_project"])),
        )
    return locked


def _value_codes(condition: str, values: list[str]) -> list[str]:
    """Values typed as users read them (红灯, 不予支持) are stored as the codes the rules match; unknown: refused."""
    labels = selectors.value_labels(condition)
    if not labels:
        return values
    codes = {label: code for code, label in labels.items()}
    unknown = [v for v in values if v not in labels and v not in codes]
    if unknown:
        allowed = "、".join(labels.values())
        raise DomainError(f"条件取值“{'、'.join(unknown)}”无法识别，可填：{allowed}")
    return [codes.get(v, v) for v in values]


RULE_FIELDS = ["name", "values", "threshold", "action", "pct", "enforce", "is_active", "priority", "basis"]


def rule_save(
    *, actor: Any, code: str, fiscal_year: int | None, data: dict[str, Any], lock_token: str | None = None
) -> ResultApplicationRule:
    """Set this region's version of a rule (by code) for a year or every year; the national row stays as it is.
    `lock_token`: the token of the region's own rows when the rules page was shown (`selectors.own_rule_rows`); a
    row saved, added or changed since is not overwritten unseen (409)."""
    require(actor, "results.configure")
    region = actor.active_membership.region
    national = selectors.rule_base(code)  # a county rule kind (部门绩效考核) has no national row: no action until set
    if national is None:
        raise DomainError("规则编码不存在")
    cleaned = {k: v for k, v in data.items() if k in RULE_FIELDS}
    for keep_default in ("name", "values", "basis"):
        if not cleaned.get(keep_default):
            cleaned.pop(keep_default, None)
    action = cleaned.get("action", national.action)
    if action not in Action.values:
        raise DomainError("请选择应用方式")
    if cleaned.get("pct") is not None and action not in {*PCT_ACTIONS, Action.RECOVER}:
        # No proposal reads it: a 优先保障 row saved with 30 showed 30% on the rules page and changed nothing.
        raise DomainError(
            f"“{Action(action).label}”不按比例计算，比例请留空（只有压缩、按未执行额比例核减和收回统筹可设比例）"
        )
    if national.condition == Condition.EXEC_RATE_BELOW and cleaned.get("threshold") is None:
        raise DomainError("执行率规则须设定阈值")
    if cleaned.get("values"):
        cleaned["values"] = _value_codes(national.condition, cleaned["values"])
    with transaction.atomic():
        own = list(ResultApplicationRule.objects.select_for_update().filter(region=region).order_by("pk"))
        check_lock_token(own, lock_token)
        rule = next((r for r in own if (r.code, r.fiscal_year) == (code, fiscal_year)), None)
        created = rule is None
        if rule is None:
            rule = ResultApplicationRule(
                code=code,
                region=region,
                fiscal_year=fiscal_year,
                source=national.source,
                condition=national.condition,
                **{f: getattr(national, f) for f in RULE_FIELDS},
            )
        before = {} if created else audit.snapshot(rule, RULE_FIELDS)
        for field, value in cleaned.items():
            setattr(rule, field, value)
        if not created:
            rule.version += 1
        # The same region's row for the code and year may have been saved meanwhile by another press.
        with duplicate_is_conflict("该规则刚刚已由他人保存，请刷新后核对再保存"):
            rule.save()
        audit.record(
            actor=actor,
            event_type="results.rule_save",
            obj=rule,
            changes=audit.diff(before, audit.snapshot(rule, RULE_FIELDS)),
        )
    return rule
