"""指标库: indicator frameworks (一级/二级 by version), categories, library items (DOMAIN.md §2.2, §6.1)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionalRow

# The national default when no region or year chose another framework (still common in counties).
DEFAULT_FRAMEWORK_CODE = "2015_88"


class IndicatorFramework(models.Model):
    """A version of the 一级/二级 indicator hierarchy (`2015_88`, `2021_101` or a custom one)."""

    code = models.CharField(_("体系编码"), max_length=20, unique=True)
    name = models.CharField(_("体系名称"), max_length=100)
    basis = models.CharField(_("制度依据"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class FrameworkNode(models.Model):
    """A 一级 (level 1) or 二级 (level 2) indicator of a framework; 三级 indicators are library items."""

    class Level(models.IntegerChoices):
        FIRST = 1, _("一级指标")
        SECOND = 2, _("二级指标")

    framework = models.ForeignKey(
        IndicatorFramework, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="nodes"
    )
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=50)
    default_weight = models.DecimalField(_("默认分值"), max_digits=5, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标层级")
        verbose_name_plural = _("指标层级")
        ordering = ["framework", "level", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="uniq_framework_node_code"),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level=2, parent__isnull=False),
                name="framework_node_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FrameworkChoice(RegionalRow):
    """Which framework a region uses from a fiscal year on (region empty = every region)."""

    framework = models.ForeignKey(
        IndicatorFramework, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="choices"
    )
    effective_from_year = models.PositiveSmallIntegerField(_("起始年度"), help_text=_("自该年度起适用"))
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指标体系适用设置")
        verbose_name_plural = _("指标体系适用设置")
        ordering = ["-effective_from_year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from_year"], name="uniq_framework_choice"),
            models.UniqueConstraint(
                fields=["effective_from_year"], condition=Q(region__isnull=True), name="uniq_framework_choice_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region or '全部区划'} {self.effective_from_year}年起 {self.framework}"


class IndicatorCategory(models.Model):
    """行业/领域 tree. A child's code starts with its parent's code, so a subtree is one prefix match."""

    code = models.CharField(_("分类编码"), max_length=20, unique=True)
    name = models.CharField(_("分类名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行业领域分类")
        verbose_name_plural = _("行业领域分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Operator(models.TextChoices):
    """指标性质 / 计算符号 (`computesign`)."""

    GTE = "gte", "≥"
    GT = "gt", ">"
    EQ = "eq", "="
    LTE = "lte", "≤"
    LT = "lt", "<"
    QUALITATIVE = "qual", _("定性")


class ValueBasis(models.TextChoices):
    """取值依据 (101号; 10号 art. 19)."""

    PLAN = "plan", _("计划标准")
    INDUSTRY = "industry", _("行业标准")
    HISTORY = "history", _("历史标准")
    BUDGET = "budget", _("预算支出标准")
    OTHER = "other", _("其他")


class LibraryLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    DEPT = "dept", _("部门")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REVIEWED = "reviewed", _("业务股室已初审")
    APPROVED = "approved", _("已入库")
    RETURNED = "returned", _("被退回")
    DISABLED = "disabled", _("已停用")


def _region_reach(membership: Any) -> Q:
    """Items of the user's region, its ancestors (province/city libraries), its subtree, and shared items."""
    path: str = membership.region.path
    ancestors = [code for code in path.split("/") if code]
    return Q(region__isnull=True) | Q(region__mof_div_code__in=ancestors) | Q(region__path__startswith=path)


