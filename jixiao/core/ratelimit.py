"""Rate limits (SECURITY.md §3 ASVS 2.4.1, checklist A09): login attempts per IP and per username, imports and
exports per user. One middleware, keyed on URL names, so no app's views need changes and new apps are covered:

- `accounts:login` / `accounts:login_second_factor` POST → `login_ip` (client IP) and `login_user` (the name typed,
  in the login lock's form `core.text.login_name`: NFKC, stripped, lower-cased);
- a POST to any URL whose name contains `import` → `import` per user;
- any request to a URL whose name contains `export` or `download` → `export` per user.

Limits are "count/seconds" strings in `settings.JIXIAO_RATE_LIMITS` (fixed windows in the cache; use a shared cache
such as Redis or the database cache when more than one server runs). Over the limit the answer is 429 with a Chinese
page (JSON under /api/) and a Retry-After header; the refusal is audited once per window.
The client IP is REMOTE_ADDR only (jixiao.core.middleware.client_ip), so a forged X-Forwarded-For does not change
the key (checklist E08).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from jixiao.core import audit
from jixiao.core.crypto import sm3
from jixiao.core.middleware import client_ip
from jixiao.core.text import login_name

DEFAULT_LIMITS = {
    "login_ip": "30/60",
    "login_user": "10/60",
    "import": "20/600",
    "export": "60/600",
}
LOGIN_URL_NAMES = frozenset({"accounts:login", "accounts:login_second_factor"})
MESSAGES = {
    "login_ip": "登录请求过于频繁，请稍后再试。",
    "login_user": "该账号的登录请求过于频繁，请稍后再试。",
    "import": "导入操作过于频繁，请稍后再试。",
    "export": "导出或下载过于频繁，请稍后再试。",
}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def limit_for(scope: str) -> Limit | None:
    """The configured limit of a scope, or None when switched off ("" or "0/…")."""
    spec = {**DEFAULT_LIMITS, **getattr(settings, "JIXIAO_RATE_LIMITS", {})}.get(scope, "")
    if not spec:
        return None
    count, _, seconds = str(spec).partition("/")
    limit = Limit(int(count), int(seconds or 60))
    return limit if limit.count > 0 and limit.seconds > 0 else None


def hit(scope: str, identity: str) -> int | None:
    """Count one request; the seconds until the window ends when over the limit, else None."""
    limit = limit_for(scope)
    if limit is None or not identity:
        return None
    now = int(time.time())
    window = now // limit.seconds
    key = f"rl:{scope}:{sm3(identity.encode())[:32]}:{window}"
    cache.add(key, 0, limit.seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, limit.seconds + 5)
        count = 1
    if count <= limit.count:
        return None
    return max(1, (window + 1) * limit.seconds - now)


def scopes_for(request: HttpRequest, view_name: str) -> list[tuple[str, str]]:
    """(scope, identity) pairs this request counts against."""
    pairs: list[tuple[str, str]] = []
    if view_name in LOGIN_URL_NAMES:
        if request.method == "POST":
            pairs.append(("login_ip", client_ip(request)))
            username = login_name(request.POST.get("username", ""))
            if username:
                pairs.append(("login_user", username))
        return pairs
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return pairs
    name = view_name.rsplit(":", 1)[-1].lower()
    if "import" in name and request.method == "POST":
        pairs.append(("import", f"user:{user.pk}"))
    elif "export" in name or "download" in name:
        pairs.append(("export", f"user:{user.pk}"))
    return pairs


def too_many(request: HttpRequest, scope: str, retry_after: int) -> HttpResponse:
    message = MESSAGES.get(scope, "请求过于频繁，请稍后再试。")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        template = loader.get_template("core/error.html")
        context = {"status": 429, "title": "请求过于频繁", "message": f"{message}（约{retry_after}秒后可重试）"}
        response = HttpResponse(template.render(context, request), status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _audit_refusal(request: HttpRequest, scope: str, identity: str, retry_after: int) -> None:
    # One record per window and key, so a flood cannot flood the audit trail too.
    marker = f"rl-audited:{scope}:{sm3(identity.encode())[:32]}"
    if not cache.add(marker, 1, retry_after):
        return
    user = getattr(request, "user", None)
    audit.record(
        actor=user if user is not None and user.is_authenticated else None,
        event_type="security.rate_limited",
        outcome="denied",
        reason=f"{scope} 超过频率限制：{request.method} {request.path}"[:500],
    )


class RateLimitMiddleware:
    """Place after AuthenticationMiddleware (it needs request.user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not getattr(settings, "JIXIAO_RATE_LIMIT_ENABLED", True):
            return None
        for scope, identity in scopes_for(request, match.view_name or ""):
            retry_after = hit(scope, identity)
            if retry_after is not None:
                _audit_refusal(request, scope, identity, retry_after)
                return too_many(request, scope, retry_after)
        return None
