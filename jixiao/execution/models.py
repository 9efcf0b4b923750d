"""预算执行数据 (DOMAIN.md §2.3, §5.1): treasury payment records (国库集中支付) and what is derived from them.

A payment row is immutable once imported. A refund or correction is a negative voucher that names the voucher it
reverses; execution is always the signed sum, so a reversal nets out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.scoping import ScopedQuerySet, ScopeLevel

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class RegionRowQuerySet(ScopedQuerySet[Any]):
    """Payments and their derived rows are seen like projects: the region for the bureau, the 对口 departments for
    a business section, the own department or unit (and the units below it) for departments and units."""

    def scope(self, membership: Any) -> Any:
        level = membership.scope_level
        qs = self.filter(region__path__startswith=membership.region.path)
        if level == ScopeLevel.REGION:
            return qs
        if level == ScopeLevel.SECTION and membership.section_id:
            return qs.filter(department__finance_section_id=membership.section_id)
        if level == ScopeLevel.DEPARTMENT and membership.department_id:
            return qs.filter(department_id=membership.department_id)
        if level == ScopeLevel.UNIT and membership.unit_id:
            return qs.filter(unit__path__startswith=membership.unit.path)
        return self.none()


class PaymentImport(models.Model):
    """One payment import (a file, an API call or a command run): what came in and what became of it."""

    class Source(models.TextChoices):
        FILE = "file", _("文件上传")
        API = "api", _("接口")
        COMMAND = "command", _("命令行")

    class Status(models.TextChoices):
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        REJECTED = "rejected", _("有错误，未导入")
        FAILED = "failed", _("中断，未导入")

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.FILE)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "core.Job", verbose_name=_("后台任务"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_imported = models.PositiveIntegerField(_("新增"), default=0)
    rows_skipped = models.PositiveIntegerField(_("已存在（跳过）"), default=0)
    refunds = models.PositiveIntegerField(_("冲销笔数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    amount_yuan = models.DecimalField(_("新增金额（元）"), default=0, **MONEY)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("支付数据导入")
        verbose_name_plural = _("支付数据导入")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name or self.get_source_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Payment(models.Model):
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    voucher_no = models.CharField(_("支付凭证号"), max_length=40)
    pay_date = models.DateField(_("支付日期"))
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("预算单位"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="payments"
    )
    # Signed: a refund/correction is negative and names the voucher it reverses.
    amount_yuan = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    reverses_voucher_no = models.CharField(_("冲销原凭证号"), max_length=40, blank=True)
    economic_code = models.CharField(_("经济分类"), max_length=20, blank=True)
    function_code = models.CharField(_("功能分类"), max_length=20, blank=True)
    fund_source = models.CharField(_("资金来源"), max_length=40, blank=True)
    batch = models.ForeignKey(
        PaymentImport, verbose_name=_("导入批次"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RegionRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付记录")
        verbose_name_plural = _("支付记录")
        constraints = [models.UniqueConstraint(fields=["region", "voucher_no"], name="uniq_payment_voucher")]
        indexes = [
            models.Index(fields=["project", "pay_date"]),
            models.Index(fields=["region", "fiscal_year"]),
            # The payment list's newest-first page: without it a province user's first page sorted 10 million rows.
            models.Index(fields=["pay_date", "id"], name="payment_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.voucher_no


class PaymentStagingRow(models.Model):
    """Scratch rows of an import in progress: parsed and resolved, checked with set operations, then copied to
    `Payment` in one transaction. Deleted when the import ends, whatever the outcome."""

    batch = models.ForeignKey(PaymentImport, on_delete=models.CASCADE, related_name="+")
    row_no = models.PositiveIntegerField()
    voucher_no = models.CharField(max_length=40)
    pay_date = models.DateField()
    fiscal_year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    unit_id = models.BigIntegerField()
    department_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    amount_yuan = models.DecimalField(**MONEY)
    reverses_voucher_no = models.CharField(max_length=40, blank=True)
    economic_code = models.CharField(max_length=20, blank=True)
    function_code = models.CharField(max_length=20, blank=True)
    fund_source = models.CharField(max_length=40, blank=True)
    # Set by the duplicate check: the same voucher is already stored with identical data.
    is_existing = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["batch", "voucher_no"]),
            models.Index(fields=["batch", "row_no"]),
            models.Index(fields=["batch", "reverses_voucher_no"]),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_no}"


class ProjectMonthExecution(models.Model):
    """Read model: the signed payment sum per project and calendar month, maintained by the import transaction."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    amount_yuan = models.DecimalField(_("支付金额（元）"), default=0, **MONEY)

    class Meta:
        verbose_name = _("项目月度执行")
        verbose_name_plural = _("项目月度执行")
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year", "month"], name="uniq_project_month_execution")
        ]
        indexes = [models.Index(fields=["fiscal_year", "month"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year}-{self.month:02d}"


class MonthExecution(models.Model):
    """The payment sum of a group's in-library projects of one project year in one calendar month (read models)."""

    project_year = models.PositiveSmallIntegerField(_("项目年度"))
    fiscal_year = models.PositiveSmallIntegerField(_("支付年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    amount_yuan = models.DecimalField(_("支付金额（元）"), default=0, **MONEY)

    class Meta:
        abstract = True


class DepartmentMonthExecution(MonthExecution):
    """Read model over `ProjectMonthExecution`: the signed payment sum per 主管部门, project year and calendar month
    of the department's in-library projects, so that region- and province-wide dashboards read thousands of rows,
    not millions. Rebuilt per department (`execution.services.department_rollup_refresh`) by every path that
    changes the project rollup (the import, `rollup_refresh`) and by every change of a project's status, year or
    department; `execution/tests/test_rollup_paths.py` checks it against the project rollup."""

    department = models.ForeignKey("organizations.Department", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("部门月度执行")
        verbose_name_plural = _("部门月度执行")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "project_year", "fiscal_year", "month"], name="uniq_department_month_execution"
            )
        ]
        indexes = [models.Index(fields=["project_year", "fiscal_year", "month"])]

    def __str__(self) -> str:
        return f"{self.department_id} {self.project_year}: {self.fiscal_year}-{self.month:02d}"


class RegionMonthExecution(MonthExecution):
    """Read model over `DepartmentMonthExecution`: the same sums per fiscal region (county), so a city's or the
    province's monthly execution reads a few thousand rows. Rebuilt with the departments' rows
    (`execution.services.department_rollup_refresh`)."""

    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("区划月度执行")
        verbose_name_plural = _("区划月度执行")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "project_year", "fiscal_year", "month"], name="uniq_region_month_execution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.project_year}: {self.fiscal_year}-{self.month:02d}"


class DepartmentCumulativeExecution(models.Model):
    """Read model over `DepartmentMonthExecution`: per 主管部门 and project year, the payments of its in-library
    projects through the end of each month 1–12 of the project year (earlier years' payments included), one row
    for every month, so the by-department panel at month m reads one row per department instead of grouping the
    monthly rows. Rebuilt with the departments' rows (`execution.services.department_rollup_refresh`)."""

    department = models.ForeignKey("organizations.Department", on_delete=models.CASCADE, related_name="+")
    project_year = models.PositiveSmallIntegerField(_("项目年度"))
    month = models.PositiveSmallIntegerField(_("截至月份"))
    executed_yuan = models.DecimalField(_("累计支付（元）"), default=0, **MONEY)

    class Meta:
        verbose_name = _("部门累计执行")
        verbose_name_plural = _("部门累计执行")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "project_year", "month"], name="uniq_department_cumulative_execution"
            )
        ]
        indexes = [models.Index(fields=["project_year", "month"], name="exec_cumulative_year_month")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.project_year}: 1–{self.month}月"


