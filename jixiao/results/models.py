"""结果应用 (DOMAIN.md §2.5, §6.6): rules as data, and the next-year budget proposal per project with its decision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import BusinessRowQuerySet
from jixiao.organizations.models import RegionalRow

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2, "validators": [MinValueValidator(0)]}
PCT: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}


class Source(models.TextChoices):
    """The stage a rule reads (the 四挂钩 links of seed 004, plus evaluation and rectification)."""

    PRE_ASSESSMENT = "PRE_ASSESSMENT", _("事前绩效评估")
    TARGET_REVIEW = "TARGET_REVIEW", _("绩效目标审核")
    MONITORING = "MONITORING", _("绩效运行监控")
    SELF_EVAL = "SELF_EVAL", _("单位自评")
    RE_EVAL = "RE_EVAL", _("财政再评价")
    DEPT_EVAL = "DEPT_EVAL", _("部门评价")
    FIN_EVAL = "FIN_EVAL", _("财政评价")
    AUTHENTICITY = "AUTHENTICITY", _("真实性核查")
    RECTIFICATION = "RECTIFICATION", _("问题整改")
    APPRAISAL = "APPRAISAL", _("部门绩效考核")


class Condition(models.TextChoices):
    GRADE_IN = "GRADE_IN", _("评价等级属于")
    CONCLUSION_IN = "CONCLUSION_IN", _("结论属于")
    WARNING_COLOR_IN = "WARNING_COLOR_IN", _("预警颜色属于")
    DISPOSITION_IN = "DISPOSITION_IN", _("预警处置决定属于")
    EXEC_RATE_BELOW = "EXEC_RATE_BELOW", _("预算执行率低于")
    NOT_RECTIFIED = "NOT_RECTIFIED", _("未完成整改")
    IDLE_FUNDS = "IDLE_FUNDS", _("资金闲置（全年未支出）")
    OUTCOME_IN = "OUTCOME_IN", _("考核结果属于")
    ADJUST_ADVICE = "ADJUST_ADVICE", _("整改办结时提出预算调整意见")


class Action(models.TextChoices):
    PRIORITY = "PRIORITY", _("优先保障")
    KEEP = "KEEP", _("保障")
    INCENTIVE = "INCENTIVE", _("激励")
    TIGHT = "TIGHT", _("从紧安排")
    STRICT = "STRICT", _("从严安排")
    REDUCE_UNSPENT = "REDUCE_UNSPENT", _("按未执行额比例核减")
    REDUCE_PCT = "REDUCE_PCT", _("压缩")
    REARRANGE_AFTER_RECTIFY = "REARRANGE_AFTER_RECTIFY", _("整改后安排")
    SUSPEND = "SUSPEND", _("暂停")
    RECOVER = "RECOVER", _("收回统筹")
    CANCEL = "CANCEL", _("取消")


# How strict each action is: with several matching rules the strictest wins (ties: the larger cut).
SEVERITY: dict[str, int] = {
    Action.INCENTIVE: 0,
    Action.PRIORITY: 1,
    Action.KEEP: 2,
    Action.TIGHT: 3,
    Action.STRICT: 4,
    Action.REDUCE_UNSPENT: 5,
    Action.REDUCE_PCT: 5,
    Action.RECOVER: 5,
    Action.REARRANGE_AFTER_RECTIFY: 6,
    Action.SUSPEND: 7,
    Action.CANCEL: 8,
}
CUT_ACTIONS = {Action.REDUCE_PCT, Action.REDUCE_UNSPENT, Action.RECOVER}
PCT_ACTIONS = {Action.REDUCE_PCT, Action.REDUCE_UNSPENT}
ZERO_ACTIONS = {Action.CANCEL, Action.SUSPEND}


# Rule kinds without a national default (DOMAIN.md §2.7 says the appraisal result is used for next year's budget
# (seed 004) but gives no action): nothing applies until the county saves its own row on the rules page and chooses
# the action there. code → (name, source, condition, the values it starts from).
# The values are appraisals' Outcome codes, written out: importing appraisals.models here confuses django-stubs'
# model resolution (mypy then reads monitoring's MonitoringTask as AppraisalTask); a test checks them.
_APPRAISAL = (Source.APPRAISAL, Condition.OUTCOME_IN)
COUNTY_RULE_KINDS: dict[str, tuple[str, str, str, list[str]]] = {
    "APPRAISAL-COMMEND": ("部门绩效考核结果为通报表扬", *_APPRAISAL, ["COMMEND"]),
    "APPRAISAL-INTERVIEW": ("部门绩效考核结果为约谈", *_APPRAISAL, ["INTERVIEW"]),
    "APPRAISAL-RECTIFY": ("部门绩效考核结果为责令限期整改", *_APPRAISAL, ["RECTIFY_BY_DEADLINE"]),
    # DOMAIN.md §6.9: a closed case's 业务股室预算调整意见 (FINADJUSTADVICE) feeds the proposal; the advice is free
    # text, so the county chooses how it is applied, and the proposal's 依据 quotes the advice.
    "RECT-ADVICE": (
        "问题整改办结时业务股室提出预算调整意见",
        Source.RECTIFICATION,
        Condition.ADJUST_ADVICE,
        [],
    ),
}


def _empty_list() -> list[Any]:
    return []


class ResultApplicationRule(RegionalRow):
    """One rule: when `source` meets `condition`, propose `action` for the project's next-year budget.

    Rows with the same `code` are versions of one rule: the national default (no region, no year) and any
    regional/yearly override; the most specific applies (core.config_rows). `fiscal_year` is the evaluated year.
    """

    code = models.CharField(_("规则编码"), max_length=40)
    name = models.CharField(_("规则名称"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), null=True, blank=True, help_text=_("为空表示各年度"))
    source = models.CharField(_("来源环节"), max_length=20, choices=Source.choices)
    condition = models.CharField(_("条件"), max_length=20, choices=Condition.choices)
    values = models.JSONField(_("条件取值"), default=_empty_list, blank=True, help_text=_("等级、结论或颜色的列表"))
    threshold = models.DecimalField(_("阈值（%）"), null=True, blank=True, help_text=_("执行率低于此值时适用"), **PCT)
    action = models.CharField(_("应用方式"), max_length=30, choices=Action.choices)
    pct = models.DecimalField(
        _("比例（%）"), null=True, blank=True, help_text=_("压缩或核减的比例；为空须由本级设定后方可核减"), **PCT
    )
    enforce = models.BooleanField(_("硬性控制"), default=False, help_text=_("是：下年项目申报时强制校验；否：仅作提示"))
    priority = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("结果应用规则")
        verbose_name_plural = _("结果应用规则")
        ordering = ["priority", "code", "region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "region", "fiscal_year"], name="uniq_result_rule_code", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def scope_label(self) -> str:
        where = self.region.name if self.region_id else "全国默认"  # type: ignore[union-attr]
        return f"{where} {self.fiscal_year or '各'}年度"

    @property
    def needs_pct(self) -> bool:
        return self.action in PCT_ACTIONS and self.pct is None


class ApplicationStatus(models.TextChoices):
    PROPOSED = "proposed", _("待决定")
    DECIDED = "decided", _("已决定")


class ResultApplicationQuerySet(BusinessRowQuerySet["ResultApplication"]):
    """Scope: core.scoping.BusinessRowQuerySet (unit, department, 对口 section, region)."""


class ResultApplication(TimeStampedModel):
    """The proposal for one project of the evaluated year, for its budget in the next year, and the decision."""

    Status = ApplicationStatus

    # Projects are only soft-deleted in use; a hard delete (demo reset) takes the derived proposal with it.
    project = models.OneToOneField(
        "projects.Project", verbose_name=_("项目"), on_delete=models.CASCADE, related_name="result_application"
    )
    # Copied from the project so scope and statistics need no join through it.
    fiscal_year = models.PositiveSmallIntegerField(_("评价年度"), db_index=True)
    budget_year = models.PositiveSmallIntegerField(_("预算年度"), db_index=True)
    region = models.ForeignKey("organizations.FiscalRegion", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("实施单位"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("评价等级"), max_length=200, blank=True)
    reasons = models.JSONField(_("依据"), default=_empty_list, blank=True)
    rule = models.ForeignKey(
        ResultApplicationRule,
        verbose_name=_("适用规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("来源环节"), max_length=20, choices=Source.choices)
    proposed_action = models.CharField(_("建议"), max_length=30, choices=Action.choices)
    proposed_pct = models.DecimalField(_("建议比例（%）"), null=True, blank=True, **PCT)
    enforce = models.BooleanField(_("硬性控制"), default=False)
    base_amount_yuan = models.DecimalField(_("本年预算（元）"), **MONEY)
    executed_yuan = models.DecimalField(_("本年执行（元）"), default=Decimal(0), **MONEY)
    proposed_amount_yuan = models.DecimalField(_("建议金额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PROPOSED, db_index=True
    )
    decided_action = models.CharField(_("决定"), max_length=30, choices=Action.choices, blank=True)
    decided_amount_yuan = models.DecimalField(_("决定金额（元）"), null=True, blank=True, **MONEY)
    decision_reason = models.CharField(_("理由"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", verbose_name=_("决定人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    next_year_project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("下年项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prior_result_applications",
    )

    objects = ResultApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("结果应用建议")
        verbose_name_plural = _("结果应用建议")
        ordering = ["-fiscal_year", "department", "unit", "project_id"]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
            models.Index(fields=["budget_year", "unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年 {self.project_id} {self.get_proposed_action_display()}"

    @property
    def needs_pct(self) -> bool:
        """A 压缩/核减 proposal whose percentage the county has not set: no amount until it is decided."""
        return self.proposed_action in PCT_ACTIONS and self.proposed_pct is None

    @property
    def effective_action(self) -> str:
        return self.decided_action if self.status == ApplicationStatus.DECIDED else self.proposed_action

    @property
    def effective_amount_yuan(self) -> Decimal | None:
        return self.decided_amount_yuan if self.status == ApplicationStatus.DECIDED else self.proposed_amount_yuan

    @property
    def proposed_change_yuan(self) -> Decimal | None:
        """Proposed amount − this year's budget (negative = a cut)."""
        if self.proposed_amount_yuan is None:
            return None
        return self.proposed_amount_yuan - self.base_amount_yuan

    @property
    def is_changed(self) -> bool:
        return self.status == ApplicationStatus.DECIDED and (
            self.decided_action != self.proposed_action or self.decided_amount_yuan != self.proposed_amount_yuan
        )


class ResultApplicationEvent(models.Model):
    """Generation and decisions: the history shown on the page (and part of the audit trail)."""

    application = models.ForeignKey(ResultApplication, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    detail = models.CharField(_("内容"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("结果应用记录")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
