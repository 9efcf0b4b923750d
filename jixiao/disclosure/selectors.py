"""信息公开 reads: the internal pages (scoped with `visible_to`) and the public site (published snapshots only)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jixiao.core import config_rows
from jixiao.core.errors import DomainError
from jixiao.core.todos import TodoItem
from jixiao.disclosure import snapshots
from jixiao.disclosure.models import (
    OPEN_STATUSES,
    Disclosure,
    DisclosureEvent,
    DisclosureSettings,
    DisclosureStatus,
    ItemType,
    hidden_as_secret_q,
    shown_q,
)
from jixiao.disclosure.workflow import DISCLOSURE_WORKFLOW
from jixiao.organizations.models import Department, FiscalRegion
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget

DEFAULT_DAYS_AFTER_APPROVAL = 20
# The list's status filter value for “不予公开（涉密/敏感）”: both statuses the withheld sentence counts, and the
# published items hidden since by a 涉密 flag (`hidden_as_secret`).
WITHHELD_FILTER = "withheld"
WITHHELD_STATUSES = (DisclosureStatus.EXEMPT_SECRET, DisclosureStatus.EXEMPT_SENSITIVE)
# The shape organizations.models.mof_div_validator accepts (ASCII digits: `\d` would take full-width ones too).
REGION_CODE = re.compile(r"[0-9]{6,9}")
PUBLIC_FIELDS = (
    "id",
    "public_id",
    "item_type",
    "fiscal_year",
    "region_id",
    "department_id",
    "title",
    "status",
    "published_at",
    "snapshot",
    "snapshot_file",
    "snapshot_file_name",
)


# ---- settings ---------------------------------------------------------------------------------------------------


def days_after_approval(region: Any, fiscal_year: int) -> int:
    rows = config_rows.applicable(DisclosureSettings.objects.select_related("region"), region, fiscal_year)
    row = config_rows.most_specific(rows, region, fiscal_year)
    return row.days_after_approval if row is not None else DEFAULT_DAYS_AFTER_APPROVAL


def settings_of_region(region: Any) -> list[DisclosureSettings]:
    """The region's own rows (every year): what the settings form can change, hence its lock token."""
    return list(DisclosureSettings.objects.filter(region=region).order_by("fiscal_year", "pk"))


def settings_rows(region: Any) -> list[DisclosureSettings]:
    """The rows that may apply in the region (national and its own or its ancestors'), least specific first."""
    rows = config_rows.applicable(DisclosureSettings.objects.select_related("region"), region, None, year_field="")
    return config_rows.layered(rows)


# ---- internal pages ---------------------------------------------------------------------------------------------


def overdue_q() -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())


TARGET_TYPES = (ItemType.TARGET_TABLE, ItemType.DEPT_OVERALL_TARGET)


def outdated_q() -> Q:
    """Published target tables whose target had an adjustment approved after publication (its goal_version passed
    the one the snapshot froze): the public still reads the version before the adjustment."""
    adjusted = PerformanceTarget.objects.filter(pk=OuterRef("subject_id"), goal_version__gt=OuterRef("source_version"))
    return Q(Exists(adjusted), item_type__in=TARGET_TYPES, status=DisclosureStatus.PUBLISHED)


def target_version_now(item: Disclosure) -> int | None:
    """The target's goal_version now, for a published target table whose snapshot froze an earlier one; else None."""
    if item.status != DisclosureStatus.PUBLISHED or item.item_type not in TARGET_TYPES:
        return None
    if item.source_version is None or item.subject_id is None:
        return None
    version = PerformanceTarget.objects.filter(pk=item.subject_id).values_list("goal_version", flat=True).first()
    return version if version is not None and version > item.source_version else None


def disclosures_visible(user: Any) -> QuerySet[Disclosure]:
    return Disclosure.objects.visible_to(user).select_related("region", "department", "unit")


