"""专家库: experts and 人大代表 who sit on review panels (pre-assessment, target review, evaluation)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core import crypto
from jixiao.core.fields import EncryptedTextField
from jixiao.core.models import StoredFile, TimeStampedModel
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearSettings

# 居民身份证号码 (GB 11643-1999): 17 digits and a check digit or X.
ID_NUMBER_VALIDATOR = RegexValidator(r"^[0-9]{17}[0-9X]$", _("身份证号应为18位，最后一位可为数字或X"))
BANK_ACCOUNT_VALIDATOR = RegexValidator(r"^[0-9]{8,30}$", _("银行账号应为8至30位数字"))


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
    # Personal data (SECURITY.md G02, 密评 e): SM4-GCM encrypted at rest, shown masked, every full view audited.
    # Collected because the bureau pays the review fee: phone (contact), ID number (个税申报), bank account (payment).
    phone = EncryptedTextField(_("联系电话"), blank=True, validators=[MaxLengthValidator(30)])
    id_number = EncryptedTextField(_("身份证号"), blank=True, validators=[ID_NUMBER_VALIDATOR])
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True, validators=[BANK_ACCOUNT_VALIDATOR])
    # HMAC-SM3 blind indexes: exact search by phone or ID number without decrypting (jixiao.core.crypto.blind_index).
    phone_index = models.CharField(_("联系电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    id_number_index = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = expert_index("phone", self.phone)
        self.id_number_index = expert_index("id_number", self.id_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"phone": "phone_index", "id_number": "id_number_index"}
            indexes = [extra[f] for f in update_fields if f in extra]
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, *indexes]))
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        if len(self.phone) < 7:
            return "*" * len(self.phone)
        return f"{self.phone[:3]}****{self.phone[-4:]}"

    @property
    def id_number_masked(self) -> str:
        return mask_middle(self.id_number, keep_start=3, keep_end=4)

    @property
    def bank_account_masked(self) -> str:
        return mask_middle(self.bank_account, keep_start=0, keep_end=4)


def mask_middle(value: str, *, keep_start: int, keep_end: int) -> str:
    """`110***********1234`: the middle replaced by asterisks; short values entirely."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def expert_index(field: str, value: str) -> str:
    return crypto.blind_index(value, context=f"experts.Expert.{field}") if value else ""


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
    # Personal data (SECURITY.md G02): stored SM4-GCM encrypted like Expert.phone, shown masked.
    phone = EncryptedTextField(_("联系电话"), blank=True, validators=[MaxLengthValidator(30)])
    is_active = models.BooleanField(_("在库"), default=True)
    suspended_reason = models.CharField(
        _("暂停委托原因"), max_length=200, blank=True, help_text=_("执业质量核查不合格时自动暂停（出库）")
    )
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


# ---- engagements and the annual quality review (DOMAIN.md §2.8, §6.8) ----------------------------------------------


class EngagementQuerySet(ScopedQuerySet["Engagement"]):
    def scope(self, membership: Any) -> EngagementQuerySet:
        # Region-level roles see their region subtree; an agency's staff see only their own agency's engagements.
        qs = self.filter(region__path__startswith=membership.region.path, is_deleted=False)
        if membership.scope_level == ScopeLevel.REGION:
            return qs  # type: ignore[return-value]
        if membership.scope_level == ScopeLevel.DEPARTMENT and membership.department_id:
            # A 主管部门 sees the engagements it commissioned itself (DOMAIN.md §6.10: "own engagements").
            return qs.filter(department_id=membership.department_id)  # type: ignore[return-value]
        if membership.role == "agency":
            return qs.filter(agency__users=membership.user_id, agency__is_deleted=False).distinct()  # type: ignore[return-value]
        return self.none()  # type: ignore[return-value]


