from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from jixiao.accounts.capabilities import THREE_ADMINS
from jixiao.accounts.columns import GrantImportRow
from jixiao.accounts.models import LoginLock, Membership, User
from jixiao.core.models import AuditEvent
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion


def users_for_admin(*, actor: Any, search: str = "") -> QuerySet[User]:
    """Accounts an administrator manages: those with a role (held or revoked) in the administrator's region subtree,
    and accounts without any role yet that were opened in that subtree (`User.home_region`). A top-level
    administrator (a region without a parent) also manages role-less accounts whose opening is not recorded.

    The one definition of "the administrator's users": the user list, 重置密码, 停用/启用, the 授予角色 form's
    choices, 批量授权 and the login locks all read it, so a user outside it is a 404 everywhere."""
    region = actor.active_membership.region
    any_role = Membership.objects.filter(user=OuterRef("pk"))
    in_region = Membership.objects.filter(region__path__startswith=region.path).values("user_id")
    opened_here = Q(home_region__path__startswith=region.path)
    if region.parent_id is None:
        opened_here |= Q(home_region__isnull=True)
    admin_roles = Membership.objects.filter(user=OuterRef("pk"), is_active=True, role__in=list(THREE_ADMINS))
    qs = (
        User.objects.filter(Q(pk__in=in_region) | (~Exists(any_role) & opened_here))
        .annotate(holds_admin_role=Exists(admin_roles))
        .order_by("username")
    )
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    return qs


