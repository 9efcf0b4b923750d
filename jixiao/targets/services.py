"""Target writes: creation from a project, editing goals and the indicator grid, the review workflow,
batch approval with the budget, and adjustments that create a new version."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.accounts.capabilities import Role
from jixiao.core import audit, bulk, locking
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.permissions import require
from jixiao.indicators.models import FrameworkNode
from jixiao.indicators.selectors import framework_for
from jixiao.indicators.valueparse import Kind, parse_value
from jixiao.projects.models import Project
from jixiao.targets import checks, review_scoring, selectors, snapshots
from jixiao.targets.models import (
    AnnualTask,
    PerformanceTarget,
    ReviewComment,
    ReviewStage,
    TargetEvent,
    TargetIndicator,
    TargetStatus,
    TargetVersion,
)
from jixiao.targets.workflow import (
    BULK_ACTIONS,
    EDITABLE_STATES,
    GRADE_OF_ACTION,
    RETURNING_STAGE,
    TARGET_WORKFLOW,
)

GOAL_FIELDS = [
    "midterm_goal",
    "annual_goal",
    "mid_total_yuan",
    "mid_fiscal_yuan",
    "annual_total_yuan",
    "annual_fiscal_yuan",
    "basic_yuan",
    "project_spending_yuan",
    "name",
]
# The longest opinion a step keeps (the timeline's and ReviewComment's column).
COMMENT_MAX = 2000
INDICATOR_INPUT_FIELDS = [
    "year_flag",
    "lv1",
    "lv2",
    "name",
    "operator",
    "target_text",
    "midterm_text",
    "unit",
    "weight",
    "explanation",
    "scoring_standard",
    "value_basis",
    "data_source",
    "remark",
    "library_item",
    "is_core",
]
# 资金总额 and its part 其中：财政拨款, by field prefix, with the period's name in messages (the 申报表's 其他资金 is
# their difference, never negative).
FUND_PAIRS = (("annual", "年度"), ("mid", "中期"))
STAGE_OF_STATE: dict[str, ReviewStage] = {
    TargetStatus.UNIT_SUBMITTED: ReviewStage.DEPT,
    TargetStatus.SECTION_REVIEW: ReviewStage.SECTION,
    TargetStatus.PERF_REVIEW: ReviewStage.PERF,
    TargetStatus.PANEL_REVIEW: ReviewStage.PANEL,
    TargetStatus.READY_FOR_BUDGET: ReviewStage.BUDGET,
    TargetStatus.ADJUSTING: ReviewStage.BUDGET,
}


def _visible(actor: Any, target: PerformanceTarget) -> None:
    if not PerformanceTarget.objects.visible_to(actor).filter(pk=target.pk).exists():
        raise NotFoundError("绩效目标不存在")


def _event(
    actor: Any,
    target: PerformanceTarget,
    action: str,
    before: str,
    comment: str = "",
    grade: str = "",
    score: Decimal | None = None,
) -> None:
    TargetEvent.objects.create(
        target=target,
        actor=actor,
        actor_role=actor.active_membership.role,
        action=action,
        from_status=before,
        to_status=target.status,
        comment=comment[:4000],
        grade=grade,
        score=score,
    )


def target_create_for_project(*, actor: Any, project: Project) -> PerformanceTarget:
    """Start the target of a project (one per project and year), pre-filled with the project's funds."""
    require(actor, "target.edit")
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")
    if project.status == Project.Status.CANCELLED:
        raise DomainError("已撤销的项目不能填报绩效目标")
    with transaction.atomic():
        # The project row's lock orders two presses of 填报绩效目标 (a double click): the second finds the first's.
        Project.objects.select_for_update().filter(pk=project.pk).order_by("pk").first()
        existing = PerformanceTarget.objects.filter(project=project, fiscal_year=project.fiscal_year).first()
        if existing is not None:
            return existing
        if not selectors.year_open(project.fiscal_year):
            raise DomainError(f"{project.fiscal_year}年度未设置或已关闭填报，不能新填报绩效目标")
        target = PerformanceTarget.objects.create(
            fiscal_year=project.fiscal_year,
            region=project.region,
            project=project,
            department=project.department,
            unit=project.unit,
            framework=framework_for(project.region, project.fiscal_year),
            name=project.name,
            annual_total_yuan=project.total_amount_yuan,
            annual_fiscal_yuan=project.fiscal_amount_yuan,
            mid_total_yuan=project.total_amount_yuan,
            mid_fiscal_yuan=project.fiscal_amount_yuan,
            created_by=actor,
            updated_by=actor,
        )
        _event(actor, target, "create", "")
        audit.record(actor=actor, event_type="target.create", obj=target)
    return target


