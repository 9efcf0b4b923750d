"""绩效考核 (DOMAIN.md §2.7, §6.7, §6.9): score tables as data, appraisal tasks, per-examinee scores and ranking.

The score table is a tree of `AppraisalNode` rows (`PERF_MANAGE_EVAL_SCORE`); an `Appraisal` (`PERF_MANAGE_EVAL`)
holds one examinee's self scores (`ind_score`) and finance scores (`eval_score`) per node in `AppraisalScore`.
"""

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
from jixiao.core.scoping import ScopedQuerySet, ScopeLevel
from jixiao.organizations.models import RegionYearRow, RegionYearSettings


class TemplateKind(models.TextChoices):
    DEPT = "DEPT", _("部门（单位）考核")
    TOWN = "TOWN", _("乡镇（街道）考核")
    COUNTY_SELF = "COUNTY_SELF", _("本级财政自评（上级考核）")
    ASSET_MANAGEMENT = "ASSET_MANAGEMENT", _("资产管理绩效考评")


class ExamineeType(models.IntegerChoices):
    LOWER_FINANCE = 1, _("下级财政")
    DEPARTMENT = 2, _("本级部门")
    SAME_LEVEL_FINANCE = 3, _("本级财政")


KIND_EXAMINEE_TYPE = {
    TemplateKind.DEPT: ExamineeType.DEPARTMENT,
    TemplateKind.TOWN: ExamineeType.LOWER_FINANCE,
    TemplateKind.COUNTY_SELF: ExamineeType.SAME_LEVEL_FINANCE,
    TemplateKind.ASSET_MANAGEMENT: ExamineeType.DEPARTMENT,
}


class ExamineeKind(models.TextChoices):
    """What the examinee is, for the external weight (镇 0.6 / 街道 0.5 / 高新区 0.4 / 部门 1)."""

    TOWN = "TOWN", _("镇")
    STREET = "STREET", _("街道")
    DEV_ZONE = "DEV_ZONE", _("高新区（开发区）")
    DEPARTMENT = "DEPARTMENT", _("部门")
    UNIT = "UNIT", _("预算单位")
    COUNTY = "COUNTY", _("本级财政")


class DeptClass(models.TextChoices):
    KEY = "KEY", _("重点部门")
    NON_KEY = "NON_KEY", _("非重点部门")


class NodeKind(models.TextChoices):
    SCORE = "SCORE", _("计分项")
    BONUS = "BONUS", _("加分项")
    PENALTY = "PENALTY", _("扣分项")


