"""Organisation reads. Every user-facing query starts from `visible_to(user)`; a miss is a 404 for the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Exists, IntegerField, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from jixiao.core.scoping import ScopeLevel
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear

# ---------------------------------------------------------------- regions and sections


def actor_region(user: Any) -> FiscalRegion | None:
    """The region the user acts in (their active membership's region)."""
    membership = getattr(user, "active_membership", None)
    return membership.region if membership is not None else None


def regions_visible(user: Any) -> QuerySet[FiscalRegion]:
    return FiscalRegion.objects.visible_to(user).select_related("parent")


def region_get(user: Any, pk: Any) -> FiscalRegion:
    return FiscalRegion.objects.select_related("parent").get_visible_or_404(user, pk=pk)


def region_rows(user: Any) -> list[dict[str, Any]]:
    """Visible regions in tree order with their depth below the user's own region (one query)."""
    regions = list(regions_visible(user).order_by("path"))
    if not regions:
        return []
    top = min(r.path.count("/") for r in regions)
    return [{"region": r, "depth": r.path.count("/") - top} for r in regions]


def spans_counties(user: Any) -> bool:
    """Whether the user sees the rows of several counties (a city's or the province's bureau, leaders and readers):
    their lists then name each row's 财政区划 and can be filtered by it; a county's users see one region."""
    membership = getattr(user, "active_membership", None)
    return (
        membership is not None
        and membership.scope_level == ScopeLevel.REGION
        and membership.region.level in (FiscalRegion.Level.PROVINCE, FiscalRegion.Level.CITY)
    )


def region_filter_choices(user: Any) -> QuerySet[FiscalRegion]:
    """The cities and counties under a multi-county user's own region, in tree order (a province: ~200 rows)."""
    membership = getattr(user, "active_membership", None)
    if membership is None or not spans_counties(user):
        return FiscalRegion.objects.none()
    return (
        FiscalRegion.objects.filter(
            path__startswith=membership.region.path, level__in=(FiscalRegion.Level.CITY, FiscalRegion.Level.COUNTY)
        )
        .exclude(pk=membership.region.pk)
        .order_by("path")
    )


def in_region(rows: QuerySet[Any], region: FiscalRegion | None, path_field: str = "region__path") -> QuerySet[Any]:
    """`rows` of `region` and every region under it (a list's 财政区划 filter; None: all)."""
    return rows.filter(**{f"{path_field}__startswith": region.path}) if region is not None else rows


def region_names(user: Any) -> dict[int, str]:
    """Id → name of the regions of a multi-county user's subtree (a province: ~200), for the lists' 财政区划 column;
    empty for everyone else."""
    membership = getattr(user, "active_membership", None)
    if membership is None or not spans_counties(user):
        return {}
    return dict(FiscalRegion.objects.filter(path__startswith=membership.region.path).values_list("pk", "name"))


def region_subtree(region: FiscalRegion) -> QuerySet[FiscalRegion]:
    return FiscalRegion.objects.filter(path__startswith=region.path)


def sections_visible(user: Any) -> QuerySet[FinanceSection]:
    membership = user.active_membership
    if membership is None or not membership.can("org.view"):
        return FinanceSection.objects.none()
    return FinanceSection.objects.filter(region__path__startswith=membership.region.path).select_related("region")


def sections_with_departments(user: Any, region: FiscalRegion | None = None) -> QuerySet[FinanceSection]:
    """Sections with the departments each is 对口 for, limited to the departments the user may see, optionally of
    one region's finance bureau (`section_regions`)."""
    departments = Department.objects.visible_to(user).order_by("dept_code")
    sections = sections_visible(user)
    if region is not None:
        sections = sections.filter(region=region)
    # Whether the section is 对口 for any department at all: a department's user sees only its own, and a section
    # serving only others is not 未分配.
    assigned = Exists(Department.objects.filter(finance_section=OuterRef("pk")))
    return (
        sections.annotate(has_departments=assigned)
        .order_by("region__path", "sort", "code")
        .prefetch_related(Prefetch("departments", queryset=departments, to_attr="visible_departments"))
    )


def section_regions(user: Any) -> list[FiscalRegion]:
    """The regions whose finance bureau's sections the user sees. A province has 200 bureaus with 1,000 sections
    and 20,000 对口 departments (2.4 MB on one page): 财政区划与股室 shows one bureau at a time (`pick_region`)."""
    return list(FiscalRegion.objects.filter(pk__in=sections_visible(user).values("region_id")).order_by("path"))


def section_get(user: Any, pk: Any) -> FinanceSection:
    try:
        return sections_visible(user).get(pk=pk)
    except (FinanceSection.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def business_sections(region: FiscalRegion | None) -> QuerySet[FinanceSection]:
    if region is None:
        return FinanceSection.objects.none()
    return FinanceSection.objects.filter(region=region, kind=FinanceSection.Kind.BUSINESS).order_by("sort", "code")


def section_choices_for_filter(user: Any) -> QuerySet[FinanceSection]:
    return sections_visible(user).filter(kind=FinanceSection.Kind.BUSINESS)


# ---------------------------------------------------------------- departments


def _visible_unit_count(user: Any) -> Coalesce:
    """Each department's units the user can see (a unit user's department shows its own subtree, not the rest).

    A correlated subquery, not a join grouped by department: with a page's LIMIT, PostgreSQL counts the units of
    the 20 rows shown after the sort, where the grouped join counted the province's 80,000 units to show 20
    departments."""
    units = (
        BudgetUnit.objects.visible_to(user)
        .filter(department=OuterRef("pk"))
        .order_by()
        .values("department")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(units, output_field=IntegerField()), 0)


def departments_visible(user: Any) -> QuerySet[Department]:
    return (
        Department.objects.visible_to(user)
        .select_related("region", "finance_section")
        .annotate(unit_count=_visible_unit_count(user))
        .order_by("region__path", "dept_code")
    )


def department_get(user: Any, pk: Any) -> Department:
    return Department.objects.select_related("region", "finance_section").get_visible_or_404(user, pk=pk)


def department_choices(user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).order_by("dept_code")


def department_units(user: Any, department: Department) -> QuerySet[BudgetUnit]:
    return BudgetUnit.objects.visible_to(user).filter(department=department).select_related("parent").order_by("path")


# ---------------------------------------------------------------- units


def units_visible(user: Any) -> QuerySet[BudgetUnit]:
    return (
        BudgetUnit.objects.visible_to(user)
        .select_related("region", "department", "parent")
        .order_by("department__dept_code", "path")
    )


def unit_get(user: Any, pk: Any) -> BudgetUnit:
    return BudgetUnit.objects.select_related("region", "department", "parent").get_visible_or_404(user, pk=pk)


def unit_children(user: Any, unit: BudgetUnit) -> QuerySet[BudgetUnit]:
    return BudgetUnit.objects.visible_to(user).filter(parent=unit).order_by("agency_code")


# A unit that may be a parent: not third-level (a third-level unit has no units under it).
MAY_BE_PARENT = Q(level__lt=BudgetUnit.Level.THIRD)


def unit_parent_choices(user: Any, unit: BudgetUnit | None = None) -> QuerySet[BudgetUnit]:
    """Units that may be a parent: visible, not third-level, and not the unit itself or one of its descendants."""
    qs = (
        BudgetUnit.objects.visible_to(user)
        .filter(MAY_BE_PARENT)
        .select_related("department")
        .order_by("department__dept_code", "path")
    )
    if unit is not None and unit.pk:
        qs = qs.exclude(path__startswith=unit.path)
    return qs


def units_by_region(region_ids: list[int]) -> dict[int, dict[str, BudgetUnit]]:
    """All units of the regions, per region by code (codes are unique per region), for import resolution: one query
    for a city's file naming its twenty counties."""
    found: dict[int, dict[str, BudgetUnit]] = {pk: {} for pk in region_ids}
    for unit in BudgetUnit.objects.filter(region_id__in=region_ids).select_related("department"):
        found[unit.region_id][unit.agency_code] = unit
    return found


def departments_by_region(user: Any, region_ids: list[int]) -> dict[int, dict[str, Department]]:
    """The visible departments of the regions, per region by code (one query)."""
    found: dict[int, dict[str, Department]] = {pk: {} for pk in region_ids}
    for department in Department.objects.visible_to(user).filter(region_id__in=region_ids):
        found[department.region_id][department.dept_code] = department
    return found


def visible_unit_ids(user: Any, region_ids: list[int]) -> set[int]:
    return set(BudgetUnit.objects.visible_to(user).filter(region_id__in=region_ids).values_list("pk", flat=True))


def regions_under_by_code(region: FiscalRegion, codes: set[str]) -> dict[str, FiscalRegion]:
    """The regions of `codes` that are `region` or under it (their path under its path), by code: one query."""
    return {r.mof_div_code: r for r in region_subtree(region).filter(mof_div_code__in=codes)}


def _unit_business_models() -> list[type[Model]]:
    """Every model whose rows name a 预算单位 and copy its 主管部门 (projects, targets, monitoring records,
    self-evaluations, …), found from the foreign keys so a new stage's rows are counted too. Memberships (a login's
    scope follows the unit itself) and the unit tree are not business rows."""
    found = []
    for model in apps.get_models():
        if model is BudgetUnit or model._meta.label == "accounts.Membership":
            continue
        targets = {
            f.related_model for f in model._meta.concrete_fields if f.many_to_one and f.name in ("unit", "department")
        }
        if {BudgetUnit, Department} <= targets:
            found.append(model)
    return found


def unit_business_rows(unit: BudgetUnit) -> list[tuple[str, int]]:
    """(row kind, count) of the business rows of the unit and its lower units, for the department-change check:
    those rows keep the department they were made under, and every scope reads a row's own department."""
    counts = []
    for model in _unit_business_models():
        count = model._base_manager.filter(unit__path__startswith=unit.path).count()  # type: ignore[misc]
        if count:
            counts.append((str(model._meta.verbose_name), count))
    return counts


# ---------------------------------------------------------------- fiscal years


def fiscal_years() -> QuerySet[FiscalYear]:
    return FiscalYear.objects.all()


def fiscal_year_get(year: Any) -> FiscalYear:
    try:
        return FiscalYear.objects.get(pk=year)
    except (FiscalYear.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def current_fiscal_year() -> FiscalYear | None:
    return FiscalYear.objects.filter(is_current=True).first()


def fiscal_year_manager_region() -> FiscalRegion | None:
    """The region whose finance bureau sets the fiscal years: the lowest region at or above every region that has
    股室 (a finance bureau). Years hold for every region of the system, so a county under a province bureau does
    not set them; a county deployment whose province and city rows carry no bureau (the demo) sets its own. None
    when no bureau exists yet, or when the bureaus share no region above them."""
    paths = {
        tuple(path.rstrip("/").split("/")) for path in FinanceSection.objects.values_list("region__path", flat=True)
    }
    if not paths:
        return None
    common: list[str] = []
    for codes in zip(*paths, strict=False):
        if len(set(codes)) > 1:
            break
        common.append(codes[0])
    return FiscalRegion.objects.filter(path="".join(f"{code}/" for code in common)).first() if common else None


def manages_fiscal_years(user: Any) -> bool:
    """Whether the user may add, open, close or switch fiscal years: the capability, held in a region whose
    subtree holds every finance bureau of the system (`fiscal_year_manager_region` or above it)."""
    membership = getattr(user, "active_membership", None)
    if membership is None or not membership.can("fiscal_year.manage"):
        return False
    outside = FinanceSection.objects.exclude(region__path__startswith=membership.region.path)
    return not outside.exists()


# ---------------------------------------------------------------- the unit tree


@dataclass
class UnitNode:
    unit: BudgetUnit
    children: list[UnitNode] = field(default_factory=list)
    matched: bool = False

    @property
    def descendant_count(self) -> int:
        return sum(1 + child.descendant_count for child in self.children)


@dataclass
class DepartmentNode:
    department: Department
    units: list[UnitNode]
    unit_count: int
    matched: bool = False


def _contains(query: str, *values: str) -> bool:
    return any(query in value.lower() for value in values)


def _prune(node: UnitNode, query: str) -> UnitNode | None:
    """Keep a node when it or a descendant matches the query (so the path to every match stays visible)."""
    kept = [child for child in (_prune(c, query) for c in node.children) if child is not None]
    matched = _contains(query, node.unit.name, node.unit.agency_code)
    if not matched and not kept:
        return None
    return UnitNode(unit=node.unit, children=kept, matched=matched)


def department_regions(user: Any) -> list[FiscalRegion]:
    """The regions whose 主管部门 the user sees (one for county users; a city's or province's counties). Pages that
    list departments show a user above county level one county at a time, chosen from these (`pick_region`)."""
    with_departments = Department.objects.visible_to(user).values("region_id")
    return list(FiscalRegion.objects.filter(pk__in=with_departments).order_by("path"))


def pick_region(regions: list[FiscalRegion], wanted: str) -> FiscalRegion | None:
    """The region a department page shows: None when the user sees one region (all of it), else the requested one
    of `regions` (an id outside them falls back to the first)."""
    if len(regions) <= 1:
        return None
    return next((region for region in regions if str(region.pk) == wanted), regions[0])


def unit_tree(user: Any, query: str = "", region: FiscalRegion | None = None) -> list[DepartmentNode]:
    """Departments with their units nested by parent, optionally of one region and filtered by name/code: two
    queries, no N+1. A province user's tree is drawn one county at a time (`department_regions`): 80,000 units on one
    page would be 20 MB of HTML."""
    departments_qs = Department.objects.visible_to(user)
    units_qs = BudgetUnit.objects.visible_to(user)
    if region is not None:
        departments_qs, units_qs = departments_qs.filter(region=region), units_qs.filter(region=region)
    departments = list(departments_qs.select_related("finance_section").order_by("region__path", "dept_code"))
    units = list(units_qs.order_by("path"))
    children: dict[int | None, list[BudgetUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    def node(unit: BudgetUnit) -> UnitNode:
        return UnitNode(unit=unit, children=[node(c) for c in children.get(unit.pk, [])])

    # A unit whose parent is out of scope (a unit user's own unit) is a root of the visible tree.
    visible_ids = {u.pk for u in units}
    roots: dict[int, list[UnitNode]] = {}
    counts: dict[int, int] = {}
    for unit in units:
        counts[unit.department_id] = counts.get(unit.department_id, 0) + 1
        if unit.parent_id is None or unit.parent_id not in visible_ids:
            roots.setdefault(unit.department_id, []).append(node(unit))

    query = query.strip().lower()
    result: list[DepartmentNode] = []
    for department in departments:
        nodes = roots.get(department.pk, [])
        matched = bool(query) and _contains(query, department.name, department.dept_code)
        if query and not matched:
            nodes = [n for n in (_prune(n, query) for n in nodes) if n is not None]
            if not nodes:
                continue
        result.append(DepartmentNode(department, nodes, counts.get(department.pk, 0), matched))
    return result


# ---------------------------------------------------------------- search-as-you-type for list filters

AUTOCOMPLETE_LIMIT = 20


def departments_search(user: Any, query: str, *, limit: int = AUTOCOMPLETE_LIMIT) -> list[dict[str, Any]]:
    """The first visible 主管部门 whose name contains, or whose code starts with, the query."""
    qs = Department.objects.visible_to(user)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(dept_code__startswith=query))
    rows = qs.order_by("region__path", "dept_code").values_list("pk", "name", "dept_code", "region__name")[:limit]
    return [{"id": pk, "text": name, "hint": f"{code} · {region}"} for pk, name, code, region in rows]


def sections_search(user: Any, query: str, *, limit: int = AUTOCOMPLETE_LIMIT) -> list[dict[str, Any]]:
    """The first visible 业务股室 whose name contains, or whose code starts with, the query (a province's finance
    bureaus have 1,000 of them, most named alike: the hint names the bureau)."""
    qs = section_choices_for_filter(user)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__startswith=query) | Q(region__name__icontains=query))
    rows = qs.order_by("region__path", "sort", "code").values_list("pk", "name", "code", "region__name")[:limit]
    return [{"id": pk, "text": name, "hint": f"{code} · {region}财政局"} for pk, name, code, region in rows]


def units_search(
    user: Any,
    query: str,
    *,
    department_id: int | None = None,
    parents_only: bool = False,
    limit: int = AUTOCOMPLETE_LIMIT,
) -> list[dict[str, Any]]:
    """The first visible 预算单位 whose name contains, or whose code starts with, the query; `parents_only`: those
    that may be a parent (the 上级单位 box)."""
    qs = BudgetUnit.objects.visible_to(user)
    if parents_only:
        qs = qs.filter(MAY_BE_PARENT)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(agency_code__startswith=query))
    if department_id:
        qs = qs.filter(department_id=department_id)
    rows = qs.order_by("region__path", "path").values_list("pk", "name", "agency_code", "department__name")[:limit]
    return [{"id": pk, "text": name, "hint": f"{code} · {dept}"} for pk, name, code, dept in rows]
