"""集中会审 (expert / 人大代表 panel) writes: the performance section draws members onto a target's panel,
sends it to the panel, and closes it once the opinions are in; members submit an opinion or recuse.

DOMAIN.md §2.2 (专家集中会审, with 人大代表 where used) and §2.8 (independence and avoidance).
Status moves still go through services.target_transition (send_to_panel / panel_done).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.permissions import require
from jixiao.indicators.valueparse import format_number
from jixiao.targets import review_scoring, selectors, services
from jixiao.targets.models import PanelAssignment, PerformanceTarget, ReviewComment, ReviewStage, TargetStatus

# Members may be drawn while the performance section holds the target, and added while the panel sits
# (a replacement after a recusal).
ASSIGNABLE_STATES = {TargetStatus.PERF_REVIEW, TargetStatus.PANEL_REVIEW}
ROLE_OF_KIND = {PanelAssignment.Kind.EXPERT: "expert", PanelAssignment.Kind.NPC_DEPUTY: "oversight"}


def _visible(actor: Any, target: PerformanceTarget) -> None:
    if not PerformanceTarget.objects.visible_to(actor).filter(pk=target.pk).exists():
        raise NotFoundError("绩效目标不存在")


def _locked_target(target_id: int) -> PerformanceTarget:
    return PerformanceTarget.objects.select_for_update().get(pk=target_id)


def _check_member(target: PerformanceTarget, user: Any, kind: str) -> None:
    name = str(user)
    if not selectors.panel_member_is_eligible(target, user, ROLE_OF_KIND[PanelAssignment.Kind(kind)]):
        label = PanelAssignment.Kind(kind).label
        raise DomainError(f"“{name}”不是本区划在册的{label}，不能指派为会审成员")
    conflict = selectors.panel_member_conflict(target, user)
    if conflict:
        raise DomainError(f"“{name}”在{conflict}任职，与本绩效目标存在利害关系，须回避，不能指派为会审成员")


def panel_assign(*, actor: Any, target: PerformanceTarget, members: list[Any], kind: str) -> list[PanelAssignment]:
    """Draw `members` (experts, or 人大代表 for kind npc_deputy) onto the target's panel."""
    require(actor, "target.grade")
    _visible(actor, target)
    if kind not in PanelAssignment.Kind.values:
        raise DomainError("会审成员身份无效")
    if not members:
        raise DomainError("请选择会审成员")
    with transaction.atomic():
        locked = _locked_target(target.pk)
        if locked.status not in ASSIGNABLE_STATES:
            raise ConflictError(f"绩效目标当前状态为“{locked.get_status_display()}”，不能指派会审成员")
        existing = set(locked.panel.values_list("expert_id", flat=True))
        created: list[PanelAssignment] = []
        for user in members:
            if user.pk in existing:
                raise ConflictError(f"“{user}”已是本目标的会审成员")
            _check_member(locked, user, kind)
            created.append(PanelAssignment.objects.create(target=locked, expert=user, kind=kind, assigned_by=actor))
            existing.add(user.pk)
        audit.record(
            actor=actor,
            event_type="target.panel_assign",
            obj=locked,
            changes={"panel": {"added": [u.pk for u in members], "kind": kind}},
        )
    return created


def panel_remove(*, actor: Any, assignment: PanelAssignment) -> None:
    """Take a member off the panel before they have given an opinion."""
    require(actor, "target.grade")
    _visible(actor, assignment.target)
    with transaction.atomic():
        locked = _locked_target(assignment.target_id)
        row = PanelAssignment.objects.select_for_update().filter(pk=assignment.pk).first()
        if row is None:
            raise NotFoundError("会审成员不存在")
        if locked.status not in ASSIGNABLE_STATES:
            raise ConflictError(f"绩效目标当前状态为“{locked.get_status_display()}”，不能调整会审成员")
        if row.submitted_at is not None:
            raise ConflictError(f"“{row.expert}”已提交会审意见，不能移出")
        audit.record(
            actor=actor,
            event_type="target.panel_remove",
            obj=locked,
            changes={"panel": {"removed": row.expert_id}},
        )
        row.delete()


