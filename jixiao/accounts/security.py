"""Login, password and session policy (SECURITY.md §1.2, checklist A01–A05, B01–B04).

All numbers come from the one `SecurityPolicy` row that the security administrator edits; nothing here is a
constant except the character classes.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jixiao.accounts import selectors, totp
from jixiao.accounts.capabilities import THREE_ADMINS, Role
from jixiao.accounts.models import LoginLock, PasswordHistory, SecurityPolicy, TOTPDevice, User
from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.core.text import login_name

CLASSES = (
    ("大写字母", re.compile(r"[A-Z]")),
    ("小写字母", re.compile(r"[a-z]")),
    ("数字", re.compile(r"[0-9]")),
    ("符号", re.compile(r"[^A-Za-z0-9]")),
)
POLICY_FIELDS = [
    "min_length",
    "admin_min_length",
    "min_classes",
    "history_count",
    "max_age_days",
    "lockout_threshold",
    "lockout_window_minutes",
    "lockout_minutes",
    "admin_lockout_minutes",
    "idle_minutes",
    "admin_idle_minutes",
    "absolute_hours",
    "admin_single_session",
    "totp_required_admins",
    "totp_required_finance",
]


POLICY_CACHE_KEY = "jixiao:security-policy"
POLICY_CACHE_SECONDS = 30


def policy() -> SecurityPolicy:
    """The policy row, cached for 30 s (cleared on save), so a request does not pay a query for it."""
    row = cache.get(POLICY_CACHE_KEY)
    if row is None:
        row = SecurityPolicy.objects.order_by("pk").first() or SecurityPolicy()
        cache.set(POLICY_CACHE_KEY, row, POLICY_CACHE_SECONDS)
    return row


def policy_changed(**kwargs: Any) -> None:
    cache.delete(POLICY_CACHE_KEY)


# ---- passwords -------------------------------------------------------------------------------------------------


def password_problems(password: str, user: Any | None, rules: SecurityPolicy | None = None) -> list[str]:
    """Every rule the password breaks, in Chinese (empty when it is acceptable)."""
    rules = rules or policy()
    problems: list[str] = []
    is_admin = bool(user is not None and getattr(user, "pk", None) and user.is_three_admin)
    length = rules.admin_min_length if is_admin else rules.min_length
    if len(password) < length:
        problems.append(f"密码长度至少为{length}位" + ("（三员账号）" if is_admin else ""))
    present = [name for name, pattern in CLASSES if pattern.search(password)]
    if len(present) < rules.min_classes:
        problems.append(f"密码须至少包含大写字母、小写字母、数字、符号中的{rules.min_classes}类")
    username = getattr(user, "username", "") or ""
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    if user is not None and getattr(user, "pk", None) and rules.history_count:
        history = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)
        recent = list(history[: rules.history_count])
        # The password in force is one of the recent ones even when no history row holds it (an account loaded in
        # bulk, or set before the history was kept): read from the database, not the instance being changed.
        recent.append(User.objects.filter(pk=user.pk).values_list("password", flat=True).first() or "")
        if any(check_password(password, encoded) for encoded in recent if encoded):
            problems.append(f"新密码不能与最近{rules.history_count}次使用过的密码相同")
    return problems


def remember_password(user: User) -> None:
    """Keep the hash of the password just set, trimmed to the history length."""
    rules = policy()
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(rules.history_count, 1)
    old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(old)).delete()


def password_expired(user: Any, *, now: datetime.datetime | None = None, rules: SecurityPolicy | None = None) -> bool:
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return False
    max_age = (rules or policy()).max_age_days
    return (now or timezone.now()) - changed > datetime.timedelta(days=max_age)


# ---- lockout ---------------------------------------------------------------------------------------------------


def _key(username: str) -> str:
    # NFKC as well as case: the lock is checked on the name as typed but failures are counted on the name Django
    # normalised (UsernameField), so without it `ｚｈａｎｇ` would try passwords past `zhang`'s lock.
    return login_name(username)


def is_locked(username: str, *, now: datetime.datetime | None = None) -> bool:
    lock = LoginLock.objects.filter(username=_key(username)).first()
    return bool(lock and lock.locked_until and lock.locked_until > (now or timezone.now()))


def _lock_minutes(username: str, rules: SecurityPolicy) -> int:
    user = User.objects.filter(username__iexact=username).first()
    return rules.admin_lockout_minutes if user is not None and user.is_three_admin else rules.lockout_minutes


def register_failure(username: str, *, now: datetime.datetime | None = None) -> bool:
    """Count a failed login; lock the username after the threshold within the window. True when it just locked."""
    now = now or timezone.now()
    rules = policy()
    key = _key(username)
    if not key:
        return False
    with transaction.atomic():
        lock, _ = LoginLock.objects.select_for_update().get_or_create(username=key)
        window = datetime.timedelta(minutes=rules.lockout_window_minutes)
        if lock.first_failure_at is None or now - lock.first_failure_at > window:
            lock.failures, lock.first_failure_at = 0, now
        lock.failures += 1
        locked = lock.failures >= rules.lockout_threshold
        if locked:
            lock.locked_until = now + datetime.timedelta(minutes=_lock_minutes(key, rules))
            lock.failures, lock.first_failure_at = 0, None
        lock.save()
    if locked:
        audit.record(
            actor=key,
            event_type="auth.locked",
            object_type="accounts.user",
            object_repr=key,
            outcome=AuditEvent.Outcome.FAILURE,
            reason=f"连续{rules.lockout_threshold}次登录失败，锁定{_lock_minutes(key, rules)}分钟",
        )
    return locked


def clear_failures(username: str) -> bool:
    """Forget the username's failed logins and lift its lock; True when there was something to clear."""
    deleted, _ = LoginLock.objects.filter(username=_key(username)).delete()
    return bool(deleted)


