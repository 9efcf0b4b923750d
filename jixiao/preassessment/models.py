"""事前绩效评估 (DOMAIN.md §2.1, §6.9): when an assessment is required, the unit's filing, and the conclusion."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.accounts.capabilities import Role
from jixiao.core.models import StoredFile, TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet
from jixiao.organizations.models import RegionYearSettings
from jixiao.projects.models import Project

MONEY = {"max_digits": 18, "decimal_places": 2, "validators": [MinValueValidator(0)]}


def _budget_book_default() -> list[str]:
    return []


class PreAssessmentRuleSet(RegionYearSettings):
    """When an assessment is required, and the score → conclusion thresholds (one row per region and year).

    A row with no region is the national default; a row with no year applies to every year. The most specific row
    wins: region (nearest ancestor first) beats national, a given year beats “every year”.
    """

    min_amount_wan = models.DecimalField(
        _("金额起点（万元）"), max_digits=12, decimal_places=2, default=Decimal(30), validators=[MinValueValidator(0)]
    )
    applies_to_new = models.BooleanField(_("新增项目须评估"), default=True)
    applies_to_revised = models.BooleanField(_("修订的政策和项目须评估"), default=True)
    applies_to_expiring_continuation = models.BooleanField(_("到期延续的项目须评估"), default=True)
    applies_to_policy = models.BooleanField(_("新增政策须评估"), default=True)
    applies_to_special_bonds = models.BooleanField(_("专项债券项目须评估"), default=True)
    budget_books = models.JSONField(
        _("须评估的预算类型"),
        default=_budget_book_default,
        blank=True,
        help_text=_("所列预算类型的项目不论金额均须评估"),
    )
    blocks_budget_if_missing = models.BooleanField(_("未评估或未通过不得入库"), default=True)
    support_min_score = models.DecimalField(
        _("“予以支持”最低分"), max_digits=5, decimal_places=2, default=Decimal(80), validators=[MaxValueValidator(100)]
    )
    adjust_min_score = models.DecimalField(
        _("“调整后支持”最低分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MaxValueValidator(100)],
    )
    outlier_points = models.DecimalField(
        _("专家评分偏离提示（分）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=[MinValueValidator(0)],
        help_text=_("某位专家的总分与其他专家平均分相差超过此分值时提示"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    @property
    def budget_book_names(self) -> list[str]:
        """The 预算类型 by their Chinese names (the stored codes are never shown)."""
        names = dict(Project.BudgetBook.choices)
        return [str(names.get(code, code)) for code in self.budget_books or []]

    class Meta:
        verbose_name = _("事前评估规则")
        verbose_name_plural = _("事前评估规则")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_pa_rule_region_year", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(adjust_min_score__lte=models.F("support_min_score")), name="pa_rule_thresholds"
            ),
        ]

    @property
    def min_amount_yuan(self) -> Decimal:
        return self.min_amount_wan * 10000


class PreAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待主管部门审核")
    DEPT_APPROVED = "dept_approved", _("待业务股室审核")
    FIN_REVIEW = "fin_review", _("待绩效股评审")
    CONCLUDED = "concluded", _("已出结论")


class Conclusion(models.TextChoices):
    SUPPORT = "support", _("予以支持")
    SUPPORT_REDUCED = "support_reduced", _("核减后支持")
    SUPPORT_AFTER_ADJUSTMENT = "support_after_adjustment", _("调整后支持")
    DEFER = "defer", _("暂缓支持")
    REJECT = "reject", _("不予支持")


SUPPORTIVE = (Conclusion.SUPPORT, Conclusion.SUPPORT_REDUCED, Conclusion.SUPPORT_AFTER_ADJUSTMENT)


# The report sections (DOMAIN.md §2.1). A policy assessment has the same fields under policy wording.
SECTION_FIELDS = (
    "basic_situation",
    "necessity",
    "economy",
    "target_reasonableness",
    "implementation_feasibility",
    "funding_compliance",
    "other",
)
PROJECT_SECTIONS: dict[str, tuple[str, str]] = {
    "basic_situation": ("评估对象基本情况", "项目背景、主要内容、资金规模和来源"),
    "necessity": ("立项必要性", "立项依据、与部门职能和发展规划的相关性、需求是否迫切"),
    "economy": ("投入经济性", "预算测算依据、标准和成本控制措施"),
    "target_reasonableness": ("绩效目标合理性", "绩效目标是否明确、细化、量化，与资金量是否匹配"),
    "implementation_feasibility": ("实施方案可行性", "实施内容、进度安排、组织保障和风险应对"),
    "funding_compliance": ("筹资合规性", "资金来源是否合法合规，财政投入方式是否恰当"),
    "other": ("其他需要说明的问题", ""),
}
POLICY_SECTIONS: dict[str, tuple[str, str]] = {
    "basic_situation": ("政策基本情况", "政策背景、主要内容、实施期限、受益对象和资金规模"),
    "necessity": ("政策必要性/出台依据", "出台依据、要解决的问题、与上级政策和部门职能的衔接"),
    "economy": ("资金投入经济性", "补助标准、测算依据、资金规模是否与政策目标相匹配"),
    "target_reasonableness": ("政策目标合理性", "政策目标是否明确、可衡量，与政策内容和资金相匹配"),
    "implementation_feasibility": ("政策实施方案可行性", "实施路径、申领和审核程序、部门分工、退出机制"),
    "funding_compliance": ("筹资合规性", "资金来源、分担比例和投入方式是否合法合规"),
    "other": ("其他", ""),
}


def section_labels(kind: str) -> dict[str, tuple[str, str]]:
    """Field → (label, help text) for the report sections of an assessment of `kind`."""
    return POLICY_SECTIONS if kind == "policy" else PROJECT_SECTIONS


class PreAssessmentQuerySet(BusinessRowQuerySet["PreAssessment"]):
    """Scope: core.scoping.BusinessRowQuerySet; a third-party agency's staff see only the assessments assigned to
    their agency (experts reach theirs through their panel rows, preassessment.panels)."""

    def scope(self, membership: Any) -> ScopedQuerySet[PreAssessment]:
        if membership.role == Role.AGENCY:
            return self.filter(  # type: ignore[return-value]
                is_deleted=False,
                region__path__startswith=membership.region.path,
                agency__users=membership.user_id,
                agency__is_deleted=False,
            )
        return super().scope(membership)


class PreAssessment(TimeStampedModel):
    class Kind(models.TextChoices):
        PROJECT = "project", _("项目事前评估")
        POLICY = "policy", _("政策事前评估")

    Status = PreAssessmentStatus

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="preassessments"
    )
    # Copied from the project so scope and statistics need no join through it.
    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"), db_index=True)
    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("评估类型"), max_length=10, choices=Kind.choices, default=Kind.PROJECT)
    requested_amount_yuan = models.DecimalField(_("申请金额（元）"), **MONEY)  # type: ignore[arg-type]
    basic_situation = models.TextField(_("评估对象基本情况"), blank=True, max_length=8000)
    necessity = models.TextField(_("立项必要性"), blank=True, max_length=8000)
    economy = models.TextField(_("投入经济性"), blank=True, max_length=8000)
    target_reasonableness = models.TextField(_("绩效目标合理性"), blank=True, max_length=8000)
    implementation_feasibility = models.TextField(_("实施方案可行性"), blank=True, max_length=8000)
    funding_compliance = models.TextField(_("筹资合规性"), blank=True, max_length=8000)
    other = models.TextField(_("其他需要说明的问题"), blank=True, max_length=8000)
    status = models.CharField(
        _("状态"), max_length=20, choices=PreAssessmentStatus.choices, default=PreAssessmentStatus.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    score = models.DecimalField(
        _("评审总分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    suggested_conclusion = models.CharField(
        _("按分数对应的结论"), max_length=30, choices=Conclusion.choices, blank=True
    )
    conclusion = models.CharField(_("评估结论"), max_length=30, choices=Conclusion.choices, blank=True, db_index=True)
    override_reason = models.CharField(_("调整结论的理由"), max_length=1000, blank=True)
    conclusion_opinion = models.CharField(_("评审意见"), max_length=2000, blank=True)
    supported_amount_yuan = models.DecimalField(_("支持金额（元）"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    # 压减 = requested − supported (supported is 0 for DEFER and REJECT): DOMAIN.md §2.1 invariant, PA-3(a).
    reduction_amount_yuan = models.DecimalField(_("压减金额（元）"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    revision_accepted = models.BooleanField(_("调整方案已确认"), default=False)
    concluded_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    agency = models.ForeignKey(
        "experts.Agency",
        verbose_name=_("委托第三方机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preassessments",
    )
    # The agency's name when it was assigned (kept for display and history; older rows have only the name).
    agency_name = models.CharField(_("委托第三方机构名称"), max_length=150, blank=True)
    agency_score = models.DecimalField(
        _("机构评审得分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    agency_opinion = models.TextField(_("机构评审意见"), blank=True, max_length=4000)
    agency_reviewed_at = models.DateTimeField(_("机构评审时间"), null=True, blank=True)

    objects = PreAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("事前绩效评估")
        verbose_name_plural = _("事前绩效评估")
        ordering = ["-fiscal_year", "-id"]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
            models.Index(fields=["project", "-id"]),
        ]

    def __str__(self) -> str:
        return f"事前评估 {self.project_id}（{self.fiscal_year}年度）"

    @property
    def sections(self) -> list[tuple[str, str, str]]:
        """(field, label, text) of the report sections, worded for a project or a policy."""
        labels = section_labels(self.kind)
        return [(field, labels[field][0], getattr(self, field)) for field in SECTION_FIELDS]

    @property
    def adjusted_by_amount(self) -> bool:
        """调整后支持 with a supported amount below the request: the cut itself is the adjustment."""
        return (
            self.conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT
            and self.supported_amount_yuan is not None
            and self.supported_amount_yuan < self.requested_amount_yuan
        )

    @property
    def awaits_revision(self) -> bool:
        """调整后支持 without a reduced amount whose revised plan is not yet confirmed."""
        return (
            self.status == PreAssessmentStatus.CONCLUDED
            and self.conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT
            and not self.adjusted_by_amount
            and not self.revision_accepted
        )

    @property
    def is_supported(self) -> bool:
        """Concluded with a supportive result that lets the project into the library.

        调整后支持 with a reduced amount lets the project in at once (the cut counts as 压减); without a reduced
        amount the revised plan must be confirmed first (`preassessment_accept_revision`)."""
        if self.status != PreAssessmentStatus.CONCLUDED or self.conclusion not in SUPPORTIVE:
            return False
        return not self.awaits_revision


class PreAssessmentEvent(WorkflowEvent):
    """A status transition: the timeline on the assessment page (and part of the audit trail)."""

    assessment = models.ForeignKey(PreAssessment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=PreAssessmentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=PreAssessmentStatus.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("事前评估流转记录")

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.action}"


def attachment_path(instance: Attachment | None, filename: str) -> str:
    # Where attachments were stored before they moved onto StoredFile (migrations 0001-0006 name it); new uploads
    # go to `stored_file_path` under the same folder.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"preassessment/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(StoredFile):
    """A document filed with an assessment (可行性研究报告, 预算测算, …) or the commissioned agency's report: a
    `StoredFile` (decision 0006) with its SHA-256 and 说明."""

    storage_folder = "preassessment"

    class Kind(models.TextChoices):
        FEASIBILITY = "feasibility", _("可行性研究报告")
        BUDGET_CALC = "budget_calc", _("预算测算")
        APPROVAL = "approval", _("批复文件")
        AGENCY_REPORT = "agency_report", _("第三方机构评估报告")
        OTHER = "other", _("其他")

    assessment = models.ForeignKey(PreAssessment, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("附件类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta(StoredFile.Meta):
        verbose_name = _("事前评估附件")
        verbose_name_plural = _("事前评估附件")
        ordering = ["kind", "id"]


# ---- scoring templates and expert panels (DOMAIN.md §2.1 “Scoring template”, §4.9) ---------------------------------


class ScoringTemplate(models.Model):
    """A scoring template: level-1 items are dimensions, level-2 items their checkpoints. Most specific wins."""

    Kind = PreAssessment.Kind

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("评估类型"), max_length=10, choices=PreAssessment.Kind.choices)
    region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("财政区划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("为空表示全国默认"),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True, help_text=_("为空表示各年度"))
    is_active = models.BooleanField(_("启用"), default=True)
    # Optimistic lock (I05): bumped by every edit of the template's items, so a page opened before refuses to save.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("评分模板")
        verbose_name_plural = _("评分模板")
        ordering = ["kind", "region__path", "fiscal_year", "id"]

    def __str__(self) -> str:
        return self.name


class ScoringItem(models.Model):
    template = models.ForeignKey(ScoringTemplate, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=200)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分指标")
        verbose_name_plural = _("评分指标")
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="uniq_pa_scoring_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        return 1 if self.parent_id is None else 2


class AssessmentPanelMember(models.Model):
    """An expert drawn onto the review panel of one assessment, who scores online before the deadline.

    A filing the 绩效股 returns (退回修改) closes its panel: `closed_at` is set on every member of it, the closed
    round stays as history, and the revised filing gets a new panel. Only the open round (closed_at null) is unique
    per expert."""

    assessment = models.ForeignKey(PreAssessment, on_delete=models.CASCADE, related_name="panel_members")
    expert = models.ForeignKey(
        "experts.Expert", verbose_name=_("专家"), on_delete=models.PROTECT, related_name="preassessment_panels"
    )
    draw = models.ForeignKey(
        "experts.PanelDraw",
        verbose_name=_("抽取记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    template = models.ForeignKey(
        ScoringTemplate, verbose_name=_("评分模板"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("评分截止日期"))
    comment = models.CharField(_("评审意见"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("本轮评审结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "expert"], condition=Q(closed_at__isnull=True), name="uniq_pa_panel_expert_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.expert_id}"


class ExpertScore(models.Model):
    member = models.ForeignKey(AssessmentPanelMember, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ScoringItem, verbose_name=_("评分指标"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    comment = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        ordering = ["member", "item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="uniq_pa_expert_score_item")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.item_id} {self.points}"
