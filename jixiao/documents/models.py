"""文书管理 (DOMAIN.md §2.5 “Documents”, §6.6, §6.9): templates, 文号 series, official documents and receipts."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionalRow


class DocType(models.TextChoices):
    RECTIFICATION_NOTICE = "RECTIFICATION_NOTICE", _("整改通知书")
    INTERVIEW_SUMMONS = "INTERVIEW_SUMMONS", _("约谈通知书")
    REMINDER_LETTER = "REMINDER_LETTER", _("提醒敦促函")
    OPINION_LETTER = "OPINION_LETTER", _("绩效管理意见书")
    EVAL_FEEDBACK = "EVAL_FEEDBACK", _("评价结果反馈函")
    CIRCULAR_RE_EVAL = "CIRCULAR_RE_EVAL", _("部门自评财政再评价结果通报")
    CIRCULAR_MONITORING = "CIRCULAR_MONITORING", _("绩效运行监控结果通报")
    CIRCULAR_KEY_EVAL = "CIRCULAR_KEY_EVAL", _("财政重点绩效评价结果通报")
    CIRCULAR_APPRAISAL = "CIRCULAR_APPRAISAL", _("考核结果通报")
    ANNUAL_REPORT = "ANNUAL_REPORT", _("年度预算绩效管理工作总结报告")
    # Seed 000 S09: the yearly notice that opens target setting (编制范围、内容、流程、要求), to every department.
    TARGET_NOTICE = "TARGET_NOTICE", _("绩效目标编审通知")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已印发")
    READ = "read", _("已阅")
    FEEDBACK_RECEIVED = "feedback_received", _("已反馈")
    CLOSED = "closed", _("已办结")


# The placeholders a template may use, with the label shown in a 【待填写：…】 marker when a value is missing.
PLACEHOLDERS: dict[str, str] = {
    "recipient": "主送单位",
    "issuer": "发文机关",
    "date": "成文日期",
    "doc_no": "文号",
    "year": "年度",
    "title": "标题",
    "subject": "事由",
    "project": "项目名称",
    "department": "部门名称",
    "unit": "单位名称",
    "problems": "存在问题",
    "requirements": "整改要求",
    "deadline": "办理期限",
    "grade": "评价等级",
    "score": "得分",
    "amount": "金额",
    "result": "评价结果",
    "time": "时间",
    "place": "地点",
    "contact": "联系人及电话",
    "content": "正文内容",
    "summary": "情况概述",
    "consequence": "逾期后果",
}

# Values a placeholder takes when the drafter (or the stage drafting the document) gives none. The 提醒敦促函's
# {consequence} is what the bureau will do if the unit still does not act: the stage that knows the case better
# gives its own (a 整改 case already summoned with a 约谈通知书 is not threatened with a second 约谈).
PLACEHOLDER_DEFAULTS: dict[str, str] = {
    "consequence": "我局将按规定进行约谈",
}


class DocumentTemplate(RegionalRow):
    """The body of one document type. A row with no region is the national default; the region's copy wins."""

    doc_type = models.CharField(_("文书类型"), max_length=30, choices=DocType.choices)
    title_pattern = models.CharField(_("标题格式"), max_length=200)
    body = models.TextField(_("正文模板"), max_length=20000)
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["doc_type", "region__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "region"], name="uniq_doc_template", nulls_distinct=False)
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region_id else "全国默认"  # type: ignore[union-attr]
        return f"{self.get_doc_type_display()}（{where}）"


class DocumentSeries(models.Model):
    """A 发文字号 series of a region's bureau: `{abbrev}〔{year}〕{seq}号`; seq runs per series and year.

    A series with an empty doc_type is the region's shared series, used by every type without its own.
    """

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.CASCADE, related_name="+"
    )
    doc_type = models.CharField(
        _("文书类型"), max_length=30, choices=DocType.choices, blank=True, help_text=_("为空表示各类文书共用")
    )
    abbrev = models.CharField(_("机关代字"), max_length=20, help_text=_("如：渠财绩"))
    issuer_name = models.CharField(_("发文机关"), max_length=100, help_text=_("如：渠县财政局"))
    # Bumped on every save: the 发文字号 page's lock token (`core.locking`) refuses a save from a stale page.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("发文字号")
        verbose_name_plural = _("发文字号")
        ordering = ["region__path", "doc_type"]
        constraints = [
            models.UniqueConstraint(fields=["region", "doc_type"], name="uniq_doc_series"),
            # One 代字 per series of a region (services._check_abbrev_free; migration 0007 merged older duplicates).
            models.UniqueConstraint(fields=["region", "abbrev"], name="uniq_doc_series_abbrev"),
        ]

    def __str__(self) -> str:
        return f"{self.abbrev}〔年度〕号"

    def number(self, year: int, seq: int) -> str:
        return f"{self.abbrev}〔{year}〕{seq}号"


def sees_drafts(membership: Any) -> bool:
    """Whether the membership sees drafts (`DocumentQuerySet.scope`): finance staff and leaders of a region."""
    if membership is None or membership.scope_level not in (ScopeLevel.REGION, ScopeLevel.SECTION):
        return False
    return bool(membership.can("documents.drafts"))


