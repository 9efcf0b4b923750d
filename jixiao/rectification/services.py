"""问题整改 writes: findings, the flow, and the overdue sweep. Every function re-checks capability and row scope and
writes events and audit rows inside one transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jixiao.core import audit, uploads
from jixiao.core.errors import ConflictError, DomainError, NotFoundError
from jixiao.core.locking import check_lock_token
from jixiao.core.permissions import require
from jixiao.organizations.calendar import add_working_days, overrides_for
from jixiao.organizations.models import BudgetUnit, Department
from jixiao.projects.models import Project
from jixiao.rectification import letters, selectors
from jixiao.rectification.models import (
    AWAITING_UNIT,
    ISSUING_KINDS,
    MANUAL_SOURCES,
    Category,
    FeedbackFile,
    Finding,
    Rectification,
    RectificationEvent,
    RectificationLetter,
    RectificationSettings,
    RectificationStatus,
    Severity,
    SourceType,
)
from jixiao.rectification.sources import Candidate, source_object
from jixiao.rectification.workflow import CLOSE, FEEDBACK, ISSUE, RECTIFICATION_WORKFLOW, RETURN

S = RectificationStatus


def _visible(actor: Any, rect: Rectification) -> None:
    if not Rectification.objects.visible_to(actor).filter(pk=rect.pk).exists():
        raise NotFoundError("整改事项不存在")


def _event(actor: Any, rect: Rectification, action: str, label: str, source: str, comment: str = "") -> None:
    membership = getattr(actor, "active_membership", None) if actor is not None else None
    RectificationEvent.log(
        actor,
        action=action,
        label=label,
        comment=comment,
        rectification=rect,
        from_status=source,
        to_status=rect.status,
        actor_role=membership.role if membership is not None else "system",  # the timeline names 系统
    )


def default_deadline(region: Any, fiscal_year: int, start: date) -> date:
    rule = selectors.settings_for(region, fiscal_year)
    if rule.working_days:
        # 365 working days span some 511 calendar days: read the calendar's overrides that far.
        return add_working_days(start, rule.deadline_days, overrides_for(region, start, start + timedelta(days=560)))
    return start + timedelta(days=rule.deadline_days)


# ---- findings ----------------------------------------------------------------------------------------------------


def _new_case(
    actor: Any, first: Candidate | Finding, source_type: str, title: str, *, whole: tuple[Any, Any] | None = None
) -> Rectification:
    """A draft case addressed like `first`; `whole` = (unit_id, project_id) when it gathers several addressees."""
    unit_id, project_id = whole if whole is not None else (first.unit_id, first.project_id)
    rect = Rectification.objects.create(
        fiscal_year=first.fiscal_year,
        region_id=first.region_id,
        department_id=first.department_id,
        unit_id=unit_id,
        project_id=project_id,
        source_type=source_type,
        title=title[:200],
        created_by=actor,
        updated_by=actor,
    )
    _event(actor, rect, "create", "编制整改事项", "")
    audit.record(actor=actor, event_type="rectification.create", obj=rect, changes={"source_type": source_type})
    return rect


def _one_case_group(chosen: list[Candidate]) -> tuple[tuple[Any, Any], str, str]:
    """One case for problems chosen together: they must be one department's. It is addressed to their unit (to
    their project) when they share it, else to the department as a whole; its source is the most frequent one."""
    departments = {c.department_id for c in chosen}
    if len(departments) > 1:
        names = "、".join(
            Department.objects.filter(pk__in=departments).order_by("dept_code").values_list("name", flat=True)
        )
        raise DomainError(f"所选问题属于不同的主管部门（{names}），不能合并为一个整改事项；请只勾选同一主管部门的问题")
    units = {c.unit_id for c in chosen}
    projects = {c.project_id for c in chosen}
    unit_id = units.pop() if len(units) == 1 else None
    project_id = projects.pop() if len(projects) == 1 and unit_id is not None else None
    counts: dict[str, int] = defaultdict(int)
    for c in chosen:
        counts[c.source_type] += 1
    source_type = max(counts, key=lambda s: counts[s])  # ties: the first source met
    if project_id is not None:
        subject = chosen[0].subject
    elif unit_id is not None:
        subject = BudgetUnit.objects.get(pk=unit_id).name
    else:
        subject = Department.objects.get(pk=chosen[0].department_id).name
    label = SourceType(source_type).label if len(counts) == 1 else "预算绩效管理"
    return (unit_id, project_id), source_type, f"{subject} {label}发现问题整改"


def findings_from_candidates(
    *, actor: Any, fiscal_year: int, keys: list[str], one_case: bool = False
) -> list[Rectification]:
    """Turn the chosen candidates into Findings, one draft case per addressee, project and source; with `one_case`
    all of them into one draft case (they must belong to one department)."""
    require(actor, "rectification.manage")
    wanted = {k for k in keys if k}
    if not wanted:
        raise DomainError("请选择要整改的问题")
    offered = selectors.candidates_by_key(actor, fiscal_year, wanted)
    missing = wanted - offered.keys()
    if missing:
        raise ConflictError("所选问题已被转为整改事项或不存在，请刷新后重试")
    groups: dict[tuple[Any, ...], list[Candidate]] = defaultdict(list)
    for key in sorted(wanted):
        c = offered[key]
        groups[("one",) if one_case else (c.source_type, c.department_id, c.unit_id, c.project_id)].append(c)
    try:
        return _cases_from_groups(actor, groups, one_case)
    except IntegrityError as exc:
        # Converted by someone else meanwhile (a double submit): their cases stand, nothing of these is kept.
        raise ConflictError("所选问题已被转为整改事项，请刷新后重试") from exc


def _cases_from_groups(
    actor: Any, groups: dict[tuple[Any, ...], list[Candidate]], one_case: bool
) -> list[Rectification]:
    """One draft case per group with its findings, all or nothing (`findings_from_candidates`)."""
    created: list[Rectification] = []
    with transaction.atomic():
        for items in groups.values():
            first = items[0]
            if one_case:
                whole, source_type, title = _one_case_group(items)
                rect = _new_case(actor, first, source_type, title, whole=whole)
            else:
                source_type = first.source_type
                rect = _new_case(
                    actor, first, source_type, f"{first.subject} {SourceType(source_type).label}发现问题整改"
                )
            for c in items:
                ct, object_id = source_object(c.key)
                if Finding.objects.filter(source_content_type=ct, source_object_id=object_id).exists():
                    raise ConflictError("所选问题已被转为整改事项，请刷新后重试")
                finding = Finding.objects.create(
                    fiscal_year=c.fiscal_year,
                    region_id=c.region_id,
                    department_id=c.department_id,
                    unit_id=c.unit_id,
                    project_id=c.project_id,
                    source_type=c.source_type,
                    source_content_type=ct,
                    source_object_id=object_id,
                    source_label=c.label[:300],
                    category=c.category,
                    description=c.description[:4000],
                    severity=c.severity,
                    rectification=rect,
                    created_by=actor,
                    updated_by=actor,
                )
                audit.record(
                    actor=actor,
                    event_type="rectification.finding_create",
                    obj=finding,
                    changes={"source": c.key, "rectification": rect.pk},
                )
            created.append(rect)
    return created


def finding_create_manual(*, actor: Any, data: dict[str, Any]) -> Rectification:
    """A finding entered by hand (考核, 审计 …) and its draft case."""
    require(actor, "rectification.manage")
    source_type = data.get("source_type") or ""
    if source_type not in [s.value for s in MANUAL_SOURCES]:
        raise DomainError("手工登记的问题来源只能是考核或审计及其他监督")
    description = (data.get("description") or "").strip()
    if not description:
        raise DomainError("请填写问题描述")
    if data.get("category") not in Category.values or data.get("severity") not in Severity.values:
        raise DomainError("请选择问题类别和严重程度")
    department, unit, project = _addressee(actor, data)
    with transaction.atomic():
        # 保存 pressed again after 返回 (or twice): the same problem already waits in a draft case.
        Department.objects.select_for_update().get(pk=department.pk)
        twin = (
            Finding.objects.filter(
                fiscal_year=int(data["fiscal_year"]),
                department=department,
                unit=unit,
                project=project,
                source_type=source_type,
                category=data["category"],
                description=description[:4000],
                rectification__status=RectificationStatus.DRAFT,
            )
            .select_related("rectification")
            .first()
        )
        if twin is not None and twin.rectification is not None:
            raise ConflictError(f"该问题已登记，整改事项“{twin.rectification.title}”待下达，请勿重复登记")
        finding = Finding(
            fiscal_year=int(data["fiscal_year"]),
            region_id=department.region_id,
            department=department,
            unit=unit,
            project=project,
            source_type=source_type,
            source_label=(data.get("source_label") or "")[:300],
            category=data["category"],
            description=description[:4000],
            severity=data["severity"],
            created_by=actor,
            updated_by=actor,
        )
        subject = project.name if project else (unit.name if unit else department.name)
        rect = _new_case(actor, finding, source_type, f"{subject} {SourceType(source_type).label}发现问题整改")
        finding.rectification = rect
        finding.save()
        audit.record(actor=actor, event_type="rectification.finding_create", obj=finding, changes={"source": "manual"})
    return rect


def _addressee(actor: Any, data: dict[str, Any]) -> tuple[Department, BudgetUnit | None, Project | None]:
    project = data.get("project")
    if project is not None:
        if not Project.objects.visible_to(actor).filter(pk=project.pk).exists():
            raise NotFoundError("项目不存在")
        return project.department, project.unit, project
    unit = data.get("unit")
    if unit is not None:
        if not BudgetUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
            raise NotFoundError("单位不存在")
        return unit.department, unit, None
    department = data.get("department")
    if department is None or not Department.objects.visible_to(actor).filter(pk=department.pk).exists():
        raise DomainError("请选择整改的部门、单位或项目")
    return department, None, None


# ---- the flow ----------------------------------------------------------------------------------------------------


def _locked(actor: Any, rect: Rectification, action: str, lock_token: str | None = None) -> tuple[Rectification, Any]:
    transition = RECTIFICATION_WORKFLOW.get(rect.status, action)
    require(actor, transition.capability)
    _visible(actor, rect)
    locked = Rectification.objects.select_for_update(of=("self",)).get(pk=rect.pk)
    # The page's token first: a case that went round (returned, answered again) is back in the same state.
    check_lock_token(locked, lock_token)
    if locked.status != transition.source:
        raise ConflictError("整改事项状态已变化，请刷新后重试")
    return locked, transition


def _move(actor: Any, locked: Rectification, transition: Any, fields: list[str], comment: str = "") -> None:
    locked.status = transition.target
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=[*fields, "status", "version", "updated_by", "updated_at"])
    _event(actor, locked, transition.action, transition.label, transition.source, comment)
    audit.record(
        actor=actor,
        event_type=f"rectification.{transition.action}",
        obj=locked,
        reason=comment[:500],
        changes={"status": [transition.source, transition.target]},
    )


ISSUE_DOCUMENT_REFUSED = "请选择下达的文书：整改通知书、绩效管理意见书或约谈通知书"


def rectification_issue(
    *,
    actor: Any,
    rectification: Rectification,
    requirements: str,
    deadline: date | None = None,
    title: str = "",
    document: str = RectificationLetter.Kind.NOTICE,
    interview_time: str = "",
    interview_place: str = "",
    lock_token: str | None = None,
) -> Rectification:
    """下达: requirements and a deadline (default from the region's rule); issues the chosen document (整改通知书 by
    default, 绩效管理意见书, or 约谈通知书 with its 约谈时间 and 地点) with the case's findings as its 存在问题."""
    requirements = (requirements or "").strip()
    if not requirements:
        raise DomainError("请填写整改要求")
    document = document or RectificationLetter.Kind.NOTICE
    if document not in ISSUING_KINDS:
        raise DomainError(ISSUE_DOCUMENT_REFUSED)
    interview = None
    if document == RectificationLetter.Kind.INTERVIEW:
        interview = letters.Interview(
            time=(interview_time or "").strip()[:200], place=(interview_place or "").strip()[:200]
        )
        if not interview.time or not interview.place:
            raise DomainError("下达约谈通知书须填写约谈时间和约谈地点")
    today = timezone.localdate()
    if deadline is not None and deadline <= today:
        raise DomainError("整改期限应晚于今天")
    with transaction.atomic():
        locked, transition = _locked(actor, rectification, ISSUE, lock_token)
        if not locked.findings.filter(is_deleted=False).exists():
            raise DomainError("整改事项没有问题清单，不能下达")
        locked.requirements = requirements[:4000]
        if title.strip():
            locked.title = title.strip()[:200]
        locked.deadline = deadline or default_deadline(locked.region, locked.fiscal_year, today)
        locked.issued_at = timezone.now()
        letter = _issue_letter(actor, locked, document, today, issuing=True, interview=interview)
        comment = f"印发{letter.get_kind_display()} {letter.doc_no}".strip()
        _move(actor, locked, transition, ["requirements", "title", "deadline", "issued_at"], comment)
    return locked


