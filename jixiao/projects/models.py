"""项目库: projects per fiscal year with their funds by source (DOMAIN.md §6.1 `Project`)."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import BusinessRowQuerySet

MONEY = {"max_digits": 18, "decimal_places": 2, "default": 0, "validators": [MinValueValidator(0)]}


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待主管部门审核")
    DEPT_APPROVED = "dept_approved", _("待业务股室审核")
    IN_LIBRARY = "in_library", _("已入库")
    RETURNED = "returned", _("被退回")
    CANCELLED = "cancelled", _("已撤销")


class ProjectQuerySet(BusinessRowQuerySet["Project"]):
    """Scope: core.scoping.BusinessRowQuerySet."""


class Project(TimeStampedModel):
    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("人员类")
        OPERATION = "operation", _("运转类")
        SPECIFIC = "specific", _("特定目标类")

    class BudgetBook(models.TextChoices):
        GENERAL = "general", _("一般公共预算")
        FUND = "fund", _("政府性基金预算")
        STATE_CAPITAL = "state_capital", _("国有资本经营预算")
        SOCIAL_INSURANCE = "social_insurance", _("社会保险基金预算")

    class Tier(models.TextChoices):
        A = "A", _("A类（重大）")
        B = "B", _("B类（一般）")
        C = "C", _("C类（其他）")

    Status = ProjectStatus

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="projects"
    )
    code = models.CharField(
        _("项目编码"),
        max_length=40,
        validators=[RegexValidator(r"^[0-9A-Za-z\-]+$", _("项目编码只能包含数字、字母和“-”"))],
    )
    name = models.CharField(_("项目名称"), max_length=200)
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="projects"
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit", verbose_name=_("实施单位"), on_delete=models.PROTECT, related_name="projects"
    )
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices, default=Category.SPECIFIC)
    is_new = models.BooleanField(_("新增项目"), default=True, help_text=_("否则为延续项目"))
    budget_book = models.CharField(_("预算类型"), max_length=20, choices=BudgetBook.choices, default=BudgetBook.GENERAL)
    function_code = models.CharField(
        _("功能分类编码"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{3}([0-9]{2}){0,2}$", _("功能分类编码应为3、5或7位数字"))],
    )
    fiscal_amount_yuan = models.DecimalField(_("财政拨款（元）"), **MONEY)  # type: ignore[arg-type]
    carryover_amount_yuan = models.DecimalField(_("上年结转（元）"), **MONEY)  # type: ignore[arg-type]
    other_amount_yuan = models.DecimalField(_("其他资金（元）"), **MONEY)  # type: ignore[arg-type]
    total_amount_yuan = models.GeneratedField(
        expression=F("fiscal_amount_yuan") + F("carryover_amount_yuan") + F("other_amount_yuan"),
        output_field=models.DecimalField(max_digits=18, decimal_places=2),
        db_persist=True,
        verbose_name=_("资金总额（元）"),
    )
    start_year = models.PositiveSmallIntegerField(_("开始年度"))
    end_year = models.PositiveSmallIntegerField(_("结束年度"))
    tier = models.CharField(_("重要性分类"), max_length=1, choices=Tier.choices, default=Tier.B)
    is_key = models.BooleanField(_("重点项目"), default=False)
    # Triggers of 事前绩效评估 (DOMAIN.md §2.1): evaluated against the rule row by preassessment.selectors.
    is_policy = models.BooleanField(_("政策类项目"), default=False, help_text=_("新出台的政策或政策类项目"))
    is_revised = models.BooleanField(_("修订的政策或项目"), default=False)
    is_special_bond = models.BooleanField(_("专项债券项目"), default=False)
    # Fund themes of seed 003 (平利, 宁陕: 巩固衔接资金, 统筹整合财政涉农资金): national programmes a county follows
    # apart (联合审核, 公告公示, 乡村振兴考核), so the lists filter and export by them. A project may carry both.
    is_rural_link = models.BooleanField(
        _("衔接资金项目"), default=False, help_text=_("使用衔接推进乡村振兴补助资金（巩固衔接资金）的项目")
    )
    is_agri_integrated = models.BooleanField(
        _("涉农整合资金项目"), default=False, help_text=_("纳入统筹整合使用财政涉农资金的项目")
    )
    description = models.TextField(_("项目概述"), blank=True, max_length=4000)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT, db_index=True
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-fiscal_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "fiscal_year", "code"], name="uniq_project_code_per_year"),
            models.CheckConstraint(condition=models.Q(end_year__gte=F("start_year")), name="project_period_ordered"),
        ]
        indexes = [
            models.Index(fields=["region", "fiscal_year", "status"]),
            models.Index(fields=["department", "fiscal_year"]),
            models.Index(fields=["unit", "fiscal_year"]),
            # Matches the default list ordering, so the first page walks the index instead of sorting.
            models.Index(F("fiscal_year").desc(), "code", name="project_year_desc_code"),
            # The same order within one region: the list of a county user (scoped by `region_id IN (…)`, see
            # core.scoping) walks it for the first page.
            models.Index("region", F("fiscal_year").desc(), "code", name="project_region_year_desc_code"),
            models.Index(fields=["total_amount_yuan"]),
            # Budgets per 主管部门 of a year (province-wide 执行进度分析) as an index-only scan on PostgreSQL.
            models.Index(
                fields=["fiscal_year", "status", "department"],
                include=["total_amount_yuan", "is_deleted"],
                name="project_year_status_dept",
            ),
            # 待办 counts (core.todos.status_counts): the rows in working states, not years of finished ones.
            models.Index(
                fields=["status", "region"], condition=models.Q(is_deleted=False), name="project_live_status_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def period_text(self) -> str:
        """实施期 as a sentence says it: 2026年 for one year, 2026—2028年 for several."""
        if self.start_year == self.end_year:
            return f"{self.start_year}年"
        return f"{self.start_year}—{self.end_year}年"


class ProjectEvent(models.Model):
    """A status transition: the history shown on the project page (and part of the audit trail)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=ProjectStatus.choices)
    comment = models.CharField(_("意见"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("项目流转记录")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action} {self.from_status}→{self.to_status}"


class FundTheme(models.TextChoices):
    """The national fund programmes a project may belong to (its two flags), as named in a joint-review rule."""

    RURAL_LINK = "rural_link", _("衔接资金项目")
    AGRI_INTEGRATED = "agri_integrated", _("涉农整合资金项目")


# The project flag of each fund theme.
THEME_FLAGS: dict[str, str] = {FundTheme.RURAL_LINK: "is_rural_link", FundTheme.AGRI_INTEGRATED: "is_agri_integrated"}


class JointReviewRule(TimeStampedModel):
    """联合审核 (seed 003 平利: 巩固衔接/涉农整合资金项目联合审核机制): in a region, the projects of a fund theme are
    also reviewed by a lead department (the 巩固衔接办, e.g. 县乡村振兴局) after their own 主管部门 and before the
    业务股室 puts them in the library. No rule, no joint review: the national defaults name none."""

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    theme = models.CharField(_("资金类别"), max_length=20, choices=FundTheme.choices)
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("联合审核部门"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("联合审核设置")
        verbose_name_plural = _("联合审核设置")
        ordering = ["region", "theme"]
        constraints = [models.UniqueConstraint(fields=["region", "theme"], name="uniq_joint_review_rule")]

    def __str__(self) -> str:
        return f"{self.get_theme_display()}：{self.department_id}"


class JointReviewOpinion(models.Model):
    """One lead department's 联合审核意见 on a project waiting for the 业务股室 (status 待业务股室审核)."""

    class Verdict(models.TextChoices):
        AGREE = "agree", _("同意入库")
        DISAGREE = "disagree", _("不同意")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="joint_opinions")
    theme = models.CharField(_("资金类别"), max_length=20, choices=FundTheme.choices)
    department = models.ForeignKey(
        "organizations.Department", verbose_name=_("联合审核部门"), on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        "accounts.User", verbose_name=_("审核人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(_("审核结论"), max_length=10, choices=Verdict.choices)
    comment = models.CharField(_("审核意见"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联合审核意见")
        verbose_name_plural = _("联合审核意见")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "theme", "created_at"], name="joint_opinion_project")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.theme} {self.verdict}"
