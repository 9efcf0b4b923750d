"""Reads of the indicator library. Every user-facing query starts from `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse

from jixiao.core import config_rows
from jixiao.core.models import AuditEvent
from jixiao.core.numbers import id_or_none, is_digits
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem
from jixiao.indicators.models import (
    DEFAULT_FRAMEWORK_CODE,
    FrameworkChoice,
    FrameworkNode,
    IndicatorCategory,
    IndicatorFramework,
    IndicatorHistoricalValue,
    IndicatorItemEvent,
    IndicatorLibraryItem,
    ItemStatus,
)
from jixiao.indicators.workflow import INDICATOR_WORKFLOW, PROPOSER_TODO_STATES
from jixiao.organizations.models import FiscalRegion

SEARCH_LIMIT = 20
ITEM_RELATIONS = ("category", "lv1", "lv2", "framework", "department", "region")


# --- library items -------------------------------------------------------------------------------


def items_visible(user: Any) -> QuerySet[IndicatorLibraryItem]:
    return IndicatorLibraryItem.objects.visible_to(user).select_related(*ITEM_RELATIONS)


def item_get(user: Any, pk: Any) -> IndicatorLibraryItem:
    """A visible item or 404: another department's proposal does not exist for this user."""
    return IndicatorLibraryItem.objects.select_related(*ITEM_RELATIONS).get_visible_or_404(user, pk=pk)


def item_is_visible(user: Any, item: IndicatorLibraryItem) -> bool:
    return IndicatorLibraryItem.objects.visible_to(user).filter(pk=item.pk).exists()


def may_see_unapproved(user: Any) -> bool:
    """Whether the user can see anything but approved items (and so filter by status)."""
    return any(user.can(c) for c in ("indicator.approve", "indicator.review", "indicator.propose"))


