"""制度办法: the register of the performance-management rules a finance bureau issued, forwarded or revised (the
“1+X” system of seeds 000 and 002: one comprehensive 办法 plus one per stage). Rows are the bureau's own; everyone
on staff reads the rules of their own region and of the regions above it, which bind them too."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jixiao.core import config_rows
from jixiao.core.models import StoredFile, TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel


class RegulationCategory(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合管理")  # the “1” of “1+X”
    PREASSESSMENT = "preassessment", _("事前绩效评估")
    TARGETS = "targets", _("绩效目标管理")
    MONITORING = "monitoring", _("绩效运行监控")
    EVALUATION = "evaluation", _("绩效评价")
    RESULTS = "results", _("评价结果应用")
    DISCLOSURE = "disclosure", _("绩效信息公开")
    THIRD_PARTY = "third_party", _("第三方机构与专家管理")
    OTHER = "other", _("其他")


class RegulationAction(models.TextChoices):
    ISSUED = "issued", _("出台")
    FORWARDED = "forwarded", _("转发")
    REVISED = "revised", _("修订")


class RegulationQuerySet(ScopedQuerySet["Regulation"]):
    """Finance staff, leaders and oversight read their region's subtree; everyone on staff reads the rules of their
    own region and the regions above it (a county's units follow the province's 办法 as well as the county's)."""

    def scope(self, membership: Any) -> ScopedQuerySet[Regulation]:
        region = membership.region
        if region is None or membership.scope_level == ScopeLevel.NONE:  # experts, agencies, the 三员
            return self.none()
        visible = Q(region__mof_div_code__in=config_rows.ancestor_codes(region))
        if membership.scope_level == ScopeLevel.REGION:
            visible |= Q(region__path__startswith=region.path)
        return self.filter(visible, is_deleted=False)  # type: ignore[return-value]


class Regulation(TimeStampedModel):
    Category = RegulationCategory
    Action = RegulationAction

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    # The year the rule counts for (the year of its date), kept as a column for the yearly totals.
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("制度名称"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=60, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=RegulationCategory.choices)
    action = models.CharField(_("方式"), max_length=20, choices=RegulationAction.choices)
    issuer = models.CharField(_("发文单位"), max_length=150)
    issued_on = models.DateField(_("印发日期"))
    is_current = models.BooleanField(_("现行有效"), default=True)
    note = models.TextField(_("说明"), blank=True, max_length=4000)

    objects = RegulationQuerySet.as_manager()

    class Meta:
        verbose_name = _("制度办法")
        verbose_name_plural = _("制度办法")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        return self.title


class RegulationFile(StoredFile):
    """The document itself (正文, 附件) as a `StoredFile` (decision 0006) with its SHA-256 and 说明."""

    storage_folder = "regulations"

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("制度文件")
        verbose_name_plural = _("制度文件")
        ordering = ["id"]
