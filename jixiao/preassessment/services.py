"""事前绩效评估 writes. Every function re-checks capability and row scope, and writes events and audit rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit, uploads
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token
from jixiao.core.money import format_wan
from jixiao.core.permissions import require
from jixiao.preassessment import panels, selectors
from jixiao.preassessment.models import SECTION_FIELDS as MODEL_SECTION_FIELDS
from jixiao.preassessment.models import (
    Attachment,
    Conclusion,
    PreAssessment,
    PreAssessmentEvent,
    PreAssessmentRuleSet,
    PreAssessmentStatus,
    section_labels,
)
from jixiao.preassessment.workflow import ACCEPT_REVISION, CONCLUDE, EDITABLE_STATES, FORM_ACTIONS
from jixiao.preassessment.workflow import PREASSESSMENT_WORKFLOW as WORKFLOW
from jixiao.projects.models import Project
from jixiao.projects.services import project_set_supported_amount

SECTION_FIELDS = list(MODEL_SECTION_FIELDS)
EDITABLE_FIELDS = ["kind", "requested_amount_yuan", *SECTION_FIELDS]
REQUIRED_SECTIONS = SECTION_FIELDS[:-1]
CONCLUSION_FIELDS = [
    "score",
    "suggested_conclusion",
    "conclusion",
    "override_reason",
    "conclusion_opinion",
    "supported_amount_yuan",
    "reduction_amount_yuan",
]


def _visible(actor: Any, assessment: PreAssessment) -> None:
    if not PreAssessment.objects.visible_to(actor).filter(pk=assessment.pk).exists():
        raise NotFoundError("评估申报不存在")


def _event(actor: Any, pa: PreAssessment, action: str, label: str, source: str, comment: str = "") -> None:
    PreAssessmentEvent.log(
        actor, action=action, label=label, comment=comment, assessment=pa, from_status=source, to_status=pa.status
    )


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    amount = cleaned.get("requested_amount_yuan")
    if amount is not None and amount <= 0:
        raise DomainError("申请金额应大于0")
    if "kind" in cleaned and cleaned["kind"] not in PreAssessment.Kind.values:
        raise DomainError("请选择评估类型")
    return cleaned


def preassessment_create(*, actor: Any, project: Project, data: dict[str, Any]) -> PreAssessment:
    require(actor, "preassessment.file")
    if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise NotFoundError("项目不存在")
    cleaned = _clean_data(data)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        current = selectors.latest_assessment(locked)
        if current is not None and current.conclusion not in (Conclusion.DEFER, Conclusion.REJECT):
            raise ConflictError("该项目已有事前绩效评估申报，不能重复申报")
        pa = PreAssessment(
            project=locked,
            fiscal_year=locked.fiscal_year,
            region_id=locked.region_id,
            department_id=locked.department_id,
            unit_id=locked.unit_id,
            requested_amount_yuan=locked.fiscal_amount_yuan,
            created_by=actor,
            updated_by=actor,
        )
        for field, value in cleaned.items():
            if value is not None or field != "requested_amount_yuan":
                setattr(pa, field, value)
        if locked.is_policy:
            # A policy project is always assessed as a policy; any other project as the filer chose.
            pa.kind = PreAssessment.Kind.POLICY
        pa.save()
        _event(actor, pa, "create", "创建评估申报", "")
        audit.record(
            actor=actor,
            event_type="preassessment.create",
            obj=pa,
            changes=audit.diff({}, audit.snapshot(pa, ["project", *EDITABLE_FIELDS])),
        )
    return pa


def preassessment_update(
    *, actor: Any, assessment: PreAssessment, data: dict[str, Any], expected_version: int | None = None
) -> PreAssessment:
    require(actor, "preassessment.file")
    _visible(actor, assessment)
    cleaned = _clean_data(data)
    with transaction.atomic():
        locked = PreAssessment.objects.select_for_update(of=("self",)).select_related("project").get(pk=assessment.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError("该评估申报已被他人修改，请刷新页面后重新编辑")
        if locked.status not in EDITABLE_STATES:
            raise ConflictError(f"评估申报当前状态为“{locked.get_status_display()}”，不能修改")
        if locked.project.is_policy:
            cleaned["kind"] = PreAssessment.Kind.POLICY
        if "requested_amount_yuan" in cleaned and cleaned["requested_amount_yuan"] is None:
            cleaned["requested_amount_yuan"] = locked.project.fiscal_amount_yuan  # emptied: the project's amount
        before = audit.snapshot(locked, EDITABLE_FIELDS)
        changed = [f for f, v in cleaned.items() if getattr(locked, f) != v]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, cleaned[field])
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            event_type="preassessment.update",
            obj=locked,
            changes=audit.diff(before, audit.snapshot(locked, EDITABLE_FIELDS)),
        )
    return locked


def _check_complete(pa: PreAssessment) -> None:
    labels = section_labels(pa.kind)
    missing = [labels[f][0] for f in REQUIRED_SECTIONS if not getattr(pa, f)]
    if missing:
        raise DomainError("请填写评估报告的以下部分：" + "、".join(missing))
    if pa.requested_amount_yuan <= 0:
        raise DomainError("申请金额应大于0")
    # The assessment is of the project's funds: a request above them would count the difference as 压减 later.
    total = pa.project.total_amount_yuan if pa.project_id else None
    if total is not None and pa.requested_amount_yuan > total:
        raise DomainError(
            f"申请金额{format_wan(pa.requested_amount_yuan)}万元超过项目资金总额{format_wan(total)}万元，"
            "请核对申请金额或先修改项目"
        )


def preassessment_transition(*, actor: Any, assessment: PreAssessment, action: str, comment: str = "") -> PreAssessment:
    """The plain moves (submit, withdraw, reviews, returns). Conclusions go through `preassessment_conclude`."""
    if action in FORM_ACTIONS:
        raise DomainError("请通过评估结论表单操作")
    transition = WORKFLOW.get(assessment.status, action)
    require(actor, transition.capability)
    _visible(actor, assessment)
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = PreAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != transition.source:
            raise ConflictError("评估申报状态已变化，请刷新后重试")
        if action == "submit":
            if locked.project.status == Project.Status.CANCELLED:
                raise DomainError("项目已撤销，不能提交事前绩效评估")
            _check_complete(locked)
            locked.submitted_at = locked.submitted_at or timezone.now()
        fields = ["status", "submitted_at", "version", "updated_by", "updated_at"]
        changes: dict[str, Any] = {"status": [transition.source, transition.target]}
        if transition.source == PreAssessmentStatus.FIN_REVIEW and transition.target in EDITABLE_STATES:
            # Returned from review: the revised filing gets a new panel and review.
            changes["round_closed"] = panels.close_round(locked)
            fields += panels.ROUND_FIELDS
        locked.status = transition.target
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=fields)
        _event(actor, locked, action, transition.label, transition.source, comment)
        audit.record(
            actor=actor, event_type=f"preassessment.{action}", obj=locked, reason=comment[:500], changes=changes
        )
    return locked


def _amounts(conclusion: str, requested: Decimal, supported: Decimal | None) -> Decimal:
    """The supported amount a conclusion carries (DOMAIN.md §2.1 table)."""
    if conclusion in (Conclusion.DEFER, Conclusion.REJECT):
        return Decimal("0.00")
    if conclusion == Conclusion.SUPPORT:
        return requested
    if conclusion == Conclusion.SUPPORT_REDUCED:
        if supported is None or not Decimal(0) < supported < requested:
            raise DomainError(f"核减后支持的金额应大于0且小于申请金额{format_wan(requested)}万元")
        return supported
    # 调整后支持: an amount below the request is the adjustment itself (the cut is 压减); none means the plan is
    # to be revised at the full amount and confirmed with `preassessment_accept_revision`.
    if supported is not None and supported > requested:
        raise DomainError("支持金额不能超过申请金额")
    if supported is not None and supported <= 0:
        raise DomainError("调整后支持的金额应大于0")
    return requested if supported is None else supported


def _check_override(conclusion: str, suggested: str, reason: str) -> None:
    # A cut is the reviewer's normal way to act on a “调整后支持” score, so it needs no separate reason.
    compatible = suggested == Conclusion.SUPPORT_AFTER_ADJUSTMENT and conclusion == Conclusion.SUPPORT_REDUCED
    if suggested and conclusion != suggested and not compatible and not reason:
        label = Conclusion(suggested).label
        raise DomainError(f"按评审得分应为“{label}”，改为其他结论须填写理由")


def preassessment_conclude(
    *,
    actor: Any,
    assessment: PreAssessment,
    conclusion: str,
    supported_amount_yuan: Decimal | None = None,
    score: Decimal | None = None,
    override_reason: str = "",
    opinion: str = "",
) -> PreAssessment:
    transition = WORKFLOW.get(assessment.status, CONCLUDE)
    require(actor, transition.capability)
    _visible(actor, assessment)
    if conclusion not in Conclusion.values:
        raise DomainError("请选择评估结论")
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        raise DomainError("评审总分应在0到100之间")
    override_reason = override_reason.strip()
    with transaction.atomic():
        locked = (
            PreAssessment.objects.select_for_update(of=("self",))
            .select_related("project__region")
            .get(pk=assessment.pk)
        )
        if locked.status != transition.source:
            raise ConflictError("评估申报状态已变化，请刷新后重试")
        confirmed = locked.score  # the panel's (or the agency's) confirmed total, when there is one
        if confirmed is not None:
            if score is None:
                score = confirmed  # a box left empty does not erase the panel's score
            elif score != confirmed and not override_reason:
                raise DomainError(f"评审总分已确认为{confirmed.normalize():f}分，改为{score.normalize():f}分须填写理由")
        rule = selectors.rule_for(locked.project.region, locked.fiscal_year)
        # The suggestion follows the confirmed score: a typed one never moves it (nor skips the threshold check).
        suggested = selectors.suggested_conclusion(confirmed if confirmed is not None else score, rule)
        _check_override(conclusion, suggested, override_reason)
        supported = _amounts(conclusion, locked.requested_amount_yuan, supported_amount_yuan)
        before = audit.snapshot(locked, CONCLUSION_FIELDS)
        locked.score = score
        locked.suggested_conclusion = suggested
        locked.conclusion = conclusion
        locked.override_reason = override_reason[:1000] if conclusion != suggested else ""
        locked.conclusion_opinion = opinion.strip()[:2000]
        locked.supported_amount_yuan = supported
        locked.reduction_amount_yuan = locked.requested_amount_yuan - supported
        locked.status = transition.target
        locked.concluded_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=[*CONCLUSION_FIELDS, "status", "concluded_at", "version", "updated_by", "updated_at"])
        label = str(Conclusion(conclusion).label)
        _event(actor, locked, CONCLUDE, f"评估结论：{label}", transition.source, opinion or override_reason)
        audit.record(
            actor=actor,
            event_type="preassessment.conclude",
            obj=locked,
            reason=override_reason[:500],
            changes={
                "status": [transition.source, transition.target],
                **audit.diff(before, audit.snapshot(locked, CONCLUSION_FIELDS)),
            },
        )
        if locked.is_supported or conclusion == Conclusion.SUPPORT_AFTER_ADJUSTMENT:
            _apply_supported_amount(actor, locked, label)
    return locked


def _apply_supported_amount(actor: Any, pa: PreAssessment, label: str) -> None:
    project = pa.project
    if pa.supported_amount_yuan is not None and pa.supported_amount_yuan < project.fiscal_amount_yuan:
        project_set_supported_amount(
            actor=actor,
            project=project,
            amount_yuan=pa.supported_amount_yuan,
            reason=f"事前绩效评估{label}，支持金额{format_wan(pa.supported_amount_yuan)}万元",
        )


def preassessment_accept_revision(*, actor: Any, assessment: PreAssessment, comment: str) -> PreAssessment:
    """Confirm the revised plan of a 调整后支持 conclusion: from now on the project may enter the library."""
    transition = WORKFLOW.get(assessment.status, ACCEPT_REVISION)
    require(actor, transition.capability)
    _visible(actor, assessment)
    comment = comment.strip()
    if not comment:
        raise DomainError("请填写意见")
    with transaction.atomic():
        locked = PreAssessment.objects.select_for_update().get(pk=assessment.pk)
        if not locked.awaits_revision:
            raise ConflictError("只有未核减金额的“调整后支持”且尚未确认的评估才需要确认调整后方案")
        locked.revision_accepted = True
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["revision_accepted", "version", "updated_by", "updated_at"])
        _event(actor, locked, ACCEPT_REVISION, transition.label, transition.source, comment)
        audit.record(
            actor=actor,
            event_type="preassessment.accept_revision",
            obj=locked,
            reason=comment[:500],
            changes={"revision_accepted": [False, True]},
        )
    return locked


# ---- attachments ---------------------------------------------------------------------------------------------------


def attachment_add(*, actor: Any, assessment: PreAssessment, kind: str, upload: Any, note: str = "") -> Attachment:
    """A document filed with the assessment while it may still be edited: checked (type, size, content) before it
    is stored, kept with its SHA-256 and 说明 (core.uploads), and removed again if the write fails."""
    require(actor, "preassessment.file")
    _visible(actor, assessment)
    if kind not in Attachment.Kind.values:
        raise DomainError("请选择附件类型")
    if kind == Attachment.Kind.AGENCY_REPORT:
        raise DomainError("第三方机构评估报告由受托机构上传")
    [name] = uploads.check_uploads([upload], max_files=1)
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked = PreAssessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status not in EDITABLE_STATES:
            raise ConflictError("评估申报已提交，不能再上传附件")
        attachment = Attachment(assessment=locked, kind=kind, note=(note or "").strip()[:500])
        uploads.store_files(
            written,
            [(attachment, upload, name)],
            actor=actor,
            event_type="preassessment.attachment_add",
            obj=locked,
            extra={"kind": attachment.get_kind_display()},
        )
    return attachment


def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    require(actor, "preassessment.file")
    _visible(actor, attachment.assessment)
    with transaction.atomic():
        locked = PreAssessment.objects.select_for_update().get(pk=attachment.assessment_id)
        if locked.status not in EDITABLE_STATES:
            raise ConflictError("评估申报已提交，不能删除附件")
        current = Attachment.objects.filter(pk=attachment.pk, assessment=locked).first()
        if current is None:
            raise NotFoundError("附件不存在")
        if current.kind == Attachment.Kind.AGENCY_REPORT:
            # The third-party agency's report is its evidence, not the unit's filing (a returned filing is editable).
            raise ConflictError("第三方机构评估报告不能由申报单位删除")
        uploads.stored_file_delete(
            current,
            actor=actor,
            event_type="preassessment.attachment_delete",
            obj=locked,
            extra={"kind": current.get_kind_display()},
        )


def attachment_opened(*, actor: Any, attachment: Attachment) -> None:
    uploads.stored_file_opened(
        attachment, actor=actor, event_type="preassessment.attachment_download", obj=attachment.assessment
    )


# ---- rules ---------------------------------------------------------------------------------------------------------

RULE_FIELDS = [
    "min_amount_wan",
    "applies_to_new",
    "applies_to_revised",
    "applies_to_expiring_continuation",
    "applies_to_policy",
    "applies_to_special_bonds",
    "budget_books",
    "blocks_budget_if_missing",
    "support_min_score",
    "adjust_min_score",
    "outlier_points",
]

# Value ranges of the rule fields (the model's validators are not run by the rules page's form).
RULE_LIMITS: dict[str, tuple[Decimal, Decimal | None, str]] = {
    "min_amount_wan": (Decimal(0), None, "金额起点（万元）"),
    "support_min_score": (Decimal(0), Decimal(100), "“予以支持”最低分"),
    "adjust_min_score": (Decimal(0), Decimal(100), "“调整后支持”最低分"),
    "outlier_points": (Decimal(0), Decimal(100), "专家评分偏离提示分值"),
}


def rule_save(
    *, actor: Any, region: Any, fiscal_year: int | None, data: dict[str, Any], lock_token: str | None = None
) -> PreAssessmentRuleSet:
    """Create or update the rule row of a region (the actor's own region or below) and a year.

    `lock_token` is the token of the rule rows the page showed (`selectors.rules_visible`): a row changed or added
    since then refuses the save (I05), so the second of two concurrent saves does not overwrite the first."""
    require(actor, "preassessment.configure")
    if region is None or not region.path.startswith(actor.active_membership.region.path):
        raise NotFoundError("财政区划不存在或不在您的管理范围内")
    for field, (low, high, label) in RULE_LIMITS.items():
        value = data[field]
        if value < low or (high is not None and value > high):
            bound = f"在{low}至{high}之间" if high is not None else f"不能小于{low}"
            raise DomainError(f"{label}应{bound}")
    if data["adjust_min_score"] > data["support_min_score"]:
        raise DomainError("“调整后支持”最低分不能高于“予以支持”最低分")
    with transaction.atomic():
        check_lock_token(list(selectors.rules_shown(actor).select_for_update(of=("self",))), lock_token)
        rule, created = PreAssessmentRuleSet.objects.select_for_update().get_or_create(
            region=region, fiscal_year=fiscal_year
        )
        before = {} if created else audit.snapshot(rule, RULE_FIELDS)
        for field in RULE_FIELDS:
            setattr(rule, field, data[field])
        rule.save()
        audit.record(
            actor=actor,
            event_type="preassessment.rule_save",
            obj=rule,
            changes=audit.diff(before, audit.snapshot(rule, RULE_FIELDS)),
        )
    return rule
