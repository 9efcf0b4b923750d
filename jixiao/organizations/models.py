"""财政区划, finance bureau sections (股室), 主管部门 and 预算单位 (DOMAIN.md §6.1)."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel

code_validator = RegexValidator(r"^[0-9A-Za-z]+$", _("编码只能包含数字和字母"))
mof_div_validator = RegexValidator(r"^[0-9]{6,9}$", _("财政区划编码应为6至9位数字"))


class FiscalYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    is_current = models.BooleanField(_("当前年度"), default=False)
    is_open = models.BooleanField(_("开放填报"), default=True)

    class Meta:
        verbose_name = _("财政年度")
        verbose_name_plural = _("财政年度")
        ordering = ["-year"]
        # One current year: two simultaneous 设为当前年度 could each clear the other's and leave two.
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="uniq_current_fiscal_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年度"


class RegionQuerySet(ScopedQuerySet["FiscalRegion"]):
    def scope(self, membership: Any) -> RegionQuerySet:
        return self.filter(path__startswith=membership.region.path)  # type: ignore[return-value]

    def lock(self) -> list[int]:
        """Take the region rows as a mutex for the rest of the transaction (one generator, import or round of a
        region at a time), in pk order; their ids. FOR NO KEY UPDATE: it excludes every other `lock()` of the rows,
        but not the FOR KEY SHARE that PostgreSQL takes on a region for each insert referencing it, so a long
        import holding its county's row does not stop that county's users saving projects, targets or records."""
        return list(self.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))


class FiscalRegion(TimeStampedModel):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（区）")
        TOWN = "town", _("乡镇（街道）")

    mof_div_code = models.CharField(_("财政区划编码"), max_length=9, unique=True, validators=[mof_div_validator])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级次"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("330000000/330100000/"): a subtree is one indexed prefix match.
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("财政区划")
        verbose_name_plural = _("财政区划")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else ""
        return f"{prefix}{self.mof_div_code}/"

    @cached_property
    def subtree_ids(self) -> list[int]:
        """Ids of this region and every region under it (the same prefix match on `path`), read once per instance
        (a membership's region lives for one request): scoped querysets filter `region_id IN (…)`, which PostgreSQL
        plans as an index lookup on the rows' own region column, where a join on `path LIKE 'x%'` leaves it to
        walk the sort index of every region's rows and filter."""
        rows = FiscalRegion.objects.filter(path__startswith=self.path).order_by("pk")
        return list(rows.values_list("pk", flat=True))


class FinanceSection(TimeStampedModel):
    """A 股室 of the region's finance bureau."""

    class Kind(models.TextChoices):
        PERFORMANCE = "performance", _("绩效股")
        BUDGET = "budget", _("预算股")
        BUSINESS = "business", _("业务股室")
        REVIEW_CENTRE = "review_centre", _("评审中心")
        OTHER = "other", _("其他")

    region = models.ForeignKey(
        FiscalRegion, verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="sections"
    )
    code = models.CharField(_("编码"), max_length=20, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("股室")
        verbose_name_plural = _("股室")
        ordering = ["region", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="uniq_section_code")]

    def __str__(self) -> str:
        return self.name


class DepartmentQuerySet(ScopedQuerySet["Department"]):
    def scope(self, membership: Any) -> DepartmentQuerySet:
        level = membership.org_scope_level
        qs = self.filter(region__path__startswith=membership.region.path)
        if level == ScopeLevel.REGION:
            return qs  # type: ignore[return-value]
        if level == ScopeLevel.SECTION:
            return qs.filter(finance_section_id=membership.section_id)  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT:
            return qs.filter(pk=membership.department_id)  # type: ignore[return-value]
        if level == ScopeLevel.UNIT and membership.unit_id:
            return qs.filter(pk=membership.unit.department_id)  # type: ignore[return-value]
        return self.none()  # type: ignore[return-value]


class Department(TimeStampedModel):
    """主管部门."""

    region = models.ForeignKey(
        FiscalRegion, verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="departments"
    )
    dept_code = models.CharField(_("部门编码"), max_length=20, validators=[code_validator])
    name = models.CharField(_("部门名称"), max_length=100)
    finance_section = models.ForeignKey(
        FinanceSection,
        verbose_name=_("对口业务股室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
        limit_choices_to={"kind": FinanceSection.Kind.BUSINESS},
    )
    is_key_focus = models.BooleanField(_("重点关注部门"), default=False)
    # A 乡镇人民政府 or 街道办事处 budgets like a department but is appraised as a town (乡镇（街道）考核), not in the
    # 部门考核 (appraisals.selectors.examinee_departments).
    is_town = models.BooleanField(
        _("乡镇（街道）政府"),
        default=False,
        help_text=_("乡镇人民政府或街道办事处：参加乡镇（街道）考核，不参加部门考核"),
    )
    is_secret = models.BooleanField(_("涉密"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("主管部门")
        verbose_name_plural = _("主管部门")
        ordering = ["region", "dept_code"]
        constraints = [models.UniqueConstraint(fields=["region", "dept_code"], name="uniq_department_code")]

    def __str__(self) -> str:
        return self.name


class BudgetUnitQuerySet(ScopedQuerySet["BudgetUnit"]):
    def scope(self, membership: Any) -> BudgetUnitQuerySet:
        level = membership.org_scope_level
        qs = self.filter(region__path__startswith=membership.region.path)
        if level == ScopeLevel.REGION:
            return qs  # type: ignore[return-value]
        if level == ScopeLevel.SECTION:
            return qs.filter(department__finance_section_id=membership.section_id)  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT:
            return qs.filter(department_id=membership.department_id)  # type: ignore[return-value]
        if level == ScopeLevel.UNIT and membership.unit_id:
            return qs.filter(Q(path__startswith=membership.unit.path))  # type: ignore[return-value]
        return self.none()  # type: ignore[return-value]


class BudgetUnit(TimeStampedModel):
    """预算单位: 一级 units hang under their 主管部门, 二级/三级 under their parent unit."""

    class Level(models.IntegerChoices):
        FIRST = 1, _("一级预算单位")
        SECOND = 2, _("二级预算单位")
        THIRD = 3, _("三级预算单位")

    class Kind(models.TextChoices):
        ADMIN = "admin", _("行政单位")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        TOWN = "town", _("乡镇")
        STREET = "street", _("街道")
        DEV_ZONE = "dev_zone", _("园区（开发区）")
        OTHER = "other", _("其他")

    region = models.ForeignKey(FiscalRegion, verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="units")
    agency_code = models.CharField(_("单位编码"), max_length=30, validators=[code_validator])
    name = models.CharField(_("单位名称"), max_length=150)
    department = models.ForeignKey(
        Department, verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("单位级次"), choices=Level.choices, default=Level.FIRST)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices, default=Kind.ADMIN)
    is_secret = models.BooleanField(_("涉密"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)

    objects = BudgetUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("预算单位")
        verbose_name_plural = _("预算单位")
        ordering = ["region", "agency_code"]
        constraints = [models.UniqueConstraint(fields=["region", "agency_code"], name="uniq_unit_code")]

    def __str__(self) -> str:
        return self.name

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else f"{self.department_id}:"
        return f"{prefix}{self.agency_code}/"


class RegionalRow(models.Model):
    """A row that applies in one region or, without a region, everywhere (the national default): templates, rules
    and settings. The most specific row wins (core.config_rows)."""

    region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("财政区划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("为空表示全国默认"),
    )

    class Meta:
        abstract = True


class RegionYearRow(RegionalRow):
    """A regional row that may also be limited to one fiscal year (null year = every year)."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True, help_text=_("为空表示各年度"))

    class Meta:
        abstract = True


class RegionYearSettings(RegionYearRow):
    """A configuration row that differs by region and year (core.config_rows): null region = the national default,
    null year = every year. Concrete settings models add their fields and a unique (region, fiscal_year) constraint
    with `nulls_distinct=False`; `core.config_rows.most_specific` picks the row that applies."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        where = self.region.name if self.region_id else "全国默认"  # type: ignore[attr-defined,union-attr]
        return f"{where} {self.fiscal_year or '各'}年度"


class CalendarDay(models.Model):
    """A day that breaks the weekday rule of the working-day calendar (`WorkCalendar`, DOMAIN.md §5.4).

    Weekends are off and weekdays are working days unless a row says otherwise: a holiday on a weekday
    (is_working = False) or a make-up working day (调休) on a weekend (is_working = True). A row with no region is
    national; a region's own row for the same date wins.
    """

    region = models.ForeignKey(
        FiscalRegion,
        verbose_name=_("财政区划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("为空表示全国"),
    )
    date = models.DateField(_("日期"), db_index=True)
    is_working = models.BooleanField(_("工作日"), default=False, help_text=_("节假日为否；调休上班日为是"))
    name = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["region", "date"], name="uniq_calendar_day", nulls_distinct=False)
        ]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'} {self.name}".strip()