def _own_assignment(actor: Any, assignment: PanelAssignment) -> PanelAssignment:
    """Lock the target, then the member's own row; another member's row is not there for the actor."""
    require(actor, "target.panel_review")
    if assignment.expert_id != actor.pk:
        raise NotFoundError("会审任务不存在")
    _visible(actor, assignment.target)
    _locked_target(assignment.target_id)
    return PanelAssignment.objects.select_for_update(of=("self",)).select_related("target").get(pk=assignment.pk)


def panel_submit(
    *,
    actor: Any,
    assignment: PanelAssignment,
    conclusion: str,
    opinion: str,
    scores: Mapping[str, Decimal | None] | None = None,
) -> PanelAssignment:
    """A member's conclusion and opinion (and, where the region scores its reviews, the four aspects' scores); the
    opinion is also recorded as a 集中会审 ReviewComment."""
    opinion = opinion.strip()
    if conclusion not in PanelAssignment.Conclusion.values:
        raise DomainError("请选择会审结论")
    if not opinion:
        raise DomainError("请填写会审意见")
    with transaction.atomic():
        row = _own_assignment(actor, assignment)
        if row.target.status != TargetStatus.PANEL_REVIEW:
            raise ConflictError("集中会审未开始或已结束，不能提交会审意见")
        if row.submitted_at is not None:
            raise ConflictError("您已提交会审意见，不能重复提交")
        if row.conflict_declared:
            raise ConflictError("您已声明回避，不能提交会审意见")
        settings = review_scoring.review_settings(row.target.region, row.target.fiscal_year)
        scored = review_scoring.score(settings, scores or {}) if settings.scored else None
        row.conclusion = conclusion
        row.opinion = opinion[:4000]
        row.scores = scored.as_json() if scored else {}
        row.total = scored.total if scored else None
        row.submitted_at = timezone.now()
        row.save(update_fields=["conclusion", "opinion", "scores", "total", "submitted_at"])
        label = PanelAssignment.Conclusion(conclusion).label
        text = (
            f"【{label}】{opinion}" if scored is None else f"【{label}，评分{format_number(scored.total)}分】{opinion}"
        )
        ReviewComment.objects.create(target=row.target, stage=ReviewStage.PANEL, author=actor, text=text[:2000])
        audit.record(
            actor=actor,
            event_type="target.panel_submit",
            obj=row.target,
            changes={"conclusion": ["", conclusion], **({"total": ["", str(scored.total)]} if scored else {})},
            reason=opinion[:500],
        )
    return row


def panel_declare_conflict(*, actor: Any, assignment: PanelAssignment, reason: str) -> PanelAssignment:
    """A member recuses (回避): their opinion is no longer required to close the panel."""
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写回避理由")
    with transaction.atomic():
        row = _own_assignment(actor, assignment)
        if row.target.status not in ASSIGNABLE_STATES:
            raise ConflictError("集中会审已结束，不能声明回避")
        if row.submitted_at is not None:
            raise ConflictError("您已提交会审意见，不能再声明回避")
        if row.conflict_declared:
            raise ConflictError("您已声明回避")
        row.conflict_declared = True
        # The model has no reason field: the reason is kept as the member's (non-)opinion and in the audit row.
        row.opinion = f"声明回避：{reason}"[:4000]
        row.save(update_fields=["conflict_declared", "opinion"])
        audit.record(
            actor=actor,
            event_type="target.panel_conflict",
            obj=row.target,
            changes={"conflict_declared": [False, True]},
            reason=reason[:500],
        )
    return row


def panel_send(*, actor: Any, target: PerformanceTarget, comment: str = "") -> PerformanceTarget:
    """send_to_panel; services.target_transition refuses it while no member who has not recused sits."""
    return services.target_transition(actor=actor, target=target, action="send_to_panel", comment=comment)


def panel_close(*, actor: Any, target: PerformanceTarget, comment: str, force: bool = False) -> PerformanceTarget:
    """panel_done; refused while a member who has not recused still owes an opinion, unless forced (audited)."""
    return services.target_transition(actor=actor, target=target, action="panel_done", comment=comment, force=force)
