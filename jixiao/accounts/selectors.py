from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from jixiao.accounts.capabilities import THREE_ADMINS
from jixiao.accounts.models import Membership, User
from jixiao.core.models import AuditEvent


def users_for_admin(*, actor: Any, search: str = "") -> QuerySet[User]:
    """Accounts an administrator manages: those with a role in the administrator's region subtree, and
    accounts not yet given any role (just created, waiting for the security administrator)."""
    path = actor.active_membership.region.path
    in_region = Membership.objects.filter(region__path__startswith=path).values("user_id")
    admin_roles = Membership.objects.filter(user=OuterRef("pk"), is_active=True, role__in=list(THREE_ADMINS))
    qs = (
        User.objects.filter(Q(pk__in=in_region) | Q(memberships__isnull=True))
        .distinct()
        .annotate(holds_admin_role=Exists(admin_roles))
        .order_by("username")
    )
    if search:
        qs = qs.filter(username__icontains=search) | qs.filter(display_name__icontains=search)
    return qs


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
    qs = AuditEvent.objects.all()
    if filters.get("actor"):
        qs = qs.filter(actor_name__icontains=filters["actor"])
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