class DocumentQuerySet(ScopedQuerySet["OfficialDocument"]):
    """Finance staff and leaders see their region's documents, drafts included; the read-only oversight (人大, 审计)
    only the issued ones (`documents.drafts`, decision 0008); a department, unit or lower region sees only issued
    documents addressed to it (a department also those addressed to its units)."""

    def scope(self, membership: Any) -> DocumentQuerySet:
        level = membership.scope_level
        live = self.filter(is_deleted=False)
        received = Q(status__in=ISSUED_STATES)
        if level in (ScopeLevel.REGION, ScopeLevel.SECTION):
            own = Q(region__path__startswith=membership.region.path)
            if not sees_drafts(membership):  # the read-only oversight: issued documents only
                own &= received
            addressed = DocumentRecipient.objects.filter(region=membership.region_id).values("document_id")
            return live.filter(own | (received & Q(pk__in=addressed)))  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT and membership.department_id:
            rows = DocumentRecipient.objects.filter(
                Q(department_id=membership.department_id) | Q(unit__department_id=membership.department_id)
            )
        elif level == ScopeLevel.UNIT and membership.unit_id:
            rows = DocumentRecipient.objects.filter(unit__path__startswith=membership.unit.path)
        else:
            return self.none()  # type: ignore[return-value]
        return live.filter(received, pk__in=rows.values("document_id"))  # type: ignore[return-value]


class OfficialDocument(TimeStampedModel):
    DocType = DocType
    Status = DocumentStatus

    doc_type = models.CharField(_("文书类型"), max_length=30, choices=DocType.choices, db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("发文区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), max_length=50000)
    context = models.JSONField(_("填充内容"), default=dict, blank=True)
    template = models.ForeignKey(
        DocumentTemplate, verbose_name=_("模板"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_version = models.PositiveIntegerField(_("模板版本"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT, db_index=True
    )
    series = models.ForeignKey(
        DocumentSeries, verbose_name=_("发文字号"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    doc_year = models.PositiveSmallIntegerField(_("文号年度"), null=True, blank=True)
    doc_seq = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    doc_no = models.CharField(_("文号"), max_length=60, blank=True, db_index=True)
    issuer_name = models.CharField(_("发文机关"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        "accounts.User", verbose_name=_("印发人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_deadline = models.DateField(_("反馈期限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    related_type = models.ForeignKey(
        ContentType, verbose_name=_("关联对象类型"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    related_id = models.CharField(_("关联对象ID"), max_length=64, blank=True)
    related_repr = models.CharField(_("关联对象"), max_length=300, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    # 附表 that go with the body (a 通报's ranking or red-light list): [{"title", "headers", "rows"}], strings only.
    tables = models.JSONField(_("附表"), default=list, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "doc_type"]),
            models.Index(fields=["related_type", "related_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "doc_year", "doc_seq"],
                condition=Q(doc_seq__isnull=False),
                name="uniq_document_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_no or '（未编号）'} {self.title}"

    @property
    def is_issued(self) -> bool:
        return self.status in ISSUED_STATES


ISSUED_STATES = (
    DocumentStatus.ISSUED,
    DocumentStatus.READ,
    DocumentStatus.FEEDBACK_RECEIVED,
    DocumentStatus.CLOSED,
)
# The list filter's value for every issued state at once, of the documents the viewer's region (or one below) sent
# (本区划印发（全部）: what the 驾驶舱 counts as issued; `selectors.issued_here`).
ISSUED_ANY = "issued_any"


def feedback_path(instance: DocumentRecipient, filename: str) -> str:
    # Never the uploaded name on disk: a generated name keeps paths safe and unguessable.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DocumentRecipient(models.Model):
    """One addressee (主送) of a document: a 主管部门, a 预算单位 or a lower 财政区划, with its receipt and feedback."""

    document = models.ForeignKey(OfficialDocument, on_delete=models.CASCADE, related_name="recipients")
    department = models.ForeignKey(
        "organizations.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "organizations.FiscalRegion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("主送单位"), max_length=150)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    read_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    read_by = models.ForeignKey(
        "accounts.User", verbose_name=_("签收人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_text = models.TextField(_("反馈内容"), blank=True, max_length=8000)
    feedback_file = models.FileField(_("反馈附件"), upload_to=feedback_path, max_length=200, blank=True)
    feedback_file_name = models.CharField(_("反馈附件名"), max_length=200, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        "accounts.User", verbose_name=_("反馈人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("文书主送单位")
        verbose_name_plural = _("文书主送单位")
        ordering = ["document", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(department__isnull=False, unit__isnull=True, region__isnull=True)
                    | Q(department__isnull=True, unit__isnull=False, region__isnull=True)
                    | Q(department__isnull=True, unit__isnull=True, region__isnull=False)
                ),
                name="doc_recipient_one_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentEvent(WorkflowEvent):
    """A status transition or receipt: the timeline on the document page (and part of the audit trail)."""

    document = models.ForeignKey(OfficialDocument, on_delete=models.CASCADE, related_name="events")
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=DocumentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=DocumentStatus.choices)
    comment = models.CharField(_("说明"), max_length=2000, blank=True)

    actor_role = None  # type: ignore[assignment]  # this timeline has no role column

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("文书流转记录")
        verbose_name_plural = _("文书流转记录")

    def __str__(self) -> str:
        return f"{self.document_id} {self.action}"
