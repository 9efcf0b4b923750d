"""绩效评价 (DOMAIN.md §2.4, §4): scoring settings per region and year, and the 单位自评 records."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import StoredFile, TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet, ScopeLevel
from jixiao.evaluation.scoring.config import ScoringConfig
from jixiao.organizations.models import RegionYearSettings


def _dec(label: str, default: str, *, digits: int = 7, places: int = 2, help_text: Any = "") -> models.DecimalField:
    return models.DecimalField(
        _(label),
        max_digits=digits,
        decimal_places=places,
        default=Decimal(default),
        validators=[MinValueValidator(0)],
        help_text=help_text,
    )


class ScoringSettings(RegionYearSettings):
    """The numbers of the self-evaluation rules for a region and year (national default: 财预〔2020〕10号).

    A row with no region is the national default, a row with no year applies to every year; the most specific row
    wins (core.config_rows)."""

    class TimeLateMode(models.TextChoices):
        MANUAL = "MANUAL", _("人工评分")
        ZERO = "ZERO", _("逾期得0分")
        PER_MONTH = "PER_MONTH", _("按逾期月数扣分")

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
    reeval_rate = _dec("再评价默认抽取比例", "0.1", digits=5, places=4)
    authenticity_sample_size = models.PositiveIntegerField(_("真实性核查默认抽取数量"), default=20)
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


# ---- 单位自评 records (DOMAIN.md §2.4.2, §6.5, §6.9) -----------------------------------------------------------------


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
            # 待办 counts (core.todos.status_counts): the rows in working states, not years of finished ones.
            models.Index(
                fields=["status", "region"], condition=models.Q(is_deleted=False), name="selfeval_live_status_region"
            ),
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


class SelfEvalEvent(WorkflowEvent):
    """A transition, review opinion or score override: the timeline on the self-evaluation page."""

    self_eval = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=SelfEvalStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=SelfEvalStatus.choices, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("自评流转记录")

    def __str__(self) -> str:
        return f"{self.self_eval_id} {self.action}"


class SelfEvalEvidence(StoredFile):
    """A 佐证资料 file of a self-evaluation, optionally tied to the indicator row whose actual it supports: what the
    真实性核查 checks the reported actuals against (DOMAIN.md §2.4.6)."""

    storage_folder = "selfeval"

    self_eval = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="evidence")
    # A row that disappears leaves its files with the record, untied.
    row = models.ForeignKey(
        SelfEvalIndicator,
        verbose_name=_("对应指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("自评佐证资料")
        verbose_name_plural = _("自评佐证资料")


# ---- 抽评/再评价 and 真实性核查 (DOMAIN.md §2.4.5, §2.4.6, §6.5) -----------------------------------------------------


class RegionBatchQuerySet(ScopedQuerySet[Any]):
    """Batches are the finance bureau's: region-level roles see their region subtree, a business section its own
    authenticity checks, a third-party agency the batches with samples assigned to it."""

    def scope(self, membership: Any) -> Any:
        qs = self.filter(is_deleted=False, region__path__startswith=membership.region.path)
        if membership.role == "agency":
            if self.model is not ReEvaluationBatch:
                return self.none()
            return qs.filter(pk__in=ReEvaluationSample.objects.filter(agency__users=membership.user_id).values("batch"))
        if membership.scope_level == ScopeLevel.REGION:
            return qs
        if membership.scope_level == ScopeLevel.SECTION and membership.section_id and hasattr(self.model, "organiser"):
            return qs.filter(organiser_id=membership.section_id)
        return self.none()


class ReEvaluationBatch(TimeStampedModel):
    """A 再评价 draw: the scope, the sample rule, the seed (stored before the draw) and the population snapshot."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待抽取")
        DRAWN = "drawn", _("再评价中")
        FINISHED = "finished", _("已完成")

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), db_index=True)
    title = models.CharField(_("批次名称"), max_length=200)
    subject = models.CharField(
        _("对象类型"), max_length=20, choices=SelfEvaluation.Subject.choices, default=SelfEvaluation.Subject.PROJECT
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_min_yuan = models.DecimalField(
        _("全年预算数下限（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    amount_max_yuan = models.DecimalField(
        _("全年预算数上限（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("自评等级"), max_length=4, blank=True)
    category = models.CharField(_("项目类别"), max_length=20, blank=True)
    adjusted_only = models.BooleanField(_("仅目标调整过的"), default=False)
    rate = models.DecimalField(_("抽取比例"), max_digits=5, decimal_places=4, null=True, blank=True)
    count = models.PositiveIntegerField(_("抽取数量"), null=True, blank=True)
    n_min = models.PositiveIntegerField(_("最少抽取数"), default=1)
    must_include_over_yuan = models.DecimalField(
        _("必抽金额（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    must_include_errors = models.BooleanField(_("有错误提示的必抽"), default=True)
    # 项目分级分类 (seed 002 S26; DOMAIN.md §2.2: A类 “full coverage within the cycle”).
    must_include_major = models.BooleanField(_("A类（重大）项目必抽"), default=False)
    stratified = models.BooleanField(_("按主管部门分层"), default=False)
    seed = models.CharField(_("抽样种子"), max_length=64, blank=True)
    population = models.JSONField(_("抽样范围快照"), default=list, blank=True)
    population_size = models.PositiveIntegerField(_("范围数"), default=0)
    population_amount_yuan = models.DecimalField(_("范围金额（元）"), max_digits=18, decimal_places=2, default=0)
    must_include = models.JSONField(_("必抽对象"), default=list, blank=True)
    sample_size = models.PositiveIntegerField(_("抽取数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        "accounts.User", verbose_name=_("抽取人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RegionBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("再评价批次")
        verbose_name_plural = _("再评价批次")
        ordering = ["-fiscal_year", "-id"]

    def __str__(self) -> str:
        return self.title


class ReEvaluationSampleQuerySet(models.QuerySet["ReEvaluationSample"]):
    def visible_to(self, user: Any) -> models.QuerySet[ReEvaluationSample]:
        """Region-level roles see the samples of their region; an agency's staff only the samples assigned to it."""
        membership = getattr(user, "active_membership", None) if getattr(user, "is_authenticated", False) else None
        if membership is None:
            return self.none()
        qs = self.filter(batch__is_deleted=False, batch__region__path__startswith=membership.region.path)
        if membership.role == "agency":
            return qs.filter(agency__users=membership.user_id)
        if membership.scope_level == ScopeLevel.REGION:
            return qs
        return self.none()


def result_file_path(instance: Any, filename: str) -> str:
    # Never the uploaded name on disk: a generated name keeps paths safe and unguessable (SECURITY.md F06).
    suffix = PurePosixPath(filename).suffix.lower()
    return f"reeval/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ReEvaluationSample(models.Model):
    """A drawn self-evaluation and its re-score (抽评总分 / 抽评结果 / 委托机构 / 结果文件)."""

    class SelectedBy(models.TextChoices):
        RANDOM = "RANDOM", _("随机抽取")
        MUST_INCLUDE = "MUST_INCLUDE", _("必抽")

    batch = models.ForeignKey(ReEvaluationBatch, on_delete=models.CASCADE, related_name="samples")
    self_eval = models.ForeignKey(
        SelfEvaluation, verbose_name=_("单位自评"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("抽样编码"), max_length=64)
    stratum = models.CharField(_("分层"), max_length=64, blank=True)
    selected_by = models.CharField(_("入样方式"), max_length=20, choices=SelectedBy.choices)
    amount_yuan = models.DecimalField(_("全年预算数（元）"), max_digits=18, decimal_places=2, default=0)
    agency = models.ForeignKey(
        "experts.Agency", verbose_name=_("委托机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency_name = models.CharField(_("委托机构名称"), max_length=150, blank=True)
    self_score = models.DecimalField(_("自评得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    self_grade = models.CharField(_("自评等级"), max_length=4, blank=True)
    rows = models.JSONField(_("逐项再评分"), default=list, blank=True)
    re_score = models.DecimalField(_("再评价得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    re_grade = models.CharField(_("再评价等级"), max_length=4, blank=True)
    gap = models.DecimalField(_("分差"), max_digits=7, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("分差提示"), default=False)
    opinion = models.CharField(_("再评价意见"), max_length=2000, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to=result_file_path, max_length=200, blank=True)
    result_file_name = models.CharField(_("结果文件名"), max_length=200, blank=True)
    scored_by = models.ForeignKey(
        "accounts.User", verbose_name=_("评分人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)

    objects = ReEvaluationSampleQuerySet.as_manager()

    class Meta:
        verbose_name = _("再评价样本")
        verbose_name_plural = _("再评价样本")
        ordering = ["batch", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "self_eval"], name="uniq_reeval_sample")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.code}"


class AuthenticityCheck(TimeStampedModel):
    """A 真实性核查 batch: a reproducible draw of finance-reviewed project self-evaluations."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待抽取")
        CHECKING = "checking", _("核查中")
        FINISHED = "finished", _("已完成")

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), db_index=True)
    title = models.CharField(_("核查名称"), max_length=200)
    organiser = models.ForeignKey(
        "organizations.FinanceSection",
        verbose_name=_("组织股室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    upper_level_request = models.BooleanField(_("上级核查"), default=False)
    # 上级核查 (DOMAIN.md §2.4.6 "upper-level requests"): the units upload 印证资料, the section reviews and forwards.
    materials_deadline = models.DateField(_("印证资料报送截止日期"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("报送上级时间"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("报送人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sample_size = models.PositiveIntegerField(_("抽取数量"), default=20)
    # The projects were named by the upper level (entered by code), not drawn: no seed, nothing to re-draw.
    designated = models.BooleanField(_("上级指定项目"), default=False)
    seed = models.CharField(_("抽样种子"), max_length=64, blank=True)
    population = models.JSONField(_("抽样范围快照"), default=list, blank=True)
    population_size = models.PositiveIntegerField(_("范围数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)

    objects = RegionBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("真实性核查")
        verbose_name_plural = _("真实性核查")
        ordering = ["-fiscal_year", "-id"]

    def __str__(self) -> str:
        return self.title


class AuthenticityItem(models.Model):
    """One core indicator of a sampled project: the reported actual against the verified value and the finding."""

    class Finding(models.TextChoices):
        CONFIRMED = "CONFIRMED", _("属实")
        INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE", _("佐证资料不足")
        INCONSISTENT = "INCONSISTENT", _("与佐证资料不符")
        FALSIFIED = "FALSIFIED", _("弄虚作假")

    check_batch = models.ForeignKey(AuthenticityCheck, on_delete=models.CASCADE, related_name="items")
    self_eval = models.ForeignKey(
        SelfEvaluation, verbose_name=_("单位自评"), on_delete=models.PROTECT, related_name="+"
    )
    row = models.ForeignKey(
        SelfEvalIndicator, verbose_name=_("指标"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(_("项目编码"), max_length=64)
    indicator_name = models.CharField(_("指标名称"), max_length=200)
    target_text = models.CharField(_("年度指标值"), max_length=1000, blank=True)
    reported_value = models.CharField(_("填报完成值"), max_length=1000, blank=True)
    verified_value = models.CharField(_("核实值"), max_length=1000, blank=True)
    finding = models.CharField(_("核查结论"), max_length=30, choices=Finding.choices, blank=True)
    evidence_note = models.CharField(_("佐证资料说明"), max_length=2000, blank=True)
    checked_by = models.ForeignKey(
        "accounts.User", verbose_name=_("核查人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("真实性核查事项")
        verbose_name_plural = _("真实性核查事项")
        ordering = ["check_batch", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.indicator_name}"


# ---- 上级核查 印证资料 (DOMAIN.md §2.4.6: "a task listing the projects; the units upload 印证资料; the section reviews
# and forwards") ---------------------------------------------------------------------------------------------------


class UpperCheckStatus(models.TextChoices):
    PENDING = "pending", _("待上传")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("被退回")
    APPROVED = "approved", _("已通过")


class UpperCheckProjectQuerySet(ScopedQuerySet["UpperCheckProject"]):
    """The organising side (`evaluation.authenticity`) sees the projects of the upper-level checks it sees; the unit
    side (`evaluation.fill`: units, 主管部门) the projects whose self-evaluation it sees — its own, nobody else's."""

    def scope(self, membership: Any) -> ScopedQuerySet[UpperCheckProject]:
        qs = self.filter(
            check_batch__is_deleted=False,
            check_batch__upper_level_request=True,
            check_batch__region__path__startswith=membership.region.path,
        )
        if membership.can("evaluation.authenticity"):
            return qs.filter(check_batch__in=AuthenticityCheck.objects.scope(membership).values("pk"))  # type: ignore[return-value]
        if membership.can("evaluation.fill"):
            return qs.filter(self_eval__in=SelfEvaluation.objects.scope(membership).values("pk"))  # type: ignore[return-value]
        return self.none()


class UpperCheckProject(TimeStampedModel):
    """One project of an upper-level 真实性核查: the unit's 印证资料 for it (UpperCheckEvidence), submitted to the
    organising section, which returns it with a reason or passes it; when every project has passed, the section
    forwards the check to the upper level (AuthenticityCheck.forwarded_at)."""

    Status = UpperCheckStatus

    check_batch = models.ForeignKey(
        AuthenticityCheck, verbose_name=_("真实性核查"), on_delete=models.CASCADE, related_name="upper_projects"
    )
    self_eval = models.ForeignKey(
        SelfEvaluation, verbose_name=_("单位自评"), on_delete=models.PROTECT, related_name="upper_check_entries"
    )
    code = models.CharField(_("项目编码"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=UpperCheckStatus.choices, default=UpperCheckStatus.PENDING, db_index=True
    )
    unit_note = models.CharField(_("报送说明"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", verbose_name=_("提交人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_opinion = models.CharField(_("审核意见"), max_length=2000, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    objects = UpperCheckProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("上级核查印证资料")
        verbose_name_plural = _("上级核查印证资料")
        ordering = ["check_batch", "code", "id"]
        constraints = [models.UniqueConstraint(fields=["check_batch", "self_eval"], name="uniq_upper_check_project")]

    def __str__(self) -> str:
        return f"{self.code} {self.self_eval.name}" if self.self_eval_id else self.code


class UpperCheckEvent(WorkflowEvent):
    """A submission, return or pass of a project's 印证资料: the timeline on its page."""

    entry = models.ForeignKey(UpperCheckProject, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=12, choices=UpperCheckStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=UpperCheckStatus.choices, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("印证资料流转记录")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action}"


class UpperCheckEvidence(StoredFile):
    """A 印证资料 file of a project in an upper-level check, optionally tied to the indicator row (of the project's
    self-evaluation) whose reported actual it supports."""

    storage_folder = "uppercheck"

    entry = models.ForeignKey(UpperCheckProject, on_delete=models.CASCADE, related_name="evidence")
    row = models.ForeignKey(
        SelfEvalIndicator,
        verbose_name=_("对应指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="upper_evidence",
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("上级核查印证资料文件")
        verbose_name_plural = _("上级核查印证资料文件")