def disclosures_filtered(user: Any, params: dict[str, Any]) -> QuerySet[Disclosure]:
    qs = disclosures_visible(user).defer("snapshot")
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    if params.get("item_type"):
        qs = qs.filter(item_type=params["item_type"])
    if params.get("status") == WITHHELD_FILTER:
        qs = qs.filter(Q(status__in=WITHHELD_STATUSES) | hidden_as_secret_q())
    elif params.get("status") == DisclosureStatus.PUBLISHED:
        # 已公开 as the public site and the counts read it: not an item hidden since by a 涉密 flag (under withheld).
        qs = qs.filter(shown_q())
    elif params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("department"):
        qs = qs.filter(department=params["department"])
    if params.get("overdue"):
        qs = qs.filter(overdue_q())
    if params.get("outdated"):
        qs = qs.filter(outdated_q())
    if params.get("q"):
        qs = qs.filter(title__icontains=params["q"])
    qs = qs.annotate(
        is_outdated=ExpressionWrapper(outdated_q(), output_field=BooleanField()),
        is_hidden_secret=ExpressionWrapper(hidden_as_secret_q(), output_field=BooleanField()),
    )
    return qs.order_by("-fiscal_year", "item_type", "department__dept_code", "id")


def disclosure_get(user: Any, pk: Any) -> Disclosure:
    return Disclosure.objects.select_related("region", "department", "unit").get_visible_or_404(user, pk=pk)


def disclosure_events(item: Disclosure) -> QuerySet[DisclosureEvent]:
    return item.events.select_related("actor")


def pending_update(item: Disclosure) -> dict[str, Any] | None:
    """For a published target table whose target was adjusted since: what 更新公开内容 would publish now
    (`preview`) and how it differs from the published table (`changes`, snapshots.target_changes)."""
    if target_version_now(item) is None:
        return None
    try:
        preview = snapshots.preview(item)
    except (ObjectDoesNotExist, DomainError):
        return None
    return {"preview": preview, "changes": snapshots.target_changes(item.snapshot, preview)}


def snapshot_preview(item: Disclosure) -> dict[str, Any] | None:
    """For an item to propose or review (待提交, 待审核): the content publishing would freeze, read from the source
    now, so the proposer and the reviewer see what they decide on; also for an item reopened after a withdrawal, whose
    old snapshot publishing replaces. None in the other states or when the source is gone (publishing then fails
    with its own message)."""
    if item.status not in (DisclosureStatus.PENDING, DisclosureStatus.REVIEW):
        return None
    try:
        return snapshots.preview(item)
    except (ObjectDoesNotExist, DomainError):
        return None


def available_actions(user: Any, item: Disclosure) -> list[Any]:
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return []
    return DISCLOSURE_WORKFLOW.available(item.status, membership.capabilities)


def year_choices(user: Any) -> list[int]:
    years = disclosures_visible(user).order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    return list(years)


def disclosure_summary(user: Any, fiscal_year: int) -> dict[str, Any]:
    """Contract for reports (DIS-1): published per item type, exempt counts (涉密, 敏感, other), open work.

    ``withheld_total`` counts 涉密 and 敏感 only: the “N项涉及涉密及敏感信息，不予公开” figure, by the public site's
    withheld-sentence rule (`withheld_count`): a published item hidden since because its department or unit was
    flagged 涉密 (`hidden_as_secret`, also returned alone as ``hidden_secret``) counts under ``exempt["secret"]``, not
    as published. ``exempt_total`` adds the items withheld for other reasons.
    """
    qs = Disclosure.objects.visible_to(user).filter(fiscal_year=fiscal_year)
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    published = dict(qs.filter(shown_q()).values_list("item_type").annotate(n=Count("id")).order_by())
    hidden = qs.filter(hidden_as_secret_q()).count()
    exempt = {
        "secret": by_status.get(DisclosureStatus.EXEMPT_SECRET, 0) + hidden,
        "sensitive": by_status.get(DisclosureStatus.EXEMPT_SENSITIVE, 0),
        "other": by_status.get(DisclosureStatus.EXEMPT_OTHER, 0),
    }
    return {
        "published": {t: published.get(t, 0) for t in ItemType.values},
        "published_total": sum(published.values()),
        "exempt": exempt,
        "exempt_total": sum(exempt.values()),
        "withheld_total": exempt["secret"] + exempt["sensitive"],
        "hidden_secret": hidden,
        "pending": by_status.get(DisclosureStatus.PENDING, 0),
        "review": by_status.get(DisclosureStatus.REVIEW, 0),
        "withdrawn": by_status.get(DisclosureStatus.WITHDRAWN, 0),
        "overdue": qs.filter(overdue_q()).count(),
        "total": sum(by_status.values()),
    }


