"""通报 (DOMAIN.md §2.5 CIRCULAR_*): bulletins generated from the data of a re-evaluation batch, a monitoring round,
the year's key evaluations or the appraisal ranking, kept as a snapshot, and issued as a numbered document."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.documents.models import DocType


class BulletinKind(models.TextChoices):
    RE_EVAL = "RE_EVAL", _("部门自评财政再评价结果通报")
    MONITORING = "MONITORING", _("绩效运行监控结果通报")
    KEY_EVAL = "KEY_EVAL", _("财政重点绩效评价结果通报")
    APPRAISAL = "APPRAISAL", _("考核结果通报")


DOC_TYPES: dict[str, str] = {
    BulletinKind.RE_EVAL: DocType.CIRCULAR_RE_EVAL,
    BulletinKind.MONITORING: DocType.CIRCULAR_MONITORING,
    BulletinKind.KEY_EVAL: DocType.CIRCULAR_KEY_EVAL,
    BulletinKind.APPRAISAL: DocType.CIRCULAR_APPRAISAL,
}
# Kinds generated from one source object (a batch, a round); the others cover the whole year.
KINDS_WITH_SOURCE = {BulletinKind.RE_EVAL, BulletinKind.MONITORING}


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")


class BulletinQuerySet(ScopedQuerySet["Bulletin"]):
    """Finance staff and read-only roles of the region; departments and units receive the issued document. A draft is
    the bureau's document in the making: the read-only oversight (人大, 审计), without `documents.drafts`, reads a
    bulletin once issued, as it reads the 文书 (decision 0008)."""

    def scope(self, membership: Any) -> BulletinQuerySet:
        if membership.scope_level in (ScopeLevel.REGION, ScopeLevel.SECTION):
            rows = self.filter(is_deleted=False, region__path__startswith=membership.region.path)
            if not membership.can("documents.drafts"):
                rows = rows.filter(status=BulletinStatus.ISSUED)
            return rows  # type: ignore[return-value]
        return self.none()  # type: ignore[return-value]


def _empty() -> dict[str, Any]:
    return {}


class Bulletin(TimeStampedModel):
    Kind = BulletinKind
    Status = BulletinStatus

    kind = models.CharField(_("通报类型"), max_length=20, choices=BulletinKind.choices, db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    source_id = models.CharField(_("数据来源ID"), max_length=64, blank=True)
    source_label = models.CharField(_("数据来源"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    narrative = models.TextField(_("通报正文"), max_length=20000, blank=True)
    # The figures, sentences and tables as generated: the bulletin keeps saying what the data said that day.
    snapshot = models.JSONField(_("数据快照"), default=_empty, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT, db_index=True
    )
    document = models.OneToOneField(
        "documents.OfficialDocument",
        verbose_name=_("印发文书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bulletin",
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-fiscal_year", "-id"]
        indexes = [models.Index(fields=["region", "fiscal_year", "kind"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bulletins:detail", args=[self.pk])

    @property
    def doc_type(self) -> str:
        return DOC_TYPES[self.kind]
