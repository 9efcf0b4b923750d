from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from jixiao.core.models import AuditEvent
from jixiao.core.todos import TodoItem, status_counts
from jixiao.organizations.selectors import AUTOCOMPLETE_LIMIT
from jixiao.projects import joint_review
from jixiao.projects.models import Project, ProjectEvent, ProjectStatus
from jixiao.projects.workflow import PROJECT_WORKFLOW


def projects_visible(user: Any) -> QuerySet[Project]:
    return Project.objects.visible_to(user).select_related("department", "unit", "region")


def project_get(user: Any, pk: Any) -> Project:
    """A visible project or 404: another unit's project does not exist for this user."""
    return Project.objects.select_related("department", "unit", "region").get_visible_or_404(user, pk=pk)


def project_totals(queryset: QuerySet[Project]) -> dict[str, Any]:
    return queryset.aggregate(count=Count("id"), total=Sum("total_amount_yuan"), fiscal=Sum("fiscal_amount_yuan"))


def project_events(project: Project) -> QuerySet[ProjectEvent]:
    return project.events.select_related("actor")


def project_audit_trail(project: Project) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="projects.project", object_id=str(project.pk))


def project_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("project.view"):
        return []
    wanted: list[tuple[str, str, str]] = []  # (status, title, hint) in the order shown
    if membership.can("project.submit"):
        for draft_status, label, hint in (
            (ProjectStatus.DRAFT.value, "未送审", "请完善后提交审核"),
            (ProjectStatus.RETURNED.value, "被退回", "请按审核意见修改后重新提交"),
        ):
            wanted.append((draft_status, f"项目{label}", hint))
    for capability in ("project.review_dept", "project.review_section"):
        if membership.can(capability):
            for status in PROJECT_WORKFLOW.states_awaiting(capability):
                wanted.append((status, f"项目{ProjectStatus(status).label}", "待审核"))
    counts = status_counts(Project.objects.visible_to(user), (status for status, _title, _hint in wanted))
    url = reverse("projects:list")
    return [
        TodoItem("项目库", title, counts.get(status, 0), f"{url}?status={status}", hint)
        for status, title, hint in wanted
    ]


def joint_review_todos(user: Any) -> list[TodoItem]:
    """A lead department's 联合审核: the fund-theme projects at the joint step it has not given an opinion on."""
    rules = joint_review.reviewer_rules(user)
    if not rules:
        return []
    count = joint_review.waiting(joint_review.joint_projects(user, rules)).count()
    title = "、".join(dict.fromkeys(rule.get_theme_display() for rule in rules)) + "待联合审核"
    url = reverse("projects:joint_list")
    return [TodoItem("项目库", title, count, f"{url}?show=waiting", "请给出联合审核意见")]


def projects_search(
    user: Any,
    query: str,
    *,
    status: str = "",
    fiscal_year: int | None = None,
    unit_id: int | None = None,
    limit: int = AUTOCOMPLETE_LIMIT,
) -> list[dict[str, Any]]:
    """The first visible projects whose code starts with, or whose name contains, the query (newest year first):
    the search box of a project field (`core.filters.AutocompleteModelChoiceField`)."""
    qs = Project.objects.visible_to(user)  # type: ignore[attr-defined]
    if status:
        qs = qs.filter(status=status)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    query = query.strip()
    if query:
        qs = qs.filter(Q(code__startswith=query) | Q(name__icontains=query))
    rows = qs.order_by("-fiscal_year", "code").values_list("pk", "name", "code", "fiscal_year")[:limit]
    # The text is the project's own str() ("code name"): the same as the box shows for a chosen project.
    return [{"id": pk, "text": f"{code} {name}", "hint": f"{year}年度"} for pk, name, code, year in rows]