def statistics_rows(user: Any, fiscal_year: int) -> list[dict[str, Any]]:
    """One row per item type: total, published, each exemption, open, overdue (one grouped query). A published item
    hidden since by a 涉密 flag counts under 涉密, not 已公开 (`disclosure_summary`)."""
    qs = Disclosure.objects.visible_to(user).filter(fiscal_year=fiscal_year)
    grouped = {
        row["item_type"]: row
        for row in qs.values("item_type")
        .annotate(
            total=Count("id"),
            published=Count("id", filter=shown_q()),
            secret=Count("id", filter=Q(status=DisclosureStatus.EXEMPT_SECRET) | hidden_as_secret_q()),
            sensitive=Count("id", filter=Q(status=DisclosureStatus.EXEMPT_SENSITIVE)),
            other=Count("id", filter=Q(status=DisclosureStatus.EXEMPT_OTHER)),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=overdue_q()),
            withdrawn=Count("id", filter=Q(status=DisclosureStatus.WITHDRAWN)),
        )
        .order_by()
    }
    empty = dict.fromkeys(("total", "published", "secret", "sensitive", "other", "open", "overdue", "withdrawn"), 0)
    return [
        {"item_type": value, "label": label, **{k: grouped.get(value, empty)[k] for k in empty}}
        for value, label in ItemType.choices
    ]


def disclosure_todos(user: Any) -> list[TodoItem]:
    items: list[TodoItem] = []
    if not user.can("disclosure.view"):
        return items
    review = user.can("disclosure.review")
    propose = user.can("disclosure.propose")
    if not (review or propose):
        return items
    # The three counts in one query with conditional aggregates.
    totals = Disclosure.objects.visible_to(user).aggregate(
        review=Count("pk", filter=Q(status=DisclosureStatus.REVIEW)),
        pending=Count("pk", filter=Q(status=DisclosureStatus.PENDING)),
        overdue=Count("pk", filter=overdue_q()),
        outdated=Count("pk", filter=outdated_q()),
    )
    url = reverse("disclosure:list")
    if review:
        hint = "审核通过并公开，或按涉密、敏感等理由不予公开"
        # The 公开审核 queue (its 批量审核通过并公开), not the list filtered to 待审核 (which offers 批量提交 only).
        items.append(TodoItem("信息公开", "待审核的公开事项", totals["review"], reverse("disclosure:review"), hint))
        hint = "公开后绩效目标已调整，核对后“更新公开内容”"
        items.append(TodoItem("信息公开", "目标已调整待更新的公开事项", totals["outdated"], f"{url}?outdated=1", hint))
    if propose:
        hint = "核对公开内容后提交公开，不宜公开的请申请不予公开"
        items.append(TodoItem("信息公开", "待提交的公开事项", totals["pending"], f"{url}?status=pending", hint))
        items.append(TodoItem("信息公开", "已超过公开期限的事项", totals["overdue"], f"{url}?overdue=1", "请尽快办理"))
    return items


# ---- the public site: published snapshots only --------------------------------------------------------------------


def _published() -> QuerySet[Disclosure]:
    return Disclosure.objects.published()


def public_regions() -> list[dict[str, Any]]:
    """Regions with at least one published item, and their years (two queries)."""
    years: dict[int, list[int]] = {}
    for region_id, year in (
        _published().values_list("region_id", "fiscal_year").distinct().order_by("region_id", "-fiscal_year")
    ):
        years.setdefault(region_id, []).append(year)
    regions = FiscalRegion.objects.filter(pk__in=list(years)).order_by("path")
    return [{"code": r.mof_div_code, "name": r.name, "years": years[r.pk]} for r in regions]


def public_region(code: str) -> FiscalRegion:
    """The region, if anything of it is published (otherwise not there: 404). An address whose code is not a
    财政区划编码 (6 to 9 ASCII digits, `mof_div_validator`) is a 404 before any query: a NUL byte in it made
    PostgreSQL refuse the query (a 500 to an anonymous visitor)."""
    if REGION_CODE.fullmatch(code) is None:
        raise Http404
    region = (
        FiscalRegion.objects.filter(mof_div_code=code)
        .filter(Exists(_published().filter(region=OuterRef("pk"))))
        .first()
    )
    if region is None:
        raise Http404
    return region


def public_year_items(region: FiscalRegion, year: int) -> QuerySet[Disclosure]:
    return _published().filter(region=region, fiscal_year=year).only(*PUBLIC_FIELDS)