def _editable(actor: Any, target: PerformanceTarget) -> None:
    require(actor, "target.edit")
    _visible(actor, target)
    if target.status not in EDITABLE_STATES:
        raise ConflictError(f"绩效目标当前状态为“{target.get_status_display()}”，不能修改")


def _still_editable(locked: PerformanceTarget) -> None:
    """Re-checked under the row lock: a target submitted a moment ago is no longer editable."""
    if locked.status not in EDITABLE_STATES:
        raise ConflictError(f"绩效目标当前状态为“{locked.get_status_display()}”，不能修改")


def target_update(
    *, actor: Any, target: PerformanceTarget, data: dict[str, Any], expected_version: int | None = None
) -> PerformanceTarget:
    _editable(actor, target)
    with transaction.atomic():
        locked = PerformanceTarget.objects.select_for_update().get(pk=target.pk)
        _still_editable(locked)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("该绩效目标已被他人修改，请刷新后重试")
        _check_funds(locked, data)
        before = audit.snapshot(locked, GOAL_FIELDS)
        changed = [f for f in GOAL_FIELDS if f in data and getattr(locked, f) != data[f]]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, data[field])
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="target.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, GOAL_FIELDS)),
        )
    return locked


def _check_funds(target: PerformanceTarget, data: dict[str, Any]) -> None:
    """其中：财政拨款 no higher than its 资金总额, for each pair the data touches (the other value as stored)."""
    for prefix, label in FUND_PAIRS:
        total_field, fiscal_field = f"{prefix}_total_yuan", f"{prefix}_fiscal_yuan"
        if total_field not in data and fiscal_field not in data:
            continue
        total = data.get(total_field, getattr(target, total_field))
        fiscal = data.get(fiscal_field, getattr(target, fiscal_field))
        if total is not None and fiscal is not None and fiscal > total:
            raise DomainError(f"其中：财政拨款不能大于{label}资金总额")


# TargetIndicator.parsed_value holds 24 digits, 6 after the point: a larger value (in base units) is a typo.
PARSED_LIMIT = Decimal(10) ** 18


def _parse_into(row: TargetIndicator, fiscal_year: int) -> None:
    declared = (
        None if row.operator == "qual" else {"gte": "≥", "gt": ">", "eq": "=", "lte": "≤", "lt": "<"}.get(row.operator)
    )
    parsed = parse_value(row.target_text, fiscal_year=fiscal_year, declared_op=declared, declared_unit=row.unit or None)
    row.parsed_kind = str(parsed.kind)
    row.parsed_op = str(parsed.op or "")[:4]
    row.parsed_value = parsed.base_value if parsed.kind in {Kind.NUM, Kind.RANGE} else None
    if row.parsed_value is not None and abs(row.parsed_value) >= PARSED_LIMIT:
        raise DomainError(f"指标“{row.name}”的指标值“{row.target_text}”数值过大，请核对数值和计量单位")
    row.parsed_unit = (parsed.unit_canon or "")[:20]


def _check_nodes(target: PerformanceTarget, lv1: FrameworkNode, lv2: FrameworkNode) -> None:
    if lv1.framework_id != target.framework_id or lv2.parent_id != lv1.pk:
        raise DomainError(f"指标层级“{lv1.name}/{lv2.name}”不属于本目标所用的指标体系")


