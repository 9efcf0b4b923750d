"""绩效运行监控 (DOMAIN.md §2.3, §3.3, §6.4, §6.9): monitoring rounds, the units' records and their indicator rows.

A round (`MonitoringTask`) is issued by the performance section; issuing creates one `MonitoringRecord` per project
in scope (or per department for 部门整体), pre-filled with budget, execution from payments and the approved target's
indicators. Units fill the record; it goes unit → 主管部门 → 对口业务股室 → 绩效股.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core import config_rows
from jixiao.core.models import StoredFile, TimeStampedModel, WorkflowEvent
from jixiao.core.scoping import BusinessRowQuerySet, ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearSettings

MONEY = {"max_digits": 18, "decimal_places": 2, "default": Decimal("0.00")}


def _empty_list() -> list[str]:
    return []


class TimeProgressMode(models.TextChoices):
    MONTH = "month", _("按月（N/12）")
    DAY = "day", _("按日（已过天数/全年天数）")


class MonitoringSettings(RegionYearSettings):
    """Monitoring parameters per region and year (DOMAIN.md §6.11). Most specific row wins; national default row
    (no region, no year) is created by a data migration."""

    time_progress_mode = models.CharField(
        _("序时进度计算方式"), max_length=10, choices=TimeProgressMode.choices, default=TimeProgressMode.MONTH
    )
    red_ratio_pct = models.DecimalField(
        _("须说明偏差的执行比（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(0)],
        help_text=_("执行率÷序时进度低于此值时，须填写偏差原因和改进措施方可报送"),
    )
    default_warn_days = models.PositiveSmallIntegerField(_("默认提前提醒天数"), default=3)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("监控参数")
        verbose_name_plural = _("监控参数")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_monitoring_settings_region_year", nulls_distinct=False
            )
        ]


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已下达")
    CLOSED = "closed", _("已关闭")


class TaskQuerySet(ScopedQuerySet["MonitoringTask"]):
    """Region staff see every round of their region subtree; everybody else sees issued/closed rounds only (their
    records are scoped separately). A round issued above the user's region (a city's over its counties) is read by
    whoever sees one of its records: the county's 绩效股, the departments and units whose 监控表 are in it; a region
    without a record in it (or outside the issuer's subtree) does not see it. Managing a round (下达, 关闭, 删除) stays
    with its own region's subtree: `managed_by`."""

    def scope(self, membership: Any) -> Any:
        if membership.scope_level == ScopeLevel.NONE:
            return self.none()
        own = Q(region__path__startswith=membership.region.path)
        if membership.scope_level != ScopeLevel.REGION:
            own &= ~Q(status=TaskStatus.DRAFT)
        above = config_rows.ancestor_codes(membership.region)[:-1]  # the regions above the user's, by their codes
        if above:
            with_records = MonitoringRecord.objects.scope(membership).filter(task=models.OuterRef("pk"))
            own |= Q(region__mof_div_code__in=above) & ~Q(status=TaskStatus.DRAFT) & Q(models.Exists(with_records))
        return self.filter(own, is_deleted=False)

    def managed_by(self, membership: Any) -> Any:
        """The rounds the membership's bureau may 下达, 关闭 or 删除: those of its region subtree."""
        return self.filter(region__path__startswith=membership.region.path)


class MonitoringTask(TimeStampedModel):
    """A monitoring round (监控任务)."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("项目支出监控")
        DEPT_OVERALL = "dept_overall", _("部门整体支出监控")

    class Scope(models.TextChoices):
        ALL = "all", _("全部项目")
        DEPT_OVERALL = "dept_overall", _("部门整体")
        SELECTED = "selected", _("选定项目")

    Status = TaskStatus

    task_no = models.CharField(_("任务编号"), max_length=30)
    kind = models.CharField(_("监控类型"), max_length=20, choices=Kind.choices, default=Kind.PROJECT)
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务说明"), blank=True, max_length=4000)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    period_end_month = models.PositiveSmallIntegerField(
        _("监控截止月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    start_date = models.DateField(_("开始日期"))
    deadline = models.DateField(_("填报截止日期"))
    warn_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    scope = models.CharField(_("监控范围"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    selected_projects = models.ManyToManyField(
        "projects.Project", verbose_name=_("选定项目"), blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("限定主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    issued_by = models.ForeignKey(
        "accounts.User", verbose_name=_("下达人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("下达时间"), null=True, blank=True)
    time_progress = models.DecimalField(
        _("序时进度"), max_digits=5, decimal_places=4, null=True, blank=True, help_text=_("下达时按监控参数计算")
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("监控任务")
        verbose_name_plural = _("监控任务")
        ordering = ["-fiscal_year", "-period_end_month", "-id"]
        constraints = [models.UniqueConstraint(fields=["region", "task_no"], name="uniq_monitoring_task_no")]
        indexes = [models.Index(fields=["region", "fiscal_year", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        """（YYYY年1—N月） without the brackets."""
        return f"{self.fiscal_year}年1—{self.period_end_month}月"


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待填报")
    FILLING = "filling", _("填报中")
    SUBMITTED = "submitted", _("待主管部门审核")
    DEPT_APPROVED = "dept_approved", _("待业务股室审核")
    SECTION_APPROVED = "section_approved", _("待绩效股审核")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("被退回")


EDITABLE_STATUSES = (RecordStatus.PENDING, RecordStatus.FILLING, RecordStatus.RETURNED)


class Likelihood(models.TextChoices):
    CERTAIN = "certain", _("确定能")
    POSSIBLE = "possible", _("有可能")
    IMPOSSIBLE = "impossible", _("完全不可能")


class DeviationReason(models.TextChoices):
    FUNDS = "FUNDS", _("经费保障")
    SYSTEM = "SYSTEM", _("制度保障")
    STAFF = "STAFF", _("人员保障")
    HARDWARE = "HARDWARE", _("硬件条件保障")
    OTHER = "OTHER", _("其他")


class QualitativeLevel(models.TextChoices):
    ACHIEVED = "achieved", _("达成年度指标")
    PARTIAL = "partial", _("部分达成年度指标并具有一定效果")
    NOT_ACHIEVED = "not_achieved", _("未达成年度指标且效果较差")


class RecordQuerySet(BusinessRowQuerySet["MonitoringRecord"]):
    """Scope: core.scoping.BusinessRowQuerySet (records of draft rounds do not exist: issuing creates them)."""


class MonitoringRecord(TimeStampedModel):
    """One unit's monitoring report for a project (or a department for 部门整体) in a round."""

    Status = RecordStatus

    task = models.ForeignKey(
        MonitoringTask, verbose_name=_("监控任务"), on_delete=models.CASCADE, related_name="records"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_records",
    )
    target = models.ForeignKey(
        "targets.PerformanceTarget",
        verbose_name=_("绩效目标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("实施单位"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    name = models.CharField(_("名称"), max_length=200, help_text=_("项目名称或部门名称"))
    # Budget (§3.3 funds block). annual = 年初预算数, current = 全年预算数 (after adjustments).
    annual_budget_yuan = models.DecimalField(_("年初预算数（元）"), **MONEY)  # type: ignore[arg-type]
    current_budget_yuan = models.DecimalField(_("全年预算数（元）"), **MONEY)  # type: ignore[arg-type]
    fiscal_budget_yuan = models.DecimalField(_("其中：财政拨款（元）"), **MONEY)  # type: ignore[arg-type]
    carryover_budget_yuan = models.DecimalField(_("上年结转资金（元）"), **MONEY)  # type: ignore[arg-type]
    other_budget_yuan = models.DecimalField(_("其他资金（元）"), **MONEY)  # type: ignore[arg-type]
    executed_to_date_yuan = models.DecimalField(_("1—N月执行数（元）"), **MONEY)  # type: ignore[arg-type]
    executed_from_payments_yuan = models.DecimalField(_("支付数据执行数（元）"), **MONEY)  # type: ignore[arg-type]
    difference_explanation = models.TextField(_("执行数差异说明"), blank=True, max_length=2000)
    expected_annual_yuan = models.DecimalField(
        _("全年预计执行数（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    time_progress = models.DecimalField(
        _("序时进度"), max_digits=5, decimal_places=4, default=Decimal("0"), validators=[MaxValueValidator(1)]
    )
    year_goal = models.TextField(_("年度总体目标"), blank=True, max_length=4000)
    goal_execution = models.TextField(_("年度总体目标1—N月执行情况"), blank=True, max_length=4000)
    likelihood = models.CharField(_("完成目标可能性"), max_length=12, choices=Likelihood.choices, blank=True)
    deviation_reasons = models.JSONField(_("偏差原因类别"), default=_empty_list, blank=True)
    deviation_text = models.TextField(_("偏差原因说明"), blank=True, max_length=4000)
    measures = models.TextField(_("改进措施"), blank=True, max_length=4000)
    status = models.CharField(
        _("状态"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.PENDING, db_index=True
    )
    returned_from = models.CharField(_("退回环节"), max_length=20, choices=RecordStatus.choices, blank=True)
    filled_at = models.DateTimeField(_("最近保存时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("监控填报")
        verbose_name_plural = _("监控填报")
        ordering = ["task", "department", "unit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "project"], condition=models.Q(project__isnull=False), name="uniq_monitoring_project"
            ),
            models.UniqueConstraint(
                fields=["task", "department"],
                condition=models.Q(project__isnull=True),
                name="uniq_monitoring_dept_overall",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["task", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
            # 待办 counts (core.todos.status_counts): the rows in working states, not years of finished ones,
            # with the task whose status they join on.
            models.Index(
                fields=["status", "region"],
                include=["task"],
                condition=models.Q(is_deleted=False),
                name="record_live_status_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.task.period_label}）" if self.task_id else self.name

    @property
    def is_dept_overall(self) -> bool:
        return self.project_id is None

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status == RecordStatus.APPROVED

    @property
    def other_with_carryover_yuan(self) -> Decimal:
        """Dept-overall forms have no 上年结转 split: carry-over counts as 其他资金."""
        return self.other_budget_yuan + self.carryover_budget_yuan

    @property
    def exec_rate(self) -> Decimal:
        """1—N月执行率 = execution to date ÷ 全年预算数 (0 when the budget is 0)."""
        if not self.current_budget_yuan:
            return Decimal(0)
        return self.executed_to_date_yuan / self.current_budget_yuan


class MonitoringIndicatorRow(models.Model):
    """One indicator of the record: target value copied from the approved target, progress filled by the unit."""

    record = models.ForeignKey(MonitoringRecord, on_delete=models.CASCADE, related_name="indicator_rows")
    indicator = models.ForeignKey(
        "targets.TargetIndicator",
        verbose_name=_("目标指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seq = models.PositiveSmallIntegerField(_("序号"), default=0)
    level1_name = models.CharField(_("一级指标"), max_length=100, blank=True)
    level2_name = models.CharField(_("二级指标"), max_length=100, blank=True)
    name = models.CharField(_("三级指标"), max_length=200)
    operator = models.CharField(_("指标性质"), max_length=4, blank=True)
    is_qualitative = models.BooleanField(_("定性指标"), default=False)
    target_value = models.CharField(_("年度指标值"), max_length=1000, blank=True)
    completion_to_date = models.CharField(_("1—N月执行情况"), max_length=1000, blank=True)
    expected_annual = models.CharField(_("全年预计完成情况"), max_length=1000, blank=True)
    qualitative_level = models.CharField(_("定性完成档次"), max_length=20, choices=QualitativeLevel.choices, blank=True)
    deviation_reasons = models.JSONField(_("偏差原因类别"), default=_empty_list, blank=True)
    deviation_text = models.CharField(_("偏差原因说明"), max_length=2000, blank=True)
    measures = models.CharField(_("改进措施"), max_length=2000, blank=True)
    remark = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("监控指标")
        verbose_name_plural = _("监控指标")
        ordering = ["record", "seq", "id"]

    def __str__(self) -> str:
        return self.name


class MonitoringEvidence(StoredFile):
    """A 佐证资料 file of a monitoring record, optionally tied to the indicator row whose progress it supports."""

    storage_folder = "monitoring"

    record = models.ForeignKey(MonitoringRecord, on_delete=models.CASCADE, related_name="evidence")
    # A row that disappears leaves its files with the record, untied.
    row = models.ForeignKey(
        MonitoringIndicatorRow,
        verbose_name=_("对应指标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("监控佐证资料")
        verbose_name_plural = _("监控佐证资料")


class MonitoringEvent(WorkflowEvent):
    """A transition or opinion: the timeline on the record page (round events have no record)."""

    task = models.ForeignKey(MonitoringTask, on_delete=models.CASCADE, related_name="events")
    record = models.ForeignKey(MonitoringRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("监控流转记录")
        verbose_name_plural = _("监控流转记录")
        indexes = [models.Index(fields=["record", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.record_id} {self.action}"


class Reminder(models.Model):
    """An in-app reminder for a record close to (or past) its deadline, shown on the home page/待办."""

    record = models.ForeignKey(MonitoringRecord, on_delete=models.CASCADE, related_name="reminders")
    unit = models.ForeignKey("organizations.BudgetUnit", on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField(_("提醒日期"), default=timezone.localdate)
    days_left = models.IntegerField(_("剩余天数"))
    message = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报提醒")
        verbose_name_plural = _("填报提醒")
        ordering = ["-sent_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["record", "sent_on"], name="uniq_monitoring_reminder_day")]

    def __str__(self) -> str:
        return self.message
