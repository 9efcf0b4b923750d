"""绩效评价 (DOMAIN.md §2.4, §4): scoring settings per region and year, and the 单位自评 records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet
from jixiao.evaluation.scoring.config import ScoringConfig


def _dec(label: str, default: str, *, digits: int = 7, places: int = 2, help_text: Any = "") -> models.DecimalField:
    return models.DecimalField(
        _(label),
        max_digits=digits,
        decimal_places=places,
        default=Decimal(default),
        validators=[MinValueValidator(0)],
        help_text=help_text,
    )


class ScoringSettings(models.Model):
    """The numbers of the self-evaluation rules for a region and year (national default: 财预〔2020〕10号).

    A row with no region is the national default, a row with no year applies to every year; the most specific row
    wins (core.config_rows)."""

    class TimeLateMode(models.TextChoices):
        MANUAL = "MANUAL", _("人工评分")
        ZERO = "ZERO", _("逾期得0分")
        PER_MONTH = "PER_MONTH", _("按逾期月数扣分")

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
    exec_weight = _dec("预算执行率分值", "10")
    cap_exec_rate = models.BooleanField(_("执行率超过100%按100%计"), default=True)
    weight_output = _dec("产出指标分值", "50")
    weight_benefit = _dec("效益指标分值", "30")
    weight_satisfaction = _dec("满意度指标分值", "10", help_text=_("未设满意度指标时并入效益指标"))
    grade_excellent = _dec("“优”最低分", "90")
    grade_good = _dec("“良”最低分", "80")
    grade_pass = _dec("“中”最低分", "60")
    qual_band_hi = _dec("定性“达成”下限（占分值）", "0.8", digits=4, places=3)
    qual_band_lo = _dec("定性“部分达成”下限（占分值）", "0.6", digits=4, places=3)
    overshoot_ratio = _dec("超额完成提示倍数", "1.2", digits=5, places=2)
    time_late_mode = models.CharField(
        _("时效指标逾期评分方式"), max_length=10, choices=TimeLateMode.choices, default=TimeLateMode.MANUAL
    )
    time_late_deduct_pct = _dec("每逾期一月扣分比例", "0.1", digits=4, places=3)
    score_tolerance = _dec("得分比对容差", "0.01")
    inflation_ratio = _dec("高报得分提示比例（占分值）", "0.2", digits=4, places=3)
    gap_tolerance = _dec("再评价分差提示（分）", "10")
    month_before_inclusive = models.BooleanField(_("“X月前”含X月"), default=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("评价评分参数")
        verbose_name_plural = _("评价评分参数")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_scoring_settings_region_year", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(grade_pass__lte=models.F("grade_good"))
                & models.Q(grade_good__lte=models.F("grade_excellent")),
                name="scoring_settings_grade_order",
            ),
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region_id else "全国默认"  # type: ignore[union-attr]
        return f"{where} {self.fiscal_year or '各'}年度"

    def to_config(self) -> ScoringConfig:
        return ScoringConfig(
            exec_weight=self.exec_weight,
            cap_exec_rate=self.cap_exec_rate,
            self_eval_weights={
                "EXEC": self.exec_weight,
                "OUTPUT": self.weight_output,
                "BENEFIT": self.weight_benefit,
                "SATISFACTION": self.weight_satisfaction,
            },
            grade_bands={"优": self.grade_excellent, "良": self.grade_good, "中": self.grade_pass},
            qual_band_hi=self.qual_band_hi,
            qual_band_lo=self.qual_band_lo,
            overshoot_ratio=self.overshoot_ratio,
            time_late_mode=self.time_late_mode,
            time_late_deduct_pct=self.time_late_deduct_pct,
            score_tolerance=self.score_tolerance,
            inflation_ratio=self.inflation_ratio,
            gap_tolerance=self.gap_tolerance,
            month_before_inclusive=self.month_before_inclusive,
        )


# ---- 单位自评 records (DOMAIN.md §2.4.2, §6.5, §6.9) -------------------------------------------------------------


class SelfEvalStatus(models.TextChoices):
    FILLING = "filling", _("填报中")
    SUBMITTED = "submitted", _("待主管部门审核")
    DEPT_REVIEWED = "dept_reviewed", _("待业务股室审核")
    SECTION_REVIEWED = "section_reviewed", _("待绩效股审核")
    FIN_REVIEWED = "fin_reviewed", _("已审定")
    RETURNED = "returned", _("被退回")


class SelfEvalTaskQuerySet(ScopedQuerySet["SelfEvalTask"]):
    """A round is seen by everyone working in its region (its records are scoped separately)."""

    def scope(self, membership: Any) -> ScopedQuerySet[SelfEvalTask]:
        return self.filter(is_deleted=False, region__path__startswith=membership.region.path)  # type: ignore[return-value]


class SelfEvalTask(TimeStampedModel):
    """One year's self-evaluation round of a region, started by the performance section."""

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), db_index=True)
    title = models.CharField(_("任务名称"), max_length=200)
    deadline = models.DateField(_("填报截止日期"))
    started_by = models.ForeignKey(
        "accounts.User", verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("发起时间"), null=True, blank=True)

    objects = SelfEvalTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("自评任务")
        verbose_name_plural = _("自评任务")
        ordering = ["-fiscal_year", "-id"]
        constraints = [models.UniqueConstraint(fields=["region", "fiscal_year"], name="uniq_selfeval_task_year")]

    def __str__(self) -> str:
        return self.title