def target_save_indicators(
    *, actor: Any, target: PerformanceTarget, rows: list[dict[str, Any]], expected_version: int | None = None
) -> PerformanceTarget:
    """Replace the indicator grid with `rows` (in order). Each row is a dict of INDICATOR_INPUT_FIELDS. A grid read
    from an older version than the target's (`expected_version`, the API's) is refused with 409."""
    _editable(actor, target)
    with transaction.atomic():
        locked = PerformanceTarget.objects.select_for_update().get(pk=target.pk)
        _still_editable(locked)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("该绩效目标已被他人修改，请刷新后重试")
        before = snapshots.snapshot(locked)["indicators"]
        new_rows = []
        for seq, data in enumerate(rows, start=1):
            row = TargetIndicator(
                target=locked, seq=seq, **{k: v for k, v in data.items() if k in INDICATOR_INPUT_FIELDS}
            )
            _check_nodes(locked, row.lv1, row.lv2)
            if not row.name.strip() or not row.target_text.strip():
                raise DomainError(f"第{seq}行：三级指标名称和指标值不能为空")
            _parse_into(row, locked.fiscal_year)
            new_rows.append(row)
        locked.indicators.all().delete()
        TargetIndicator.objects.bulk_create(new_rows)
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["version", "updated_by", "updated_at"])
        after = snapshots.snapshot(locked)["indicators"]
        audit.record(
            actor=actor,
            event_type="target.indicators",
            obj=locked,
            changes={"indicators": [len(before), len(after)]} if before != after else {},
        )
    return locked


def target_save(
    *,
    actor: Any,
    target: PerformanceTarget,
    goals: dict[str, Any],
    rows: list[dict[str, Any]],
    expected_version: int | None = None,
) -> PerformanceTarget:
    """Goals and the indicator grid saved together: an error in either leaves both unchanged."""
    with transaction.atomic():
        target = target_update(actor=actor, target=target, data=goals, expected_version=expected_version)
        return target_save_indicators(actor=actor, target=target, rows=rows)


def _resolve_target_state(target: PerformanceTarget, transition_target: str) -> str:
    if transition_target == RETURNING_STAGE:
        return target.returned_from or TargetStatus.UNIT_SUBMITTED
    return transition_target


def _on_enter(actor: Any, target: PerformanceTarget, action: str, source: str, comment: str) -> list[str]:
    """Side data of a transition; returns the extra fields to save."""
    fields: list[str] = []
    if target.status == TargetStatus.RETURNED:
        # A 中 grade is a judgement of the whole proposal: its revision starts the 初审 again (DOMAIN §6.9).
        target.returned_from = TargetStatus.SECTION_REVIEW if action == "grade_fair" else source
        fields.append("returned_from")
    if action in GRADE_OF_ACTION:
        target.review_grade = GRADE_OF_ACTION[action]
        target.review_opinion = comment
        fields += ["review_grade", "review_opinion"]
    if action == "approve":
        target.approved_at = timezone.now()
        fields.append("approved_at")
        TargetVersion.objects.create(
            target=target,
            goal_version=target.goal_version,
            created_by=actor,
            snapshot=snapshots.snapshot(target),
            reason="随预算批复",
        )
    if action == "request_adjustment" and not target.versions.filter(goal_version=target.goal_version).exists():
        # An approved target loaded as initial data or migrated carries no copy of its approved version: take it
        # before the unit edits, so the 预算股 sees the changes and 不同意调整 can put the approved version back.
        TargetVersion.objects.create(
            target=target,
            goal_version=target.goal_version,
            created_by=actor,
            snapshot=snapshots.snapshot(target),
            reason="批复版本（申请调整时留存）",
        )
    if action == "approve_adjustment":
        target.goal_version += 1
        fields.append("goal_version")
        TargetVersion.objects.create(
            target=target,
            goal_version=target.goal_version,
            created_by=actor,
            snapshot=snapshots.snapshot(target),
            reason=comment or "调整获批",
        )
    if action == "reject_adjustment":
        _restore(target)
    return fields


