"""Users and their memberships. A user may hold several memberships (role + organisation) and switch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.accounts.capabilities import (
    ROLE_ORG_SCOPE,
    ROLE_SCOPE,
    THREE_ADMINS,
    Role,
    capabilities_for,
)
from jixiao.core.fields import EncryptedTextField
from jixiao.core.scoping import ScopeLevel


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # The one live session of an account limited to a single session (三员, SECURITY.md §1.2).
    current_session_key = models.CharField(_("当前会话"), max_length=64, blank=True, editable=False)
    # The region of the administrator who opened the account (docs/security.md §Accounts): while the account holds
    # no role it is managed there (and above); once it holds one, its memberships decide. Empty for accounts opened
    # outside the console (manage.py shell) or whose opening cannot be traced: only top-level administrators see
    # those while they hold no role.
    home_region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("开户区划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            # AbstractUser's `unique` is case-sensitive (PostgreSQL, SQLite): "Zhang" beside "zhang" would be two
            # accounts that look alike and share one login lock (security.py counts failures per lower-cased name).
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("用户名已存在（不区分大小写）"),
            ),
        ]

    # The user's active memberships, read once per request by ActiveMembershipMiddleware (None outside requests).
    active_memberships: list[Membership] | None = None

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def active_membership(self) -> Membership | None:
        """The membership the user is acting under (set per request by the middleware; first active otherwise)."""
        cached = getattr(self, "_active_membership", None)
        if cached is not None:
            return cached
        membership = (
            self.memberships.filter(is_active=True)
            .select_related("region", "section", "department", "unit")
            .order_by("id")
            .first()
        )
        self._active_membership = membership
        return membership

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_three_admin(self) -> bool:
        """Holds a 系统/安全/审计管理员 membership: stricter password, lockout and session rules apply."""
        return self.memberships.filter(is_active=True, role__in=list(THREE_ADMINS)).exists()

    def set_active_membership(self, membership: Membership | None) -> None:
        self._active_membership = membership

    def can(self, capability: str) -> bool:
        membership = self.active_membership
        return membership is not None and membership.can(capability)


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    section = models.ForeignKey(
        "organizations.FinanceSection",
        verbose_name=_("股室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit",
        verbose_name=_("预算单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user", "id"]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        role, organization = self.get_role_display(), self.organization_label
        if organization == role:  # 绩效股 of 绩效股: name the region instead ("绩效股 · 渠县")
            organization = str(self.region)
        return f"{role} · {organization}"

    @property
    def organization_label(self) -> str:
        for attr in ("unit", "department", "section"):
            value: Any = getattr(self, attr)
            if value is not None:
                return str(value)
        return str(self.region)

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities_for(self.role)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def scope_level(self) -> str:
        return ROLE_SCOPE.get(self.role, ScopeLevel.NONE)

    @property
    def org_scope_level(self) -> str:
        return ROLE_ORG_SCOPE.get(self.role, ScopeLevel.NONE)


def _bounded(label: str, default: int, low: int, high: int, help_text: str = "") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(low), MaxValueValidator(high)], help_text=help_text
    )


class SecurityPolicy(models.Model):
    """Login, password and session rules (SECURITY.md §1.2), one row, set by the security administrator."""

    min_length = _bounded("密码最小长度", 8, 8, 64)
    admin_min_length = _bounded("三员密码最小长度", 12, 8, 64)
    min_classes = _bounded("至少包含的字符类别数", 3, 1, 4, "大写字母、小写字母、数字、符号四类")
    history_count = _bounded("不得与最近几次密码相同", 5, 0, 24)
    max_age_days = _bounded("密码有效期（天）", 90, 1, 365)
    lockout_threshold = _bounded("连续失败几次锁定", 5, 3, 20)
    lockout_window_minutes = _bounded("失败计数时间窗（分钟）", 15, 1, 1440)
    lockout_minutes = _bounded("锁定时长（分钟）", 15, 1, 1440)
    admin_lockout_minutes = _bounded("三员锁定时长（分钟）", 30, 1, 1440)
    idle_minutes = _bounded("空闲超时（分钟）", 30, 1, 480)
    admin_idle_minutes = _bounded("三员空闲超时（分钟）", 15, 1, 480)
    absolute_hours = _bounded("会话最长时间（小时）", 8, 1, 24)
    admin_single_session = models.BooleanField(_("三员账号只允许一个会话"), default=True)
    totp_required_admins = models.BooleanField(_("三员账号必须使用动态口令"), default=True)
    totp_required_finance = models.BooleanField(_("财政局股室人员必须使用动态口令"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")

    def __str__(self) -> str:
        return "安全策略"


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, so a new password can be refused if it was used recently."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class LoginLock(models.Model):
    """Consecutive failed logins per username (existing or not: no enumeration) and the lock they cause."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    failures = models.PositiveSmallIntegerField(_("连续失败次数"), default=0)
    first_failure_at = models.DateTimeField(_("首次失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        ordering = ["-locked_until"]

    def __str__(self) -> str:
        return self.username


class TOTPDevice(models.Model):
    """A user's authenticator (RFC 6238). The secret is SM4-GCM encrypted at rest; `last_step` stops code replay."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(_("最近使用的时间步"), null=True, blank=True)

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    def __str__(self) -> str:
        return f"{self.user_id} TOTP"
