"""Account writes: creating users (one by one or from a workbook), resetting passwords, granting and revoking
roles, switching the acting membership."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from jixiao.accounts import security, selectors
from jixiao.accounts.capabilities import ROLE_REQUIRES, THREE_ADMINS, Role
from jixiao.accounts.columns import UserImportRow
from jixiao.accounts.models import Membership, User
from jixiao.core import audit
from jixiao.core.errors import DomainError, NotFoundError
from jixiao.core.models import AuditEvent
from jixiao.core.permissions import require
from jixiao.core.spreadsheets import CellError, ImportRejectedError

PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!@#$%^&*"


def generate_password(length: int = 14) -> str:
    """A random password with all four character classes (SECURITY.md §1.2)."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in "!@#$%^&*" for c in password),
        ]
        if all(classes):
            return password


RESERVED_USERNAMES = frozenset({"admin", "root", "test"})
USERNAME_MAX = 150
DISPLAY_NAME_MAX = 50
TAKEN = "用户名已存在（不区分大小写）"


def username_problem(username: str) -> str:
    """Why this (stripped) user name cannot be given to a new account, in Chinese; "" when it can (apart from being
    taken already, which needs the database)."""
    if not username:
        return "用户名不能为空"
    if len(username) > USERNAME_MAX:
        return f"用户名不能超过{USERNAME_MAX}个字符"
    if username.lower() in RESERVED_USERNAMES:
        return "不允许使用 admin、root、test 等默认账号名"
    try:
        User.username_validator(username)
    except ValidationError:
        return "用户名只能包含字母、数字和 @ . + - _"
    return ""


def _new_user(username: str, display_name: str) -> tuple[User, str]:
    """An unsaved account with a random single-use password (hashed here, outside any transaction: a slow hasher
    must not hold the database's write lock)."""
    password = generate_password()
    user = User(username=username, display_name=display_name, must_change_password=True)
    user.set_password(password)
    return user, password


def _save_new_user(actor: Any, user: User, reason: str = "") -> None:
    user.save()
    audit.record(
        actor=actor,
        event_type="user.create",
        obj=user,
        changes={"username": [None, user.username], "display_name": [None, user.display_name]},
        reason=reason,
    )


def user_create(*, actor: Any, username: str, display_name: str) -> tuple[User, str]:
    """Create an account with a random single-use initial password (the user must change it at first login)."""
    require(actor, "users.manage")
    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise DomainError(problem)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"用户名“{username}”已存在")
    user, password = _new_user(username, display_name.strip())
    with transaction.atomic():
        _save_new_user(actor, user)
    return user, password


def users_import(*, actor: Any, rows: list[UserImportRow]) -> list[tuple[User, str]]:
    """批量开通账号: every row becomes an account with its own random single-use password, all or nothing.

    Returns (user, initial password) pairs for the one response that hands them over; the passwords are not kept
    anywhere else. Raises ImportRejectedError with per-cell errors (nothing written)."""
    require(actor, "users.manage")
    errors = _user_import_errors(rows)
    if errors:
        _record_import_failure(actor, "user.import", "accounts.user", "批量开通账号", errors)
        raise ImportRejectedError(errors)
    created = [_new_user(row.username, row.display_name) for row in rows]
    try:
        with transaction.atomic():
            # Re-checked under the transaction: a name taken since the check above refuses the whole file.
            taken = selectors.taken_usernames([row.username for row in rows])
            if taken:
                raise ImportRejectedError(_user_import_errors(rows))
            for user, _password in created:
                _save_new_user(actor, user, reason="批量开通账号")
            audit.record(
                actor=actor,
                event_type="user.import",
                object_type="accounts.user",
                reason=f"批量开通账号{len(created)}个",
            )
    except ImportRejectedError as exc:
        _record_import_failure(actor, "user.import", "accounts.user", "批量开通账号", exc.errors)
        raise
    return created


def users_import_errors(*, actor: Any, rows: list[UserImportRow]) -> list[CellError]:
    """The rows' errors that need the database (names taken), without writing: reported together with the parser's
    errors, so a file is not corrected in two rounds."""
    require(actor, "users.manage")
    return _user_import_errors(rows)


def _user_import_errors(rows: list[UserImportRow]) -> list[CellError]:
    taken = selectors.taken_usernames([row.username for row in rows])
    return [
        CellError(row.row, "用户名", row.username, TAKEN)
        for row in rows
        if row.username and row.username.lower() in taken
    ]


