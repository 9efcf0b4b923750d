from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from jixiao.accounts import security
from jixiao.accounts.capabilities import THREE_ADMINS
from jixiao.core import audit, context

SESSION_KEY = "jixiao_membership_id"
LOGIN_AT = "jixiao_login_at"
LAST_SEEN = "jixiao_last_seen"


class ActiveMembershipMiddleware:
    """Resolve the membership the user acts under (chosen with the switcher, stored in the session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            # All the user's active memberships in one query: the active one is picked from them and the identity
            # switcher in the page header shows them (accounts.context_processors), so no page asks twice.
            memberships = list(
                user.memberships.filter(is_active=True)  # type: ignore[union-attr]
                .select_related("region", "section", "department", "unit")
                .order_by("id")
            )
            user.active_memberships = memberships  # type: ignore[union-attr]
            chosen = request.session.get(SESSION_KEY)
            membership = next((m for m in memberships if m.pk == chosen), None) if chosen else None
            membership = membership or (memberships[0] if memberships else None)
            user.set_active_membership(membership)  # type: ignore[union-attr]
            ctx = context.current()
            if membership is not None:
                ctx.role = membership.role
                ctx.organization = membership.organization_label
                ctx.region_path = membership.region.path
        return self.get_response(request)


LAST_SEEN_RESOLUTION_SECONDS = 60


@functools.cache
def _keepalive_path(urlconf: str) -> str:
    """The idle warning's own address, once per URL configuration (a test's own urlconf has none)."""
    try:
        return reverse("accounts:keepalive", urlconf=urlconf)
    except NoReverseMatch:
        return ""


# 信息公开's public pages (config/urls.py): open to anyone, so an expired staff session there is not sent to log in.
PUBLIC_PREFIX = "/public/"


class SessionPolicyMiddleware:
    """Idle timeout and absolute lifetime (shorter for 三员), and one live session for 三员 (SECURITY.md B01, B04).

    The timestamps live in the server-side session; an expired session is flushed, not just forgotten by the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            # One read of the policy per request, shared with ForcePasswordChangeMiddleware.
            request.security_policy = security.policy()  # type: ignore[attr-defined]
            # The page's idle warning counts down from this (base.html, static/js/jixiao.js).
            request.idle_seconds = self._idle_seconds(request)  # type: ignore[attr-defined]
            reason = self._expired(request)
            if reason:
                audit.record(actor=user, event_type="auth.session_expired", obj=user, reason=reason)
                logout(request)
                if request.path.startswith(PUBLIC_PREFIX):
                    # The public pages need no login: the session ends, the reader goes on as anyone else would.
                    return self.get_response(request)
                messages.info(request, f"{reason}，请重新登录")
                return redirect("accounts:login")
            now = int(time.time())
            # Writing the session on every request serialises a user's parallel requests on the session row
            # (bench: the project list under load); a minute of slack on a 15–30 minute idle limit is harmless.
            # The idle warning's own question (GET keepalive: how long is left?) is not activity and moves nothing.
            asks_only = request.method == "GET" and request.path == _keepalive_path(settings.ROOT_URLCONF)
            if not asks_only and now - int(request.session.get(LAST_SEEN) or 0) >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _idle_seconds(request: HttpRequest) -> int:
        membership = getattr(request.user, "active_membership", None)
        rules = request.security_policy  # type: ignore[attr-defined]
        admin = membership is not None and membership.role in THREE_ADMINS
        return int((rules.admin_idle_minutes if admin else rules.idle_minutes) * 60)

    def _expired(self, request: HttpRequest) -> str:
        user = request.user
        membership = getattr(user, "active_membership", None)
        admin = membership is not None and membership.role in THREE_ADMINS
        rules = request.security_policy  # type: ignore[attr-defined]
        now = int(time.time())
        idle = request.idle_seconds  # type: ignore[attr-defined]
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - int(last_seen) > idle:
            return "长时间未操作，会话已结束"
        login_at = request.session.get(LOGIN_AT)
        if login_at is not None and now - int(login_at) > rules.absolute_hours * 3600:
            return "会话已超过最长时间"
        current = getattr(user, "current_session_key", "")
        if admin and rules.admin_single_session and current and current != request.session.session_key:
            return "该账号已在其他地方登录"
        return ""


class ForcePasswordChangeMiddleware:
    """An account created or reset by an administrator, or whose password is older than the policy allows, must
    change its password before anything else (SECURITY.md A05)."""

    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/accounts/keepalive/", "/static/")  # the page idle warning

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and (
                getattr(user, "must_change_password", False)
                or security.password_expired(user, rules=getattr(request, "security_policy", None))
            )
            and not request.path.startswith(self.ALLOWED)
        ):
            return redirect("accounts:password_change")
        return self.get_response(request)