def public_year_check(region: FiscalRegion, year: int) -> None:
    if not _published().filter(region=region, fiscal_year=year).exists():
        raise Http404


def public_items(region: FiscalRegion, year: int, item_types: tuple[str, ...]) -> QuerySet[Disclosure]:
    return public_year_items(region, year).filter(item_type__in=item_types).order_by("department_id", "title", "id")


def public_search(
    region: FiscalRegion, year: int, item_types: tuple[str, ...], *, q: str = "", department_id: int | None = None
) -> QuerySet[Disclosure]:
    """A public list with its filters: published items only (`public_items`), of one 主管部门, and/or whose name,
    unit, 主管部门 or project code contains `q` (the `search_text` written at publish time; never the snapshot).

    The rows are one index range of (region, fiscal_year, status, item_type): the filters narrow that range, they
    never widen it, so a search costs what the plain list costs (the page and its count)."""
    qs = public_items(region, year, item_types)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if q:
        qs = qs.filter(search_text__icontains=q)
    return qs


def public_years(region: FiscalRegion) -> list[int]:
    """The region's years with anything published, newest first (the 年度 select; one query)."""
    years = _published().filter(region=region).order_by("-fiscal_year").values_list("fiscal_year", flat=True)
    return list(years.distinct())


def public_departments(region: FiscalRegion, year: int, item_types: tuple[str, ...]) -> list[tuple[int, str]]:
    """The 主管部门 with a published item of these types in the region and year (the 主管部门 select; one query),
    not every department of the region."""
    ids = public_year_items(region, year).filter(item_type__in=item_types, department__isnull=False)
    departments = Department.objects.filter(pk__in=ids.values("department_id")).order_by("dept_code", "pk")
    return list(departments.values_list("pk", "name"))


def public_counts(region: FiscalRegion, year: int) -> dict[str, int]:
    rows = public_year_items(region, year).values_list("item_type").annotate(n=Count("id")).order_by()
    return dict(rows)


def public_item(region: FiscalRegion, year: int, public_id: Any) -> Disclosure:
    try:
        return public_year_items(region, year).get(public_id=public_id)
    except (Disclosure.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def withheld_count(region: FiscalRegion, year: int) -> int:
    """Items withheld for 涉密 or 敏感 content: the number in “N个项目报告涉及涉密及敏感信息，不予公开”. A published
    item hidden since because its department or unit was flagged 涉密 afterwards counts as one never published for
    that reason (`DisclosureQuerySet.hidden_as_secret`)."""
    items = Disclosure.objects.filter(region=region, fiscal_year=year)
    exempt = items.filter(is_deleted=False, status__in=WITHHELD_STATUSES)
    return exempt.count() + items.hidden_as_secret().count()


def public_snapshot(item: Disclosure) -> Disclosure:
    """The item as the public may read it now. A 涉农整合资金项目公告 froze its project list when it was published: a
    project whose 主管部门 or 单位 has been flagged 涉密 since leaves the list, and the notice's count and totals
    are those of the projects still listed (so no sum gives the hidden amounts away), as `agri_fund_projects` leaves
    them out of a notice published now. Changed in memory only; the stored snapshot stays as published."""
    if item.item_type != ItemType.AGRI_FUND_NOTICE:
        return item
    listed = (item.snapshot or {}).get("projects") or []
    codes = [str(p.get("project_code", "")) for p in listed]
    secret = set(
        Project.objects.filter(region_id=item.region_id, fiscal_year=item.fiscal_year, code__in=codes)
        .filter(Q(department__is_secret=True) | Q(unit__is_secret=True))
        .values_list("code", flat=True)
    )
    if not secret:
        return item
    kept = [p for p in listed if str(p.get("project_code", "")) not in secret]
    item.snapshot = {
        **item.snapshot,
        "projects": kept,
        "count": len(kept),
        "rural_link_count": sum(1 for p in kept if p.get("is_rural_link")),
        "total_yuan": snapshots.money_total(p.get("total_yuan") for p in kept),
        "fiscal_yuan": snapshots.money_total(p.get("fiscal_yuan") for p in kept),
    }
    return item


def user_region(user: Any) -> FiscalRegion:
    return user.active_membership.region  # type: ignore[no-any-return]
