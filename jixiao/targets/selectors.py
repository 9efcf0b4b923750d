from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse

from jixiao.core.errors import DomainError
from jixiao.core.locking import lock_token
from jixiao.core.todos import TodoItem, status_counts
from jixiao.organizations.models import FiscalYear
from jixiao.targets.checks import DEFAULT_RULES, effective_rules
from jixiao.targets.models import (
    PerformanceTarget,
    ReviewComment,
    ReviewStage,
    SmartCheckRule,
    TargetEvent,
    TargetIndicator,
    TargetStatus,
    TargetVersion,
)
from jixiao.targets.workflow import TARGET_WORKFLOW


def targets_visible(user: Any) -> QuerySet[PerformanceTarget]:
    return PerformanceTarget.objects.visible_to(user).select_related("department", "unit", "project", "framework")


def target_get(user: Any, pk: Any) -> PerformanceTarget:
    return PerformanceTarget.objects.select_related(
        "department", "unit", "project", "framework", "region"
    ).get_visible_or_404(user, pk=pk)


def target_get_with_indicators(user: Any, pk: Any) -> PerformanceTarget:
    """A visible target with its indicator rows and their 一级/二级 nodes loaded in one extra query (API)."""
    indicators = TargetIndicator.objects.select_related("lv1", "lv2").order_by("seq", "id")
    return (
        PerformanceTarget.objects.select_related("department", "unit", "project", "framework", "region")
        .prefetch_related(Prefetch("indicators", queryset=indicators))
        .get_visible_or_404(user, pk=pk)
    )


def target_events(target: PerformanceTarget) -> QuerySet[TargetEvent]:
    return target.events.select_related("actor")


def target_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("target.view"):
        return []
    wanted: list[str] = []
    for capability in (
        "target.submit",
        "target.review_dept",
        "target.review_section",
        "target.grade",
        "target.approve",
    ):
        if not membership.can(capability):
            continue
        wanted.extend(TARGET_WORKFLOW.states_awaiting(capability))
    counts = status_counts(PerformanceTarget.objects.visible_to(user), wanted)
    url = reverse("targets:list")
    return [
        TodoItem(
            "绩效目标",
            f"绩效目标{TargetStatus(status).label}",
            counts.get(status, 0),
            f"{url}?status={status}",
            TODO_HINTS.get(status, "待审核"),
        )
        for status in wanted
    ]


# What the 待办 line asks of its reader; every other waiting state is a review.
TODO_HINTS: dict[str, str] = {
    TargetStatus.DRAFT: "请完善后提交审核",
    TargetStatus.RETURNED: "请按审核意见修改后重新提交",
    TargetStatus.READY_FOR_BUDGET: "待随预算批复",
}


# ---------------------------------------------------------------- pages (list, detail, edit, approval)


def year_open(fiscal_year: int) -> bool:
    """Whether the year is set up and open for 填报 (a closed year takes no new target, project or 部门整体)."""
    return FiscalYear.objects.filter(year=fiscal_year, is_open=True).exists()


def projects_without_target(user: Any, fiscal_year: int) -> QuerySet[Any]:
    """The user's visible, not cancelled projects of `fiscal_year` that have no target yet."""
    from jixiao.projects.models import Project

    return (
        Project.objects.visible_to(user)
        .filter(fiscal_year=fiscal_year)
        .exclude(status=Project.Status.CANCELLED)
        .exclude(targets__fiscal_year=fiscal_year)
        .select_related("unit")
        .order_by("code")
    )


def target_of_project(user: Any, project: Any) -> PerformanceTarget | None:
    """The project's live target of its own year that `user` may open (the project page's 绩效目标 card)."""
    return (
        PerformanceTarget.objects.visible_to(user)
        .filter(project=project, fiscal_year=project.fiscal_year, is_deleted=False)
        .order_by("-id")
        .first()
    )


def project_has_target(project: Any) -> bool:
    """Whether the project has a target of its year at all, a deleted one included (one per project and year: the
    same test as `projects_without_target`)."""
    return PerformanceTarget.objects.filter(project=project, fiscal_year=project.fiscal_year).exists()


def project_for_target(user: Any, pk: Any) -> Any:
    from jixiao.projects.models import Project

    return Project.objects.select_related("region", "department", "unit").get_visible_or_404(user, pk=pk)


