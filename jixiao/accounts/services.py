"""Account writes: creating users (one by one or from a workbook), resetting passwords, granting (likewise) and
revoking roles, switching the acting membership."""

from __future__ import annotations

import secrets
import string
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jixiao.accounts import security, selectors
from jixiao.accounts.capabilities import ROLE_REQUIRES, THREE_ADMINS, Role
from jixiao.accounts.columns import GRANT_HEADER, ORG_KEYS, GrantImportRow, UserImportRow
from jixiao.accounts.models import Membership, User
from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, ServiceError
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


def taken_message(username: str) -> str:
    return f"用户名“{username}”已存在（用户名不区分大小写，不能只改大小写重复开通）"


def username_problem(username: str) -> str:
    """Why this (stripped) user name cannot be given to a new account, in Chinese; "" when it can (apart from being
    taken already, which needs the database)."""
    if not username:
        return "用户名不能为空"
    if len(username) > USERNAME_MAX:
        return f"用户名不能超过{USERNAME_MAX}个字符"
    if unicodedata.normalize("NFKC", username) != username:
        # The login form normalises what is typed (NFKC) before authenticate(): `ｚｈａｎｇ` could never log in, and
        # would share `zhang`'s login lock and rate limit.
        return "用户名不能包含全角或兼容字符（如“ｚｈａｎｇ”），请使用半角字母、数字和 @ . + - _"
    if username.lower() in RESERVED_USERNAMES:
        return "不允许使用 admin、root、test 等默认账号名"
    try:
        User.username_validator(username)
    except ValidationError:
        return "用户名只能包含字母、数字和 @ . + - _"
    return ""


def _new_user(username: str, display_name: str, home_region: Any) -> tuple[User, str]:
    """An unsaved account with a random single-use password (hashed here, outside any transaction: a slow hasher
    must not hold the database's write lock), opened in `home_region` (the administrator's region)."""
    password = generate_password()
    user = User(username=username, display_name=display_name, must_change_password=True, home_region=home_region)
    user.set_password(password)
    return user, password


def _save_new_user(actor: Any, user: User, reason: str = "") -> None:
    user.save()
    audit.record(
        actor=actor,
        event_type="user.create",
        obj=user,
        changes={
            "username": [None, user.username],
            "display_name": [None, user.display_name],
            "home_region": [None, user.home_region_id],
        },
        reason=reason,
    )


def user_create(*, actor: Any, username: str, display_name: str) -> tuple[User, str]:
    """Create an account with a random single-use initial password (the user must change it at first login). It is
    opened in the administrator's region: until the 安全管理员 grants it a role, only that region's administrators
    (and those above) manage it."""
    require(actor, "users.manage")
    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise DomainError(problem)
    if selectors.taken_usernames([username]):
        raise DomainError(taken_message(username))
    user, password = _new_user(username, display_name.strip(), actor.active_membership.region)
    try:
        with transaction.atomic():
            _save_new_user(actor, user)
    except IntegrityError:
        # Taken between the check and the insert (two administrators, one name): the database's case-insensitive
        # unique constraint refuses it, and the administrator gets the same answer as above, not a server error.
        if selectors.taken_usernames([username]):
            raise DomainError(taken_message(username)) from None
        raise
    return user, password


def users_import(*, actor: Any, rows: list[UserImportRow]) -> list[tuple[User, str]]:
    """批量开通账号: every row becomes an account with its own random single-use password, all or nothing, opened
    in the administrator's region (like one account).

    Returns (user, initial password) pairs for the one response that hands them over; the passwords are not kept
    anywhere else. Raises ImportRejectedError with per-cell errors (nothing written)."""
    require(actor, "users.manage")
    errors = _user_import_errors(rows)
    if errors:
        _record_import_failure(actor, "user.import", "accounts.user", "批量开通账号", errors)
        raise ImportRejectedError(errors)
    region = actor.active_membership.region
    created = [_new_user(row.username, row.display_name, region) for row in rows]
    try:
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
        except IntegrityError:
            # A name taken by a concurrent creation after the re-check: the unique constraint refused the insert and
            # the transaction rolled back; the rows are reported like any other taken name.
            errors = _user_import_errors(rows)
            if not errors:
                raise
            raise ImportRejectedError(errors) from None
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


def _require_managed_here(actor: Any, user: User, what: str) -> None:
    """Refuse `what` (重置密码, 停用或启用) on an account this administrator may list but not take over: one outside
    their accounts (404), one of the 三员 (three-admin separation: they are handled on the server), or one that also
    holds a role in a region outside theirs (only an administrator over every region the user works in may)."""
    if not selectors.users_for_admin(actor=actor).filter(pk=user.pk).exists():
        raise NotFoundError("用户不存在")
    if user.is_three_admin:
        raise DomainError(f"三员分立：系统管理员、安全管理员、审计管理员账号不能在此{what}")
    scope = actor.active_membership.region.path
    if user.memberships.filter(is_active=True).exclude(region__path__startswith=scope).exists():
        raise PermissionDeniedError(f"该账号在您管理范围以外的财政区划也有角色，不能在此{what}，请由上级系统管理员办理")


