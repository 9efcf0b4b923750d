"""问题整改 (DOMAIN.md §2.5, §6.6, §6.9): findings from every stage, the case flow, reminders and escalation."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import StoredFile, TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearSettings


class SourceType(models.TextChoices):
    PRE_ASSESSMENT = "PRE_ASSESSMENT", _("事前绩效评估")
    TARGET_REVIEW = "TARGET_REVIEW", _("绩效目标审核")
    MONITORING = "MONITORING", _("绩效运行监控")
    SELF_EVAL = "SELF_EVAL", _("单位自评")
    RE_EVAL = "RE_EVAL", _("自评再评价")
    DEPT_EVAL = "DEPT_EVAL", _("部门评价")
    FIN_EVAL = "FIN_EVAL", _("财政评价")
    KEY_EVAL = "KEY_EVAL", _("重点绩效评价")
    AUTHENTICITY = "AUTHENTICITY", _("真实性核查")
    APPRAISAL = "APPRAISAL", _("绩效管理考核")
    AUDIT = "AUDIT", _("审计及其他监督")
    INSPECTION = "INSPECTION", _("股室季度检查")


# Sources entered by hand (no record in the system to point at).
MANUAL_SOURCES = (SourceType.APPRAISAL, SourceType.AUDIT)


class Category(models.TextChoices):
    DECISION = "DECISION", _("决策")
    FUNDS = "FUNDS", _("资金管理")
    IMPLEMENTATION = "IMPLEMENTATION", _("组织实施")
    OUTPUT = "OUTPUT", _("产出")
    BENEFIT = "BENEFIT", _("效益")
    TARGET = "TARGET", _("目标设置")
    LIBRARY = "LIBRARY", _("项目库管理")
    AUTHENTICITY = "AUTHENTICITY", _("真实性")
    POLICY_REVISION = "POLICY_REVISION", _("政策调整")
    OTHER = "OTHER", _("其他")


class Severity(models.TextChoices):
    HIGH = "HIGH", _("严重")
    MEDIUM = "MEDIUM", _("一般")
    LOW = "LOW", _("轻微")


class RectificationSettings(RegionYearSettings):
    """Deadline and escalation rules (one row per region and year; the national default is a data migration).

    The most specific row wins (core.config_rows): the nearest region first, then a row for the year.
    """

    deadline_days = models.PositiveSmallIntegerField(
        _("默认整改期限（天）"), default=20, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    working_days = models.BooleanField(_("按工作日计算期限"), default=True, help_text=_("否则按自然日计算"))
    remind_days_before = models.PositiveSmallIntegerField(_("到期前提醒（天）"), default=3)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("逾期后发提醒敦促函（天）"), default=5, help_text=_("逾期达到此天数（自然日）时发提醒敦促函")
    )
    second_escalate_after_days = models.PositiveSmallIntegerField(
        _("再逾期后发约谈通知书（天）"), default=10, help_text=_("发提醒敦促函后仍未整改，再过此天数发约谈通知书")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("整改期限规则")
        verbose_name_plural = _("整改期限规则")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_rect_settings_region_year", nulls_distinct=False
            )
        ]


class RectificationStatus(models.TextChoices):
    DRAFT = "draft", _("待下达")
    ISSUED = "issued", _("待单位反馈")
    FEEDBACK_SUBMITTED = "feedback_submitted", _("待反馈审核")
    RETURNED = "returned", _("被退回")
    CLOSED = "closed", _("已完成整改")


# The unit owes an answer in these states; only these can be overdue and escalate.
AWAITING_UNIT = (RectificationStatus.ISSUED.value, RectificationStatus.RETURNED.value)


def sees_drafts(membership: Any) -> bool:
    """Finance staff (region-wide roles and business sections) and leaders see cases being prepared (待下达); a
    department, a unit or the read-only oversight (人大, 审计) sees a case only once it is issued
    (`rectification.drafts`, decision 0008)."""
    return membership.scope_level in (ScopeLevel.REGION, ScopeLevel.SECTION) and membership.can("rectification.drafts")


class RectificationQuerySet(BusinessRowQuerySet["Rectification"]):
    """Scope: core.scoping.BusinessRowQuerySet (finance its region, a section its 对口 departments, a department its
    units, a unit its own). A case addressed to a department as a whole (no unit) is not shown to unit users. A draft
    (待下达) is the finance side's work in progress: departments and units do not see it until it is issued."""

    def scope(self, membership: Any) -> ScopedQuerySet[Rectification]:
        qs = super().scope(membership)
        if sees_drafts(membership):
            return qs
        return qs.exclude(status=RectificationStatus.DRAFT)

    def overdue(self, today: Any = None) -> RectificationQuerySet:
        today = today or timezone.localdate()
        return self.filter(status__in=AWAITING_UNIT, deadline__lt=today)  # type: ignore[return-value]

    def with_overdue(self, today: Any = None) -> RectificationQuerySet:
        today = today or timezone.localdate()
        flag = models.Case(
            models.When(Q(status__in=AWAITING_UNIT, deadline__lt=today), then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
        return self.annotate(is_overdue=flag)  # type: ignore[return-value]


class Rectification(TimeStampedModel):
    """One rectification case (`rectype` = source type): notice → unit feedback → review → closed or returned."""

    Status = RectificationStatus

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit",
        verbose_name=_("整改单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.CharField(_("问题来源"), max_length=20, choices=SourceType.choices, db_index=True)
    title = models.CharField(_("整改事项"), max_length=200)
    requirements = models.TextField(_("整改要求"), blank=True, max_length=4000)
    deadline = models.DateField(_("整改期限"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.DRAFT, db_index=True
    )
    issued_at = models.DateTimeField(_("下达时间"), null=True, blank=True)
    feedback_measures = models.TextField(_("整改措施及成效"), blank=True, max_length=8000)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    review_opinion = models.CharField(_("反馈审核意见"), max_length=2000, blank=True)
    fin_adjust_advice = models.CharField(_("业务股室预算调整意见"), max_length=2000, blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期完成"), default=False)
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    reminded_on = models.DateField(_("到期提醒日期"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("逾期处理级别"), default=0, help_text=_("0 未处理；1 已发提醒敦促函；2 已发约谈通知书")
    )
    escalated_on = models.DateField(_("最近逾期处理日期"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题整改")
        verbose_name_plural = _("问题整改")
        ordering = ["-fiscal_year", "-id"]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The case page: the 关联 link on the pages of the documents it was issued and chased with (its 整改通知书,
        提醒敦促函 …; jixiao.documents.selectors.related_link). Without it the issuer read the case's name only."""
        from django.urls import reverse

        return reverse("rectification:detail", args=[self.pk])

    @property
    def rectify_end(self) -> bool:
        """`RECTIFYEND` of the production system: the case is closed."""
        return self.status == RectificationStatus.CLOSED

    @property
    def addressee(self) -> Any:
        return self.unit if self.unit_id else self.department


class FindingQuerySet(BusinessRowQuerySet["Finding"]):
    """As for cases: a department or a unit sees the problems of the cases issued to it."""

    def scope(self, membership: Any) -> ScopedQuerySet[Finding]:
        qs = super().scope(membership)
        if sees_drafts(membership):
            return qs
        return qs.filter(rectification__isnull=False).exclude(rectification__status=RectificationStatus.DRAFT)


class Finding(TimeStampedModel):
    """A problem (问题) found by a stage or entered by hand; it belongs to one rectification case.

    A finding computed from a record links it (generic FK); one record yields at most one finding, so a candidate
    already taken up is never offered twice.
    """

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.CharField(_("问题来源"), max_length=20, choices=SourceType.choices, db_index=True)
    source_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_label = models.CharField(_("来源说明"), max_length=300, blank=True)
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("问题描述"), max_length=4000)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("整改"), null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_content_type", "source_object_id"],
                condition=Q(source_content_type__isnull=False, source_object_id__isnull=False),
                name="uniq_finding_source",
            )
        ]
        indexes = [models.Index(fields=["region", "fiscal_year"], name="rect_finding_region_year")]

    def __str__(self) -> str:
        return self.description[:60]


class RectificationEvent(WorkflowEvent):
    """One step of a case (who, when, from, to, comment): the timeline on the page."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action_label = models.CharField(_("操作名称"), max_length=60)
    from_status = models.CharField(_("原状态"), max_length=20, choices=RectificationStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=RectificationStatus.choices, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.action}"


class RectificationLetter(models.Model):
    """An official document issued for a case: the issuing document chosen when the case is issued (整改通知书,
    绩效管理意见书 or 约谈通知书), and the escalation 提醒敦促函 / 约谈通知书 of the sweep.

    One per case and kind (the sweep can run any number of times). The issuing document is the case's first letter
    (`issuing_letter`): the sweep only ever adds letters after it. The document itself lives in jixiao.documents;
    its id and 文号 are kept here so this app's tables do not depend on that app's migrations.
    """

    class Kind(models.TextChoices):
        NOTICE = "NOTICE", _("整改通知书")
        OPINION = "OPINION", _("绩效管理意见书")
        REMINDER = "REMINDER", _("提醒敦促函")
        INTERVIEW = "INTERVIEW", _("约谈通知书")

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("文书类型"), max_length=10, choices=Kind.choices)
    document_id = models.PositiveBigIntegerField(_("文书"), null=True, blank=True)
    doc_no = models.CharField(_("文号"), max_length=60, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    issued_on = models.DateField(_("发文日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改文书")
        verbose_name_plural = _("整改文书")
        ordering = ["issued_on", "id"]
        constraints = [models.UniqueConstraint(fields=["rectification", "kind"], name="uniq_rect_letter_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.doc_no}"


# The documents a case can be issued with (下达); the 提醒敦促函 only ever follows one of them.
ISSUING_KINDS: tuple[str, ...] = (
    RectificationLetter.Kind.NOTICE,
    RectificationLetter.Kind.OPINION,
    RectificationLetter.Kind.INTERVIEW,
)


def issuing_letter(rect: Rectification) -> RectificationLetter | None:
    """The document the case was issued with: its first letter of an issuing kind (read from the prefetched letters
    when there are). A 约谈通知书 of the sweep always comes after the case's issuing document, so the first is it."""
    rows = [x for x in rect.letters.all() if x.kind in ISSUING_KINDS]  # type: ignore[attr-defined]
    return min(rows, key=lambda x: x.pk) if rows else None


def feedback_file_path(instance: FeedbackFile, filename: str) -> str:
    # Where feedback files were stored before the table moved onto StoredFile (migration 0001 names it); new uploads
    # go to `stored_file_path` under the same folder (SECURITY.md F06: never the uploaded name on disk).
    return f"rectification/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class FeedbackFile(StoredFile):
    """A 问题整改报告 (or other evidence) uploaded with the unit's feedback: a `StoredFile` (decision 0006) with its
    SHA-256 and 说明."""

    storage_folder = "rectification"

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="files")

    class Meta(StoredFile.Meta):
        verbose_name = _("问题整改报告")
        verbose_name_plural = _("问题整改报告")