def _restore(target: PerformanceTarget) -> None:
    """A refused adjustment puts back the approved version, goals and indicators alike."""
    version = target.versions.filter(goal_version=target.goal_version).first()
    if version is None:
        return
    data = version.snapshot
    for field in snapshots.TARGET_FIELDS:
        setattr(target, field, Decimal(data[field]) if field.endswith("_yuan") else data[field])
    target.save(update_fields=snapshots.TARGET_FIELDS)
    target.indicators.all().delete()
    TargetIndicator.objects.bulk_create(
        [
            TargetIndicator(
                target=target,
                seq=seq,
                **{k: v for k, v in row.items() if k != "weight"},
                weight=Decimal(row["weight"]) if row["weight"] is not None else None,
            )
            for seq, row in enumerate(data["indicators"], start=1)
        ]
    )
    target.tasks.all().delete()
    AnnualTask.objects.bulk_create(
        AnnualTask(
            target=target, seq=seq, name=task["name"], content=task["content"], amount_yuan=Decimal(task["amount_yuan"])
        )
        for seq, task in enumerate(data.get("tasks", []), start=1)
    )
    for row in target.indicators.all():
        _parse_into(row, target.fiscal_year)
        row.save(update_fields=["parsed_kind", "parsed_op", "parsed_value", "parsed_unit"])


def _panel_guard(target: PerformanceTarget, action: str, force: bool) -> list[str]:
    """A panel needs a sitting member before it starts, and every member's opinion before it ends (unless
    forced); returns the members still owing an opinion."""
    if action not in {"send_to_panel", "panel_done"}:
        return []
    members = target.panel.filter(conflict_declared=False).select_related("expert")
    if action == "send_to_panel" and not members.exists():
        raise DomainError("请先指派会审成员，再提交集中会审")
    pending = [str(m.expert) for m in members if m.submitted_at is None] if action == "panel_done" else []
    if pending and not force:
        raise ConflictError("以下会审成员尚未提交意见：" + "、".join(pending) + "。如确需结束，请勾选“强制结束会审”")
    return pending


# The grading steps that pass a target into the budget.
PASSING_GRADES = ("grade_excellent", "grade_good")


def _require_panel_for_class(target: PerformanceTarget, action: str) -> None:
    """项目分级分类 (seed 002 S26): where the region names the target's 重要性分类 (`panel_classes`, e.g. A), the
    target passes (优/良) only after a 集中会审 with a member's opinion ended since it last came to the 绩效股 (a
    退回, 中 or 差 needs none)."""
    if action not in PASSING_GRADES or target.project is None:
        return
    settings = review_scoring.review_settings(target.region, target.fiscal_year)
    project_class = target.project.tier
    if not project_class or project_class not in (settings.panel_classes or ""):
        return
    # A 集中会审 ended since the target last came to the 绩效股 (passed by the 业务股室, or resubmitted after a
    # return), and the panel has given an opinion (one closed by force with none does not count). A member gives one
    # opinion per target, so a revised target's panel may rest on the opinions given before.
    reached = (
        target.events.filter(to_status=TargetStatus.PERF_REVIEW).exclude(action="panel_done").order_by("-id").first()
    )
    ended = target.events.filter(action="panel_done", id__gt=reached.pk if reached is not None else 0).exists()
    opinions = target.panel.filter(conflict_declared=False, submitted_at__isnull=False).exists()
    if not (ended and opinions):
        raise DomainError(
            f"本项目为{project_class}类项目，其绩效目标须经集中会审（会审成员提出意见）后方可评定通过，"
            "请先“提交集中会审”"
        )


