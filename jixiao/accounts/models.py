"""Users and their memberships. A user may hold several memberships (role + organisation) and switch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.accounts.capabilities import (
    ROLE_ORG_SCOPE,
    ROLE_SCOPE,
    Role,
    capabilities_for,
)
from jixiao.core.scoping import ScopeLevel


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

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
        return f"{self.get_role_display()} · {self.organization_label}"

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