def items_search(
    user: Any, query: str, *, lv1: str = "", lv2: str = "", framework: str = "", limit: int = SEARCH_LIMIT
) -> QuerySet[IndicatorLibraryItem]:
    """Approved items for search-as-you-type: names starting with the text first, then core indicators."""
    qs = items_visible(user).filter(status=ItemStatus.APPROVED)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(explanation__icontains=query) | Q(unit__icontains=query))
    qs = filter_by_node(qs, "lv1", lv1)
    qs = filter_by_node(qs, "lv2", lv2)
    if framework:
        qs = qs.filter(framework__code=framework)
    rank = Case(
        When(name__startswith=query, then=Value(0)),
        When(name__icontains=query, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank).order_by("rank", "-is_core", "-is_common", "name", "id")[:limit]


def filter_by_node(qs: QuerySet[IndicatorLibraryItem], field: str, value: str) -> QuerySet[IndicatorLibraryItem]:
    """`lv1`/`lv2` given as a node id or as a name ("产出指标" matches it in every framework). Digits beyond any id
    (too large for the database to bind) name no node: no rows."""
    value = (value or "").strip()
    if not value:
        return qs
    if is_digits(value):
        node_id = id_or_none(value)
        return qs.filter(**{f"{field}_id": node_id}) if node_id is not None else qs.none()
    return qs.filter(**{f"{field}__name": value})


def proposals_for(user: Any, status: str = "") -> QuerySet[IndicatorLibraryItem]:
    """Items proposed by the user's own department, newest first; `status` (a status value) keeps one status, as the
    待办 line that links here counts it."""
    membership = user.active_membership
    department_id = _membership_department_id(membership)
    if department_id is None:
        return IndicatorLibraryItem.objects.none()
    qs = items_visible(user).filter(department_id=department_id)
    if status in ItemStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-id")


def _membership_department_id(membership: Any) -> int | None:
    if membership is None:
        return None
    if membership.scope_level == ScopeLevel.DEPARTMENT:
        return membership.department_id  # type: ignore[no-any-return]
    if membership.scope_level == ScopeLevel.UNIT and membership.unit_id:
        return membership.unit.department_id  # type: ignore[no-any-return]
    return None


def proposing_department_id(user: Any) -> int | None:
    return _membership_department_id(user.active_membership)


def manages_item(user: Any, item: IndicatorLibraryItem) -> bool:
    """Performance sections manage their region's subtree; shared items belong to the top region's section."""
    membership = user.active_membership
    if membership is None or not membership.can("indicator.manage"):
        return False
    if item.region_id is None:
        return membership.region.parent_id is None  # type: ignore[no-any-return]
    return bool(item.region.path.startswith(membership.region.path))  # type: ignore[union-attr]


def items_by_code(codes: set[str]) -> dict[str, IndicatorLibraryItem]:
    """Items with these codes in every region (codes are unique system-wide), for import matching."""
    qs = IndicatorLibraryItem.objects.filter(code__in=codes, is_deleted=False).select_related("region")
    return {item.code: item for item in qs}


def next_item_code(category: IndicatorCategory) -> str:
    """`<category code>-<nnn>`, after the highest number used in the category."""
    prefix = f"{category.code}-"
    numbers = [
        int(suffix)
        for suffix in (
            code[len(prefix) :]
            for code in IndicatorLibraryItem.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        )
        if is_digits(suffix)
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def duplicate_name_exists(user: Any, name: str, lv2: FrameworkNode, exclude_pk: int | None = None) -> bool:
    """An approved indicator of the same name under the same 二级 indicator that the user can already pick."""
    qs = IndicatorLibraryItem.objects.visible_to(user).filter(name=name.strip(), lv2=lv2, status=ItemStatus.APPROVED)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def pending_proposal(department_id: int, name: str, lv2: FrameworkNode) -> IndicatorLibraryItem | None:
    """The department's proposal of the same name under the same 二级 indicator not yet approved (草稿, 待审核,
    业务股室已初审 or 被退回), if any."""
    pending = (ItemStatus.DRAFT, ItemStatus.SUBMITTED, ItemStatus.REVIEWED, ItemStatus.RETURNED)
    return (
        IndicatorLibraryItem.objects.filter(department_id=department_id, name=name.strip(), lv2=lv2, status__in=pending)
        .order_by("pk")
        .first()
    )


def code_taken(code: str, exclude_pk: int | None = None) -> bool:
    qs = IndicatorLibraryItem.objects.filter(code=code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def item_events(item: IndicatorLibraryItem) -> QuerySet[IndicatorItemEvent]:
    return item.events.select_related("actor")


def item_audit_trail(item: IndicatorLibraryItem, user: Any = None) -> QuerySet[AuditEvent]:
    """The item's own events and, for `user`, those of the 历史值 rows it sees (each recorded on its row, so the trail
    names their fields: 实际完成值, 说明)."""
    own = Q(object_type="indicators.indicatorlibraryitem", object_id=str(item.pk))
    if user is None:
        return AuditEvent.objects.filter(own)
    rows = [str(pk) for pk in historical_values(user, item).values_list("pk", flat=True)]
    return AuditEvent.objects.filter(own | Q(object_type="indicators.indicatorhistoricalvalue", object_id__in=rows))


def historical_values(user: Any, item: IndicatorLibraryItem) -> QuerySet[IndicatorHistoricalValue]:
    """Achieved values of the user's region, its ancestors and its subtree."""
    membership = user.active_membership
    if membership is None:
        return IndicatorHistoricalValue.objects.none()
    path = membership.region.path
    ancestors = [code for code in path.split("/") if code]
    return (
        item.historical_values.filter(is_deleted=False)
        .filter(Q(region__mof_div_code__in=ancestors) | Q(region__path__startswith=path))
        .select_related("region")
        .order_by("-fiscal_year", "region__path")
    )


# --- frameworks and categories -------------------------------------------------------------------


def frameworks() -> QuerySet[IndicatorFramework]:
    nodes = Prefetch("nodes", queryset=FrameworkNode.objects.select_related("parent").order_by("level", "order"))
    return IndicatorFramework.objects.filter(is_active=True).prefetch_related(nodes)


def framework_by_code(code: str) -> IndicatorFramework | None:
    return IndicatorFramework.objects.filter(code=code).first()


def framework_for(region: FiscalRegion | None, fiscal_year: int) -> IndicatorFramework:
    """The framework a region uses in a year: the most specific region's latest choice that has started,
    falling back to the national default (2015_88)."""
    choices = config_rows.applicable(
        FrameworkChoice.objects.filter(effective_from_year__lte=fiscal_year, framework__is_active=True),
        region,
        None,
    ).select_related("framework", "region")
    best = max(
        choices, key=lambda c: (len(c.region.path) if c.region is not None else 0, c.effective_from_year), default=None
    )
    if best is not None:
        return best.framework
    return IndicatorFramework.objects.get(code=DEFAULT_FRAMEWORK_CODE)


def framework_choices(user: Any) -> QuerySet[FrameworkChoice]:
    membership = user.active_membership
    if membership is None:
        return FrameworkChoice.objects.none()
    codes = [code for code in membership.region.path.split("/") if code]
    return (
        FrameworkChoice.objects.filter(Q(region__isnull=True) | Q(region__mof_div_code__in=codes))
        .select_related("framework", "region")
        .order_by("-effective_from_year", "id")
    )


def node_names(level: int) -> list[str]:
    """Distinct 一级 or 二级 names over the active frameworks, in framework order (for filters)."""
    names = (
        FrameworkNode.objects.filter(level=level, framework__is_active=True)
        .order_by("framework__order", "order")
        .values_list("name", flat=True)
    )
    return list(dict.fromkeys(names))


def nodes_of(framework: IndicatorFramework) -> dict[tuple[int, str], FrameworkNode]:
    """A framework's nodes keyed by (level, name)."""
    return {(n.level, n.name): n for n in FrameworkNode.objects.filter(framework=framework)}


def lv1_nodes() -> QuerySet[FrameworkNode]:
    return (
        FrameworkNode.objects.filter(level=1, framework__is_active=True)
        .select_related("framework")
        .order_by("framework__order", "order")
    )


def lv2_nodes() -> QuerySet[FrameworkNode]:
    return (
        FrameworkNode.objects.filter(level=2, framework__is_active=True)
        .select_related("framework", "parent")
        .order_by("framework__order", "parent__order", "order")
    )


@dataclass(frozen=True)
class CategoryOption:
    category: IndicatorCategory
    depth: int

    @property
    def label(self) -> str:
        return ("\u3000" * self.depth) + self.category.name


def categories() -> QuerySet[IndicatorCategory]:
    return IndicatorCategory.objects.order_by("code")


def category_tree() -> list[CategoryOption]:
    """Categories in code order with their depth: codes grow by two digits per level."""
    rows = list(categories())
    roots = min((len(c.code) for c in rows), default=2)
    return [CategoryOption(c, max(0, (len(c.code) - roots) // 2)) for c in rows]


def categories_by_code() -> dict[str, IndicatorCategory]:
    return {c.code: c for c in categories()}


# --- home page to-do list ------------------------------------------------------------------------


PROPOSER_TODO_HINTS = {ItemStatus.DRAFT: "请完善后提交审核", ItemStatus.RETURNED: "请按审核意见修改后重新提交"}


def indicator_todos(user: Any) -> list[TodoItem]:
    membership = user.active_membership
    if membership is None or not membership.can("indicator.view"):
        return []
    if not may_see_unapproved(user):
        return []
    counts = dict(
        IndicatorLibraryItem.objects.visible_to(user)
        .exclude(status=ItemStatus.APPROVED)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    items: list[TodoItem] = []
    if membership.can("indicator.propose"):
        url = reverse("indicators:proposals")
        for draft_status in PROPOSER_TODO_STATES:
            label = ItemStatus(draft_status).label
            hint = PROPOSER_TODO_HINTS[draft_status]
            link = f"{url}?status={draft_status}"  # the list of what the line counts
            items.append(TodoItem("指标库", f"指标申报{label}", counts.get(draft_status, 0), link, hint))
    for capability in ("indicator.review", "indicator.approve"):
        if membership.can(capability):
            url = reverse("indicators:library_list")
            for status in INDICATOR_WORKFLOW.states_awaiting(capability):
                label = ItemStatus(status).label
                items.append(
                    TodoItem("指标库", f"新增指标{label}", counts.get(status, 0), f"{url}?status={status}", "待审核")
                )
    return items


def available_actions(user: Any, item: IndicatorLibraryItem) -> list[Any]:
    """Workflow buttons for this user on this item: proposer steps only for the proposing department,
    disable/enable only for the section that manages the item."""
    membership = user.active_membership
    if membership is None:
        return []
    own = item.department_id is not None and item.department_id == proposing_department_id(user)
    manages = manages_item(user, item)
    return [
        t
        for t in INDICATOR_WORKFLOW.available(item.status, membership.capabilities)
        if (t.capability != "indicator.propose" or own) and (t.capability != "indicator.manage" or manages)
    ]
