from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from jixiao.core.todos import TodoItem
from jixiao.targets.models import (
    PerformanceTarget,
    ReviewComment,
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


def target_events(target: PerformanceTarget) -> QuerySet[TargetEvent]:
    return target.events.select_related("actor")


def target_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("target.view"):
        return []
    counts = dict(PerformanceTarget.objects.visible_to(user).values_list("status").annotate(n=Count("id")).order_by())
    url = reverse("targets:list")
    items: list[TodoItem] = []
    for capability in (
        "target.submit",
        "target.review_dept",
        "target.review_section",
        "target.grade",
        "target.approve",
    ):
        if not membership.can(capability):
            continue
        for status in TARGET_WORKFLOW.states_awaiting(capability):
            if capability == "target.submit" and status in {TargetStatus.UNIT_SUBMITTED, TargetStatus.APPROVED}:
                continue
            label = TargetStatus(status).label
            items.append(TodoItem("绩效目标", f"绩效目标{label}", counts.get(status, 0), f"{url}?status={status}"))
    return items


# ---------------------------------------------------------------- pages (list, detail, edit, approval)


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


def project_for_target(user: Any, pk: Any) -> Any:
    from jixiao.projects.models import Project

    return Project.objects.select_related("region", "department", "unit").get_visible_or_404(user, pk=pk)


def target_indicators(target: PerformanceTarget) -> QuerySet[TargetIndicator]:
    """Indicators grouped for display: by 一级, then 二级, then the unit's own order."""
    return target.indicators.select_related("lv1", "lv2").order_by("lv1__order", "lv2__order", "seq", "id")


def target_indicators_in_order(target: PerformanceTarget) -> QuerySet[TargetIndicator]:
    return target.indicators.select_related("lv1", "lv2", "library_item").order_by("seq", "id")


def target_comments(target: PerformanceTarget) -> QuerySet[ReviewComment]:
    return target.comments.select_related("author", "indicator")


def target_versions(target: PerformanceTarget) -> QuerySet[TargetVersion]:
    return target.versions.select_related("created_by").order_by("goal_version")


def framework_nodes(target: PerformanceTarget) -> QuerySet[Any]:
    from jixiao.indicators.models import FrameworkNode

    return FrameworkNode.objects.filter(framework_id=target.framework_id).order_by("level", "order", "id")


def targets_ready_by_department(user: Any, fiscal_year: int) -> list[dict[str, Any]]:
    """Per department: targets waiting for approval with the budget, and their annual amounts."""
    rows = (
        PerformanceTarget.objects.visible_to(user)
        .filter(fiscal_year=fiscal_year, status=TargetStatus.READY_FOR_BUDGET)
        .values("department_id", "department__dept_code", "department__name")
        .annotate(count=Count("id"), total=Sum("annual_total_yuan"), fiscal=Sum("annual_fiscal_yuan"))
        .order_by("department__dept_code")
    )
    return list(rows)