def target_indicators(target: PerformanceTarget) -> QuerySet[TargetIndicator]:
    """Indicators grouped for display: by 一级, then 二级, then the unit's own order."""
    return target.indicators.select_related("lv1", "lv2").order_by("lv1__order", "lv2__order", "seq", "id")


def target_indicators_in_order(target: PerformanceTarget) -> QuerySet[TargetIndicator]:
    return target.indicators.select_related("lv1", "lv2", "library_item").order_by("seq", "id")


def target_comments(target: PerformanceTarget, user: Any = None) -> QuerySet[ReviewComment]:
    """The target's opinions. While the 集中会审 sits, each member judges on their own: the members' opinions are
    shown to the 绩效股 running it and to their own author only, to everyone once the panel is done."""
    comments = target.comments.select_related("author", "indicator")
    if user is not None and target.status == TargetStatus.PANEL_REVIEW and not user.can("target.grade"):
        comments = comments.exclude(Q(stage=ReviewStage.PANEL) & ~Q(author=user))
    return comments


def target_versions(target: PerformanceTarget) -> QuerySet[TargetVersion]:
    return target.versions.select_related("created_by").order_by("goal_version")


def framework_nodes(target: PerformanceTarget) -> QuerySet[Any]:
    from jixiao.indicators.models import FrameworkNode

    return FrameworkNode.objects.filter(framework_id=target.framework_id).order_by("level", "order", "id")


def targets_ready_by_department(user: Any, fiscal_year: int) -> list[dict[str, Any]]:
    """Per department: targets waiting for approval with the budget, their annual amounts and the lock token of
    the set shown (services.targets_approve_batch refuses the 批复 when the set changed since)."""
    ready = PerformanceTarget.objects.visible_to(user).filter(
        fiscal_year=fiscal_year, status=TargetStatus.READY_FOR_BUDGET
    )
    rows = list(
        ready.values("department_id", "department__dept_code", "department__name")
        .annotate(count=Count("id"), total=Sum("annual_total_yuan"), fiscal=Sum("annual_fiscal_yuan"))
        .order_by("department__dept_code")
    )
    shown: dict[int, list[PerformanceTarget]] = {}
    for target in ready.only("id", "version", "department_id").order_by():
        shown.setdefault(target.department_id, []).append(target)
    for row in rows:
        row["lock_token"] = lock_token(shown.get(row["department_id"], []))
    return rows


# ---------------------------------------------------------------- 集中会审 (expert / 人大代表 panel)


def _region_paths(target: PerformanceTarget) -> list[str]:
    """The target's region and every region above it: a member registered there may sit on its panel."""
    path = target.region.path
    return [path[: i + 1] for i, char in enumerate(path) if char == "/"] or [path]


def _conflicting_memberships(target: PerformanceTarget) -> Any:
    from django.db.models import Q

    from jixiao.accounts.models import Membership

    return Membership.objects.filter(is_active=True).filter(
        Q(department_id=target.department_id) | Q(unit__department_id=target.department_id)
    )


def panel_member_is_eligible(target: PerformanceTarget, user: Any, role: str) -> bool:
    """Whether `user` holds an active `role` membership (expert, or oversight for 人大代表) over the target's region."""
    return bool(
        user.is_active
        and user.memberships.filter(is_active=True, role=role, region__path__in=_region_paths(target)).exists()
    )


def panel_member_conflict(target: PerformanceTarget, user: Any) -> str:
    """Where `user` also works in the target's department or one of its units (avoidance); "" if nowhere."""
    membership = _conflicting_memberships(target).filter(user=user).select_related("department", "unit").first()
    return membership.organization_label if membership is not None else ""


def panel_candidates(target: PerformanceTarget, role: str) -> list[dict[str, Any]]:
    """Users who may be drawn for the panel (not yet on it), each with the avoidance reason if any."""
    from django.db.models import Exists, OuterRef

    from jixiao.accounts.models import User

    users = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=role,
            memberships__region__path__in=_region_paths(target),
        )
        .exclude(panel_assignments__target=target)
        .annotate(in_conflict=Exists(_conflicting_memberships(target).filter(user_id=OuterRef("pk"))))
        .distinct()
        .order_by("username")
    )
    return [{"user": u, "conflict": u.in_conflict} for u in users]  # type: ignore[attr-defined]


def panel_users(target: PerformanceTarget, role: str, ids: list[int]) -> list[Any]:
    """The chosen users among the candidates (unknown ids are dropped; the service re-checks each)."""
    wanted = set(ids)
    return [row["user"] for row in panel_candidates(target, role) if row["user"].pk in wanted]