def _issue_letter(
    actor: Any,
    rect: Rectification,
    kind: str,
    today: date,
    *,
    issuing: bool = False,
    interview: letters.Interview | None = None,
) -> RectificationLetter:
    issued = letters.issue_document(
        actor=actor, rect=rect, kind=kind, today=today, issuing=issuing, interview=interview
    )
    letter = RectificationLetter.objects.create(
        rectification=rect,
        kind=kind,
        document_id=issued.document_id,
        doc_no=issued.doc_no,
        title=issued.title,
        issued_on=today,
    )
    changes: dict[str, Any] = {"document": issued.document_id, "doc_no": issued.doc_no, "issuing": issuing}
    if interview is not None:
        changes.update(time=interview.time, place=interview.place)
    audit.record(actor=actor, event_type=f"rectification.letter_{kind.lower()}", obj=rect, changes=changes)
    return letter


def rectification_submit_feedback(
    *,
    actor: Any,
    rectification: Rectification,
    measures: str,
    files: list[Any],
    note: str = "",
    lock_token: str | None = None,
) -> Rectification:
    """The unit's answer: measures and at least one 问题整改报告. The files are all checked before any is stored
    (core.uploads: type, size, content), kept with their SHA-256 and the 说明 given, and removed again if the answer
    is refused or fails."""
    measures = (measures or "").strip()
    if not measures:
        raise DomainError("请填写整改措施及成效")
    files = [f for f in files if f]
    if not files and not FeedbackFile.objects.filter(rectification=rectification).exists():
        raise DomainError("请上传问题整改报告")
    names = uploads.check_uploads(files) if files else []
    with uploads.removed_on_failure() as written, transaction.atomic():
        locked, transition = _locked(actor, rectification, FEEDBACK, lock_token)
        if files:
            rows = [FeedbackFile(rectification=locked, note=(note or "").strip()[:500]) for _name in names]
            uploads.store_files(
                written,
                list(zip(rows, files, names, strict=True)),
                actor=actor,
                event_type="rectification.report_file_add",
                obj=locked,
            )
        locked.feedback_measures = measures[:8000]
        locked.feedback_at = timezone.now()
        _move(actor, locked, transition, ["feedback_measures", "feedback_at"], "，".join(names))
        letters.answer_issuing_document(actor=actor, rect=locked, text=locked.feedback_measures)
    return locked