class IndicatorItemQuerySet(ScopedQuerySet["IndicatorLibraryItem"]):
    def scope(self, membership: Any) -> IndicatorItemQuerySet:
        """Approved items: everyone who may read the library. Other statuses: the proposing department,
        the performance section, and the business section 对口 for that department."""
        if not membership.can("indicator.view"):
            return self.none()  # type: ignore[return-value]
        qs = self.filter(is_deleted=False).filter(_region_reach(membership))
        approved = Q(status=ItemStatus.APPROVED)
        in_subtree = Q(region__isnull=True) | Q(region__path__startswith=membership.region.path)
        level = membership.scope_level
        if membership.can("indicator.approve") and level == ScopeLevel.REGION:
            return qs.filter(approved | in_subtree)  # type: ignore[return-value]
        if membership.can("indicator.review") and level == ScopeLevel.SECTION and membership.section_id:
            mine = in_subtree & Q(department__finance_section_id=membership.section_id)
            return qs.filter(approved | mine)  # type: ignore[return-value]
        department_id = _department_id(membership)
        if membership.can("indicator.propose") and department_id:
            return qs.filter(approved | Q(department_id=department_id))  # type: ignore[return-value]
        return qs.filter(approved)  # type: ignore[return-value]


def _department_id(membership: Any) -> int | None:
    if membership.scope_level == ScopeLevel.DEPARTMENT:
        return membership.department_id  # type: ignore[no-any-return]
    if membership.scope_level == ScopeLevel.UNIT and membership.unit_id:
        return membership.unit.department_id  # type: ignore[no-any-return]
    return None


class IndicatorLibraryItem(TimeStampedModel):
    """A 三级 indicator of the library, placed under a 一级/二级 node of one framework."""

    Status = ItemStatus

    code = models.CharField(_("指标编码"), max_length=40, unique=True)
    framework = models.ForeignKey(
        IndicatorFramework, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="items"
    )
    category = models.ForeignKey(
        IndicatorCategory, verbose_name=_("行业领域"), on_delete=models.PROTECT, related_name="items"
    )
    lv1 = models.ForeignKey(FrameworkNode, verbose_name=_("一级指标"), on_delete=models.PROTECT, related_name="+")
    lv2 = models.ForeignKey(FrameworkNode, verbose_name=_("二级指标"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("三级指标名称"), max_length=200)
    is_common = models.BooleanField(_("共性指标"), default=False, help_text=_("否则为个性（特性）指标"))
    operator = models.CharField(_("计算符号"), max_length=4, choices=Operator.choices, default=Operator.GTE)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    typical_value = models.CharField(_("参考指标值"), max_length=1000, blank=True)
    explanation = models.TextField(_("指标解释"), max_length=2000, blank=True)
    scoring_standard = models.TextField(_("评（扣）分标准"), max_length=2000, blank=True)
    value_basis = models.CharField(_("取值依据"), max_length=10, choices=ValueBasis.choices, default=ValueBasis.PLAN)
    data_source = models.CharField(_("数据来源"), max_length=500, blank=True)
    is_core = models.BooleanField(_("核心指标"), default=False)
    library_level = models.CharField(_("指标级次"), max_length=10, choices=LibraryLevel.choices)
    region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("财政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示各区划共用的指标"),
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("提出部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT)

    objects = IndicatorItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标库指标")
        verbose_name_plural = _("指标库指标")
        ordering = ["category__code", "code"]
        indexes = [
            models.Index(fields=["status", "framework"]),
            models.Index(fields=["lv2", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorHistoricalValue(TimeStampedModel):
    """A value actually achieved in a past year (历史标准 for setting new targets)."""

    item = models.ForeignKey(
        IndicatorLibraryItem, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="historical_values"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(_("实际完成值"), max_length=200)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("指标历史值")
        verbose_name_plural = _("指标历史值")
        ordering = ["-fiscal_year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["item", "fiscal_year", "region"], name="uniq_indicator_history_year"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.fiscal_year} {self.value}"


class IndicatorItemEvent(models.Model):
    """A status transition of a library item: the history shown on its page (and part of the audit trail)."""

    item = models.ForeignKey(IndicatorLibraryItem, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=10, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=ItemStatus.choices)
    comment = models.CharField(_("意见"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("指标流转记录")
        verbose_name_plural = _("指标流转记录")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action} {self.from_status}→{self.to_status}"
