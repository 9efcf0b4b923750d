from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jixiao.accounts.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    membership = user.active_membership  # type: ignore[union-attr]
    return {
        "demo_mode": settings.DEMO_MODE,
        "active_membership": membership,
        "memberships": list(
            user.memberships.filter(is_active=True).select_related(  # type: ignore[union-attr]
                "region", "section", "department", "unit"
            )
        ),
        "menu": menu_for(membership, request.path),
    }
