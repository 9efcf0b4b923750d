from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jixiao.accounts import security, selectors, services, totp
from jixiao.accounts.forms import (
    LOCKED_MESSAGE,
    AuditFilterForm,
    LoginForm,
    MembershipGrantForm,
    SecurityPolicyForm,
    TOTPCodeForm,
    UserCreateForm,
)
from jixiao.accounts.middleware import LAST_SEEN, SESSION_KEY
from jixiao.accounts.models import Membership, Role, User
from jixiao.core import audit, audit_labels
from jixiao.core.errors import DomainError
from jixiao.core.forms import conditions_text
from jixiao.core.list_exports import ListExport, Selection, export_list
from jixiao.core.text import CONTROL_CHARS
from jixiao.core.views_helpers import capability_required, paginate, search_response

PENDING = "jixiao_2fa_pending"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        """Password accepted: accounts with a second factor get no session until the code is checked (A06)."""
        user = form.get_user()
        if not security.needs_second_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("accounts:login_second_factor")

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400  # a refused login is a 4xx, as on the second-factor page and every other form
        return response

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from jixiao.accounts.demo_logins import demo_logins

            context["demo_logins"] = demo_logins()
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        labels = {"old_password": "当前密码", "new_password1": "新密码", "new_password2": "确认新密码"}
        for name, field in form.fields.items():
            field.label = labels.get(name, field.label)
            field.widget.attrs["class"] = "form-control"
        return form

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400  # refused input is a 4xx, as on every other form
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # update_session_auth_hash (in super) gave the session a new key: the account's tracked session follows it,
        # or a 三员's single-session check would end this very session ("该账号已在其他地方登录").
        services.user_password_changed(user=form.user, session_key=self.request.session.session_key or "")
        messages.success(self.request, "密码已修改")
        return response


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING) or {}
    if not pending or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    return security.active_user(pending.get("user")), pending