def target_transition(
    *,
    actor: Any,
    target: PerformanceTarget,
    action: str,
    comment: str = "",
    aspects: dict[str, str] | None = None,
    scores: Mapping[str, Decimal | None] | None = None,
    force: bool = False,
    expected_version: int | None = None,
) -> PerformanceTarget:
    """One workflow step. A grading step (评为“优/良/中/差”) in a region that scores its reviews takes the four
    aspects' `scores` and must be the grade they give (review_scoring); elsewhere `scores` are ignored.

    An adjustment (调整中) stays editable by the unit while it waits for the 预算股: its judgement is refused (409)
    when `expected_version` (the page's) is not the target's, so nobody approves content they have not seen, and
    同意调整 runs the same blocking smart checks as a submission."""
    # Decide from the stored state, not from whatever copy the caller holds.
    target.refresh_from_db()
    transition = TARGET_WORKFLOW.get(target.status, action)
    require(actor, transition.capability)
    _visible(actor, target)
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"审核意见不能超过{COMMENT_MAX}字（现有{len(comment)}字），请精简后再提交")
    if transition.needs_comment and not comment:
        # A unit's own step (申请调整) takes a reason in its 说明 box; a reviewer's an 审核意见 (views._comment_box).
        raise DomainError(
            f"{transition.label}须填写理由" if transition.capability == "target.submit" else "请填写审核意见"
        )
    pending = _panel_guard(target, action, force)
    _require_panel_for_class(target, action)
    with transaction.atomic():
        locked = PerformanceTarget.objects.select_for_update().get(pk=target.pk)
        if locked.status != transition.source:
            raise ConflictError("绩效目标状态已变化，请刷新后重试")
        stale = expected_version is not None and locked.version != expected_version
        if locked.status == TargetStatus.ADJUSTING and stale:
            raise ConflictError("单位在您打开页面后修改了调整内容，请查看最新的调整内容后再审核")
        if action in {"submit", "resubmit", "approve_adjustment"}:
            # Checked under the lock: the content passed on is the content checked.
            if locked.project is not None and locked.project.status == Project.Status.CANCELLED:
                raise DomainError("项目已撤销，不能提交绩效目标")
            errors = checks.blocking(checks.run_checks(locked))
            if errors:
                raise DomainError("智能审核未通过：" + "；".join(f.message for f in errors))
        source = locked.status
        if action == "dept_recall":
            _check_recall(locked)
        scored = _scored_review(locked, action, scores)
        locked.status = _resolve_target_state(locked, transition.target)
        extra = _on_enter(actor, locked, action, source, comment)
        if aspects:
            locked.review_aspects = {**locked.review_aspects, **aspects}
            extra.append("review_aspects")
        if action in GRADE_OF_ACTION:
            locked.review_score = scored.total if scored else None
            locked.review_scores = scored.as_json() if scored else {}
            extra += ["review_score", "review_scores"]
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["status", "version", "updated_by", "updated_at", *extra])
        _event(
            actor, locked, action, source, comment, GRADE_OF_ACTION.get(action, ""), scored.total if scored else None
        )
        # A recall's reason is on the timeline; it is no opinion of the stage the target was in.
        opinion = transition.capability != "target.submit" and action != "dept_recall"
        if comment and source in STAGE_OF_STATE and opinion:
            ReviewComment.objects.create(target=locked, stage=STAGE_OF_STATE[source], author=actor, text=comment)
        audit.record(
            actor=actor,
            event_type=f"target.{action}",
            obj=locked,
            reason=comment[:500],
            changes={"status": [source, locked.status]},
        )
        if pending:
            audit.record(
                actor=actor,
                event_type="target.panel_force_close",
                obj=locked,
                reason=comment[:500],
                changes={"pending": pending},
            )
    return locked


def _scored_review(
    target: PerformanceTarget, action: str, scores: Mapping[str, Decimal | None] | None
) -> review_scoring.ScoredReview | None:
    """The checked scores of a grading step where the target's region scores its reviews, else None."""
    if action not in GRADE_OF_ACTION:
        return None
    settings = review_scoring.review_settings(target.region, target.fiscal_year)
    if not settings.scored:
        return None
    review = review_scoring.score(settings, scores or {})
    review_scoring.refuse_other_grade(review, settings, GRADE_OF_ACTION[action])
    return review