def users_search(*, actor: Any, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """The first active accounts the administrator manages whose 用户名 or 姓名 contains the query: the search box of
    角色授权's 用户 field."""
    rows = users_for_admin(actor=actor, search=query.strip()).filter(is_active=True)
    return [
        {"id": pk, "text": name or username, "hint": username}
        for pk, username, name in rows.values_list("pk", "username", "display_name")[:limit]
    ]


def login_locks_for_admin(*, actor: Any) -> QuerySet[LoginLock]:
    """Login locks a security administrator sees and lifts: those of the accounts they manage, and those of names
    no account has (failed logins under a mistyped or made-up name: they name nobody). The lock of another region's
    account is not theirs (404), like the account itself. Locks are keyed by the lower-cased name."""
    managed = users_for_admin(actor=actor).annotate(lower=Lower("username")).values("lower")
    accounts = User.objects.annotate(lower=Lower("username")).values("lower")
    return LoginLock.objects.filter(Q(username__in=managed) | ~Q(username__in=accounts))


def memberships_for_admin(*, actor: Any, search: str = "") -> QuerySet[Membership]:
    qs = (
        Membership.objects.filter(region__path__startswith=actor.active_membership.region.path)
        .select_related("user", "region", "section", "department", "unit")
        .order_by("user__username", "id")
    )
    if search:
        qs = qs.filter(user__username__icontains=search) | qs.filter(user__display_name__icontains=search)
    return qs


def audit_events(*, actor: Any, filters: dict[str, str]) -> QuerySet[AuditEvent]:
    """The audit trail an audit administrator reads: a top-level region's (a region without a parent) reads all of
    it; a lower region's reads what was done in its region subtree, and of the records that name no region (written
    before records carried one) those of the accounts it manages (`users_for_admin`)."""
    qs = AuditEvent.objects.all()
    region = actor.active_membership.region
    if region.parent_id is not None:
        managed = users_for_admin(actor=actor).values("pk")
        qs = qs.filter(Q(region_path__startswith=region.path) | Q(region_path="", actor_id__in=managed))
    if filters.get("actor"):
        # The login or the person's name: the 审计管理员 cannot open 用户管理 to look a login up (三员分立).
        # A failed login names the login only (no account is signed in): matched by the person's login too.
        named = User.objects.filter(display_name__icontains=filters["actor"])
        qs = qs.filter(
            Q(actor_name__icontains=filters["actor"])
            | Q(actor_id__in=named.values("pk"))
            | Q(actor_name__in=named.values("username"))
        )
    if filters.get("event_type"):
        qs = qs.filter(event_type__startswith=filters["event_type"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"])
    if filters.get("outcome"):
        qs = qs.filter(outcome=filters["outcome"])
    if filters.get("date_from"):
        qs = qs.filter(occurred_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(occurred_at__date__lte=filters["date_to"])
    return qs


def user_for_admin(*, actor: Any, pk: int) -> User:
    return users_for_admin(actor=actor).get(pk=pk)


def taken_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these names (any case) an account already has, lower-cased: user names are unique regardless of
    case, across every region."""
    wanted = {name.lower() for name in usernames if name}
    if not wanted:
        return set()
    rows = User.objects.annotate(lower=Lower("username")).filter(lower__in=wanted).values_list("lower", flat=True)
    return set(rows)


ORG_NAMES = {"section": "股室", "department": "主管部门", "unit": "预算单位"}


@dataclass
class GrantReferences:
    """What the rows of a 批量授权 workbook name, looked up at once within the security administrator's region."""

    default_region: FiscalRegion
    users: dict[str, User] = field(default_factory=dict)  # lower-cased user name → active user the admin manages
    held: dict[int, set[str]] = field(default_factory=dict)  # user id → roles of active memberships
    granted: set[tuple[Any, ...]] = field(default_factory=set)  # active (user, role, region, section, dept, unit)
    regions: dict[str, FiscalRegion] = field(default_factory=dict)  # code → region in the admin's subtree
    orgs: dict[tuple[str, int, str], Any] = field(default_factory=dict)  # (kind, region id, code) → organisation
    section_names: dict[tuple[int, str], list[FinanceSection]] = field(default_factory=dict)

    def org(self, key: str, region: FiscalRegion, text: str) -> tuple[Any, str]:
        """The organisation a cell names in `region` (a 股室 by code, or by its name when that is unique), or None
        and why. Organisations outside the admin's region are not found, like missing ones."""
        found = self.orgs.get((key, region.pk, text))
        if found is not None:
            return found, ""
        named = self.section_names.get((region.pk, text), []) if key == "section" else []
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, "有多个同名股室，请填写股室编码"
        return None, f"{ORG_NAMES[key]}不存在（财政区划：{region.name}）"


def grant_references(*, actor: Any, rows: list[GrantImportRow]) -> GrantReferences:
    membership = actor.active_membership
    refs = GrantReferences(default_region=membership.region)
    names = {r.username.lower() for r in rows if r.username}
    users = users_for_admin(actor=actor).filter(is_active=True).annotate(lower=Lower("username"))
    refs.users = {u.lower: u for u in users.filter(lower__in=names)}
    held = Membership.objects.filter(user__in=list(refs.users.values()), is_active=True)
    for user_id, role, *orgs in held.values_list(
        "user_id", "role", "region_id", "section_id", "department_id", "unit_id"
    ):
        refs.held.setdefault(user_id, set()).add(role)
        refs.granted.add((user_id, role, *orgs))
    codes = {r.region for r in rows if r.region}
    refs.regions = {r.mof_div_code: r for r in FiscalRegion.objects.visible_to(actor).filter(mof_div_code__in=codes)}
    regions = [refs.default_region, *refs.regions.values()]
    texts = {key: {r.org_text(key) for r in rows if r.org_text(key)} for key in ORG_NAMES}
    named = Q(code__in=texts["section"]) | Q(name__in=texts["section"])
    for section in FinanceSection.objects.filter(named, region__in=regions).select_related("region"):
        refs.orgs[("section", section.region_id, section.code)] = section
        refs.section_names.setdefault((section.region_id, section.name), []).append(section)
    departments = Department.objects.visible_to(actor).filter(region__in=regions, dept_code__in=texts["department"])
    for department in departments.select_related("region"):
        refs.orgs[("department", department.region_id, department.dept_code)] = department
    units = BudgetUnit.objects.visible_to(actor).filter(region__in=regions, agency_code__in=texts["unit"])
    for unit in units.select_related("region"):
        refs.orgs[("unit", unit.region_id, unit.agency_code)] = unit
    return refs


def sections_for_admin(*, actor: Any) -> QuerySet[FinanceSection]:
    """The 股室 of the administrator's region and the regions below it (named in the 批量授权 template)."""
    path = actor.active_membership.region.path
    return (
        FinanceSection.objects.filter(region__path__startswith=path)
        .select_related("region")
        .order_by("region__path", "sort", "code")
    )
