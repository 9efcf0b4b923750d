"""季度检查: the finance sections' quarterly checks of their 对口 departments' (and towns') special-purpose funds
(seed 003, 宁陕: “按照股室联镇、联部门财务检查指导任务，每季度对部门专项业务经费使用情况进行检查，提出问题和意见”).

One row is one check of one 主管部门 in one quarter: when, by whom, what was checked, the problems found and the
opinions given. A check that found problems is a candidate in 问题整改 → 待整改问题 (source 股室季度检查,
`rectification.sources`), taken up once like the other stages' problems.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel, whole_departments_q

DEFAULT_SUBJECT = "部门专项业务经费使用情况"
QUARTERS = ((1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度"))


class InspectionQuerySet(ScopedQuerySet["Inspection"]):
    """The region's staff and leaders see the subtree's checks, a business section those of its 对口 departments, a
    department those of itself (the problems and opinions are addressed to it). Units and outside roles see none."""

    def scope(self, membership: Any) -> ScopedQuerySet[Inspection]:
        if membership.region is None or membership.scope_level in (ScopeLevel.NONE, ScopeLevel.UNIT):
            return self.none()
        whole = whole_departments_q(membership, "department")
        if whole is None:
            return self.none()
        qs = self.filter(is_deleted=False, region_id__in=membership.region.subtree_ids)
        return qs.filter(whole)  # type: ignore[return-value]


class Inspection(TimeStampedModel):
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    quarter = models.PositiveSmallIntegerField(
        _("季度"), choices=QUARTERS, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("被检查部门"), on_delete=models.PROTECT, related_name="+"
    )
    section = models.ForeignKey(
        "organizations.FinanceSection",
        verbose_name=_("检查股室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    subject = models.CharField(_("检查内容"), max_length=200, default=DEFAULT_SUBJECT)
    findings = models.TextField(_("发现问题"), blank=True, max_length=4000)
    opinions = models.TextField(_("意见建议"), blank=True, max_length=4000)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("季度检查")
        verbose_name_plural = _("季度检查")
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["region", "fiscal_year", "quarter"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="inspection_quarter_1_4")
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年{self.get_quarter_display()}检查：{self.department}"  # type: ignore[attr-defined]

    @property
    def has_problems(self) -> bool:
        return bool(self.findings.strip())
