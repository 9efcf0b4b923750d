from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from jixiao.accounts.navigation import menu_for
from jixiao.organizations.selectors import region_names, spans_counties


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    membership = user.active_membership  # type: ignore[union-attr]

    def memberships() -> list[Any]:
        loaded = getattr(user, "active_memberships", None)  # read once per request by ActiveMembershipMiddleware
        if loaded is not None:
            return list(loaded)
        return list(
            user.memberships.filter(is_active=True).select_related(  # type: ignore[union-attr]
                "region", "section", "department", "unit"
            )
        )

    return {
        "demo_mode": settings.DEMO_MODE,
        "active_membership": membership,
        # Lazy: queried only when a template shows the identity switcher (not by htmx partials).
        "memberships": SimpleLazyObject(memberships),
        "menu": SimpleLazyObject(lambda: menu_for(membership, request.path)),
        # Lists name each row's 财政区划 for users who see several counties (no query: the membership's region).
        "spans_counties": spans_counties(user),
        "region_names": SimpleLazyObject(lambda: region_names(user)),  # one query, when a list shows the column
        "idle_seconds": getattr(request, "idle_seconds", None),  # the idle warning's countdown (SessionPolicy)
    }