def end_session(session_key: str) -> bool:
    """Delete one server-side session (the user's tracked one); True when it existed."""
    if not session_key:
        return False
    deleted, _ = Session.objects.filter(session_key=session_key).delete()
    return bool(deleted)


def lock_get(*, actor: Any, pk: Any) -> LoginLock | None:
    """A lock the security administrator may lift (selectors.login_locks_for_admin), or None."""
    return selectors.login_locks_for_admin(actor=actor).filter(pk=pk).first()


def unlock(*, actor: Any, lock: LoginLock) -> None:
    if not actor.can("security.manage"):
        raise PermissionDeniedError("只有安全管理员可以解除锁定")
    username = lock.username
    with transaction.atomic():
        lock.delete()
        audit.record(actor=actor, event_type="auth.unlock", object_type="accounts.user", object_repr=username)


def locks_active(*, actor: Any, now: datetime.datetime | None = None) -> list[LoginLock]:
    """The locks in force that the security administrator sees: their own accounts' and unknown names'."""
    locks = selectors.login_locks_for_admin(actor=actor).filter(locked_until__gt=now or timezone.now())
    return list(locks.order_by("-locked_until"))


# ---- the policy itself ---------------------------------------------------------------------------------------------


POLICY_READ_ONLY = "安全策略对本系统所有财政区划生效，由最上级财政区划的安全管理员设置；您可以查看，不能修改"


def policy_editable(actor: Any) -> bool:
    """The policy is one row for the whole deployment (a province's counties included): only a security
    administrator of a top-level region (one without a parent) sets it; a county's sees it."""
    membership = actor.active_membership
    return membership is not None and membership.region.parent_id is None


def policy_update(*, actor: Any, data: dict[str, Any], loaded_at: str | None = None) -> SecurityPolicy:
    if not actor.can("security.manage"):
        raise PermissionDeniedError("只有安全管理员可以设置安全策略")
    if not policy_editable(actor):
        raise PermissionDeniedError(POLICY_READ_ONLY)
    if data.get("admin_min_length", 0) < data.get("min_length", 0):
        raise DomainError("三员密码最小长度不能小于普通用户的最小长度")
    with transaction.atomic():
        row, _ = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
        if loaded_at and row.updated_at and row.updated_at.isoformat() != loaded_at:
            raise ConflictError("安全策略已被他人修改，请刷新页面后重新设置")
        before = audit.snapshot(row, POLICY_FIELDS)
        for name in POLICY_FIELDS:
            if name in data:
                setattr(row, name, data[name])
        row.updated_by = actor
        row.full_clean()
        row.save()
        audit.record(
            actor=actor,
            event_type="security.policy_update",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, POLICY_FIELDS)),
        )
    return row


# ---- second factor (TOTP) ------------------------------------------------------------------------------------------

FINANCE_ROLES = frozenset({Role.PERFORMANCE, Role.BUDGET, Role.BUSINESS})


def totp_required(user: Any, rules: SecurityPolicy | None = None) -> bool:
    """Mandatory for 三员 and finance-bureau staff unless the security administrator switched it off."""
    rules = rules or policy()
    roles = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
    return bool(
        (rules.totp_required_admins and roles & THREE_ADMINS) or (rules.totp_required_finance and roles & FINANCE_ROLES)
    )


def active_user(pk: Any) -> User | None:
    try:
        return User.objects.filter(pk=int(pk), is_active=True).first()
    except (TypeError, ValueError):
        return None


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def needs_second_factor(user: Any) -> bool:
    return totp_device(user) is not None or totp_required(user)


def totp_pending_device(user: Any) -> TOTPDevice:
    """The device being enrolled (a fresh secret until it is confirmed with a first code)."""
    device, created = TOTPDevice.objects.get_or_create(user=user, defaults={"secret": totp.new_secret()})
    if not created and device.confirmed_at is None and not device.secret:
        device.secret = totp.new_secret()
        device.save(update_fields=["secret"])
    return device


def totp_check(user: Any, code: str, *, now: float | None = None) -> bool:
    """Verify a code for login or enrollment; a confirmed code cannot be replayed. Audited either way."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        step = None if device is None else totp.verify(device.secret, code, last_step=device.last_step, now=now)
        if device is None or step is None:
            audit.record(
                actor=user,
                event_type="auth.totp_failed",
                obj=user,
                outcome=AuditEvent.Outcome.FAILURE,
                reason="动态口令错误",
            )
            failed = True
        else:
            enrolled = device.confirmed_at is None
            device.last_step = step
            device.confirmed_at = device.confirmed_at or timezone.now()
            device.save(update_fields=["last_step", "confirmed_at"])
            if enrolled:
                audit.record(actor=user, event_type="auth.totp_enrolled", obj=user)
            failed = False
    if failed:
        register_failure(user.get_username())
    return not failed


def totp_disable(*, actor: Any, user: Any, code: str) -> None:
    """Turn the authenticator off, proven with a current code: a session left open (or stolen) alone cannot drop the
    second factor. A wrong code counts towards the login lock, as at login."""
    if totp_required(user):
        raise DomainError("按安全策略，您的账号必须使用动态口令，不能停用")
    if not (code or "").strip():
        raise DomainError("停用动态口令须输入验证器上当前显示的6位动态口令")
    if not totp_check(user, code):
        raise DomainError("动态口令错误或已使用过，请输入验证器上当前显示的6位数字")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=actor, event_type="auth.totp_disabled", obj=user)
