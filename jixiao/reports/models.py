"""统计分析与年度总结 models: the annual work summary (DOMAIN.md §2.9, §6.8 `AnnualReport`).

Dashboards keep no rows of their own: they read the other stages through set-based selectors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel


def _empty_dict() -> dict[str, Any]:
    return {}


class AnnualReportQuerySet(ScopedQuerySet["AnnualReport"]):
    """A region's summary is the finance bureau's: region-level roles (performance section, budget section,
    leaders, oversight) of the region or above see it; departments and units do not."""

    def scope(self, membership: Any) -> ScopedQuerySet[AnnualReport]:
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()  # type: ignore[return-value]
        return self.filter(is_deleted=False, region__path__startswith=membership.region.path)  # type: ignore[return-value]


class AnnualReport(TimeStampedModel):
    class Kind(models.TextChoices):
        UPWARD = "UPWARD", _("向上级报送的工作总结")
        PUBLIC = "PUBLIC", _("对外公开的工作情况说明")
        # Seed 004's structure: 工作开展情况 / 取得的成效 / 存在的不足 / 下一步工作打算及建议.
        EFFECTS = "EFFECTS", _("工作总结（开展情况、成效、不足、打算）")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FINAL = "final", _("已定稿")

    # CASCADE: a region's summaries go with the region (the demo reset removes its county this way); they are
    # derived from the region's records and hold no data of their own besides the edited text.
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.CASCADE, related_name="+"
    )
    work_year = models.PositiveSmallIntegerField(_("工作年度"), db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(
        _("评价对象年度"), help_text=_("自评、再评价、重点评价等统计所取的预算年度，默认为工作年度的上一年度")
    )
    kind = models.CharField(_("报告类型"), max_length=10, choices=Kind.choices, default=Kind.UPWARD)
    title = models.CharField(_("标题"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=50, blank=True)
    addressees = models.CharField(_("主送机关"), max_length=300, blank=True)
    # {key: {"title", "text", "generated", "edited"}}: the narrative, editable before export.
    sections = models.JSONField(_("正文各部分"), default=_empty_dict, blank=True)
    # {code: {"label", "values", "params", "sentence"}}: the §2.9 figures as computed at generation.
    statistics = models.JSONField(_("统计数据快照"), default=_empty_dict, blank=True)
    self_score = models.DecimalField(_("考核自评得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    exported_at = models.DateTimeField(_("最近导出时间"), null=True, blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度工作总结")
        verbose_name_plural = _("年度工作总结")
        ordering = ["-work_year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "work_year", "kind"],
                condition=models.Q(is_deleted=False),
                name="uniq_annual_report_region_year_kind",
            )
        ]

    def __str__(self) -> str:
        return self.title