def user_password_reset(*, actor: Any, user: User) -> str:
    """重置密码: a new random single-use password (changed at the next login), the login lock lifted and the
    user's sessions ended. Returns the password for the one response that shows it."""
    require(actor, "users.manage")
    if user.pk == actor.pk:
        raise DomainError("不能重置自己的密码，请使用“修改密码”")
    # Whoever learns the new password can act as that account: as another of the 三员, or in the other region.
    _require_managed_here(actor, user, "重置密码")
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
    # Disabling another of the 三员 would let one administrator shut out the one who oversees them; disabling an
    # account that also works in another region stops that region's work.
    _require_managed_here(actor, user, "停用或启用")
    with transaction.atomic():
        # Read under a lock: the state shown on the administrator's page may be stale (another administrator, a
        # second click); asking for the state already in force is refused, never turned into its opposite.
        before = User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
        if before == is_active:
            user.is_active = before
            raise ConflictError(f"该账号已是{'启用' if is_active else '停用'}状态，无需重复操作")
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            event_type="user.enable" if is_active else "user.disable",
            obj=user,
            changes={"is_active": [before, is_active]},
        )
    return user


ORG_LABELS = {"section": "股室", "department": "主管部门", "unit": "预算单位"}


def membership_problem(role: str, orgs: dict[str, Any], held: set[str]) -> str:
    """Why `role` with these organisations cannot be granted to an account already holding the roles `held`, in
    Chinese; "" when it can. The one rule set of 授予角色 and 批量授权."""
    if role not in Role.values:
        return "角色无效"
    needed = ROLE_REQUIRES.get(role)
    # A 主管部门 granted with a unit as well read “主管部门 · 县第一中学” in the top bar and on the list.
    extra = [label for key, label in ORG_LABELS.items() if key != needed and orgs.get(key) is not None]
    if extra:
        return f"“{Role(role).label}”角色不填写{'、'.join(extra)}，请留空"
    if needed and orgs.get(needed) is None:
        return f"“{Role(role).label}”角色必须指定{ORG_LABELS[needed]}"
    if role in THREE_ADMINS and (held - {role}):
        return "三员分立：系统管理员、安全管理员、审计管理员不能与其他角色由同一账号兼任"
    if role not in THREE_ADMINS and held & THREE_ADMINS:
        return "三员分立：该账号已是管理员账号，不能再授予业务角色"
    return ""


def _validate_membership(user: User, role: str, orgs: dict[str, Any]) -> None:
    """Call inside the grant's transaction: the account's row is locked before its roles are read, so two grants
    at the same moment (two administrators, or 批量授权 beside 授予角色) are checked one after the other — else
    both read "no role yet" and one account ends up with two of the 三员 roles (PostgreSQL; SQLite writes one at
    a time anyway)."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    held = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
    problem = membership_problem(role, orgs, held)
    if problem:
        raise DomainError(problem)


def user_password_changed(*, user: User, session_key: str = "") -> User:
    """After the user set a new password: the forced change is done; the session the change was made in (renewed
    by Django with a new key) stays the account's tracked one; audited."""
    with transaction.atomic():
        fields = []
        if user.must_change_password:
            user.must_change_password = False
            fields.append("must_change_password")
        if session_key and user.current_session_key and user.current_session_key != session_key:
            user.current_session_key = session_key
            fields.append("current_session_key")
        if fields:
            user.save(update_fields=fields)
        audit.record(actor=user, event_type="auth.password_change", obj=user)
    return user


def membership_grant(
    *, actor: Any, user: User, role: str, region: Any, section: Any = None, department: Any = None, unit: Any = None
) -> Membership:
    require(actor, "roles.grant")
    if user.pk == actor.pk:
        raise DomainError("不能给自己授权")
    if not selectors.users_for_admin(actor=actor).filter(pk=user.pk).exists():
        # Another region's account (or one opened there and still without a role): not this administrator's to
        # grant, and answered like any other object outside the scope (the form does not even offer it).
        raise NotFoundError("用户不存在")
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
            # Each under its field's name (财政区划, 股室, 主管部门, 预算单位), as the console reads them.
            changes={
                "user": [None, user.username],
                "role": [None, role],
                "region": [None, str(region)],
                **{key: [None, str(org)] for key, org in orgs.items() if org is not None},
            },
        )
    return membership


