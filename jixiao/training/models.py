"""培训管理 (DOMAIN.md §2.8 “Training records”, §6.8): sessions the performance section held or organised."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import StoredFile, TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("业务培训")
    STUDY_VISIT = "study_visit", _("考察学习")
    ON_SITE_GUIDANCE = "on_site_guidance", _("上门指导")


class TrainerType(models.TextChoices):
    THIRD_PARTY_TEACHER = "third_party_teacher", _("第三方机构老师")
    PROVINCIAL_EXPERT = "provincial_expert", _("省级专家")
    EXPERT = "expert", _("专家")
    STAFF = "staff", _("财政干部")


class Audience(models.TextChoices):
    UNIT_LEADERS = "unit_leaders", _("单位负责人")
    FINANCE_STAFF = "finance_staff", _("财务人员")
    PROJECT_STAFF = "project_staff", _("项目人员")
    TOWN_FINANCE_STAFF = "town_finance_staff", _("乡镇财政人员")


def _empty_list() -> list[str]:
    return []


class TrainingQuerySet(ScopedQuerySet["TrainingSession"]):
    """Training records are the bureau's own work: region-wide roles see their region subtree, no one else."""

    def scope(self, membership: Any) -> ScopedQuerySet[TrainingSession]:
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()
        return self.filter(is_deleted=False, region__path__startswith=membership.region.path)  # type: ignore[return-value]


class TrainingSession(TimeStampedModel):
    Kind = TrainingKind

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    # The year the session counts for (the year of its date), kept as a column for the yearly totals.
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    organiser = models.CharField(_("组织单位"), max_length=150)
    trainer_type = models.CharField(_("授课人类型"), max_length=30, choices=TrainerType.choices)
    trainer = models.CharField(_("授课人"), max_length=150, blank=True)
    audience = models.JSONField(_("培训对象"), default=_empty_list, blank=True)
    kind = models.CharField(_("形式"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.TRAINING)
    session_count = models.PositiveSmallIntegerField(
        _("期数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    attendance = models.PositiveIntegerField(
        _("参训人次"), default=0, validators=[MinValueValidator(0), MaxValueValidator(1_000_000)]
    )
    note = models.TextField(_("说明"), blank=True, max_length=4000)
    participant_units = models.ManyToManyField(
        "organizations.BudgetUnit", verbose_name=_("参训单位"), blank=True, related_name="+"
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "year"])]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels.get(code, code)) for code in self.audience]


def material_path(instance: TrainingMaterial, filename: str) -> str:
    # Where materials were stored before the table moved onto StoredFile (migration 0001 names it); new uploads go to
    # `stored_file_path` under the same folder.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"training/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class TrainingMaterial(StoredFile):
    """A 培训材料 of a training session (课件, 签到表, 通知): a `StoredFile` (decision 0006) with its SHA-256 and
    说明."""

    storage_folder = "training"

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="materials")

    class Meta(StoredFile.Meta):
        verbose_name = _("培训材料")
        verbose_name_plural = _("培训材料")
        ordering = ["id"]
