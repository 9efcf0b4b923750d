"""指标案例库 writes: the performance section files an approved target as a worked example (frozen), edits the
case's 行业领域, name and note, or withdraws it. Capability and scope re-checked, one transaction, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jixiao.core import audit, registers
from jixiao.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.permissions import require
from jixiao.indicators.models import IndicatorCategory
from jixiao.targets.models import PerformanceTarget, TargetCase, TargetStatus
from jixiao.targets.selectors_cases import kept_by

FIELDS = ["category", "title", "note"]


def _money(value: Any) -> str:
    return "" if value is None else f"{value:.2f}"


def case_snapshot(target: PerformanceTarget) -> dict[str, Any]:
    """The target table as the case keeps it: goals, funds, tasks and indicators, 一级/二级 by name."""
    indicators = target.indicators.select_related("lv1", "lv2").order_by("year_flag", "seq", "id")
    return {
        "name": target.name,
        "project_code": target.project.code if target.project_id else "",  # type: ignore[union-attr]
        "department_name": target.department.name,
        "unit_name": target.unit.name,
        "annual_goal": target.annual_goal,
        "midterm_goal": target.midterm_goal,
        "annual_total_yuan": _money(target.annual_total_yuan),
        "annual_fiscal_yuan": _money(target.annual_fiscal_yuan),
        "mid_total_yuan": _money(target.mid_total_yuan),
        "tasks": [
            {"name": t.name, "content": t.content, "amount_yuan": _money(t.amount_yuan)}
            for t in target.tasks.order_by("seq", "id")
        ],
        "indicators": [
            {
                "year_flag": row.get_year_flag_display(),  # type: ignore[attr-defined]
                "lv1": row.lv1.name,
                "lv2": row.lv2.name,
                "name": row.name,
                "operator": row.get_operator_display(),  # type: ignore[attr-defined]
                "target_value": row.target_text,
                "midterm_value": row.midterm_text,
                "unit": row.unit,
                "weight": _money(row.weight),
                "explanation": row.explanation,
                "scoring_standard": row.scoring_standard,
            }
            for row in indicators
        ],
    }


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    title = (data.get("title") or "").strip()
    note = (data.get("note") or "").strip()
    category = data.get("category")
    if not isinstance(category, IndicatorCategory):
        raise DomainError("请选择行业领域")
    if not title:
        raise DomainError("请填写案例名称")
    return {"category": category, "title": title[:200], "note": note[:2000]}


def case_create(*, actor: Any, target: PerformanceTarget, data: dict[str, Any]) -> TargetCase:
    require(actor, "target.case_manage")
    cleaned = _clean(data)
    with transaction.atomic():
        locked = (
            PerformanceTarget.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=target.pk).first()
        )
        if locked is None:
            raise NotFoundError("绩效目标不存在")
        if locked.status != TargetStatus.APPROVED:
            raise DomainError(f"只有已批复的绩效目标可以设为案例，本目标当前为“{locked.get_status_display()}”")
        case = TargetCase.objects.select_for_update().filter(source_target=locked).order_by("pk").first()
        if case is not None and not case.is_deleted:
            raise ConflictError(f"本目标已是指标案例“{case.title}”")
        if case is None:
            case = TargetCase(source_target=locked, created_by=actor)
        else:  # withdrawn before: the same row is filed again (its history stays one), frozen anew
            case.is_deleted = False
            case.version += 1
        case.region = actor.active_membership.region
        case.subject_type = locked.subject_type
        case.fiscal_year = locked.fiscal_year
        case.snapshot = case_snapshot(locked)
        case.updated_by = actor
        for key, value in cleaned.items():
            setattr(case, key, value)
        case.save()
        audit.record(
            actor=actor,
            event_type="target.case_create",
            obj=case,
            changes=audit.diff({}, audit.snapshot(case, FIELDS)),
        )
    return case


def _own(actor: Any, case: TargetCase) -> None:
    if not TargetCase.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFoundError("指标案例不存在")
    if not kept_by(actor, case):
        raise PermissionDeniedError("这是其他财政区划的指标案例，只能查看，不能修改")


def case_update(*, actor: Any, case: TargetCase, data: dict[str, Any], version: int | None = None) -> TargetCase:
    require(actor, "target.case_manage")
    _own(actor, case)
    return registers.update_row(
        TargetCase,
        case.pk,
        actor=actor,
        cleaned=_clean(data),
        audited=FIELDS,
        event_type="target.case_update",
        version=version,
        conflict="指标案例已被他人修改，请刷新后重试",
        missing="指标案例不存在",
    )


def case_delete(*, actor: Any, case: TargetCase) -> None:
    require(actor, "target.case_manage")
    _own(actor, case)
    registers.soft_delete(TargetCase, case.pk, actor=actor, event_type="target.case_delete", missing="指标案例不存在")
