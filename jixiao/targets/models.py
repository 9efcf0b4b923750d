"""绩效目标: project and department-overall targets, their indicators, reviews and versions (DOMAIN.md §2.2, §6.3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from jixiao.core import config_rows
from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet, ScopeLevel
from jixiao.indicators.models import Operator, ValueBasis
from jixiao.organizations.models import RegionYearRow, RegionYearSettings

MONEY = {"max_digits": 18, "decimal_places": 2, "default": 0}


class TargetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    UNIT_SUBMITTED = "unit_submitted", _("待主管部门审核")
    SECTION_REVIEW = "section_review", _("待业务股室初审")
    PERF_REVIEW = "perf_review", _("待绩效股复审")
    PANEL_REVIEW = "panel_review", _("集中会审中")
    RETURNED = "returned", _("被退回")
    REJECTED = "rejected", _("审核未通过")
    READY_FOR_BUDGET = "ready_for_budget", _("待批复")
    APPROVED = "approved", _("已批复")
    ADJUSTING = "adjusting", _("调整审核中")


class ReviewStage(models.TextChoices):
    UNIT_SELF = "unit_self", _("单位自审")
    DEPT = "dept", _("主管部门审核")
    SECTION = "section", _("业务股室初审")
    PERF = "perf", _("绩效股复审")
    PANEL = "panel", _("集中会审")
    BUDGET = "budget", _("预算批复")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优")
    GOOD = "good", _("良")
    FAIR = "fair", _("中")
    POOR = "poor", _("差")


# The review aspects (审核要点) of 财预〔2015〕88号: graded 符合/基本符合/不符合, or scored when the region's
# TargetReviewSettings turn scoring on (DOMAIN.md §2.2, §4.9).
REVIEW_ASPECTS = ("完整性", "相关性", "适当性", "可行性")


class TargetQuerySet(BusinessRowQuerySet["PerformanceTarget"]):
    def scope(self, membership: Any) -> Any:
        if membership.scope_level == ScopeLevel.NONE and membership.can("target.panel_review"):
            # Experts see only the targets they were drawn onto a panel for.
            qs = self.filter(is_deleted=False, region__path__startswith=membership.region.path)
            return qs.filter(panel__expert_id=membership.user_id).distinct()
        return super().scope(membership)


class PerformanceTarget(TimeStampedModel):
    """One target per project (or per department for 部门整体) and fiscal year; `goal_version` counts adjustments."""

    class Subject(models.TextChoices):
        PROJECT = "project", _("项目支出")
        DEPT_OVERALL = "dept_overall", _("部门整体支出")

    Status = TargetStatus

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(_("目标类型"), max_length=20, choices=Subject.choices, default=Subject.PROJECT)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="+"
    )
    framework = models.ForeignKey(
        "indicators.IndicatorFramework", verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=200)
    midterm_goal = models.TextField(_("中期目标"), blank=True, max_length=4000)
    annual_goal = models.TextField(_("年度目标"), blank=True, max_length=4000)
    mid_total_yuan = models.DecimalField(_("中期资金总额（元）"), **MONEY)  # type: ignore[arg-type]
    mid_fiscal_yuan = models.DecimalField(_("中期财政拨款（元）"), **MONEY)  # type: ignore[arg-type]
    annual_total_yuan = models.DecimalField(_("年度资金总额（元）"), **MONEY)  # type: ignore[arg-type]
    annual_fiscal_yuan = models.DecimalField(_("年度财政拨款（元）"), **MONEY)  # type: ignore[arg-type]
    basic_yuan = models.DecimalField(_("基本支出（元）"), **MONEY)  # type: ignore[arg-type]
    project_spending_yuan = models.DecimalField(_("项目支出（元）"), **MONEY)  # type: ignore[arg-type]
    status = models.CharField(
        _("状态"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.DRAFT, db_index=True
    )
    returned_from = models.CharField(_("退回环节"), max_length=20, choices=TargetStatus.choices, blank=True)
    goal_version = models.PositiveSmallIntegerField(_("目标版本"), default=1)
    review_grade = models.CharField(_("审核等级"), max_length=10, choices=Grade.choices, blank=True)
    review_aspects = models.JSONField(_("审核要点"), default=dict, blank=True)
    review_score = models.DecimalField(_("审核得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    review_scores = models.JSONField(_("审核要点得分"), default=dict, blank=True)
    review_opinion = models.TextField(_("审核意见"), blank=True, max_length=4000)
    approved_at = models.DateTimeField(_("批复时间"), null=True, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        ordering = ["-fiscal_year", "department", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year"],
                condition=models.Q(project__isnull=False),
                name="uniq_target_per_project_year",
            ),
            models.UniqueConstraint(
                fields=["department", "fiscal_year"],
                condition=models.Q(subject_type="dept_overall"),
                name="uniq_dept_overall_target_per_year",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
            # 待办 counts (core.todos.status_counts): the rows in working states, not years of finished ones.
            models.Index(
                fields=["status", "region"], condition=models.Q(is_deleted=False), name="target_live_status_region"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_locked(self) -> bool:
        return self.status in {TargetStatus.APPROVED, TargetStatus.ADJUSTING}


class TargetIndicator(models.Model):
    """A 三级 indicator row of a target's grid."""

    class YearFlag(models.TextChoices):
        ANNUAL = "annual", _("年度")
        MIDTERM = "midterm", _("中期")

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="indicators")
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    year_flag = models.CharField(_("年度/中期"), max_length=10, choices=YearFlag.choices, default=YearFlag.ANNUAL)
    lv1 = models.ForeignKey(
        "indicators.FrameworkNode", verbose_name=_("一级指标"), on_delete=models.PROTECT, related_name="+"
    )
    lv2 = models.ForeignKey(
        "indicators.FrameworkNode", verbose_name=_("二级指标"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("三级指标"), max_length=200)
    operator = models.CharField(_("指标性质"), max_length=4, choices=Operator.choices, default=Operator.GTE)
    target_text = models.CharField(_("指标值"), max_length=1000)
    midterm_text = models.CharField(_("中期指标值"), max_length=1000, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    weight = models.DecimalField(_("分值"), max_digits=5, decimal_places=2, null=True, blank=True)
    explanation = models.CharField(_("指标解释"), max_length=2000, blank=True)
    scoring_standard = models.CharField(_("评（扣）分标准"), max_length=2000, blank=True)
    value_basis = models.CharField(_("取值依据"), max_length=10, choices=ValueBasis.choices, blank=True)
    data_source = models.CharField(_("数据来源"), max_length=500, blank=True)
    remark = models.CharField(_("备注"), max_length=500, blank=True)
    library_item = models.ForeignKey(
        "indicators.IndicatorLibraryItem",
        verbose_name=_("来自指标库"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_core = models.BooleanField(_("核心指标"), default=False)
    # Shadow fields from jixiao.indicators.valueparse, refreshed on every save (DOMAIN.md §4.2).
    parsed_kind = models.CharField(_("解析类型"), max_length=10, blank=True)
    parsed_op = models.CharField(_("解析运算符"), max_length=4, blank=True)
    parsed_value = models.DecimalField(
        _("解析数值（基本单位）"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    parsed_unit = models.CharField(_("解析单位"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["target", "seq", "id"]

    def __str__(self) -> str:
        return self.name


class TargetEvent(models.Model):
    """A transition or review opinion: the timeline shown on the target page."""

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, choices=TargetStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=TargetStatus.choices)
    comment = models.TextField(_("意见"), blank=True, max_length=4000)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices, blank=True)
    score = models.DecimalField(_("审核得分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("目标流转记录")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.action}"


class ReviewComment(models.Model):
    """One modification opinion (修改意见), counted per department in reports (DOMAIN.md §2.2 Review)."""

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="comments")
    indicator = models.ForeignKey(
        TargetIndicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    # The indicator's name when the opinion was written: saving the grid replaces the indicator rows (the link is
    # cleared), and the opinion must still say which indicator it was about.
    indicator_name = models.CharField(_("针对指标"), max_length=200, blank=True)
    stage = models.CharField(_("审核环节"), max_length=10, choices=ReviewStage.choices)
    author = models.ForeignKey(
        "accounts.User", verbose_name=_("提出人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(_("意见内容"), max_length=2000)
    resolved = models.BooleanField(_("已处理"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("修改意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def subject(self) -> str:
        """What the opinion is about: the indicator it named, or the whole target."""
        return self.indicator_name or "整体目标"


class TargetVersion(models.Model):
    """A frozen copy of a target at approval and at every adjustment, for the visible diff."""

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="versions")
    goal_version = models.PositiveSmallIntegerField(_("版本"))
    snapshot = models.JSONField(_("内容"))
    reason = models.CharField(_("原因"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("目标版本")
        ordering = ["target", "goal_version"]
        constraints = [models.UniqueConstraint(fields=["target", "goal_version"], name="uniq_target_version")]

    def __str__(self) -> str:
        return f"{self.target_id} v{self.goal_version}"


class CheckSeverity(models.TextChoices):
    ERROR = "error", _("错误（阻止提交）")
    WARNING = "warning", _("警告")
    INFO = "info", _("提示")


class SmartCheckRule(RegionYearRow):
    """One smart check (智能审核) setting. A row without region and year is the national default; a row for a
    region and/or year overrides it there (the most specific row wins, DOMAIN.md §6.11, ARCHITECTURE rule 14)."""

    Severity = CheckSeverity

    code = models.CharField(_("规则编码"), max_length=40)
    name = models.CharField(_("规则名称"), max_length=100)
    severity = models.CharField(_("严重程度"), max_length=10, choices=CheckSeverity.choices)
    is_enabled = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True, help_text=_("阈值、词表等，未填写的按全国默认值"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("智能审核规则")
        verbose_name_plural = _("智能审核规则")
        ordering = ["code", "region", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(region__isnull=True, fiscal_year__isnull=True),
                name="uniq_check_rule_default",
            ),
            models.UniqueConstraint(
                fields=["code", "region"],
                condition=models.Q(region__isnull=False, fiscal_year__isnull=True),
                name="uniq_check_rule_region",
            ),
            models.UniqueConstraint(
                fields=["code", "fiscal_year"],
                condition=models.Q(region__isnull=True, fiscal_year__isnull=False),
                name="uniq_check_rule_year",
            ),
            models.UniqueConstraint(
                fields=["code", "region", "fiscal_year"],
                condition=models.Q(region__isnull=False, fiscal_year__isnull=False),
                name="uniq_check_rule_region_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AnnualTask(models.Model):
    """年度主要任务 of a department-overall target (DOMAIN.md §3.2)."""

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="tasks")
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("任务名称"), max_length=200)
    content = models.CharField(_("主要内容"), max_length=2000, blank=True)
    amount_yuan = models.DecimalField(_("预算金额（元）"), **MONEY)  # type: ignore[arg-type]

    class Meta:
        verbose_name = _("年度主要任务")
        verbose_name_plural = _("年度主要任务")
        ordering = ["target", "seq", "id"]

    def __str__(self) -> str:
        return self.name


class PanelAssignment(models.Model):
    """A member of the 集中会审 panel of one target: an expert or a 人大代表, with their opinion."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("专家")
        NPC_DEPUTY = "npc_deputy", _("人大代表")

    class Conclusion(models.TextChoices):
        PASS = "pass", _("同意通过")
        REVISE = "revise", _("修改后通过")
        REJECT = "reject", _("不同意")

    target = models.ForeignKey(PerformanceTarget, on_delete=models.CASCADE, related_name="panel")
    expert = models.ForeignKey(
        "accounts.User", verbose_name=_("会审成员"), on_delete=models.PROTECT, related_name="panel_assignments"
    )
    kind = models.CharField(_("身份"), max_length=20, choices=Kind.choices, default=Kind.EXPERT)
    assigned_by = models.ForeignKey(
        "accounts.User", verbose_name=_("指派人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    conflict_declared = models.BooleanField(_("声明回避"), default=False)
    conclusion = models.CharField(_("会审结论"), max_length=10, choices=Conclusion.choices, blank=True)
    opinion = models.TextField(_("会审意见"), blank=True, max_length=4000)
    # 评分审核 (review_scoring): where the region scores reviews, each member scores the four aspects too.
    scores = models.JSONField(_("审核要点得分"), default=dict, blank=True)
    total = models.DecimalField(_("评分"), max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会审成员")
        verbose_name_plural = _("会审成员")
        ordering = ["target", "assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["target", "expert"], name="uniq_panel_member")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.expert_id}"


def _score_field(label: Any, default: int) -> models.DecimalField:  # type: ignore[type-arg]
    """A points value or a score line out of 100."""
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class TargetReviewSettings(RegionYearSettings):
    """评分审核 (seed 003 S18; DOMAIN.md §2.2, §4.9): whether the 绩效股 scores the four review aspects, their points
    (100 in all), the pass mark below which a target may not enter the budget, and the grade bands of the total.
    Off in the national default (the national rule grades 优/良/中/差 without points); a region turns it on."""

    scored = models.BooleanField(_("启用评分审核"), default=False)
    points_1 = _score_field(_("完整性分值"), 25)
    points_2 = _score_field(_("相关性分值"), 25)
    points_3 = _score_field(_("适当性分值"), 25)
    points_4 = _score_field(_("可行性分值"), 25)
    pass_score = _score_field(_("达标分数线"), 60)
    grade_excellent = _score_field(_("“优”最低分"), 90)
    grade_good = _score_field(_("“良”最低分"), 80)
    grade_fair = _score_field(_("“中”最低分"), 60)
    # 项目分级分类 (seed 002 S26; DOMAIN.md §2.2: A类 “专家集中会审 mandatory”): the 重要性分类 whose targets are
    # passed (优/良) only after a 集中会审. None in the national default.
    panel_classes = models.CharField(_("须经集中会审的重要性分类"), max_length=3, blank=True, default="")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    # What a region sets (the settings page, services_rules.review_settings_save).
    VALUE_FIELDS = (
        "scored",
        "points_1",
        "points_2",
        "points_3",
        "points_4",
        "pass_score",
        "grade_excellent",
        "grade_good",
        "grade_fair",
    )

    class Meta:
        verbose_name = _("目标审核评分设置")
        verbose_name_plural = _("目标审核评分设置")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_target_review_settings_region_year", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(grade_fair__lte=models.F("grade_good"))
                & models.Q(grade_good__lte=models.F("grade_excellent")),
                name="target_review_settings_grade_order",
            ),
            models.CheckConstraint(
                condition=Exact(
                    models.F("points_1") + models.F("points_2") + models.F("points_3") + models.F("points_4"),
                    Decimal(100),
                ),
                name="target_review_settings_points_100",
            ),
        ]

    @property
    def points(self) -> dict[str, Decimal]:
        """Each aspect's points, in the order of REVIEW_ASPECTS."""
        values = (self.points_1, self.points_2, self.points_3, self.points_4)
        return {name: Decimal(value) for name, value in zip(REVIEW_ASPECTS, values, strict=True)}


class TargetCaseQuerySet(ScopedQuerySet["TargetCase"]):
    """Everyone who writes or reviews targets (`target.view`: staff and experts) reads the cases of their own region
    and the regions above it (a city's cases serve its counties); the region's bureau and leaders also read those of
    the regions below. The cases are approved target tables, public once the budget is."""

    def scope(self, membership: Any) -> ScopedQuerySet[TargetCase]:
        region = membership.region
        if region is None or not membership.can("target.view"):  # the 三员 and agencies: none
            return self.none()  # type: ignore[return-value]
        visible = models.Q(region__mof_div_code__in=config_rows.ancestor_codes(region))
        if membership.scope_level == ScopeLevel.REGION:
            visible |= models.Q(region__path__startswith=region.path)
        return self.filter(visible, is_deleted=False)  # type: ignore[return-value]


class TargetCase(TimeStampedModel):
    """指标案例库 (seed 002 S23: “16 个大类、100 余个案例”): an approved target table the performance section chose as a
    worked example, filed under a 行业领域 大类, frozen as it was (`snapshot`: goals, tasks, indicators with their
    一级/二级 names) with the section's note on what makes it a good example. Units read it while writing their own."""

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "indicators.IndicatorCategory", verbose_name=_("行业领域"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("案例名称"), max_length=200)
    subject_type = models.CharField(_("目标类型"), max_length=20, choices=PerformanceTarget.Subject.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    source_target = models.OneToOneField(
        PerformanceTarget,
        verbose_name=_("来源绩效目标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
    )
    snapshot = models.JSONField(_("目标表"), default=dict)
    note = models.TextField(_("案例点评"), blank=True, max_length=2000)

    objects = TargetCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标案例")
        verbose_name_plural = _("指标案例")
        ordering = ["category__code", "-fiscal_year", "title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def indicator_count(self) -> int:
        return len(self.snapshot.get("indicators") or [])
