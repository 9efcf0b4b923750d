"""重点绩效评价 (DOMAIN.md §2.4.3, §2.4.4, §6.5): framework templates as data, key evaluations (部门评价 / 财政评价),
their documents, multi-scorer scoring per template leaf, and the events of the workflow (§6.9)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import StoredFile, TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearRow

MONEY = {"max_digits": 18, "decimal_places": 2, "validators": [MinValueValidator(0)]}
SCORE = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class EvalTemplate(RegionYearRow):
    """An evaluation framework: a tree of 一级/二级/三级 indicators with weights. Most specific region/year wins;
    editing a national (or another region's) template copies it for the editor's region and year."""

    class Kind(models.TextChoices):
        PROJECT_10 = "project_10", _("项目支出绩效评价（财预〔2020〕10号）")
        DEPT_OVERALL_A = "dept_overall_a", _("部门整体支出（共性指标：投入/过程/产出/效果）")
        DEPT_OVERALL_C = "dept_overall_c", _("部门整体支出（四川/达州框架）")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("模板类型"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    # Grade bands of this template's results (DOMAIN.md §4.7 national defaults), editable with the template.
    grade_excellent = models.DecimalField(_("“优”最低分"), max_digits=5, decimal_places=2, default=Decimal(90))
    grade_good = models.DecimalField(_("“良”最低分"), max_digits=5, decimal_places=2, default=Decimal(80))
    grade_pass = models.DecimalField(_("“中”最低分"), max_digits=5, decimal_places=2, default=Decimal(60))
    # 产出 + 效益 share of a project framework: at least 60 by 财预〔2020〕10号 (the national default); a province's
    # or county's own 办法 may ask more, on its own copy of the template.
    output_benefit_min = models.DecimalField(
        _("产出和效益最低合计分值"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Optimistic lock (I05): bumped by every edit of the template's nodes, so a page opened before refuses to save.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("评价指标体系模板")
        verbose_name_plural = _("评价指标体系模板")
        ordering = ["kind", "region__path", "fiscal_year", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_project(self) -> bool:
        return self.kind == self.Kind.PROJECT_10

    @property
    def grade_bands(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.grade_excellent, self.grade_good, self.grade_pass)


class EvalTemplateNode(models.Model):
    template = models.ForeignKey(EvalTemplate, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("级次"), validators=[MinValueValidator(1), MaxValueValidator(3)])
    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=200)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    formula = models.CharField(_("计算公式"), max_length=500, blank=True)
    standard = models.CharField(_("评分标准"), max_length=1000, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="uniq_keyeval_node_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KeyEvalStatus(models.TextChoices):
    PLANNED = "planned", _("已确定评价对象")
    NOTIFIED = "notified", _("已下发评价通知")
    WORK_PLAN = "work_plan", _("工作方案已确定")
    FIELDWORK = "fieldwork", _("评价实施中")
    DRAFT_REPORT = "draft_report", _("评价报告初稿")
    FEEDBACK = "feedback", _("征求被评价方意见")
    FINAL_REPORT = "final_report", _("评价报告定稿")
    ISSUED = "issued", _("结果已下达")


class KeyEvalGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优")
    GOOD = "good", _("良")
    FAIR = "fair", _("中")
    POOR = "poor", _("差")


class KeyEvaluationQuerySet(ScopedQuerySet["KeyEvaluation"]):
    """Region roles see the subtree; a business section its 对口 departments; a 主管部门 the evaluations of its
    department; a unit those of its projects. Experts and agency staff see only what they are assigned to score
    (agency staff also what their agency's engagement covers)."""

    def scope(self, membership: Any) -> ScopedQuerySet[KeyEvaluation]:
        qs = self.filter(is_deleted=False, region__path__startswith=membership.region.path)
        level = membership.scope_level
        if level == ScopeLevel.REGION:
            return qs  # type: ignore[return-value]
        if level == ScopeLevel.SECTION and membership.section_id:
            # Its 对口 departments', and any it was assigned to score (安排财政干部 takes any section of the region).
            ids = qs.filter(
                Q(department__finance_section_id=membership.section_id) | Q(scorers__user_id=membership.user_id)
            ).values("pk")
            return qs.filter(pk__in=ids)  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT and membership.department_id:
            ids = qs.filter(
                Q(department_id=membership.department_id)
                | Q(organiser_department_id=membership.department_id)
                | Q(projects__department_id=membership.department_id)
            ).values("pk")
            return qs.filter(pk__in=ids)  # type: ignore[return-value]
        if level == ScopeLevel.UNIT and membership.unit_id:
            ids = qs.filter(projects__unit__path__startswith=membership.unit.path).values("pk")
            return qs.filter(pk__in=ids)  # type: ignore[return-value]
        if membership.role in ("expert", "agency"):
            ids = qs.filter(
                Q(scorers__user_id=membership.user_id) | Q(engagement__agency__users=membership.user_id)
            ).values("pk")
            return qs.filter(pk__in=ids)  # type: ignore[return-value]
        return self.none()


class KeyEvaluation(TimeStampedModel):
    """One key evaluation (部门评价 or 财政评价) of projects, a policy or a department's overall spending."""

    class Kind(models.TextChoices):
        DEPT = "dept", _("部门评价")
        FINANCE = "finance", _("财政评价")

    class ObjectType(models.TextChoices):
        PROJECT = "project", _("项目")
        POLICY = "policy", _("财政政策")
        DEPT_OVERALL = "dept_overall", _("部门整体")
        LOWER_GOV_FISCAL = "lower_gov_fiscal", _("下级政府财政综合运行")
        PROCUREMENT = "procurement", _("政府采购项目")
        PURCHASED_SERVICE = "purchased_service", _("政府购买服务项目")
        SPECIAL_BOND = "special_bond", _("专项债券项目")
        OTHER_MAJOR_PROJECT = "other_major_project", _("其他重大项目")

    class BudgetBook(models.TextChoices):
        GENERAL = "general", _("一般公共预算")
        GOV_FUND = "gov_fund", _("政府性基金预算")
        STATE_CAPITAL = "state_capital", _("国有资本经营预算")
        SOCIAL_INSURANCE = "social_insurance", _("社会保险基金预算")

    class Mode(models.TextChoices):
        SELF_RUN = "self_run", _("财政（部门）自行组织")
        THIRD_PARTY = "third_party", _("委托第三方机构")
        EXPERT = "expert", _("专家评价")

    Status = KeyEvalStatus

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), db_index=True)
    title = models.CharField(_("评价对象名称"), max_length=200)
    kind = models.CharField(_("评价类型"), max_length=10, choices=Kind.choices, default=Kind.FINANCE)
    object_type = models.CharField(_("评价对象类型"), max_length=30, choices=ObjectType.choices)
    budget_book = models.CharField(_("预算类型"), max_length=20, choices=BudgetBook.choices, default=BudgetBook.GENERAL)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("被评价部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    projects = models.ManyToManyField("projects.Project", verbose_name=_("评价项目"), blank=True, related_name="+")
    organiser_section = models.ForeignKey(
        "organizations.FinanceSection",
        verbose_name=_("组织股室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set when a 主管部门 runs the 部门评价 itself (DOMAIN.md §6.10 "Run department evaluation: D ✔, PS view"): that
    # department manages it, and the finance bureau reads it; empty for the evaluations the 绩效股 organises.
    organiser_department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("组织部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mode = models.CharField(_("评价方式"), max_length=20, choices=Mode.choices, default=Mode.SELF_RUN)
    engagement = models.ForeignKey(
        "experts.Engagement",
        verbose_name=_("第三方委托"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_evaluations",
    )
    template = models.ForeignKey(EvalTemplate, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="+")
    amount_yuan = models.DecimalField(_("评价资金（元）"), **MONEY)  # type: ignore[arg-type]
    methods = models.CharField(_("评价方法"), max_length=200, blank=True, help_text=_("如：社会调查、实地核查"))
    status = models.CharField(
        _("状态"), max_length=20, choices=KeyEvalStatus.choices, default=KeyEvalStatus.PLANNED, db_index=True
    )
    # Report sections (national outline; 3 综合评价 is built from the scores).
    basic_situation = models.TextField(_("基本情况"), blank=True, max_length=8000)
    work_summary = models.TextField(_("绩效评价工作开展情况"), blank=True, max_length=8000)
    analysis = models.TextField(_("绩效评价指标分析"), blank=True, max_length=8000)
    experience = models.TextField(_("主要经验及做法、存在的问题及原因分析"), blank=True, max_length=8000)
    suggestions = models.TextField(_("有关建议"), blank=True, max_length=8000)
    other = models.TextField(_("其他需要说明的问题"), blank=True, max_length=8000)
    feedback_opinion = models.TextField(_("被评价方反馈意见"), blank=True, max_length=4000)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    total_score = models.DecimalField(_("评价得分"), null=True, blank=True, **SCORE)  # type: ignore[arg-type]
    grade = models.CharField(_("评价等级"), max_length=10, choices=KeyEvalGrade.choices, blank=True, db_index=True)
    issued_at = models.DateTimeField(_("结果下达时间"), null=True, blank=True)
    # 结果应用 (seed 001 S47: “据此修订资金管理办法”): the rules the region's bureau issued or revised on the results.
    regulations = models.ManyToManyField(
        "regulations.Regulation", verbose_name=_("据此出台或修订的制度办法"), blank=True, related_name="+"
    )

    objects = KeyEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点绩效评价")
        verbose_name_plural = _("重点绩效评价")
        ordering = ["-fiscal_year", "-id"]
        indexes = [models.Index(fields=["region", "fiscal_year", "status"])]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年 {self.title}"


class KeyEvaluationEvent(WorkflowEvent):
    evaluation = models.ForeignKey(KeyEvaluation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=KeyEvalStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=KeyEvalStatus.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("重点评价流转记录")

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.action}"


def document_path(instance: KeyEvalDocument, filename: str) -> str:
    # Where documents were stored before the table moved onto StoredFile (migration 0001 names it); new uploads go to
    # `stored_file_path` under the same folder.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"keyeval/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class KeyEvalDocument(StoredFile):
    """A 重点评价文件 (the notice, the work plan, the agency's draft and final reports, the evaluated party's feedback):
    a `StoredFile` (decision 0006) with its SHA-256 and 说明."""

    storage_folder = "keyeval"

    class Kind(models.TextChoices):
        NOTICE = "notice", _("评价通知")
        WORK_PLAN = "work_plan", _("评价工作方案")
        DRAFT_REPORT = "draft_report", _("评价报告初稿")
        FEEDBACK = "feedback", _("被评价方反馈意见")
        FINAL_REPORT = "final_report", _("评价报告定稿")
        OTHER = "other", _("其他材料")

    evaluation = models.ForeignKey(KeyEvaluation, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文件类型"), max_length=20, choices=Kind.choices)

    class Meta(StoredFile.Meta):
        verbose_name = _("重点评价文件")
        ordering = ["kind", "id"]


class KeyEvalScorer(models.Model):
    """One person scoring one evaluation: finance staff, a drawn expert or a member of the commissioned agency."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("财政干部")
        EXPERT = "expert", _("评审专家")
        AGENCY = "agency", _("第三方机构")

    evaluation = models.ForeignKey(KeyEvaluation, on_delete=models.CASCADE, related_name="scorers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评分人"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("评分人类别"), max_length=10, choices=Kind.choices)
    expert = models.ForeignKey(
        "experts.Expert", verbose_name=_("专家"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    draw = models.ForeignKey(
        "experts.PanelDraw",
        verbose_name=_("抽取记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    total = models.DecimalField(_("总分"), null=True, blank=True, **SCORE)  # type: ignore[arg-type]
    comment = models.CharField(_("评价意见"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分人")
        verbose_name_plural = _("评分人")
        ordering = ["evaluation", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="uniq_keyeval_scorer")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.user_id}"


class KeyEvalScore(models.Model):
    """A scorer's score for one leaf indicator, with the evidence it rests on."""

    scorer = models.ForeignKey(KeyEvalScorer, on_delete=models.CASCADE, related_name="scores")
    node = models.ForeignKey(EvalTemplateNode, verbose_name=_("评价指标"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    evidence = models.CharField(_("评分依据"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("指标评分")
        verbose_name_plural = _("指标评分")
        ordering = ["scorer", "node__order", "id"]
        constraints = [models.UniqueConstraint(fields=["scorer", "node"], name="uniq_keyeval_score_node")]

    def __str__(self) -> str:
        return f"{self.scorer_id} {self.node_id} {self.score}"
