from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jixiao.accounts import selectors, services
from jixiao.accounts.forms import AuditFilterForm, LoginForm, MembershipGrantForm, UserCreateForm
from jixiao.accounts.middleware import SESSION_KEY
from jixiao.accounts.models import Membership, User
from jixiao.core import audit
from jixiao.core.errors import DomainError
from jixiao.core.spreadsheets import write_workbook
from jixiao.core.views_helpers import capability_required, paginate, xlsx_response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

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

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(user=form.user)
        messages.success(self.request, "密码已修改")
        return response


@require_POST
@login_required
def switch_membership(request: HttpRequest) -> HttpResponse:
    try:
        membership = services.membership_switch(
            user=request.user,  # type: ignore[arg-type]
            membership_id=int(request.POST.get("membership", "0")),
        )
    except (DomainError, ValueError) as exc:
        raise Http404 from exc
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, f"已切换为：{membership}")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@capability_required("users.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = paginate(request, selectors.users_for_admin(actor=request.user, search=search))
    return render(request, "accounts/user_list.html", {"page": page, "q": search, "form": UserCreateForm()})


@require_POST
@capability_required("users.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写用户名和姓名")
        return redirect("accounts:user_list")
    try:
        user, password = services.user_create(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_list")
    # The one-time password goes into this response only, never into the session-stored messages.
    page = paginate(request, selectors.users_for_admin(actor=request.user))
    context = {"page": page, "q": "", "form": UserCreateForm(), "created": user, "created_password": password}
    return render(request, "accounts/user_list.html", context)


@require_POST
@capability_required("users.manage")
def user_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        user = selectors.user_for_admin(actor=request.user, pk=pk)
        services.user_set_active(actor=request.user, user=user, is_active=not user.is_active)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:user_list")


@capability_required("roles.grant")
def membership_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    form = MembershipGrantForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "授权成功")
            return redirect("accounts:membership_list")
    page = paginate(request, selectors.memberships_for_admin(actor=request.user, search=search))
    return render(
        request,
        "accounts/membership_list.html",
        {"page": page, "q": search, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@capability_required("roles.grant")
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        membership = selectors.memberships_for_admin(actor=request.user).get(pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404 from exc
    services.membership_revoke(actor=request.user, membership=membership)
    messages.success(request, "已撤销授权")
    return redirect("accounts:membership_list")


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
]


@capability_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = {k: str(v) for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    events = selectors.audit_events(actor=request.user, filters=filters)
    if request.GET.get("export") == "xlsx" and request.user.can("audit.export"):  # type: ignore[union-attr]
        audit.record(
            actor=request.user, event_type="audit.export", object_type="core.auditevent", reason=str(filters)[:500]
        )
        rows = (
            (
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
            )
            for e in events.iterator(chunk_size=2000)
        )
        return xlsx_response(write_workbook([("审计日志", AUDIT_HEADERS, rows)]), "审计日志.xlsx")
    audit.record(actor=request.user, event_type="audit.query", object_type="core.auditevent", reason=str(filters)[:500])
    return render(request, "accounts/audit_list.html", {"page": paginate(request, events, 50), "form": form})