class Engagement(TimeStampedModel):
    """One commission (委托) of a third-party agency: scope, contract, fee, team, dates and deliverables."""

    class Scope(models.TextChoices):
        PRE_ASSESSMENT = "pre_assessment", _("事前绩效评估")
        TARGET_GUIDANCE = "target_guidance", _("指导绩效目标申报")
        TARGET_REVIEW = "target_review", _("绩效目标审核")
        MONITOR_REVIEW = "monitor_review", _("绩效监控审核")
        KEY_EVALUATION = "key_evaluation", _("重点绩效评价")
        RE_EVALUATION = "re_evaluation", _("抽评/再评价")
        TRAINING = "training", _("培训")

    class Status(models.TextChoices):
        ACTIVE = "active", _("履约中")
        DELIVERED = "delivered", _("已提交成果")
        ACCEPTED = "accepted", _("已验收")
        TERMINATED = "terminated", _("已终止")

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("第三方机构"), on_delete=models.PROTECT, related_name="engagements"
    )
    scope = models.CharField(_("委托事项"), max_length=20, choices=Scope.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("委托名称"), max_length=200)
    commissioner = models.CharField(_("委托方"), max_length=100, blank=True, help_text=_("财政股室或主管部门"))
    # Set when a 主管部门 commissions the agency itself (部门评价 and its own work); empty for the finance bureau's.
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("委托部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contract_no = models.CharField(_("合同编号"), max_length=60, blank=True)
    fee_yuan = models.DecimalField(
        _("委托费用（元）"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    team = models.TextField(_("项目组成员"), blank=True, max_length=2000)
    team_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("项目组登录账号"), blank=True, related_name="+"
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    deadline = models.DateField(_("成果提交期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    delivered_at = models.DateTimeField(_("成果提交时间"), null=True, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        verbose_name = _("第三方委托")
        verbose_name_plural = _("第三方委托")
        ordering = ["-fiscal_year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="engagement_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年 {self.title}"


def deliverable_path(instance: EngagementDeliverable, filename: str) -> str:
    # Where deliverables were stored before the table moved onto StoredFile (migration 0004 names it); new uploads go
    # to `stored_file_path` under the same folder.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"engagements/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EngagementDeliverable(StoredFile):
    """A 委托成果 the agency (or the performance section) submits for an engagement: a `StoredFile` (decision 0006)
    with its SHA-256 and 说明."""

    storage_folder = "engagements"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="deliverables")

    class Meta(StoredFile.Meta):
        verbose_name = _("委托成果")
        ordering = ["engagement", "id"]


# The six aspects of 执业质量核查 (财监〔2021〕4号; DOMAIN.md §2.8): (field, label).
QUALITY_ASPECTS: tuple[tuple[str, str], ...] = (
    ("basic_mgmt", "基础管理"),
    ("service_quality", "预算绩效评价服务质量"),
    ("archives", "档案管理情况"),
    ("branch_mgmt", "分支机构的管理情况"),
    ("completeness", "资料完整性"),
    ("timeliness", "报送及时性"),
)


class QualityReviewSetting(RegionYearSettings):
    """Aspect weights and grade bands of the quality review (one row per region and year; most specific wins)."""

    weights = models.JSONField(_("各方面权重"), default=dict, help_text=_("方面编码 → 权重，缺省为等权"))
    excellent_min = models.DecimalField(_("优秀最低分"), max_digits=5, decimal_places=2, default=Decimal(90))
    good_min = models.DecimalField(_("良好最低分"), max_digits=5, decimal_places=2, default=Decimal(80))
    pass_min = models.DecimalField(_("合格最低分"), max_digits=5, decimal_places=2, default=Decimal(60))
    suspend_on_fail = models.BooleanField(_("不合格暂停委托"), default=True)
    # The settings page's lock token (core.locking) reads it: a row saved since the page was shown is a conflict.
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("执业质量核查设置")
        verbose_name_plural = _("执业质量核查设置")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_qr_setting_region_year", nulls_distinct=False
            )
        ]


class QualityGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class QualityReviewQuerySet(ScopedQuerySet["AgencyQualityReview"]):
    def scope(self, membership: Any) -> QualityReviewQuerySet:
        if membership.scope_level != ScopeLevel.REGION:
            return self.none()  # type: ignore[return-value]
        return self.filter(agency__region__path__startswith=membership.region.path)  # type: ignore[return-value]


class AgencyQualityReview(models.Model):
    """The annual 执业质量核查 of one agency: six aspect scores (0–100), weighted total, grade."""

    SCORE = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}

    agency = models.ForeignKey(Agency, verbose_name=_("第三方机构"), on_delete=models.CASCADE, related_name="reviews")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    basic_mgmt = models.DecimalField(_("基础管理"), **SCORE)  # type: ignore[arg-type]
    service_quality = models.DecimalField(_("预算绩效评价服务质量"), **SCORE)  # type: ignore[arg-type]
    archives = models.DecimalField(_("档案管理情况"), **SCORE)  # type: ignore[arg-type]
    branch_mgmt = models.DecimalField(_("分支机构的管理情况"), **SCORE)  # type: ignore[arg-type]
    completeness = models.DecimalField(_("资料完整性"), **SCORE)  # type: ignore[arg-type]
    timeliness = models.DecimalField(_("报送及时性"), **SCORE)  # type: ignore[arg-type]
    total = models.DecimalField(_("总分"), **SCORE)  # type: ignore[arg-type]
    grade = models.CharField(_("等级"), max_length=10, choices=QualityGrade.choices)
    basis = models.CharField(_("依据"), max_length=100, default="财监〔2021〕4号")
    engagements = models.ManyToManyField(Engagement, verbose_name=_("核查的委托"), blank=True, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("核查意见"), blank=True, max_length=4000)
    reviewed_at = models.DateTimeField(_("核查时间"), default=timezone.now)

    objects = QualityReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("执业质量核查")
        verbose_name_plural = _("执业质量核查")
        ordering = ["agency", "-fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["agency", "fiscal_year"], name="uniq_agency_review_year")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.fiscal_year}年执业质量核查"

    @property
    def aspect_scores(self) -> list[tuple[str, Decimal]]:
        return [(label, getattr(self, field)) for field, label in QUALITY_ASPECTS]
