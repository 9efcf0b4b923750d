"""季度检查 reads. Every query starts from `Inspection.objects.visible_to(user)` (departments from
`Department.objects.visible_to(user)`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem
from jixiao.inspections.models import QUARTERS, Inspection
from jixiao.organizations.models import Department
from jixiao.organizations.selectors import current_fiscal_year


def inspections_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Inspection]:
    qs = Inspection.objects.visible_to(user)
    for key in ("fiscal_year", "quarter", "department", "section"):
        if params.get(key):
            qs = qs.filter(**{key: params[key]})
    if params.get("problems") == "yes":
        qs = qs.exclude(findings="")
    elif params.get("problems") == "no":
        qs = qs.filter(findings="")
    if params.get("q"):
        term = params["q"]
        qs = qs.filter(Q(findings__icontains=term) | Q(opinions__icontains=term) | Q(subject__icontains=term))
    return qs.select_related("department", "section", "region").order_by("-inspected_on", "-id")


def inspection_get(user: Any, pk: int) -> Inspection:
    return Inspection.objects.select_related("department", "section", "region").get_visible_or_404(user, pk=pk)


def kept_by(user: Any, inspection: Inspection) -> bool:
    """The user's own bureau recorded the row: its staff with `inspection.record` may change it. A city reads its
    counties' checks but does not keep them."""
    membership = getattr(user, "active_membership", None)
    return (
        membership is not None and inspection.region_id == membership.region_id and bool(user.can("inspection.record"))
    )


def departments_to_inspect(user: Any) -> QuerySet[Department]:
    """The 主管部门 (乡镇 included) whose checks the user follows: the region subtree's for the bureau, the 对口 ones
    for a business section; active ones only."""
    return Department.objects.visible_to(user).filter(is_active=True).order_by("region__path", "dept_code")


def departments_to_record(user: Any, keep: int | None = None) -> QuerySet[Department]:
    """Those of `departments_to_inspect` the user's own bureau checks (a city reads its counties' checks; the counties
    record them), plus `keep`, the department of the check being edited, even if it was deactivated since."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return Department.objects.none()
    visible = Department.objects.visible_to(user).filter(region_id=membership.region_id)
    active = Q(is_active=True) | Q(pk=keep) if keep is not None else Q(is_active=True)
    return visible.filter(active).order_by("dept_code")


def current_quarter(today: dt.date | None = None) -> tuple[int, int] | None:
    """(fiscal year, quarter) of today, when today falls in the current 财政年度; None otherwise."""
    year = current_fiscal_year()
    today = today or timezone.localdate()
    if year is None or today.year != year.year:
        return None
    return year.year, (today.month - 1) // 3 + 1


@dataclass
class CoverageRow:
    department: Department
    counts: dict[int, int] = field(default_factory=dict)  # quarter -> checks
    problems: dict[int, int] = field(default_factory=dict)  # quarter -> checks with problems

    @property
    def cells(self) -> list[tuple[int, int, int]]:
        """(quarter, checks, checks with problems) for the four quarters, in order."""
        return [(q, self.counts.get(q, 0), self.problems.get(q, 0)) for q, _label in QUARTERS]


def coverage(user: Any, year: int, departments: list[Department], *, every: bool = False) -> list[CoverageRow]:
    """For each department given (a page of `departments_to_inspect`, or all of them with `every`), its checks and
    those with problems per quarter of the year, read in one grouped query."""
    rows = {d.pk: CoverageRow(d) for d in departments}
    checks = Inspection.objects.visible_to(user).filter(fiscal_year=year)
    if not every:  # a page: its ids; all of them: no list of a province's 20,000 ids, the rows not wanted are skipped
        checks = checks.filter(department_id__in=list(rows))
    grouped = (
        checks.values_list("department_id", "quarter")
        .annotate(n=Count("id"), p=Count("id", filter=~Q(findings="")))
        .order_by()
    )
    for department_id, quarter, n, p in grouped:
        if department_id in rows:
            rows[department_id].counts[quarter] = n
            rows[department_id].problems[quarter] = p
    return list(rows.values())


def coverage_totals(user: Any, year: int) -> list[dict[str, Any]]:
    """Per quarter: departments to inspect, departments checked, checks, checks with problems (of the departments to
    inspect: a deactivated department's checks stay in the list, not in these counts)."""
    departments = departments_to_inspect(user)
    total = departments.count()
    grouped = {
        quarter: (checked, checks, problems)
        for quarter, checked, checks, problems in Inspection.objects.visible_to(user)
        .filter(fiscal_year=year, department__in=departments)
        .values_list("quarter")
        .annotate(
            checked=Count("department", distinct=True),
            checks=Count("id"),
            problems=Count("id", filter=~Q(findings="")),
        )
        .order_by()
    }
    zero = (0, 0, 0)
    return [
        {
            "quarter": q,
            "label": label,
            "departments": total,
            "checked": grouped.get(q, zero)[0],
            "unchecked": total - grouped.get(q, zero)[0],
            "checks": grouped.get(q, zero)[1],
            "problems": grouped.get(q, zero)[2],
        }
        for q, label in QUARTERS
    ]


def inspection_totals(user: Any, year: int) -> dict[str, Any]:
    """The year's checks the user sees (contract for jixiao.reports): {"year", "checks", "departments" (distinct
    departments checked), "with_problems" (checks that found a problem), "by_quarter": {quarter: {"label", "checks",
    "departments"}}} with every quarter present, zeros included."""
    qs = Inspection.objects.visible_to(user).filter(fiscal_year=year)
    totals = qs.aggregate(
        checks=Count("id"),
        departments=Count("department", distinct=True),
        with_problems=Count("id", filter=~Q(findings="")),
    )
    grouped = {
        quarter: (checks, departments)
        for quarter, checks, departments in qs.values_list("quarter")
        .annotate(checks=Count("id"), departments=Count("department", distinct=True))
        .order_by()
    }
    by_quarter = {
        quarter: {
            "label": label,
            "checks": grouped.get(quarter, (0, 0))[0],
            "departments": grouped.get(quarter, (0, 0))[1],
        }
        for quarter, label in QUARTERS
    }
    return {"year": year, **totals, "by_quarter": by_quarter}


def unchecked_departments(user: Any, year: int, quarter: int) -> QuerySet[Department]:
    done = Inspection.objects.visible_to(user).filter(fiscal_year=year, quarter=quarter).values("department_id")
    return departments_to_inspect(user).exclude(pk__in=done)


def inspection_todos(user: Any) -> list[TodoItem]:
    """A business section's 对口 departments not yet checked this quarter (the bureau's other roles follow the
    coverage page instead: the whole region is not one section's list)."""
    membership = getattr(user, "active_membership", None)
    if membership is None or membership.scope_level != ScopeLevel.SECTION or not user.can("inspection.record"):
        return []
    now = current_quarter()
    if now is None:
        return []
    year, quarter = now
    count = unchecked_departments(user, year, quarter).count()
    url = reverse("inspections:coverage") + f"?fiscal_year={year}&quarter={quarter}&unchecked=on"
    label = dict(QUARTERS)[quarter]
    return [TodoItem("绩效运行监控", f"{year}年{label}尚未检查的对口部门", count, url)]
