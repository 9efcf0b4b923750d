"""Reads for 问题整改: the rules in force, lists and filters, summaries for dashboards, the 待办 list."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jixiao.core import config_rows
from jixiao.core.todos import TodoItem, countdown
from jixiao.organizations.models import Department
from jixiao.organizations.selectors import in_region
from jixiao.rectification.models import (
    AWAITING_UNIT,
    FeedbackFile,
    Finding,
    Rectification,
    RectificationEvent,
    RectificationLetter,
    RectificationQuerySet,
    RectificationSettings,
    RectificationStatus,
    SourceType,
)
from jixiao.rectification.sources import Candidate, CandidateList, candidates, candidates_by_key
from jixiao.rectification.workflow import RECTIFICATION_WORKFLOW

__all__ = ["Candidate", "CandidateList", "candidates", "candidates_by_key"]


# List tabs: 待下达 / 被退回 for the sections, 待反馈 for units.
TABS: dict[str, tuple[str, ...]] = {
    "draft": (RectificationStatus.DRAFT.value,),
    "returned": (RectificationStatus.RETURNED.value,),
    "todo": AWAITING_UNIT,
    "review": (RectificationStatus.FEEDBACK_SUBMITTED.value,),
}


def settings_for(region: Any, fiscal_year: int) -> RectificationSettings:
    """The most specific rule row for the region and year (a fresh database falls back to the model defaults)."""
    rows = config_rows.applicable(RectificationSettings.objects.select_related("region"), region, fiscal_year)
    return config_rows.most_specific(rows, region, fiscal_year) or RectificationSettings()


def settings_visible(user: Any) -> list[RectificationSettings]:
    """The national rows and those of the user's region and its ancestors and descendants."""
    region = user.active_membership.region
    rows = RectificationSettings.objects.select_related("region").filter(
        Q(region__isnull=True)
        | Q(region__mof_div_code__in=config_rows.ancestor_codes(region))
        | Q(region__path__startswith=region.path)
    )
    return list(rows.order_by("region__path", "fiscal_year"))


def settings_of_region(region: Any) -> list[RectificationSettings]:
    """The region's own rule rows (every year): what the settings form can change, hence its lock token."""
    return list(RectificationSettings.objects.filter(region=region).order_by("fiscal_year", "pk"))


def _scoped(user: Any) -> RectificationQuerySet:
    return cast(RectificationQuerySet, Rectification.objects.visible_to(user))


def rectifications_visible(user: Any) -> QuerySet[Rectification]:
    """The viewer's cases, each with `is_overdue` computed in SQL."""
    return _scoped(user).with_overdue()


def rectification_get(user: Any, pk: int) -> Rectification:
    rect = rectifications_visible(user).select_related("department", "unit", "project", "region").filter(pk=pk).first()
    if rect is None:
        raise Http404
    return rect


