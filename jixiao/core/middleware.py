from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from jixiao.core import audit, context
from jixiao.core.errors import NotFoundError
from jixiao.core.text import CONTROL_CHARS

# Fonts, scripts and styles are all served by the app itself: no CDN is allowed on an intranet.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def client_ip(request: HttpRequest) -> str:
    # Only REMOTE_ADDR is trusted; a deployment behind a proxy sets it through the proxy (docs/deploy.md).
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(ip=client_ip(request), request_id=uuid.uuid4().hex)
        request.jixiao_context = ctx  # type: ignore[attr-defined]
        token = context.bind(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = ctx.request_id
        return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class NotFoundMiddleware:
    """A service's ``NotFoundError`` anywhere in a page is that page's 404, the same as a selector's ``Http404``.

    Views do not catch it (``scripts/check_patterns.py`` refuses ``except NotFoundError`` in views): an object
    outside the actor's scope answers 404 from this one place, and a view's ``except DomainError`` shows only
    refusals.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFoundError):
            raise Http404(exception.message) from exception
        return None


DENIED_STATUSES = {403: "拒绝访问", 404: "对象不存在或不在管理范围内"}


class DeniedAccessAuditMiddleware:
    """Every 403 and 404 a logged-in user gets from a page or API endpoint is an audit event `authz.denied`
    (SECURITY.md §1.4, checklist C01: "404 for other people's objects … Audit ✓"): a view's own PermissionDenied, a
    service's refusal shown with its 403, another unit's project by its id (a 404 by design, so that not yours and not
    there look the same, and so audited alike). A refusal `capability_required` already recorded, with the missing
    capability, is not recorded twice; an address no page answers (no URL matched) and anonymous visitors of the
    public site are not events of a user's authority. Runs innermost, so the response already carries the status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        label = DENIED_STATUSES.get(response.status_code)
        user = getattr(request, "user", None)
        if (
            label is not None
            and user is not None
            and user.is_authenticated
            and getattr(request, "resolver_match", None) is not None
            and not getattr(request, "jixiao_denial_audited", False)
        ):
            # The path is the client's: a control character (NUL) cannot be stored on PostgreSQL.
            reason = CONTROL_CHARS.sub("", f"{label}（{response.status_code}）：{request.method} {request.path}")
            audit.record(actor=user, event_type="authz.denied", outcome="denied", reason=reason[:500])
        return response