@never_cache  # the enrolment step shows the TOTP secret before any login: no browser or proxy may keep it
def login_second_factor(request: HttpRequest) -> HttpResponse:
    """Second login step: the authenticator code; first-time users enrol their authenticator here."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "登录已超时，请重新输入用户名和密码")
        return redirect("accounts:login")
    if security.is_locked(user.get_username()):
        request.session.pop(PENDING, None)
        messages.error(request, LOCKED_MESSAGE)
        return redirect("accounts:login")
    form = TOTPCodeForm(request.POST or None)
    enrolling = security.totp_device(user) is None
    device = security.totp_pending_device(user) if enrolling else None
    if request.method == "POST" and form.is_valid():
        if security.totp_check(user, form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            auth_login(request, user, backend=pending["backend"])
            target = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        form.add_error("code", "动态口令错误或已使用过，请输入验证器上当前显示的6位数字")
    uri = totp.provisioning_uri(device.secret, user.get_username()) if device else ""
    context = {
        "form": form,
        "enrolling": enrolling,
        "secret": device.secret if device else "",
        "qr": totp.qr_data_uri(uri) if uri else "",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/login_second_factor.html", context, status=status)


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """账号安全: enable or disable the authenticator (it is mandatory for 三员 and finance staff)."""
    user: Any = request.user
    device = security.totp_device(user)
    form = TOTPCodeForm(request.POST or None)
    pending = None if device else security.totp_pending_device(user)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "disable":
        try:
            security.totp_disable(actor=user, user=user, code=str(request.POST.get("code", ""))[:8])
        except DomainError as exc:
            # The page again with the reason and its status (the policy requires the authenticator: 400).
            messages.error(request, exc.message)
            status = exc.status_code
            form = TOTPCodeForm()
        else:
            messages.success(request, "已停用动态口令")
            return redirect("accounts:two_factor")
    elif request.method == "POST" and pending is not None and form.is_valid():
        if security.totp_check(user, form.cleaned_data["code"]):
            messages.success(request, "动态口令已启用，下次登录时需要输入")
            return redirect("accounts:two_factor")
        form.add_error("code", "动态口令错误或已使用过")
    uri = totp.provisioning_uri(pending.secret, user.get_username()) if pending else ""
    context = {
        "device": device,
        "required": security.totp_required(user),
        "form": form,
        "secret": pending.secret if pending else "",
        "qr": totp.qr_data_uri(uri) if uri else "",
    }
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else status)


@require_http_methods(["GET", "POST"])
@login_required
def keepalive(request: HttpRequest) -> JsonResponse:
    """The page's idle warning (static/js/jixiao.js). GET asks how many seconds the session has left without moving
    its idle clock (SessionPolicyMiddleware leaves this request out), so a page left open in another tab does not
    keep the session alive. POST is 继续使用 on the warning, or typing in a long form: the user is at work, and the
    idle clock starts again, exactly now. An ended session never gets here: the middleware sends it to the login
    page, which the script takes as the end."""
    idle = int(getattr(request, "idle_seconds", 0))
    now = int(time.time())
    if request.method == "POST":
        request.session[LAST_SEEN] = now
    last_seen = int(request.session.get(LAST_SEEN) or now)
    return JsonResponse({"idle_seconds": idle, "remaining": max(0, idle - (now - last_seen))})


@require_POST
@login_required
def switch_membership(request: HttpRequest) -> HttpResponse:
    try:
        membership = services.membership_switch(
            user=request.user,  # type: ignore[arg-type]
            membership_id=int(request.POST.get("membership", "0")),
        )
    except ValueError as exc:  # not a number; a membership that is not the user's answers 404 from the service
        raise Http404 from exc
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, f"已切换为：{membership}")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def _user_page(
    request: HttpRequest, extra: dict[str, Any] | None = None, search: str = "", status: int = 200
) -> HttpResponse:
    page = paginate(request, selectors.users_for_admin(actor=request.user, search=search))
    # The pager names the list's address: the page is also shown at a POST's (开通账号, 重置密码, 停用).
    context = {"page": page, "q": search, "form": UserCreateForm(), "page_base": reverse("accounts:user_list")}
    context.update(extra or {})
    return render(request, "accounts/user_list.html", context, status=status)


def _search(request: HttpRequest) -> str:
    """The typed search without control characters (a NUL reaches `icontains`: PostgreSQL refuses it, a 500)."""
    return CONTROL_CHARS.sub("", request.GET.get("q", "")).strip()


@capability_required("users.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    return _user_page(request, search=_search(request))


@require_POST
@capability_required("users.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST)
    if not form.is_valid():
        return _user_page(request, {"form": form}, status=400)
    try:
        user, password = services.user_create(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        # Shown at the field with what was typed kept (a name taken in another case: “用户名“Zhang”已存在…”).
        form.add_error("username", exc.message)
        return _user_page(request, {"form": form}, status=exc.status_code)
    # The one-time password goes into this response only, never into the session-stored messages.
    return _user_page(request, {"created": user, "created_password": password})


@require_POST
@capability_required("users.manage")
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """重置密码: the new one-time password is shown in this response only (not in messages, which live in the
    session)."""
    try:
        user = selectors.user_for_admin(actor=request.user, pk=pk)
        password = services.user_password_reset(actor=request.user, user=user)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return _user_page(request, search=_search(request), status=exc.status_code)  # the list with the reason
    return _user_page(request, {"reset": user, "reset_password": password}, search=_search(request))


@require_POST
@capability_required("users.manage")
def user_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """停用/启用: the form names the state wanted (`is_active` 0 or 1), not "the other one" — a second click, or a
    page shown before another administrator's change, must not undo what was meant."""
    try:
        user = selectors.user_for_admin(actor=request.user, pk=pk)
        wanted = {"0": False, "1": True}.get(request.POST.get("is_active", ""))
        if wanted is None:
            raise DomainError("请求无效：未指明停用还是启用，请刷新页面后重试")
        services.user_set_active(actor=request.user, user=user, is_active=wanted)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return _user_page(request, search=_search(request), status=exc.status_code)  # the list with the reason
    messages.success(request, f"已{'启用' if user.is_active else '停用'}账号 {user.username}（{user.display_name}）")
    # Back to the list as it was: the search and the page travel in the form's address.
    back = request.GET.urlencode()
    return redirect(reverse("accounts:user_list") + (f"?{back}" if back else ""))


@capability_required("roles.grant")
def user_autocomplete(request: HttpRequest) -> JsonResponse:
    """The first 20 active accounts the administrator manages matching `q` (用户名 or 姓名)."""
    return search_response(selectors.users_search(actor=request.user, query=_search(request)[:50]))


@capability_required("roles.grant")
def membership_list(request: HttpRequest) -> HttpResponse:
    form = MembershipGrantForm(request.POST or None, actor=request.user)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "授权成功")
            return redirect("accounts:membership_list")
    return _membership_page(request, form, status)


def _membership_page(request: HttpRequest, form: MembershipGrantForm, status: int = 200) -> HttpResponse:
    """The grants as searched; also after a refused 撤销, at its address, with the refusal's status (the search,
    pager and grant form name the list's own address)."""
    search = _search(request)
    page = paginate(request, selectors.memberships_for_admin(actor=request.user, search=search))
    context = {"page": page, "q": search, "form": form, "page_base": reverse("accounts:membership_list")}
    return render(request, "accounts/membership_list.html", context, status=status)


