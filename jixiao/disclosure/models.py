"""信息公开 (DOMAIN.md §2.6, §6.6): what is to be published, its review, and the frozen snapshot the public site reads.

A `Disclosure` item points at its source (an approved target, a self-evaluation, a key evaluation, a monitoring
round; none for the region's indicator library and its 涉农整合资金项目公告). When it is published, what the public
may see is copied into `snapshot` (and `snapshot_file` for a report file): the public site and the open data read
only those copies, so later edits of the source never leak.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearSettings


class DisclosureSettings(RegionYearSettings):
    """Disclosure deadline per region and year (most specific row wins; the national default is a data row)."""

    days_after_approval = models.PositiveSmallIntegerField(
        _("批复（审定）后公开期限（日）"), default=20, validators=[MaxValueValidator(365)]
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("信息公开设置")
        verbose_name_plural = _("信息公开设置")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_disclosure_settings_region_year", nulls_distinct=False
            )
        ]


class ItemType(models.TextChoices):
    TARGET_TABLE = "TARGET_TABLE", _("项目绩效目标表")
    DEPT_OVERALL_TARGET = "DEPT_OVERALL_TARGET", _("部门整体绩效目标表")
    SELF_EVAL_REPORT = "SELF_EVAL_REPORT", _("绩效自评结果")
    KEY_EVAL_REPORT = "KEY_EVAL_REPORT", _("重点绩效评价报告")
    MONITOR_SUMMARY = "MONITOR_SUMMARY", _("绩效运行监控情况")
    INDICATOR_LIBRARY = "INDICATOR_LIBRARY", _("绩效指标体系")
    AGRI_FUND_NOTICE = "AGRI_FUND_NOTICE", _("涉农整合资金项目公告")


class DisclosureStatus(models.TextChoices):
    PENDING = "pending", _("待提交")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已公开")
    EXEMPT_SECRET = "exempt_secret", _("不予公开（涉密）")
    EXEMPT_SENSITIVE = "exempt_sensitive", _("不予公开（敏感）")
    EXEMPT_OTHER = "exempt_other", _("不予公开（其他）")
    WITHDRAWN = "withdrawn", _("已撤回")


EXEMPT_STATUSES = (DisclosureStatus.EXEMPT_SECRET, DisclosureStatus.EXEMPT_SENSITIVE, DisclosureStatus.EXEMPT_OTHER)
OPEN_STATUSES = (DisclosureStatus.PENDING, DisclosureStatus.REVIEW)
SEARCH_TEXT_MAX = 700


class Exemption(models.TextChoices):
    """What a proposer asks for when the item should not be published."""

    SECRET = "secret", _("涉密")
    SENSITIVE = "sensitive", _("敏感")
    OTHER = "other", _("其他原因")


class Channel(models.TextChoices):
    PORTAL = "portal", _("本系统公开网站")
    GOV_PORTAL = "gov_portal", _("人民政府门户网站")
    OTHER = "other", _("其他")


def hidden_as_secret_q() -> models.Q:
    """`DisclosureQuerySet.hidden_as_secret` as a condition, for the internal counts' conditional aggregates and the
    list filters: published, and of a department or unit flagged 涉密 since."""
    secret = models.Q(department__is_secret=True) | models.Q(unit__is_secret=True)
    return models.Q(secret, status=DisclosureStatus.PUBLISHED)


def shown_q() -> models.Q:
    """Published and still shown on the public site (`DisclosureQuerySet.published` without `is_deleted`)."""
    return models.Q(
        models.Q(department__isnull=True) | models.Q(department__is_secret=False),
        models.Q(unit__isnull=True) | models.Q(unit__is_secret=False),
        status=DisclosureStatus.PUBLISHED,
    )


class DisclosureQuerySet(BusinessRowQuerySet["Disclosure"]):
    """Scope: core.scoping.BusinessRowQuerySet (region-level items, without department or unit, are seen by region
    roles only). The public site never uses this: it reads `published()` snapshots."""

    def scope(self, membership: Any) -> ScopedQuerySet[Disclosure]:
        if membership.scope_level == ScopeLevel.NONE:
            return self.none()  # type: ignore[return-value]
        return super().scope(membership)

    def hidden_as_secret(self) -> DisclosureQuerySet:
        """Published items the public site no longer shows because their department or unit was flagged 涉密 after
        publication (`published` leaves them out): withheld for 涉密 as much as an item exempted as 涉密."""
        return self.filter(hidden_as_secret_q(), is_deleted=False)

    def published(self) -> DisclosureQuerySet:
        """What the public may read: published, and not of a department or unit flagged 涉密 (flagged after
        publication, the item leaves every public page, file and open-data set at once, status unchanged)."""
        return self.filter(shown_q(), is_deleted=False)


def snapshot_path(instance: Disclosure, filename: str) -> str:
    # A generated name: the public download never exposes internal file names or paths.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"disclosure/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class Disclosure(TimeStampedModel):
    ItemType = ItemType
    Status = DisclosureStatus

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    item_type = models.CharField(_("公开事项"), max_length=24, choices=ItemType.choices, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
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
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("来源类型"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=DisclosureStatus.choices, default=DisclosureStatus.PENDING, db_index=True
    )
    requested_exemption = models.CharField(_("申请不予公开"), max_length=10, choices=Exemption.choices, blank=True)
    exempt_reason = models.CharField(_("不予公开理由"), max_length=1000, blank=True)
    withdraw_reason = models.CharField(_("撤回理由"), max_length=1000, blank=True)
    due_date = models.DateField(_("公开期限"), null=True, blank=True, db_index=True)
    channel = models.CharField(_("公开渠道"), max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公开审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    snapshot = models.JSONField(_("公开内容快照"), default=dict, blank=True)
    snapshot_file = models.FileField(_("公开文件"), upload_to=snapshot_path, max_length=200, blank=True)
    snapshot_file_name = models.CharField(_("公开文件名"), max_length=200, blank=True)
    # Target tables only: the target's goal_version the snapshot froze. An adjustment approved after publication
    # makes the published table outdated (selectors.outdated_q) until it is republished (更新公开内容).
    source_version = models.PositiveSmallIntegerField(_("公开时的目标版本"), null=True, blank=True, editable=False)
    # What the public site's 关键词 matches: the snapshot's name, unit and 主管部门 (snapshots.search_text), written
    # with the snapshot at publish time, so a search matches what is shown and never reads the snapshot JSON.
    search_text = models.CharField(_("公开检索文本"), max_length=SEARCH_TEXT_MAX, blank=True, editable=False)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("信息公开事项")
        verbose_name_plural = _("信息公开事项")
        ordering = ["-fiscal_year", "item_type", "department_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "subject_type", "subject_id"],
                condition=models.Q(subject_id__isnull=False),
                name="uniq_disclosure_per_subject",
            ),
            models.UniqueConstraint(
                fields=["item_type", "region", "fiscal_year"],
                condition=models.Q(subject_id__isnull=True),
                name="uniq_disclosure_region_item",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status", "item_type"]),
            models.Index(fields=["department", "fiscal_year"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_type_display()}：{self.title}"

    @property
    def is_exempt(self) -> bool:
        return self.status in EXEMPT_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_date is not None and self.due_date < timezone.localdate()


class DisclosureEvent(WorkflowEvent):
    """A transition: the history shown on the item page (and part of the audit trail)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=DisclosureStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=DisclosureStatus.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("信息公开流转记录")

    def __str__(self) -> str:
        return f"{self.disclosure_id} {self.action}"