class SelfEvaluationQuerySet(BusinessRowQuerySet["SelfEvaluation"]):
    """Scope: core.scoping.BusinessRowQuerySet (unit, department, 对口 section, region)."""


class SelfEvaluation(TimeStampedModel):
    """One unit's self-evaluation of one approved target (project or department overall)."""

    class Subject(models.TextChoices):
        PROJECT = "project", _("项目支出")
        DEPT_OVERALL = "dept_overall", _("部门整体支出")

    Status = SelfEvalStatus

    task = models.ForeignKey(SelfEvalTask, verbose_name=_("自评任务"), on_delete=models.CASCADE, related_name="records")
    subject = models.CharField(_("自评类型"), max_length=20, choices=Subject.choices, default=Subject.PROJECT)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("实施单位"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_evaluations",
    )
    target = models.ForeignKey(
        "targets.PerformanceTarget", verbose_name=_("绩效目标"), on_delete=models.PROTECT, related_name="+"
    )
    goal_version = models.PositiveSmallIntegerField(_("目标版本"))
    name = models.CharField(_("名称"), max_length=200)
    goal_expected = models.TextField(_("年度总体目标（预期）"), blank=True, max_length=4000)
    goal_actual = models.TextField(_("年度总体目标实际完成情况"), blank=True, max_length=4000)
    exec_weight = models.DecimalField(_("预算执行率分值"), max_digits=7, decimal_places=2, default=Decimal(10))
    exec_score_claimed = models.DecimalField(
        _("预算执行率得分（填报）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    exec_score_computed = models.DecimalField(
        _("预算执行率得分（计算）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    total_claimed = models.DecimalField(_("总分（填报）"), max_digits=7, decimal_places=2, null=True, blank=True)
    total_computed = models.DecimalField(_("总分（计算）"), max_digits=7, decimal_places=2, null=True, blank=True)
    grade_claimed = models.CharField(_("等级（填报）"), max_length=4, blank=True)
    grade_computed = models.CharField(_("等级（计算）"), max_length=4, blank=True, db_index=True)
    flags = models.JSONField(_("校验结果"), default=dict, blank=True)
    error_count = models.PositiveSmallIntegerField(_("错误数"), default=0)
    warn_count = models.PositiveSmallIntegerField(_("提示数"), default=0)
    flag_explanation = models.TextField(_("提示事项说明"), blank=True, max_length=4000)
    application_advice = models.CharField(_("结果应用建议"), max_length=2000, blank=True)
    dept_score = models.DecimalField(_("主管部门评分"), max_digits=7, decimal_places=2, null=True, blank=True)
    dept_opinion = models.CharField(_("主管部门审核意见"), max_length=2000, blank=True)
    section_opinion = models.CharField(_("业务股室审核意见"), max_length=2000, blank=True)
    fin_opinion = models.CharField(_("绩效股审核意见"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=SelfEvalStatus.choices, default=SelfEvalStatus.FILLING, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    is_final = models.BooleanField(_("已审定"), default=False)

    objects = SelfEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位自评")
        verbose_name_plural = _("单位自评")
        ordering = ["-fiscal_year", "department", "unit", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "target"], name="uniq_selfeval_per_target")]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.fiscal_year}年度自评）"

    @property
    def is_flagged(self) -> bool:
        return self.error_count > 0 or self.warn_count > 0


class SelfEvalFund(models.Model):
    """A row of the funds block: 年初预算数 and 全年预算数 from the project, 全年执行数 pre-filled from payments."""

    class Source(models.TextChoices):
        TOTAL = "TOTAL", _("年度资金总额")
        FISCAL = "FISCAL", _("其中：当年财政拨款")
        CARRYOVER = "CARRYOVER", _("上年结转资金")
        OTHER = "OTHER", _("其他资金")

    self_eval = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="funds")
    fund_source = models.CharField(_("资金来源"), max_length=10, choices=Source.choices)
    initial_yuan = models.DecimalField(_("年初预算数（元）"), max_digits=18, decimal_places=2, default=Decimal(0))
    annual_yuan = models.DecimalField(_("全年预算数（元）"), max_digits=18, decimal_places=2, default=Decimal(0))
    executed_yuan = models.DecimalField(_("全年执行数（元）"), max_digits=18, decimal_places=2, default=Decimal(0))
    executed_from_payments_yuan = models.DecimalField(
        _("支付数据执行数（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    exec_rate = models.DecimalField(_("执行率（填报）"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("自评资金")
        verbose_name_plural = _("自评资金")
        ordering = ["self_eval", "id"]
        constraints = [models.UniqueConstraint(fields=["self_eval", "fund_source"], name="uniq_selfeval_fund")]

    def __str__(self) -> str:
        return f"{self.self_eval_id} {self.fund_source}"


class QualLevel(models.TextChoices):
    ACHIEVED = "ACHIEVED", _("达成年度指标")
    PARTIAL = "PARTIAL", _("部分达成年度指标并具有一定效果")
    NOT_ACHIEVED = "NOT_ACHIEVED", _("未达成年度指标且效果较差")


class SelfEvalIndicator(models.Model):
    """An indicator row: lv1/lv2/name/target/weight frozen from the approved version, the rest filled by the unit."""

    self_eval = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        "targets.TargetIndicator",
        verbose_name=_("目标指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    lv1 = models.CharField(_("一级指标"), max_length=100)
    lv2 = models.CharField(_("二级指标"), max_length=100, blank=True)
    name = models.CharField(_("三级指标"), max_length=200)
    target_text = models.CharField(_("年度指标值"), max_length=1000, blank=True)
    is_qualitative = models.BooleanField(_("定性指标"), default=False)
    weight = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    actual_text = models.CharField(_("实际完成值"), max_length=1000, blank=True)
    monitoring_hint = models.CharField(_("最近监控情况"), max_length=1000, blank=True)
    qual_level = models.CharField(_("定性完成档次"), max_length=20, choices=QualLevel.choices, blank=True)
    claimed_score = models.DecimalField(_("得分（填报）"), max_digits=7, decimal_places=2, null=True, blank=True)
    deviation_analysis = models.CharField(_("偏差原因分析及改进措施"), max_length=2000, blank=True)
    auto_score = models.DecimalField(_("得分（计算）"), max_digits=7, decimal_places=2, null=True, blank=True)
    formula = models.CharField(_("计算过程"), max_length=500, blank=True)
    flags = models.JSONField(_("问题"), default=list, blank=True)
    final_score = models.DecimalField(_("审定得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    override_reason = models.CharField(_("调整得分理由"), max_length=1000, blank=True)
    overridden_by = models.ForeignKey(
        "accounts.User", verbose_name=_("调整人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("自评指标")
        verbose_name_plural = _("自评指标")
        ordering = ["self_eval", "seq", "id"]

    def __str__(self) -> str:
        return self.name


class SelfEvalEvent(models.Model):
    """A transition, review opinion or score override: the timeline on the self-evaluation page."""

    self_eval = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    action_label = models.CharField(_("操作名称"), max_length=50, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=SelfEvalStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=SelfEvalStatus.choices, blank=True)
    comment = models.CharField(_("意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("自评流转记录")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.self_eval_id} {self.action}"