def letter_downloaded(*, actor: Any, letter: RectificationLetter) -> None:
    """A 整改通知书 / 约谈通知书 / 提醒敦促函 downloaded as Word: audited every time (SECURITY.md §1.4), not only the
    addressee's first reading."""
    audit.record(
        actor=actor,
        event_type="rectification.letter_download",
        obj=letter.rectification,
        reason=f"{letter.get_kind_display()} {letter.doc_no or letter.pk}"[:500],
    )


def feedback_file_opened(*, actor: Any, row: FeedbackFile) -> None:
    """A 问题整改报告 downloaded: audited with the SHA-256 of the file handed out."""
    uploads.stored_file_opened(row, actor=actor, event_type="rectification.report_file_download", obj=row.rectification)


def rectification_close(
    *,
    actor: Any,
    rectification: Rectification,
    opinion: str,
    fin_adjust_advice: str = "",
    lock_token: str | None = None,
) -> Rectification:
    """审核通过: the case is closed (rectify_end) with the section's 预算调整意见."""
    opinion = (opinion or "").strip() or "整改到位，同意销号"
    with transaction.atomic():
        locked, transition = _locked(actor, rectification, CLOSE, lock_token)
        locked.review_opinion = opinion[:2000]
        locked.fin_adjust_advice = (fin_adjust_advice or "").strip()[:2000]
        locked.closed_at = timezone.now()
        feedback_day = timezone.localdate(locked.feedback_at) if locked.feedback_at else timezone.localdate()
        locked.closed_on_time = locked.deadline is None or feedback_day <= locked.deadline
        _move(
            actor,
            locked,
            transition,
            ["review_opinion", "fin_adjust_advice", "closed_at", "closed_on_time"],
            opinion,
        )
    return locked