def _record_import_failure(actor: Any, event_type: str, object_type: str, what: str, errors: list[CellError]) -> None:
    audit.record(
        actor=actor,
        event_type=event_type,
        object_type=object_type,
        outcome=AuditEvent.Outcome.FAILURE,
        reason=f"{what}未完成：发现{len(errors)}处错误，所有数据均未写入",
    )


def user_password_reset(*, actor: Any, user: User) -> str:
    """重置密码: a new random single-use password (changed at the next login), the login lock lifted and the
    user's sessions ended. Returns the password for the one response that shows it."""
    require(actor, "users.manage")
    if user.pk == actor.pk:
        raise DomainError("不能重置自己的密码，请使用“修改密码”")
    if not selectors.users_for_admin(actor=actor).filter(pk=user.pk).exists():
        raise NotFoundError("用户不存在")
    if user.is_three_admin:
        # Whoever learns the new password can act as that administrator: one admin must not take over another.
        raise DomainError("三员分立：不能在此重置系统管理员、安全管理员、审计管理员账号的密码")
    password = generate_password()
    before = user.must_change_password
    user.set_password(password)
    user.must_change_password = True
    with transaction.atomic():
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        unlocked = security.clear_failures(user.get_username())
        # Other sessions also fail Django's session hash check once the password changed; the tracked one is
        # deleted outright so its row does not linger.
        ended = security.end_session(user.current_session_key)
        notes = [
            "首次登录须修改密码",
            *(["已解除登录锁定"] if unlocked else []),
            *(["已结束登录会话"] if ended else []),
        ]
        audit.record(
            actor=actor,
            event_type="user.password_reset",
            obj=user,
            changes={"must_change_password": [before, True]},
            reason="；".join(notes),
        )
    return password


def user_set_active(*, actor: Any, user: User, is_active: bool) -> User:
    require(actor, "users.manage")
    if user.pk == actor.pk:
        raise DomainError("不能停用自己的账号")
    with transaction.atomic():
        before = user.is_active
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            event_type="user.enable" if is_active else "user.disable",
            obj=user,
            changes={"is_active": [before, is_active]},
        )
    return user


def _validate_membership(user: User, role: str, orgs: dict[str, Any]) -> None:
    if role not in Role.values:
        raise DomainError("角色无效")
    needed = ROLE_REQUIRES.get(role)
    if needed and orgs.get(needed) is None:
        labels = {"section": "股室", "department": "主管部门", "unit": "预算单位"}
        raise DomainError(f"“{Role(role).label}”角色必须指定{labels[needed]}")
    held = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
    if role in THREE_ADMINS and (held - {role}):
        raise DomainError("三员分立：系统管理员、安全管理员、审计管理员不能与其他角色由同一账号兼任")
    if role not in THREE_ADMINS and held & THREE_ADMINS:
        raise DomainError("三员分立：该账号已是管理员账号，不能再授予业务角色")


def user_password_changed(*, user: User) -> User:
    """After the user set a new password: the forced change is done; audited."""
    with transaction.atomic():
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        audit.record(actor=user, event_type="auth.password_change", obj=user)
    return user


def membership_grant(
    *, actor: Any, user: User, role: str, region: Any, section: Any = None, department: Any = None, unit: Any = None
) -> Membership:
    require(actor, "roles.grant")
    if user.pk == actor.pk:
        raise DomainError("不能给自己授权")
    orgs = {"section": section, "department": department, "unit": unit}
    scope = actor.active_membership.region.path
    if not region.path.startswith(scope) or any(
        org is not None and not org.region.path.startswith(scope) for org in orgs.values()
    ):
        raise NotFoundError("财政区划或单位不存在")
    with transaction.atomic():
        _validate_membership(user, role, orgs)
        membership = Membership.objects.create(user=user, role=role, region=region, **orgs)
        audit.record(
            actor=actor,
            event_type="membership.grant",
            obj=membership,
            changes={
                "user": [None, user.username],
                "role": [None, role],
                "organization": [None, membership.organization_label],
            },
        )
    return membership


def membership_revoke(*, actor: Any, membership: Membership) -> Membership:
    require(actor, "roles.grant")
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit.record(actor=actor, event_type="membership.revoke", obj=membership, changes={"is_active": [True, False]})
    return membership


def membership_switch(*, user: User, membership_id: int) -> Membership:
    membership = (
        user.memberships.filter(pk=membership_id, is_active=True)
        .select_related("region", "section", "department", "unit")
        .first()
    )
    if membership is None:
        raise NotFoundError("身份不存在")
    user.set_active_membership(membership)
    audit.record(actor=user, event_type="membership.switch", obj=membership)
    return membership
