"""专家库: experts and 人大代表 who sit on review panels (pre-assessment, target review, evaluation)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.models import TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel


class ExpertQuerySet(ScopedQuerySet["Expert"]):
    def scope(self, membership: Any) -> ExpertQuerySet:
        # The pool is the finance bureau's: region-level roles see their region subtree, nobody else sees it.
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()  # type: ignore[return-value]
        return self.filter(region__path__startswith=membership.region.path, is_deleted=False)  # type: ignore[return-value]


class Expert(TimeStampedModel):
    """One expert of a region's pool. Contact data is personal data: shown masked, every full view audited."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("专家")
        NPC_DEPUTY = "npc_deputy", _("人大代表")
        STAFF = "staff", _("财政干部")

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.EXPERT)
    name = models.CharField(_("姓名"), max_length=50)
    field = models.CharField(_("专业领域"), max_length=50, db_index=True)
    title = models.CharField(_("职称"), max_length=50, blank=True)
    affiliation = models.CharField(_("工作单位"), max_length=150, blank=True)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("在本县部门任职的专家，不得评审该部门的项目"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在库"), default=True)
    conflict_departments = models.ManyToManyField(
        "organizations.Department", verbose_name=_("声明回避的部门"), blank=True, related_name="+"
    )

    objects = ExpertQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["region", "field", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        if len(self.phone) < 7:
            return "*" * len(self.phone)
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class PanelDrawQuerySet(ScopedQuerySet["PanelDraw"]):
    def scope(self, membership: Any) -> PanelDrawQuerySet:
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()  # type: ignore[return-value]
        return self.filter(region__path__startswith=membership.region.path)  # type: ignore[return-value]


class PanelDraw(models.Model):
    """One random draw of a review panel. Seed and eligible set are stored so anyone can re-run the draw.

    Rows are never edited after the draw: a re-draw is a new row.
    """

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("抽取事由"), max_length=200)
    object_type = models.CharField(_("评审对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("评审对象ID"), max_length=64, blank=True)
    field = models.CharField(_("专业领域"), max_length=50, blank=True, help_text=_("留空表示不限领域"))
    size = models.PositiveSmallIntegerField(_("抽取人数"))
    seed = models.BigIntegerField(_("随机种子"))
    avoid_department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("回避部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    eligible_ids = models.JSONField(_("候选专家ID"), default=list)
    drawn_ids = models.JSONField(_("抽中专家ID"), default=list)
    excluded = models.JSONField(_("排除专家及原因"), default=list, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("抽取人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    objects = PanelDrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家抽取记录")
        verbose_name_plural = _("专家抽取记录")
        ordering = ["-drawn_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.purpose}（{self.drawn_at:%Y-%m-%d %H:%M}）" if self.drawn_at else self.purpose


# 统一社会信用代码 (GB 32100-2015): 18 characters from digits and capital letters without I, O, Z, S, V.
CREDIT_CODE_VALIDATOR = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    _("统一社会信用代码应为18位数字或大写字母"),
)


class AgencyQuerySet(ScopedQuerySet["Agency"]):
    def scope(self, membership: Any) -> AgencyQuerySet:
        # Like the expert pool: the finance bureau's list; region-level roles see their region subtree.
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()  # type: ignore[return-value]
        return self.filter(region__path__startswith=membership.region.path, is_deleted=False)  # type: ignore[return-value]


class Agency(TimeStampedModel):
    """A third-party agency (第三方机构) the performance section may commission instead of an expert panel.

    Its staff log in with the role 第三方机构 and are linked here through `users`; they then see exactly the
    assessments assigned to the agency. The contact phone is personal data: shown masked."""

    # CASCADE: a region's agency list goes with the region (the demo reset removes its county this way); an agency
    # that was ever commissioned is still protected by its assessments (PreAssessment.agency is PROTECT).
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("机构名称"), max_length=150)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[CREDIT_CODE_VALIDATOR])
    qualification = models.CharField(_("资质"), max_length=500, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在库"), default=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("机构登录账号"),
        blank=True,
        related_name="agencies",
        help_text=_("角色为“第三方机构”的账号：可查看并评审委托给本机构的事前绩效评估"),
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("第三方机构")
        verbose_name_plural = _("第三方机构")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "credit_code"], name="uniq_agency_credit_code_per_region")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return Expert(phone=self.phone).phone_masked
