from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from jixiao.core import context

SESSION_KEY = "jixiao_membership_id"


class ActiveMembershipMiddleware:
    """Resolve the membership the user acts under (chosen with the switcher, stored in the session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            membership = None
            chosen = request.session.get(SESSION_KEY)
            if chosen:
                membership = (
                    user.memberships.filter(pk=chosen, is_active=True)  # type: ignore[union-attr]
                    .select_related("region", "section", "department", "unit")
                    .first()
                )
            if membership is not None:
                user.set_active_membership(membership)  # type: ignore[union-attr]
            else:
                membership = user.active_membership  # type: ignore[union-attr]
            ctx = context.current()
            if membership is not None:
                ctx.role = membership.role
                ctx.organization = membership.organization_label
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """An account created or reset by an administrator must change its password before anything else."""

    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED)
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