def memberships_import(*, actor: Any, rows: list[GrantImportRow]) -> dict[str, int]:
    """批量授权, all or nothing: every row is checked first (user, organisations in the actor's region, 三员分立 with
    the roles held and those granted by earlier rows), then each grant goes through membership_grant, audited.
    A grant the user already holds is left as it is (a corrected file can be uploaded again)."""
    require(actor, "roles.grant")
    grants, existing, errors = _grant_plan(actor, rows)
    if errors:
        _record_import_failure(actor, "membership.import", "accounts.membership", "批量授权", errors)
        raise ImportRejectedError(errors)
    try:
        with transaction.atomic():
            for row, fields in grants:
                try:
                    membership_grant(actor=actor, **fields)
                except ServiceError as exc:
                    raise ImportRejectedError([CellError(row.row, "", row.username, exc.message)]) from exc
            audit.record(
                actor=actor,
                event_type="membership.import",
                object_type="accounts.membership",
                reason=f"批量授权：新授权{len(grants)}项，已有授权{existing}项",
            )
    except ImportRejectedError as exc:
        _record_import_failure(actor, "membership.import", "accounts.membership", "批量授权", exc.errors)
        raise
    return {"granted": len(grants), "existing": existing}


def memberships_import_errors(*, actor: Any, rows: list[GrantImportRow]) -> list[CellError]:
    """The rows' errors that need the database (users, organisations, 三员分立), without writing: reported together
    with the parser's errors."""
    require(actor, "roles.grant")
    return _grant_plan(actor, rows)[2]


def _grant_plan(
    actor: Any, rows: list[GrantImportRow]
) -> tuple[list[tuple[GrantImportRow, dict[str, Any]]], int, list[CellError]]:
    refs = selectors.grant_references(actor=actor, rows=rows)
    held = {user_id: set(roles) for user_id, roles in refs.held.items()}  # grows with the file's own grants
    seen: dict[tuple[Any, ...], int] = {}
    grants: list[tuple[GrantImportRow, dict[str, Any]]] = []
    errors: list[CellError] = []
    existing = 0
    for row in rows:
        fields, row_errors = _grant_row(actor, row, refs)
        errors.extend(row_errors)
        if fields is None:
            continue
        user, role = fields["user"], fields["role"]
        key = (user.pk, role, fields["region"].pk, *(getattr(fields[k], "pk", None) for k in ORG_KEYS))
        if key in seen:
            errors.append(CellError(row.row, "用户名", row.username, f"与第{seen[key]}行的授权相同"))
            continue
        seen[key] = row.row
        if key in refs.granted:
            existing += 1
            continue
        problem = membership_problem(role, fields, held.setdefault(user.pk, set()))
        if problem:
            errors.append(CellError(row.row, "角色", str(Role(role).label), problem))
            continue
        held[user.pk].add(role)
        grants.append((row, fields))
    return grants, existing, errors


def _grant_row(
    actor: Any, row: GrantImportRow, refs: selectors.GrantReferences
) -> tuple[dict[str, Any] | None, list[CellError]]:
    """The membership_grant arguments of one row, or None and the row's errors."""
    errors: list[CellError] = []
    user = refs.users.get(row.username.lower()) if row.username else None
    if row.username and user is None:
        errors.append(CellError(row.row, "用户名", row.username[:100], "用户不存在或已停用"))
    elif user is not None and user.pk == actor.pk:
        errors.append(CellError(row.row, "用户名", row.username, "不能给自己授权"))
    region = refs.regions.get(row.region) if row.region else refs.default_region
    if region is None:
        errors.append(CellError(row.row, GRANT_HEADER["region"], row.region, "财政区划不存在"))
    orgs: dict[str, Any] = dict.fromkeys(ORG_KEYS)
    if row.role and region is not None:
        orgs = _grant_orgs(row, region, refs, errors)
    if errors or user is None or not row.role or region is None:
        return None, errors
    return {"user": user, "role": row.role, "region": region, **orgs}, errors


def _grant_orgs(
    row: GrantImportRow, region: Any, refs: selectors.GrantReferences, errors: list[CellError]
) -> dict[str, Any]:
    """The row's organisations: the one its role needs, found in `region`; the others must be left empty."""
    needed = ROLE_REQUIRES.get(row.role)
    orgs: dict[str, Any] = dict.fromkeys(ORG_KEYS)
    for key in ORG_KEYS:
        text, title = row.org_text(key), GRANT_HEADER[key]
        if key != needed:
            if text:
                message = f"“{Role(row.role).label}”角色不填写{title}，请留空"
                errors.append(CellError(row.row, title, text[:100], message))
        elif not text:
            errors.append(CellError(row.row, title, "", membership_problem(row.role, orgs, set())))
        else:
            orgs[key], problem = refs.org(key, region, text)
            if problem:
                errors.append(CellError(row.row, title, text[:100], problem))
    return orgs


def membership_revoke(*, actor: Any, membership: Membership) -> Membership:
    require(actor, "roles.grant")
    if membership.user_id == actor.pk:
        # The security administrator revoking their own role would leave nobody to grant it back.
        raise DomainError("不能撤销自己的授权")
    if not membership.is_active:
        raise ConflictError("该授权已撤销")
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