def _check_recall(target: PerformanceTarget) -> None:
    """A 主管部门 takes back its pass only while the 业务股室 has given no opinion on the target since (the
    department's own notes are of its own stage: `OWN_STAGE`)."""
    passed_at = (
        target.events.filter(action="dept_pass").order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    )
    opinions = ReviewComment.objects.filter(target=target, stage=ReviewStage.SECTION)
    if passed_at is not None:
        opinions = opinions.filter(created_at__gte=passed_at)
    if opinions.exists():
        raise ConflictError("业务股室已提出审核意见，不能撤回审核；如需修改，请联系业务股室退回")


def target_bulk_transition(*, actor: Any, ids: list[Any], action: str, comment: str = "") -> int:
    """批量审核 of the ticked targets: each goes through `target_transition` (events, review opinions, audit records),
    all in one transaction; a target out of scope or no longer in the button's state fails the whole batch."""
    return bulk.run(
        actor=actor,
        workflow=TARGET_WORKFLOW,
        offered=BULK_ACTIONS,
        action=action,
        ids=ids,
        comment=comment,
        visible=PerformanceTarget.objects.visible_to(actor),
        noun="绩效目标",
        event_prefix="target",
        apply=lambda target, text: target_transition(actor=actor, target=target, action=action, comment=text),
    )


# The review stage of each reviewing role (a 绩效股 note during 集中会审 stays a 会审 note).
OWN_STAGE = {Role.DEPT_ADMIN: ReviewStage.DEPT, Role.BUSINESS: ReviewStage.SECTION, Role.PERFORMANCE: ReviewStage.PERF}


def target_comment(
    *, actor: Any, target: PerformanceTarget, text: str, indicator: TargetIndicator | None = None
) -> ReviewComment:
    """A reviewer's modification opinion on the target or one indicator, without moving the status."""
    require(actor, "target.comment")
    _visible(actor, target)
    target.refresh_from_db(fields=["status"])  # the stage of the stored state, not of the caller's copy
    stage = STAGE_OF_STATE.get(TargetStatus(target.status))
    if stage is None:
        raise ConflictError("当前状态不在审核环节，不能提出修改意见")
    # The opinion belongs to the reviewer's own stage: a 主管部门's note while the 业务股室 holds the target is the
    # department's, not the section's (which would also stop the department's 撤回审核).
    own = OWN_STAGE.get(actor.active_membership.role)
    if own is not None and stage not in (own, ReviewStage.PANEL):
        stage = own
    if not text.strip():
        raise DomainError("请填写意见内容")
    if indicator is not None and indicator.target_id != target.pk:
        raise NotFoundError("指标不存在")
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            target=target,
            indicator=indicator,
            indicator_name=indicator.name if indicator is not None else "",
            stage=stage,
            author=actor,
            text=text.strip()[:2000],
        )
        audit.record(actor=actor, event_type="target.comment", obj=target, reason=text[:500])
    return comment


def targets_approve_batch(*, actor: Any, department_id: int, fiscal_year: int, lock_token: str | None = None) -> int:
    """Approve, with the budget, every target of one department that is ready for it (批复). `lock_token` is the
    page's token of the department's ready targets (selectors.targets_ready_by_department): when a target came ready
    or was approved after the page was shown, the batch is refused (409), so nobody approves a set they did not see."""
    require(actor, "target.approve")
    ready = PerformanceTarget.objects.visible_to(actor).filter(
        department_id=department_id, fiscal_year=fiscal_year, status=TargetStatus.READY_FOR_BUDGET
    )
    count = 0
    with transaction.atomic():
        locked = list(ready.select_for_update().order_by("pk"))
        if lock_token and locking.lock_token(locked) != lock_token:
            raise ConflictError(f"该部门待批复的绩效目标在您打开页面后有变化（现有{len(locked)}个），请核对后再批复")
        for target in locked:
            target_transition(actor=actor, target=target, action="approve")
            count += 1
    return count
