"""Login, logout and failed logins are audit events (SECURITY.md §1.4) and feed the lockout and session policy."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from jixiao.accounts import security
from jixiao.accounts.middleware import LAST_SEEN, LOGIN_AT
from jixiao.accounts.models import SecurityPolicy, User
from jixiao.core import audit
from jixiao.core.models import AuditEvent


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, event_type="auth.login", obj=user)
    security.clear_failures(user.get_username())
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key or ""
    previous = user.current_session_key
    if previous and previous != key and user.is_three_admin and security.policy().admin_single_session:
        Session.objects.filter(session_key=previous).delete()
        audit.record(actor=user, event_type="auth.session_replaced", obj=user, reason="三员账号只允许一个会话")
    User.objects.filter(pk=user.pk).update(current_session_key=key)
    user.current_session_key = key


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, event_type="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    security.register_failure(username)
    audit.record(
        actor=username,
        event_type="auth.login_failed",
        object_type="accounts.user",
        object_repr=username,
        outcome=AuditEvent.Outcome.FAILURE,
        reason="用户名或密码错误",
        region_path=_account_region_path(username),
    )


def _account_region_path(username: str) -> str:
    """The region of the account a failed login names (so that region's 审计管理员 sees attempts on its accounts):
    its first active role's, else the region that opened it; "" for a name no account has."""
    user = User.objects.filter(username__iexact=username).select_related("home_region").first() if username else None
    if user is None:
        return ""
    membership = user.active_membership
    if membership is not None:
        return membership.region.path
    return user.home_region.path if user.home_region is not None else ""


@receiver(pre_save, sender=User)
def _note_password(sender: Any, instance: User, **kwargs: Any) -> None:
    previous = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first() if instance.pk else None
    instance._password_was = previous  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _keep_history(sender: Any, instance: User, **kwargs: Any) -> None:
    changed = instance.password != getattr(instance, "_password_was", None)
    if instance.password and changed and instance.has_usable_password():
        security.remember_password(instance)


@receiver(post_save, sender=SecurityPolicy)
def _policy_saved(sender: Any, **kwargs: Any) -> None:
    security.policy_changed()