def rectification_return(
    *, actor: Any, rectification: Rectification, reason: str, lock_token: str | None = None
) -> Rectification:
    """退回: back to the unit with a reason and a new period: the deadline becomes the later of the old one and a
    whole period (整改期限规则) from today, so time spent in review does not count as the unit's delay; the 到期提醒
    is sent again before it. A case already chased keeps its escalation level: late again, the next letter follows."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写退回理由")
    with transaction.atomic():
        locked, transition = _locked(actor, rectification, RETURN, lock_token)
        locked.review_opinion = reason[:2000]
        locked.returned_count += 1
        renewed = default_deadline(locked.region, locked.fiscal_year, timezone.localdate())
        if locked.deadline is None or locked.deadline < renewed:
            locked.deadline = renewed
        locked.reminded_on = None
        fields = ["review_opinion", "returned_count", "deadline", "reminded_on"]
        _move(actor, locked, transition, fields, reason)
    return locked


def rectification_discard(
    *, actor: Any, rectification: Rectification, reason: str, lock_token: str | None = None
) -> tuple[int, int]:
    """撤销 a case not yet issued (待下达): it and its problems are deleted, so the problems found by a stage are
    offered again among the 待整改问题 (to be taken up again, or left), and one entered by hand is gone. Audited
    with the reason and the problems it held; an issued case is never deleted.

    Returns (problems offered again, problems entered by hand deleted)."""
    require(actor, "rectification.manage")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤销原因")
    _visible(actor, rectification)
    with transaction.atomic():
        locked = Rectification.objects.select_for_update(of=("self",)).filter(pk=rectification.pk).first()
        if locked is None:
            raise NotFoundError("整改事项不存在")
        check_lock_token(locked, lock_token)
        if locked.status != S.DRAFT:
            raise ConflictError("整改事项已下达，不能撤销")
        findings = list(locked.findings.order_by("pk").values_list("source_label", "description", "source_object_id"))
        audit.record(
            actor=actor,
            event_type="rectification.discard",
            obj=locked,
            reason=reason[:500],
            changes={
                "title": [locked.title, None],
                "findings": [[label or description[:100] for label, description, _ in findings], None],
            },
        )
        locked.findings.all().delete()
        locked.delete()
    offered_again = sum(1 for *_, source in findings if source is not None)
    return offered_again, len(findings) - offered_again


# ---- reminders and escalation ------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminded: int = 0
    reminder_letters: int = 0
    summons: int = 0
    cases: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"到期提醒{self.reminded}件，发出提醒敦促函{self.reminder_letters}份，约谈通知书{self.summons}份"


def rectification_sweep(*, actor: Any = None, today: date | None = None) -> SweepResult:
    """Reminders before the deadline, then 提醒敦促函 after M days overdue and 约谈通知书 after K more (not for a case
    issued with a 约谈通知书: it is not summoned twice).

    Idempotent: a reminder is recorded once per case, each escalation document once per case and kind (the state
    on the case and a unique constraint on the letters). With an actor (the page) only the actor's cases are swept.
    """
    today = today or timezone.localdate()
    base: Any = Rectification.objects.filter(is_deleted=False)
    if actor is not None:
        require(actor, "rectification.sweep")
        base = Rectification.objects.visible_to(actor)
    waiting = base.filter(status__in=AWAITING_UNIT, deadline__isnull=False)
    result = SweepResult()
    pairs = waiting.values_list("region_id", "fiscal_year").distinct().order_by()
    regions = {r.pk: r for r in _regions({p[0] for p in pairs})}
    for region_id, year in pairs:
        rule = selectors.settings_for(regions[region_id], year)
        scoped = waiting.filter(region_id=region_id, fiscal_year=year)
        result.reminded += _remind(actor, scoped, today, rule.remind_days_before)
        first = scoped.filter(
            escalation_level=0, deadline__lt=today, deadline__lte=today - timedelta(days=rule.escalate_after_days)
        )
        for pk in first.values_list("pk", flat=True):
            if _escalate(actor, pk, 0, RectificationLetter.Kind.REMINDER, today):
                result.reminder_letters += 1
                result.cases.append(pk)
        # A case issued with a 约谈通知书 has had its interview: the 提醒敦促函 is its last escalation.
        second = scoped.filter(
            escalation_level=1, escalated_on__lte=today - timedelta(days=rule.second_escalate_after_days)
        ).exclude(letters__kind=RectificationLetter.Kind.INTERVIEW)
        for pk in second.values_list("pk", flat=True):
            if _escalate(actor, pk, 1, RectificationLetter.Kind.INTERVIEW, today):
                result.summons += 1
                result.cases.append(pk)
    if actor is not None:
        audit.record(
            actor=actor,
            event_type="rectification.sweep",
            object_type="rectification.sweep",
            changes={
                "today": today.isoformat(),
                "reminded": result.reminded,
                "reminder_letters": result.reminder_letters,
                "summons": result.summons,
            },
        )
    return result


def _regions(ids: set[int]) -> list[Any]:
    from jixiao.organizations.models import FiscalRegion

    return list(FiscalRegion.objects.filter(pk__in=ids))


def _remind(actor: Any, scoped: Any, today: date, days_before: int) -> int:
    due = scoped.filter(
        reminded_on__isnull=True, deadline__gte=today, deadline__lte=today + timedelta(days=days_before)
    )
    with transaction.atomic():
        ids = list(due.select_for_update(of=("self",)).values_list("pk", "status", "deadline"))
        if not ids:
            return 0
        Rectification.objects.filter(pk__in=[i[0] for i in ids], reminded_on__isnull=True).update(reminded_on=today)
        RectificationEvent.objects.bulk_create(
            RectificationEvent(
                rectification_id=pk,
                actor=actor if actor is not None else None,
                actor_role="system",
                action="remind",
                action_label="到期提醒",
                from_status=status,
                to_status=status,
                comment=f"整改期限{deadline:%Y-%m-%d}，请按期反馈",
            )
            for pk, status, deadline in ids
        )
        audit.record(
            actor=actor or "system",
            event_type="rectification.remind",
            object_type="rectification.rectification",
            object_id=",".join(str(i[0]) for i in ids)[:64],
            changes={"cases": [i[0] for i in ids]},
        )
    return len(ids)


ESCALATION_LABELS: dict[str, str] = {
    RectificationLetter.Kind.REMINDER: "逾期发提醒敦促函",
    RectificationLetter.Kind.INTERVIEW: "逾期发约谈通知书",
}


def _escalate(actor: Any, pk: int, level: int, kind: str, today: date) -> bool:
    with transaction.atomic():
        locked = Rectification.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
        if locked.escalation_level != level or locked.status not in AWAITING_UNIT:
            return False  # another sweep got here first
        if RectificationLetter.objects.filter(rectification=locked, kind=kind).exists():
            return False
        letter = _issue_letter(actor, locked, kind, today)
        locked.escalation_level = level + 1
        locked.escalated_on = today
        # No version bump (as the 到期提醒 above): the letter asks the unit for the feedback it may be typing on a
        # page opened before the sweep, and nothing that page shows or posts has changed.
        locked.save(update_fields=["escalation_level", "escalated_on", "updated_at"])
        _event(actor, locked, f"escalate_{kind.lower()}", ESCALATION_LABELS[kind], locked.status, letter.doc_no)
    return True


# ---- rules -------------------------------------------------------------------------------------------------------

SETTINGS_FIELDS = [
    "deadline_days",
    "working_days",
    "remind_days_before",
    "escalate_after_days",
    "second_escalate_after_days",
]


def settings_save(
    *, actor: Any, region: Any, fiscal_year: int | None, data: dict[str, Any], lock_token: str | None = None
) -> RectificationSettings:
    """Create or update the deadline and escalation row of a region (the actor's own region or below) and a year.
    `lock_token` is that of the region's rows the page showed: a row saved or added since is a conflict."""
    require(actor, "rectification.configure")
    if region is None or not region.path.startswith(actor.active_membership.region.path):
        raise NotFoundError("财政区划不存在或不在您的管理范围内")
    if not 1 <= int(data["deadline_days"]) <= 365:
        raise DomainError("默认整改期限应在1至365天之间")
    with transaction.atomic():
        check_lock_token(RectificationSettings.objects.select_for_update().filter(region=region), lock_token)
        row, created = RectificationSettings.objects.select_for_update().get_or_create(
            region=region, fiscal_year=fiscal_year
        )
        before = {} if created else audit.snapshot(row, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            setattr(row, name, data[name])
        row.save()
        audit.record(
            actor=actor,
            event_type="rectification.settings_save",
            obj=row,
            changes=audit.diff(before, audit.snapshot(row, SETTINGS_FIELDS)),
        )
    return row