@require_POST
@capability_required("roles.grant")
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        membership = selectors.memberships_for_admin(actor=request.user).get(pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.membership_revoke(actor=request.user, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _membership_page(request, MembershipGrantForm(actor=request.user), exc.status_code)
    messages.success(request, "已撤销授权")
    # Back to the list as it was (the search and the page travel in the form's address).
    back = request.GET.urlencode()
    return redirect(reverse("accounts:membership_list") + (f"?{back}" if back else ""))


AUDIT_HEADERS = [
    "时间",
    "用户",
    "角色",
    "单位",
    "IP地址",
    "事件类型",
    "对象类型",
    "对象ID",
    "对象",
    "结果",
    "说明",
    "变更内容",
    # The codes above stay for filtering and scripts; these name them as the console does.
    "角色名称",
    "事件名称",
    "对象类型名称",
    "变更说明",  # the 变更内容 as the console reads it: 字段名：旧值 → 新值, a line each
]


def _audit_query(actor: Any, data: Any) -> tuple[AuditFilterForm, Any]:
    """The filter form and the events its conditions select. A condition that is not valid (a date typed as
    2026.13.01) selects nothing: the form shows the error rather than the whole trail under a filter it ignored."""
    form = AuditFilterForm(data or None)
    if form.is_bound and not form.is_valid():
        return form, selectors.audit_events(actor=actor, filters={}).none()
    filters = {k: str(v) for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
    return form, selectors.audit_events(actor=actor, filters=filters)


def _change_text(event: Any) -> str:
    return "\n".join(
        f"{name}：{old} → {new}" if old != "" else f"{name}：{new}" for name, _code, old, new in event.change_list
    )


def _audit_rows(events: Any) -> Iterator[tuple[Any, ...]]:
    chunk: list[Any] = []
    for event in events.iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) == 2000:
            yield from _audit_chunk_rows(chunk)
            chunk = []
    yield from _audit_chunk_rows(chunk)


def _audit_chunk_rows(events: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of a chunk of events; its changes named as on the console (linked rows: one query per model)."""
    roles = dict(Role.choices)
    for e in audit_labels.with_change_rows(events):
        yield (
            timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_name,
            e.role,
            e.organization,
            e.ip,
            e.event_type,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.get_outcome_display(),
            e.reason,
            str(e.changes) if e.changes else "",
            str(roles.get(e.role, e.role or "")),
            audit_labels.event_label(e.event_type),
            audit_labels.object_label(e.object_type) if e.object_type else "",
            _change_text(e),
        )


@capability_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _audit_query(request.user, request.GET)
    options = {"event_options": audit_labels.module_options(), "object_options": audit_labels.object_type_options()}
    if form.errors:
        context = {"page": paginate(request, events), "form": form, **options}
        return render(request, "accounts/audit_list.html", context, status=400)
    if request.GET.get("export") == "xlsx" and request.user.can(AUDIT_EXPORT.capability):  # type: ignore[union-attr]
        return export_list(request, AUDIT_EXPORT, back=reverse("accounts:audit_list"))
    reason = conditions_text(request.GET, form)
    audit.record(actor=request.user, event_type="audit.query", object_type="core.auditevent", reason=reason[:500])
    page = paginate(request, events, 50)
    roles = dict(Role.choices)
    # Linked rows named with one query per model; who did it by name beside the login (刘芳（edu_unit）).
    for event in audit_labels.with_actor_names(audit_labels.with_change_rows(page)):
        event.role_label = roles.get(event.role, event.role)
    return render(request, "accounts/audit_list.html", {"page": page, "form": form, **options})


def _audit_selection(user: Any, query: QueryDict) -> Selection:
    form, events = _audit_query(user, query)
    return Selection(rows=lambda: _audit_rows(events), count=events.count, form=form)


AUDIT_EXPORT = ListExport(
    kind="audit.export",
    title="审计日志",
    header=AUDIT_HEADERS,
    capability="audit.export",
    select=_audit_selection,
    path="jixiao.accounts.views.AUDIT_EXPORT",
)


@capability_required("security.manage")
def security_policy(request: HttpRequest) -> HttpResponse:
    """安全管理员: password, lockout and session rules, and the accounts locked right now."""
    editable = security.policy_editable(request.user)
    form = SecurityPolicyForm(request.POST or None, instance=security.policy())
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            security.policy_update(
                actor=request.user, data=form.service_data, loaded_at=form.cleaned_data.get("loaded_at") or None
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(request, "安全策略已保存")
            return redirect("accounts:security_policy")
    context = {"form": form, "editable": editable, "locks": security.locks_active(actor=request.user)}
    return render(request, "accounts/security_policy.html", context, status=status)


@require_POST
@capability_required("security.manage")
def security_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    lock = security.lock_get(actor=request.user, pk=pk)
    if lock is None:
        raise Http404
    security.unlock(actor=request.user, lock=lock)
    messages.success(request, f"已解除 {lock.username} 的登录锁定")
    return redirect("accounts:security_policy")