class AppraisalTemplate(RegionYearRow):
    """A score table. No region = national default; a region's copy is editable until a task uses it."""

    name = models.CharField(_("名称"), max_length=150)
    kind = models.CharField(_("考核类型"), max_length=20, choices=TemplateKind.choices)
    examinee_type = models.PositiveSmallIntegerField(_("考核对象类型"), choices=ExamineeType.choices)
    dept_class = models.CharField(_("部门类别"), max_length=10, choices=DeptClass.choices, blank=True)
    total_points = models.DecimalField(_("总分"), default=Decimal(100), max_digits=7, decimal_places=2)
    source = models.CharField(
        _("来源"), max_length=200, blank=True, help_text=_("如：复制自全国默认、导入自省级评分表")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = _("考核评分表")
        ordering = ["kind", "region__path", "fiscal_year", "id"]

    def __str__(self) -> str:
        return self.name


class AppraisalNode(models.Model):
    """One row of the score table tree: code, name, 说明, 评(扣)分标准, 分值, 主管处室, optional auto metric."""

    template = models.ForeignKey(AppraisalTemplate, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("指标代码"), max_length=30)
    name = models.CharField(_("指标名称"), max_length=200)
    description = models.CharField(_("指标说明"), max_length=2000, blank=True)
    standard = models.CharField(_("评（扣）分标准"), max_length=2000, blank=True)
    points = models.DecimalField(_("分值"), validators=[MinValueValidator(0)], max_digits=7, decimal_places=2)
    kind = models.CharField(_("类别"), max_length=10, choices=NodeKind.choices, default=NodeKind.SCORE)
    responsible_section = models.CharField(
        _("主管处室（股室）"), max_length=100, blank=True, help_text=_("由该股室评分；为空由绩效股评分")
    )
    auto_metric = models.CharField(_("自动指标"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="uniq_appraisal_node_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _default_bands() -> list[dict[str, Any]]:
    return [
        {"label": "优秀", "min": "90"},
        {"label": "良好", "min": "80"},
        {"label": "合格", "min": "60"},
        {"label": "不合格", "min": "0"},
    ]


# The ranges the settings columns hold: scores are out of 100, weights `max_digits=6, decimal_places=3`, counts a
# PositiveSmallIntegerField. Forms and `services.settings_save` check them so nothing unreadable is stored.
SCORE_MAX = Decimal(100)
WEIGHT_MAX = Decimal("999.999")
COUNT_MAX = 32767


class AppraisalSettings(RegionYearSettings):
    """Weights, grade bands and 表扬/约谈 thresholds (one row per region and year; most specific wins).

    A null threshold means the outcome is decided by hand (DOMAIN.md §6.11 `appraisal.commend_top_k` …)."""

    weight_town = models.DecimalField(_("镇 折算权重"), max_digits=6, decimal_places=3, default=Decimal("0.6"))
    weight_street = models.DecimalField(_("街道 折算权重"), max_digits=6, decimal_places=3, default=Decimal("0.5"))
    weight_dev_zone = models.DecimalField(_("高新区 折算权重"), max_digits=6, decimal_places=3, default=Decimal("0.4"))
    weight_department = models.DecimalField(_("部门 折算权重"), max_digits=6, decimal_places=3, default=Decimal(1))
    commend_top_k = models.PositiveSmallIntegerField(_("表扬：排名前几名"), null=True, blank=True)
    commend_min_score = models.DecimalField(
        _("表扬：最低得分"), null=True, blank=True, validators=[MinValueValidator(0)], max_digits=7, decimal_places=2
    )
    interview_bottom_k = models.PositiveSmallIntegerField(_("约谈：排名后几名"), null=True, blank=True)
    interview_max_score = models.DecimalField(
        _("约谈：最高得分"), null=True, blank=True, validators=[MinValueValidator(0)], max_digits=7, decimal_places=2
    )
    grade_bands = models.JSONField(_("等级划分"), default=_default_bands, help_text=_("从高到低：等级名称与最低分"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核参数")
        verbose_name_plural = _("考核参数")
        ordering = ["region__path", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"], name="uniq_appraisal_settings_region_year", nulls_distinct=False
            )
        ]

    def weight_for(self, kind: str) -> Decimal:
        weights: dict[str, Decimal] = {
            ExamineeKind.TOWN: self.weight_town,
            ExamineeKind.STREET: self.weight_street,
            ExamineeKind.DEV_ZONE: self.weight_dev_zone,
        }
        return weights.get(kind, self.weight_department)


class TaskQuerySet(ScopedQuerySet["AppraisalTask"]):
    def scope(self, membership: Any) -> ScopedQuerySet[AppraisalTask]:
        level = membership.scope_level
        qs = self.filter(is_deleted=False, region__path__startswith=membership.region.path)
        if level in (ScopeLevel.REGION, ScopeLevel.SECTION):
            return qs  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT and membership.department_id:
            return qs.filter(appraisals__department_id=membership.department_id).distinct()  # type: ignore[return-value]
        return self.none()


class TaskStatus(models.TextChoices):
    OPEN = "open", _("考核中")
    RANKED = "ranked", _("已排名")
    OUTCOMES_ISSUED = "outcomes_issued", _("已通报")


class AppraisalTask(TimeStampedModel):
    Status = TaskStatus

    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("考核年度"), db_index=True)
    name = models.CharField(_("任务名称"), max_length=200)
    template = models.ForeignKey(
        AppraisalTemplate, verbose_name=_("评分表"), on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("考核类型"), max_length=20, choices=TemplateKind.choices)
    self_score_deadline = models.DateField(_("自评截止日期"))
    section_score_deadline = models.DateField(_("股室评分截止日期"), null=True, blank=True)
    target_deadline = models.DateField(
        _("绩效目标申报截止日期"), null=True, blank=True, help_text=_("用于计算目标按时申报率；为空则该指标无数据")
    )
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    ranked_at = models.DateTimeField(_("排名时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("通报时间"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核任务")
        verbose_name_plural = _("考核任务")
        ordering = ["-fiscal_year", "-id"]
        constraints = [
            # One task per region, year and kind: the kind decides the examinees (every department, town, unit or
            # the bureau), so a second task would appraise and rank them twice (a double submit did exactly that).
            models.UniqueConstraint(
                fields=["region", "fiscal_year", "kind"],
                condition=models.Q(is_deleted=False),
                name="uniq_appraisal_task_region_year_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AppraisalStatus(models.TextChoices):
    TASK_ISSUED = "task_issued", _("已下达")
    SELF_SCORING = "self_scoring", _("自评中")
    SECTION_SCORING = "section_scoring", _("股室评分中")
    PERF_FINAL = "perf_final", _("绩效股审定中")
    RANKED = "ranked", _("已排名")
    OUTCOMES_ISSUED = "outcomes_issued", _("已通报")


class Outcome(models.TextChoices):
    NONE = "NONE", _("无")
    COMMEND = "COMMEND", _("通报表扬")
    INTERVIEW = "INTERVIEW", _("约谈")
    RECTIFY_BY_DEADLINE = "RECTIFY_BY_DEADLINE", _("责令限期整改")


class AppraisalQuerySet(ScopedQuerySet["Appraisal"]):
    """REGION and business sections see the region's appraisals (sections score their items of everyone's); a
    department sees only its own; nobody else sees any (towns have no users: finance enters their self scores)."""

    def scope(self, membership: Any) -> ScopedQuerySet[Appraisal]:
        level = membership.scope_level
        qs = self.filter(task__is_deleted=False, region__path__startswith=membership.region.path)
        if level in (ScopeLevel.REGION, ScopeLevel.SECTION):
            return qs  # type: ignore[return-value]
        if level == ScopeLevel.DEPARTMENT and membership.department_id:
            return qs.filter(department_id=membership.department_id)  # type: ignore[return-value]
        return self.none()


class Appraisal(models.Model):
    Status = AppraisalStatus

    task = models.ForeignKey(AppraisalTask, on_delete=models.CASCADE, related_name="appraisals")
    region = models.ForeignKey(
        "organizations.FiscalRegion", verbose_name=_("财政区划"), on_delete=models.PROTECT, related_name="+"
    )
    examinee_type = models.PositiveSmallIntegerField(_("考核对象类型"), choices=ExamineeType.choices)
    examinee_kind = models.CharField(_("考核对象类别"), max_length=20, choices=ExamineeKind.choices)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "organizations.BudgetUnit",
        verbose_name=_("预算单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    examinee_region = models.ForeignKey(
        "organizations.FiscalRegion",
        verbose_name=_("乡镇（街道）或本级财政"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    examinee_name = models.CharField(_("考核对象"), max_length=150)
    status = models.CharField(
        _("状态"), max_length=20, choices=AppraisalStatus.choices, default=AppraisalStatus.TASK_ISSUED, db_index=True
    )
    self_total = models.DecimalField(_("自评总分"), null=True, blank=True, max_digits=7, decimal_places=2)
    total = models.DecimalField(_("考核得分"), null=True, blank=True, max_digits=7, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    grade = models.CharField(_("等级"), max_length=20, blank=True)
    outcome = models.CharField(_("考核结果运用"), max_length=24, choices=Outcome.choices, default=Outcome.NONE)
    outcome_is_manual = models.BooleanField(_("人工确定结果"), default=False)
    outcome_reason = models.CharField(_("结果调整理由"), max_length=1000, blank=True)
    external_weight = models.DecimalField(_("折算权重"), max_digits=6, decimal_places=3, null=True, blank=True)
    external_points = models.DecimalField(
        _("综合目标考核折算分"), null=True, blank=True, max_digits=7, decimal_places=2
    )
    exist_problems = models.TextField(_("存在问题"), blank=True, max_length=4000)
    rectify_step = models.TextField(_("整改建议"), blank=True, max_length=4000)
    mof_aud_opinion = models.TextField(_("财政审核意见"), blank=True, max_length=4000)
    submitted_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    interview_document_id = models.PositiveBigIntegerField(_("约谈通知书编号"), null=True, blank=True)
    interview_document_no = models.CharField(_("约谈通知书文号"), max_length=100, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = AppraisalQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["task", "examinee_type", "rank", "examinee_name", "id"]
        indexes = [models.Index(fields=["task", "examinee_type", "rank"])]
        constraints = [
            # A department once per task; a 资产管理 task's units carry their department too (scope), several each.
            models.UniqueConstraint(
                fields=["task", "department"],
                condition=models.Q(department__isnull=False, unit__isnull=True),
                name="uniq_appr_dept",
            ),
            models.UniqueConstraint(
                fields=["task", "examinee_region"],
                condition=models.Q(examinee_region__isnull=False),
                name="uniq_appr_region",
            ),
            models.UniqueConstraint(
                fields=["task", "unit"], condition=models.Q(unit__isnull=False), name="uniq_appr_unit"
            ),
        ]

    def __str__(self) -> str:
        # The 关联 line its 约谈通知书 keeps and shows to the department: the task by its name when loaded (never its
        # id, which meant nothing there: “县教育局（1）”), without a query.
        task = self.task if Appraisal.task.is_cached(self) else None  # type: ignore[attr-defined]
        return f"{self.examinee_name}（{task.name}）" if task else self.examinee_name


class AppraisalScore(models.Model):
    """One node's scores for one examinee: self (`ind_score`) and finance (`eval_score`)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="scores")
    node = models.ForeignKey(AppraisalNode, on_delete=models.PROTECT, related_name="+")
    ind_score = models.DecimalField(_("自评得分"), null=True, blank=True, max_digits=7, decimal_places=2)
    ind_note = models.CharField(_("自评说明"), max_length=2000, blank=True)
    eval_score = models.DecimalField(_("评定得分"), null=True, blank=True, max_digits=7, decimal_places=2)
    eval_note = models.CharField(_("评分说明"), max_length=2000, blank=True)
    scored_by = models.ForeignKey(
        "accounts.User", verbose_name=_("评分人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    # Bumped by every save of the row: the score grids' lock tokens are made of the rows a scorer may change, so
    # two business sections scoring their own items of one examinee do not conflict.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["appraisal", "node__order", "id"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "node"], name="uniq_appraisal_score_node")]

    def __str__(self) -> str:
        return f"{self.appraisal_id} {self.node_id}"


class AppraisalEvent(WorkflowEvent):
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("原状态"), max_length=20, choices=AppraisalStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=AppraisalStatus.choices)

    actor_role = None  # type: ignore[assignment]  # this timeline has no role column

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("考核流转记录")

    def __str__(self) -> str:
        return f"{self.appraisal_id} {self.action}"


def evidence_path(instance: AppraisalEvidence, filename: str) -> str:
    # Where evidence was stored before the table moved onto StoredFile (migration 0001 names it); new uploads go to
    # `stored_file_path` under the same folder.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"appraisals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AppraisalEvidence(StoredFile):
    """A 考核佐证材料 of the examinee's self-scoring, optionally tied to one indicator of the score sheet: a
    `StoredFile` (decision 0006) with its SHA-256 and 说明."""

    storage_folder = "appraisals"

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="evidence")
    node = models.ForeignKey(
        AppraisalNode, verbose_name=_("指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(StoredFile.Meta):
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]