def rectifications_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Rectification]:
    qs = rectifications_visible(user).select_related("department", "unit", "project")
    if params.get("year"):
        qs = qs.filter(fiscal_year=params["year"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("tab") in TABS:
        qs = qs.filter(status__in=TABS[params["tab"]])
    if params.get("source"):
        qs = qs.filter(source_type=params["source"])
    qs = in_region(qs, params.get("region"))
    if params.get("department"):
        qs = qs.filter(department_id=params["department"])
    if params.get("overdue"):
        qs = qs.filter(Q(is_overdue=True))  # the annotation of rectifications_visible
    if params.get("on_time"):
        qs = qs.filter(status=RectificationStatus.CLOSED, closed_on_time=True)  # the dashboards' 其中按期办结
    if params.get("q"):
        q = params["q"]
        qs = qs.filter(Q(title__icontains=q) | Q(project__name__icontains=q) | Q(unit__name__icontains=q))
    return qs.annotate(finding_count=Count("findings")).order_by("-fiscal_year", "deadline", "-id")


def rectification_summary(user: Any, fiscal_year: int) -> dict[str, int]:
    """Counts for dashboards (contract): total, per status, overdue, closed on time — scoped to the viewer."""
    today = timezone.localdate()
    qs = Rectification.objects.visible_to(user).filter(fiscal_year=fiscal_year)
    result = qs.aggregate(
        total=Count("id"),
        draft=Count("id", filter=Q(status=RectificationStatus.DRAFT)),
        issued=Count("id", filter=Q(status=RectificationStatus.ISSUED)),
        feedback_submitted=Count("id", filter=Q(status=RectificationStatus.FEEDBACK_SUBMITTED)),
        returned=Count("id", filter=Q(status=RectificationStatus.RETURNED)),
        closed=Count("id", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("id", filter=Q(status__in=AWAITING_UNIT, deadline__lt=today)),
        closed_on_time=Count("id", filter=Q(status=RectificationStatus.CLOSED, closed_on_time=True)),
    )
    return {key: int(value or 0) for key, value in result.items()}


def open_rectification_project_ids(fiscal_year: int) -> set[int]:
    """Projects with an issued, not yet closed rectification in the year (contract for results' 整改后安排)."""
    return set(
        Rectification.objects.filter(fiscal_year=fiscal_year, is_deleted=False, project__isnull=False)
        .exclude(status__in=[RectificationStatus.DRAFT, RectificationStatus.CLOSED])
        .values_list("project_id", flat=True)
    )


def closed_adjust_advice(fiscal_year: int, projects: Any) -> dict[int, list[str]]:
    """Project id → the 业务股室预算调整意见 of its closed rectifications of the year, oldest first (contract for
    results: DOMAIN.md §6.9 "CLOSED → fin_adjust_advice → ResultApplication"). `projects`: a query of project ids."""
    advice: dict[int, list[str]] = {}
    rows = (
        Rectification.objects.filter(
            fiscal_year=fiscal_year,
            is_deleted=False,
            project__in=projects,
            status=RectificationStatus.CLOSED,
        )
        .exclude(fin_adjust_advice="")
        .order_by("closed_at", "pk")
        .values_list("project_id", "fin_adjust_advice")
    )
    for pid, text in rows:
        advice.setdefault(pid, []).append(text)
    return advice


def rectification_statistics(user: Any, fiscal_year: int) -> dict[str, Any]:
    today = timezone.localdate()
    qs = Rectification.objects.visible_to(user).filter(fiscal_year=fiscal_year)
    counts = {
        "closed": Count("id", filter=Q(status=RectificationStatus.CLOSED)),
        "overdue": Count("id", filter=Q(status__in=AWAITING_UNIT, deadline__lt=today)),
        "total": Count("id"),
    }
    by_source = list(qs.values("source_type").annotate(**counts).order_by("source_type"))
    labels = dict(SourceType.choices)
    for row in by_source:
        row["label"] = labels.get(row["source_type"], row["source_type"])
    by_department = list(qs.values("department_id", "department__name").annotate(**counts).order_by("department_id"))
    # The problems of the cases counted above, as their pages list them: a unit does not see a case addressed to
    # its department as a whole, so neither are that case's problems about the unit counted for it.
    findings = Finding.objects.filter(rectification__in=qs.values("pk"))
    return {
        "summary": rectification_summary(user, fiscal_year),
        "by_source": by_source,
        "by_department": by_department,
        "finding_count": findings.count(),
    }


def with_department_names(items: Any) -> list[tuple[Candidate, str]]:
    """A page of candidates with each one's 主管部门 name (one query for the page), so that problems of one
    department can be chosen together."""
    rows = list(items)
    names = dict(Department.objects.filter(pk__in={c.department_id for c in rows}).values_list("pk", "name"))
    return [(c, names.get(c.department_id, "")) for c in rows]


def findings_of(rect: Rectification) -> list[Finding]:
    return list(rect.findings.filter(is_deleted=False).select_related("project", "unit"))


def events_of(rect: Rectification) -> list[RectificationEvent]:
    return list(RectificationEvent.objects.filter(rectification=rect).select_related("actor"))


def letters_of(rect: Rectification) -> list[RectificationLetter]:
    return list(RectificationLetter.objects.filter(rectification=rect))


def letter_get(rect: Rectification, letter_id: int) -> RectificationLetter:
    letter = RectificationLetter.objects.filter(rectification=rect, pk=letter_id).first()
    if letter is None:
        raise Http404
    return letter


def files_of(rect: Rectification) -> list[FeedbackFile]:
    return list(FeedbackFile.objects.filter(rectification=rect))


def file_get(rect: Rectification, file_id: int) -> FeedbackFile:
    row = FeedbackFile.objects.filter(rectification=rect, pk=file_id).first()
    if row is None:
        raise Http404
    return row


# What the 待办 lines ask of their reader.
REVIEW_HINT = "审核整改报告，办结或退回重新整改"
ISSUE_HINT = "选择下达文书（整改通知书、意见书或约谈通知书）后下达"


def rectification_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("rectification.view"):
        return []
    today = timezone.localdate()
    url = reverse("rectification:list")
    respond = membership.can("rectification.respond")
    review = membership.can("rectification.review")
    manage = membership.can("rectification.manage")
    sweep = membership.can("rectification.sweep")
    if not (respond or review or manage or sweep):
        return []
    # Every count (and the nearest deadline) in one query with conditional aggregates.
    awaiting = Q(status__in=AWAITING_UNIT)
    totals = _scoped(user).aggregate(
        waiting=Count("pk", filter=awaiting),
        first_deadline=Min("deadline", filter=awaiting),
        feedback=Count("pk", filter=Q(status=RectificationStatus.FEEDBACK_SUBMITTED)),
        draft=Count("pk", filter=Q(status=RectificationStatus.DRAFT)),
        overdue=Count("pk", filter=awaiting & Q(deadline__lt=today)),
    )
    items: list[TodoItem] = []
    if respond:
        first = totals["first_deadline"]
        hint = f"最近截止{first:%Y-%m-%d}，{countdown(first, today)[1]}" if first is not None else ""
        items.append(TodoItem("问题整改", "整改待反馈", totals["waiting"], f"{url}?tab=todo", hint))
    if review:
        items.append(
            TodoItem(
                "问题整改",
                "整改反馈待审核",
                totals["feedback"],
                f"{url}?status={RectificationStatus.FEEDBACK_SUBMITTED}",
                REVIEW_HINT,
            )
        )
    if manage:
        items.append(TodoItem("问题整改", "整改事项待下达", totals["draft"], f"{url}?tab=draft", ISSUE_HINT))
    if sweep:
        items.append(TodoItem("问题整改", "整改逾期", totals["overdue"], f"{url}?overdue=1", "请督促或运行逾期处理"))
    return items


def available_actions(user: Any, rect: Rectification) -> list[Any]:
    membership = user.active_membership
    caps = membership.capabilities if membership is not None else frozenset()
    return RECTIFICATION_WORKFLOW.available(rect.status, caps)