class PaymentTotal(models.Model):
    """Read model over `Payment`: the count, signed sum and refunds (count and sum of the negative vouchers) per
    财政区划, 主管部门, 预算单位 and year, keyed by the payment's own columns, so it is scoped exactly like the
    payments (`RegionRowQuerySet`). The payment list's totals and page count read it when the list is filtered by
    nothing but the year, the region, the department, the unit or refunds (a province: ~56,000 rows instead of 10
    million payments).
    Added to by the import in its own transaction (`execution.services._write_batch`) and rebuilt per region by
    `execution.services.payment_totals_refresh` on every other write path (`rollup_refresh`)."""

    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("organizations.Department", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("organizations.BudgetUnit", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    payments = models.PositiveIntegerField(_("支付笔数"), default=0)
    amount_yuan = models.DecimalField(_("支付金额（元）"), default=0, **MONEY)
    refunds = models.PositiveIntegerField(_("冲销笔数"), default=0)
    refunds_yuan = models.DecimalField(_("冲销金额（元）"), default=0, **MONEY)

    objects = RegionRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付汇总")
        verbose_name_plural = _("支付汇总")
        constraints = [
            models.UniqueConstraint(fields=["region", "fiscal_year", "department", "unit"], name="uniq_payment_total")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year}: {self.payments}"
