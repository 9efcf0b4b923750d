"""预警与处置 (DOMAIN.md §5, §2.3): warning rules as data, computed warnings and per-project lights, the monitoring
tiers (全面—重大—重点) with finance's own opinion, and the disposition of red warnings with budget adjustments.

Every business row hangs off a project; scope is the project's scope (`Project.objects.scope`), so another unit's
warning, case or adjustment is a 404 like its project.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearRow, RegionYearSettings
from jixiao.projects.models import Project

MONEY = {"max_digits": 18, "decimal_places": 2}


class Color(models.TextChoices):
    RED = "RED", _("红灯")
    YELLOW = "YELLOW", _("黄灯")
    GREEN = "GREEN", _("绿灯")


# Worse colours rank higher; a project's light is the worst of its warnings (DOMAIN.md §5.3 MON-3).
COLOR_RANK = {Color.GREEN.value: 1, Color.YELLOW.value: 2, Color.RED.value: 3}


class Profile(models.TextChoices):
    NATIONAL = "national_default", _("全国默认")
    SICHUAN_2025 = "sichuan_2025", _("四川2025方案")
    CUSTOM = "custom", _("自定义")


class AppliesTo(models.TextChoices):
    PROJECT_YEAR = "PROJECT_YEAR", _("项目年度（支付数据）")
    RECORD_FUNDS = "RECORD_FUNDS", _("监控表资金")
    RECORD = "RECORD", _("监控表")
    INDICATOR_QUANT = "INDICATOR_QUANT", _("定量指标")
    INDICATOR_QUAL = "INDICATOR_QUAL", _("定性指标")
    TASK_DEADLINE = "TASK_DEADLINE", _("填报截止")


class Metric(models.TextChoices):
    """The whitelist of metric functions (jixiao.alerts.engine); never raw SQL."""

    EXEC_RATIO = "exec_ratio", _("执行进度÷序时进度×100")
    EXEC_CHECKPOINT = "exec_checkpoint", _("执行率较节点要求的差额（百分点）")
    EXEC_RATE = "exec_rate_to_date", _("预算执行率（%）")
    GOAL_GAP = "goal_gap", _("目标完成与执行进度差（百分点）")
    QUALITATIVE_LEVEL = "qualitative_level", _("定性指标完成等级")
    LIKELIHOOD = "likelihood", _("完成目标可能性")
    ZERO_TARGET = "zero_target", _("年度指标值为0的正向指标")
    INDICATOR_PROGRESS = "indicator_progress_gap", _("1−指标进度")
    FORECAST_DEVIATION = "forecast_deviation", _("全年预计完成偏差")
    CARRYOVER_SHARE = "carryover_share", _("预计结转结余占预算比例")
    BALANCE = "balance", _("支出均衡性")
    TASK_DAYS_LEFT = "task_days_left", _("距填报截止天数")
    REVIEW_OVERDUE = "review_overdue", _("整改/反馈逾期天数")


class Option(models.TextChoices):
    """处置方式 (DOMAIN.md §5.4, §2.3)."""

    CONTINUE = "CONTINUE", _("继续执行")
    REALLOCATE = "REALLOCATE", _("调剂")
    ADJUST_DOWN = "ADJUST_DOWN", _("调减")
    SUSPEND = "SUSPEND", _("暂停拨付")
    RECOVER = "RECOVER", _("收回")


AMOUNT_OPTIONS = {Option.REALLOCATE.value, Option.ADJUST_DOWN.value, Option.RECOVER.value}


class OnTimeout(models.TextChoices):
    SUSPEND_PAYMENT = "SUSPEND_PAYMENT", _("暂停拨付并发提醒敦促函")
    REMINDER_LETTER = "REMINDER_LETTER", _("发提醒敦促函")
    NONE = "NONE", _("仅标记逾期")


# The rules' on_timeout actions that send a 提醒敦促函 (alerts.letters).
LETTER_ACTIONS = (OnTimeout.SUSPEND_PAYMENT.value, OnTimeout.REMINDER_LETTER.value)


def _empty_list() -> list[Any]:
    return []


def _empty_dict() -> dict[str, Any]:
    return {}


class ProjectScopedQuerySet(ScopedQuerySet[Any]):
    """Rows hanging off a project: visible exactly when the project is."""

    def scope(self, membership: Any) -> ScopedQuerySet[Any]:
        return self.filter(project__in=Project.objects.scope(membership).values("pk"))


# National default: an escalated case's 提醒敦促函 asks for an answer within 5 calendar days.
REMINDER_FEEDBACK_DAYS = 5
# Defaults of 存量资金清理 (a region or year may set its own in 预警方案设置): a budget with no expenditure for 6
# months running is 沉淀资金; one spent below 30% by the end of September is 执行缓慢 (the third-quarter review).
IDLE_MONTHS = 6
SLOW_MONTH = 9
SLOW_RATE_PCT = Decimal(30)


class WarningSetting(RegionYearSettings):
    """Which rule profile is in force: the switchable provincial set. (Time progress MONTH/DAY is the monitoring
    app's setting, `MonitoringSettings.time_progress_mode`, shared with the monitoring form.)

    Most specific row wins (region nearest first, then the given year before “every year”), like the
    pre-assessment rule rows. Without any row: national_default, and 5 calendar days for a 提醒敦促函's answer."""

    profile = models.CharField(_("预警方案"), max_length=20, choices=Profile.choices, default=Profile.NATIONAL)
    # The time an escalated case's 提醒敦促函 gives the unit to answer, counted from the day of escalation.
    reminder_feedback_days = models.PositiveSmallIntegerField(
        _("提醒敦促函反馈期限（日）"),
        default=REMINDER_FEEDBACK_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # 存量资金清理 (jixiao.alerts.idle_funds): what makes a project's unspent budget 沉淀资金 or 执行缓慢. 结余资金 and
    # 连续两年未用完的结转资金 need no setting (国发〔2015〕35号: 一律收回统筹使用).
    idle_months = models.PositiveSmallIntegerField(
        _("沉淀资金认定（连续无支出月数）"),
        default=IDLE_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    slow_month = models.PositiveSmallIntegerField(
        _("执行缓慢认定月份（截至该月底）"),
        default=SLOW_MONTH,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    slow_rate_pct = models.DecimalField(
        _("执行缓慢认定执行率（%，低于）"),
        max_digits=5,
        decimal_places=2,
        default=SLOW_RATE_PCT,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("预警方案设置")
        verbose_name_plural = _("预警方案设置")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_warning_setting_region_year", nulls_distinct=False
            )
        ]


class WarningRule(RegionYearRow):
    """One warning rule (DOMAIN.md §5.2). Bands are checked top-down; the first match gives the colour."""

    code = models.CharField(_("规则编码"), max_length=40)
    name = models.CharField(_("规则名称"), max_length=100)
    applies_to = models.CharField(_("适用对象"), max_length=20, choices=AppliesTo.choices)
    metric = models.CharField(_("指标"), max_length=30, choices=Metric.choices)
    params = models.JSONField(_("参数"), default=_empty_dict, blank=True, help_text=_("如节点月份与执行率要求"))
    bands = models.JSONField(_("分档"), default=_empty_list, help_text=_("[{color, op, value}]，自上而下首个满足的档"))
    requires_explanation = models.JSONField(_("须说明原因的颜色"), default=_empty_list, blank=True)
    disposition_options = models.JSONField(
        _("处置方式"), default=_empty_list, blank=True, help_text=_("为空表示红灯不开启处置")
    )
    sla_working_days = models.PositiveSmallIntegerField(_("处置时限（工作日）"), default=10)
    on_timeout = models.CharField(
        _("逾期处理"), max_length=20, choices=OnTimeout.choices, default=OnTimeout.SUSPEND_PAYMENT
    )
    profile = models.CharField(_("方案"), max_length=20, choices=Profile.choices, default=Profile.NATIONAL)
    enabled = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["profile", "sort", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "code", "region", "fiscal_year"],
                name="uniq_warning_rule",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def params_text(self) -> str:
        """The parameters as a clerk reads them: "执行率节点：4月底≥25%、6月底≥40%", "提前3天提醒"."""
        parts: list[str] = []
        for key, value in (self.params or {}).items():
            if key == "checkpoints" and isinstance(value, dict):
                nodes = sorted(value.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else 99)
                parts.append("执行率节点：" + "、".join(f"{month}月底≥{rate}%" for month, rate in nodes))
            elif key == "warndays":
                parts.append(f"提前{value}天提醒")
            else:
                parts.append(f"{key}：{value}")
        return "；".join(parts)

    @property
    def has_disposition(self) -> bool:
        return bool(self.disposition_options)


# The list order of colours, worst first (预警列表: red, then yellow, then green).
SEVERITY = {Color.RED.value: 0, Color.YELLOW.value: 1, Color.GREEN.value: 2}


class WarningQuerySet(ProjectScopedQuerySet):
    """Users who see whole regions are scoped by the warning's own region (its project's, kept on the row: a deleted
    project has no warnings, see `Warning`), without reading projects; narrower scopes by the project's scope, like
    every row hanging off a project."""

    def scope(self, membership: Any) -> ScopedQuerySet[Any]:
        if membership.scope_level == ScopeLevel.REGION:
            return self.filter(region_id__in=membership.region.subtree_ids)
        return super().scope(membership)


class Warning(models.Model):
    """One computed warning: a rule's colour for a project at a date. Replaced as a whole by each sweep.

    `region` and `project_code` copy the project's region and code, and `severity` orders the colours (0 red, 1
    yellow, 2 green; computed by the database from `color`), so that a region's 预警列表 is filtered, counted and
    ordered from the warning rows alone: its page is read from an index (`alerts_warning_year_order`,
    `alerts_warning_region_order`), not sorted out of the year's warnings, and its count joins no project. The
    sweep writes the copies with every warning and rewrites a warning whose copies differ from its project; a
    saved project updates its warnings at once, and a project marked deleted loses them (the sweep computes none
    for it; were it restored, the next sweep would compute them again): `alerts.receivers.warnings_follow_project`.
    A change made around `save()` (a queryset `update()` of projects) is not followed until the project's next
    sweep, as for the light counts."""

    # Every index costs the sweep, which writes the warnings: no index of its own, (project, fiscal_year) serves.
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    # No index of its own: `alerts_warning_region_order` starts with it.
    region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("财政区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    project_code = models.CharField(_("项目编码"), max_length=40, default="")
    rule = models.ForeignKey(WarningRule, verbose_name=_("规则"), on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("指标值"), max_digits=14, decimal_places=4, null=True, blank=True)
    value_text = models.CharField(_("指标值（文字）"), max_length=60, blank=True)
    # No index of its own: (fiscal_year, color) serves the counts, `severity` the list's colour filter.
    color = models.CharField(_("颜色"), max_length=6, choices=Color.choices)
    severity = models.GeneratedField(
        expression=Case(
            When(color=Color.RED.value, then=Value(SEVERITY[Color.RED.value])),
            When(color=Color.YELLOW.value, then=Value(SEVERITY[Color.YELLOW.value])),
            default=Value(SEVERITY[Color.GREEN.value]),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("严重程度"),
    )
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    as_of = models.DateField(_("计算日期"))
    # The monitoring record the value came from (None: computed from payments alone).
    record_id = models.BigIntegerField(_("监控记录"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-as_of", "project_id", "rule_id"]
        indexes = [
            models.Index(fields=["project", "fiscal_year"]),
            models.Index(fields=["fiscal_year", "color"]),
            # 预警列表's order (alerts.selectors.LIST_ORDER) within a year: a city or province user's first page
            # walks the first, a county user's the second (`region_id IN (one county)`).
            models.Index(
                fields=["fiscal_year", "severity", "project_code", "project"], name="alerts_warning_year_order"
            ),
            models.Index(
                fields=["region", "fiscal_year", "severity", "project_code", "project"],
                name="alerts_warning_region_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.rule_id} {self.color}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A warning made outside the sweep (tests, the shell) takes its project's region and code."""
        if self.region_id is None:
            self.region_id, self.project_code = Project.objects.values_list("region_id", "code").get(pk=self.project_id)
        super().save(*args, **kwargs)


class ProjectLight(models.Model):
    """A project's traffic light for a year: the worst colour of its warnings (DOMAIN.md §5.3)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    color = models.CharField(_("颜色"), max_length=6, choices=Color.choices, blank=True)
    executed_yuan = models.DecimalField(_("已支出（元）"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]
    # The red and yellow warnings' texts, kept with the light so a page of lights is one query.
    reasons = models.JSONField(_("预警原因"), default=_empty_list, blank=True)
    as_of = models.DateField(_("计算日期"))
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目预警灯")
        verbose_name_plural = _("项目预警灯")
        constraints = [models.UniqueConstraint(fields=["project", "fiscal_year"], name="uniq_project_light")]
        indexes = [models.Index(fields=["fiscal_year", "color"], name="alerts_light_year_color")]  # light counts

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year} {self.color}"


class RegionLightCount(models.Model):
    """Read model over `ProjectLight`: per fiscal region (county) and year, the number of lit projects of each
    colour and their budget, so a region-wide dashboard card reads a few rows per county instead of the year's
    lights. Counts the lights of undeleted projects by the project's region, as the card did live. Rebuilt per
    region by every sweep pass that writes lights (`alerts.sweep_writes.light_counts_refresh`; a pass that changes
    no light leaves them), and by every saved or deleted project that has a light (its budget, region or deletion
    may have changed)."""

    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    color = models.CharField(_("颜色"), max_length=6, choices=Color.choices, blank=True)
    projects = models.PositiveIntegerField(_("项目数"), default=0)
    amount_yuan = models.DecimalField(_("预算金额（元）"), default=Decimal(0), **MONEY)  # type: ignore[arg-type]

    class Meta:
        verbose_name = _("区划预警灯统计")
        verbose_name_plural = _("区划预警灯统计")
        constraints = [
            models.UniqueConstraint(fields=["region", "fiscal_year", "color"], name="uniq_region_light_count")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.fiscal_year} {self.color}: {self.projects}"


class Tier(models.TextChoices):
    MAJOR = "MAJOR", _("重大")
    KEY = "KEY", _("重点")


TIER_RANK = {Tier.MAJOR.value: 1, Tier.KEY.value: 2}


class TierRule(RegionYearRow):
    """Selects 重大/重点 projects (DOMAIN.md §2.3, §5.3 note): amount at least a floor and, optionally, execution at
    the end of a month below a rate. National defaults: 重点 ≥ 200万元 and < 60% at end of August; 重大 ≥ 100万元."""

    tier = models.CharField(_("层级"), max_length=5, choices=Tier.choices)
    name = models.CharField(_("名称"), max_length=100)
    min_amount_wan = models.DecimalField(
        _("金额起点（万元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    checkpoint_month = models.PositiveSmallIntegerField(_("节点月份"), null=True, blank=True)
    max_exec_rate_pct = models.DecimalField(_("执行率低于（%）"), max_digits=6, decimal_places=2, null=True, blank=True)
    # 项目分级分类 (seed 002 S26): projects of these 重要性分类 (e.g. "A") take the tier whatever their amount.
    project_classes = models.CharField(_("重要性分类"), max_length=3, blank=True, default="")
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("监控层级规则")
        verbose_name_plural = _("监控层级规则")
        ordering = ["tier", "region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "region", "fiscal_year"], name="uniq_tier_rule", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def min_amount_yuan(self) -> Decimal:
        return self.min_amount_wan * 10000

    @property
    def conditions_text(self) -> str:
        """The rule in words, as the 重点监控 page states it."""
        text = f"资金≥{self.min_amount_wan.normalize():f}万元"
        if self.checkpoint_month and self.max_exec_rate_pct is not None:
            text += f"且{self.checkpoint_month}月末执行率低于{self.max_exec_rate_pct.normalize():f}%"
        if self.project_classes:
            text += f"，或{'、'.join(self.project_classes)}类项目"
        return text


class ProjectMonitoringTier(models.Model):
    """A project's 重大/重点 tier for a year (every project is 全面 without a row)."""

    class Source(models.TextChoices):
        RULE = "RULE", _("规则筛选")
        MANUAL = "MANUAL", _("手工指定")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    tier = models.CharField(_("层级"), max_length=5, choices=Tier.choices)
    source = models.CharField(_("来源"), max_length=6, choices=Source.choices)
    rule = models.ForeignKey(TierRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected_at = models.DateTimeField(_("确定时间"), auto_now=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监控层级")
        verbose_name_plural = _("监控层级")
        ordering = ["-fiscal_year", "project_id"]
        constraints = [models.UniqueConstraint(fields=["project", "fiscal_year"], name="uniq_project_tier")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year} {self.tier}"


class BudgetAction(models.TextChoices):
    NONE = "NONE", _("无")
    REMIND = "REMIND", _("提示提醒")
    SUPERVISE = "SUPERVISE", _("督促督办")
    REDUCE = "REDUCE", _("调减/核减")
    WRITE_OFF = "WRITE_OFF", _("核销")
    SUSPEND_PAYMENT = "SUSPEND_PAYMENT", _("暂停拨付")
    SUSPEND_PROJECT = "SUSPEND_PROJECT", _("暂停项目")
    RECOVER = "RECOVER", _("收回")
    ADJUST_PROJECT = "ADJUST_PROJECT", _("按程序调整项目")


class FinanceOpinion(models.Model):
    """财政重点审核: finance's own opinion on a key project's year (DOMAIN.md §2.3 finance follow-up)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    needs_rectify = models.BooleanField(_("是否需要整改"), default=False)
    advice = models.CharField(_("整改要求和建议"), max_length=2000, blank=True)
    budget_action = models.CharField(
        _("预算处理"), max_length=20, choices=BudgetAction.choices, default=BudgetAction.NONE
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("财政重点审核意见")
        verbose_name_plural = _("财政重点审核意见")
        constraints = [models.UniqueConstraint(fields=["project", "fiscal_year"], name="uniq_finance_opinion")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year}"


class ProjectYearFlag(models.Model):
    """Flags on a project-year set by escalation: 暂停拨付 (an export/event for the payment system; `jixiao` does not
    block payments itself, DOMAIN.md §5.4)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    payment_suspended = models.BooleanField(_("暂停拨付"), default=False)
    suspended_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=300, blank=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目年度标记")
        verbose_name_plural = _("项目年度标记")
        constraints = [models.UniqueConstraint(fields=["project", "fiscal_year"], name="uniq_project_year_flag")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year}"


class CaseStatus(models.TextChoices):
    OPEN = "OPEN", _("待单位说明")
    PROPOSED = "PROPOSED", _("待财政决定")
    OVERDUE = "OVERDUE", _("已逾期")
    DECIDED = "DECIDED", _("已处置")


OPEN_STATES = (CaseStatus.OPEN.value, CaseStatus.PROPOSED.value, CaseStatus.OVERDUE.value)
ANSWERABLE_STATES = (CaseStatus.OPEN.value, CaseStatus.OVERDUE.value)


class WarningCase(models.Model):
    """The disposition of a red warning (DOMAIN.md §5.4 `WarningDisposition`): the unit explains and proposes,
    finance decides. One open case per project-year and rule."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    rule = models.ForeignKey(WarningRule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(_("规则编码"), max_length=40)
    value = models.DecimalField(_("触发时指标值"), max_digits=14, decimal_places=4, null=True, blank=True)
    reason = models.CharField(_("预警说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("开启日期"))
    due_date = models.DateField(_("处置期限"))
    explanation = models.CharField(_("单位说明"), max_length=2000, blank=True)
    proposed_option = models.CharField(_("单位建议"), max_length=12, choices=Option.choices, blank=True)
    proposed_amount_yuan = models.DecimalField(_("建议金额（元）"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("说明时间"), null=True, blank=True)
    decided_option = models.CharField(_("处置决定"), max_length=12, choices=Option.choices, blank=True)
    decided_amount_yuan = models.DecimalField(_("决定金额（元）"), null=True, blank=True, **MONEY)  # type: ignore[arg-type]
    decision_reason = models.CharField(_("决定理由"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期处理时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警处置")
        verbose_name_plural = _("预警处置")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year", "rule_code"],
                condition=Q(status__in=["OPEN", "PROPOSED", "OVERDUE"]),
                name="uniq_open_warning_case",
            )
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        # The project's name when it is loaded with the case (the label a 提醒敦促函 keeps of its case, shown to the
        # unit on the document's page), never a query; the rule by its Chinese name when loaded too, not its code.
        project = self.project if WarningCase.project.is_cached(self) else None  # type: ignore[attr-defined]
        rule = self.rule.name if WarningCase.rule.is_cached(self) else self.rule_code  # type: ignore[attr-defined]
        return f"预警处置：{project.name}（{rule}）" if project else f"预警处置 {self.project_id} {self.rule_code}"

    def get_absolute_url(self) -> str:
        """The case page: the 关联对象 link on its documents' pages (jixiao.documents.selectors.related_link)."""
        from django.urls import reverse

        return reverse("alerts:case_detail", args=[self.pk])


class FundAdjustment(models.Model):
    """A budget adjustment record (DOMAIN.md §2.5 `FundAdjustment`). Amounts are positive; `kind` gives the sense."""

    class Kind(models.TextChoices):
        CUT_AT_ASSESSMENT = "CUT_AT_ASSESSMENT", _("压减")
        REDUCE_ON_REVIEW = "REDUCE_ON_REVIEW", _("核减")
        WRITE_OFF = "WRITE_OFF", _("核销")
        ADJUST_DOWN = "ADJUST_DOWN", _("调减")
        RETRO_REDUCE = "RETRO_REDUCE", _("追减")
        RECOVER = "RECOVER", _("收回")
        TRIM_SPECIAL = "TRIM_SPECIAL", _("削减")
        REALLOCATE = "REALLOCATE", _("调剂")
        INCREASE = "INCREASE", _("激励/追加")

    class Source(models.TextChoices):
        """The stage whose decision made the adjustment (DOMAIN.md §6 `FundAdjustment.source`): the 年度工作总结 counts
        each apart (PA-3(b) 追减 of 事前评估, TG-4 目标审核, MON-4 监控, RA-1 by source)."""

        PRE_ASSESSMENT = "PRE_ASSESSMENT", _("事前绩效评估")
        TARGET_REVIEW = "TARGET_REVIEW", _("绩效目标审核")
        MONITORING = "MONITORING", _("绩效运行监控")
        EVALUATION = "EVALUATION", _("绩效评价")
        RESULT_APPLICATION = "RESULT_APPLICATION", _("结果应用")
        IDLE_FUNDS = "IDLE_FUNDS", _("存量资金清理")
        OTHER = "OTHER", _("其他")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("环节"), max_length=20, choices=Source.choices, default=Source.OTHER)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount_yuan = models.DecimalField(_("金额（元）"), validators=[MinValueValidator(0)], **MONEY)  # type: ignore[arg-type]
    reason = models.CharField(_("原因"), max_length=2000, blank=True)
    source_case = models.ForeignKey(
        WarningCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预算调整")
        verbose_name_plural = _("预算调整")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "fiscal_year"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_yuan}"


# The kinds that take money off a project-year's budget for good, so that later 调剂 / 调减 / 收回 cannot take it again
# (`selectors.project_funds`, the 存量资金清理 recoverable amount): a decided 调剂 moves the funds to other uses, as a
# 调减 or 收回 does, in the order the case page names them.
TAKEN_KINDS = (FundAdjustment.Kind.REALLOCATE, FundAdjustment.Kind.ADJUST_DOWN, FundAdjustment.Kind.RECOVER)


class ReminderLetter(models.Model):
    """The 提醒敦促函 of an escalated case (one per case): drafted by the escalation in 文书管理 (jixiao.documents,
    type REMINDER_LETTER, addressed to the project's unit) for the 绩效股 to review and issue. The document itself
    lives in jixiao.documents; its id is kept here (like `rectification.RectificationLetter.document_id`) so this
    app's tables do not depend on that app's migrations, and its status and 文号 are read from it.

    Rows escalated before the letters became documents have no document: they stay 待生成 placeholders."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("待生成")
        DRAFTED = "DRAFTED", _("已起草文书")
        ISSUED = "ISSUED", _("已发出")

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    case = models.ForeignKey(WarningCase, on_delete=models.CASCADE, related_name="letters")
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    document_id = models.PositiveBigIntegerField(_("文书"), null=True, blank=True)
    feedback_deadline = models.DateField(_("反馈期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒敦促函")
        verbose_name_plural = _("提醒敦促函")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["case"], name="uniq_reminder_letter_case")]

    def __str__(self) -> str:
        return self.title