def panel_members(target: PerformanceTarget) -> QuerySet[Any]:
    return target.panel.select_related("expert", "assigned_by").order_by("assigned_at", "id")


def panel_summary(target: PerformanceTarget) -> dict[str, int]:
    members = list(target.panel.values_list("conflict_declared", "submitted_at"))
    required = [submitted for recused, submitted in members if not recused]
    return {
        "total": len(members),
        "recused": len(members) - len(required),
        "submitted": sum(1 for submitted in required if submitted is not None),
        "pending": sum(1 for submitted in required if submitted is None),
    }


def panel_assignment_get(user: Any, pk: Any) -> Any:
    """A panel row of a target the user may see (for the performance section's management)."""
    from django.shortcuts import get_object_or_404

    from jixiao.targets.models import PanelAssignment

    visible = PerformanceTarget.objects.visible_to(user)
    return get_object_or_404(PanelAssignment.objects.select_related("target", "expert"), pk=pk, target__in=visible)


def panel_own_assignment_get(user: Any, pk: Any) -> Any:
    """The member's own panel row; another member's row is not there for them (404)."""
    from django.shortcuts import get_object_or_404

    from jixiao.targets.models import PanelAssignment

    visible = PerformanceTarget.objects.visible_to(user)
    return get_object_or_404(
        PanelAssignment.objects.select_related("target", "expert"), pk=pk, expert=user, target__in=visible
    )


def panel_assignments_of(user: Any) -> QuerySet[Any]:
    """The user's own panel seats on targets they can see, open panels first."""
    from django.db.models import Case, IntegerField, When

    from jixiao.targets.models import PanelAssignment

    return (
        PanelAssignment.objects.filter(expert=user, target__in=PerformanceTarget.objects.visible_to(user))
        .select_related("target", "target__department", "target__unit")
        .annotate(
            open_first=Case(
                When(target__status=TargetStatus.PANEL_REVIEW, submitted_at__isnull=True, then=0),
                default=1,
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-assigned_at", "-id")
    )


def panel_todos(user: Any) -> list[TodoItem]:
    """待会审的绩效目标: open panels where the member has neither given an opinion nor recused."""
    membership = user.active_membership
    if membership is None or not membership.can("target.panel_review"):
        return []
    count = (
        panel_assignments_of(user)
        .filter(target__status=TargetStatus.PANEL_REVIEW, submitted_at__isnull=True, conflict_declared=False)
        .count()
    )
    return [
        TodoItem(
            "绩效目标",
            "待会审的绩效目标",
            count,
            reverse("targets:panel_mine"),
            "请提交会审意见，有利害关系的请声明回避",
        )
    ]


def check_rules_overview(region: Any, fiscal_year: int | None) -> list[dict[str, Any]]:
    """Every smart-check rule with its national default and the region's own override, for the settings page."""
    effective = effective_rules(region, fiscal_year or 0) if fiscal_year else {}
    overrides = {r.code: r for r in SmartCheckRule.objects.filter(region=region, fiscal_year__isnull=True)}
    rows = []
    for code, (name, severity, params) in DEFAULT_RULES.items():
        own = overrides.get(code)
        applied = effective.get(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "default_severity": severity,
                "default_params": params,
                "severity": own.severity if own else severity,
                "is_enabled": own.is_enabled if own else True,
                "params": own.params if own else {},
                "has_override": own is not None,
                # What the row's form saves over (the region's row, or none yet): a save from a page shown before a
                # colleague's is refused (services_rules.check_rule_set).
                "lock_token": lock_token(own),
                "applied": applied is not None,
                "applied_severity": applied.severity if applied else "",
            }
        )
    return rows


# A target in these states is no longer the unit's draft: its project stays until the target is withdrawn or returned.
_CANCEL_FREE = (TargetStatus.DRAFT, TargetStatus.RETURNED, TargetStatus.REJECTED)


def project_gate(project: Any, action: str) -> None:
    """Registered with projects.gates: a project whose target is in review or approved is not cancelled under it
    (the target would go on to be approved with the budget of a project that no longer exists)."""
    if action != "cancel":
        return
    live = PerformanceTarget.objects.filter(project_id=project.pk).exclude(status__in=_CANCEL_FREE).first()
    if live is not None:
        raise DomainError(
            f"该项目的绩效目标“{live.get_status_display()}”，不能撤销项目；请先撤回绩效目标或待审核人退回后再撤销"
        )
