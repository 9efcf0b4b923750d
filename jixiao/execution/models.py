"""预算执行数据 (DOMAIN.md §2.3, §5.1): treasury payment records (国库集中支付) and what is derived from them.

A payment row is immutable once imported. A refund or correction is a negative voucher that names the voucher it
reverses; execution is always the signed sum, so a reversal nets out.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("支付记录")
        verbose_name_plural = _("支付记录")
        constraints = [models.UniqueConstraint(fields=["region", "voucher_no"], name="uniq_payment_voucher")]
        indexes = [models.Index(fields=["project", "pay_date"]), models.Index(fields=["region", "fiscal_year"])]

    def __str__(self) -> str:
        return self.voucher_no
