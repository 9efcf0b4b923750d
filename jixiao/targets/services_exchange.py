"""Persisting imported targets: match each parsed form to a target the actor may edit, resolve the 一级/二级
names against the target's framework, then replace goals, funds and the indicator grid, all or nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jixiao.core import audit
from jixiao.core.errors import DomainError, ServiceError
from jixiao.core.numbers import is_digits
from jixiao.core.permissions import require
from jixiao.indicators.models import FrameworkNode
from jixiao.targets import services, services_dept
from jixiao.targets.columns import (
    DeclarationImportRejectedError,
    ParsedIndicator,
    ParsedTarget,
    SheetCellError,
    norm,
)
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetStatus
from jixiao.targets.workflow import EDITABLE_STATES


def _candidates(actor: Any, item: ParsedTarget) -> list[PerformanceTarget]:
    qs = PerformanceTarget.objects.visible_to(actor).select_related("framework", "project", "unit", "department")
    if item.record_id:
        if not is_digits(item.record_id):
            return []
        qs = qs.filter(pk=int(item.record_id))
    else:
        qs = qs.filter(subject_type=item.subject, fiscal_year=item.fiscal_year or 0)
        if item.mof_div_code:
            qs = qs.filter(region__mof_div_code=item.mof_div_code)
        if item.subject == PerformanceTarget.Subject.DEPT_OVERALL:
            qs = qs.filter(department__dept_code=item.dept_code)
        elif item.pro_code:
            qs = qs.filter(project__code=item.pro_code)
        else:
            qs = qs.filter(name=item.name, unit__name=item.unit_name)
    return list(qs[:2])


def _match(actor: Any, item: ParsedTarget) -> tuple[PerformanceTarget | None, str]:
    found = _candidates(actor, item)
    if len(found) > 1:
        return None, "匹配到多个绩效目标，请使用系统导出的文件（含 _meta 表）"
    if not found:
        return None, "未找到对应的绩效目标，或该目标不在您的管理范围内"
    target = found[0]
    if target.subject_type != item.subject or (item.fiscal_year and target.fiscal_year != item.fiscal_year):
        return None, "表格类型或年度与系统中的绩效目标不一致"
    if target.status not in EDITABLE_STATES:
        return None, f"绩效目标“{target.name}”当前状态为“{TargetStatus(target.status).label}”，不能导入修改"
    return target, ""


class _Levels:
    """一级/二级 nodes of one framework, looked up by normalised name (`产出` = `产出指标`)."""

    def __init__(self, target: PerformanceTarget) -> None:
        nodes = list(FrameworkNode.objects.filter(framework_id=target.framework_id))
        self.framework = target.framework.name
        self.lv1 = {norm(n.name): n for n in nodes if n.level == 1}
        self.lv1.update({norm(n.name).removesuffix("指标"): n for n in nodes if n.level == 1})
        self.lv2 = {(n.parent_id, norm(n.name)): n for n in nodes if n.level == 2}

    def resolve(self, row: ParsedIndicator, errors: list[SheetCellError]) -> tuple[Any, Any]:
        lv1 = self.lv1.get(norm(row.lv1)) or self.lv1.get(norm(row.lv1).removesuffix("指标"))
        if lv1 is None:
            message = f"一级指标“{row.lv1}”不在指标体系“{self.framework}”中"
            errors.append(SheetCellError(row.sheet, row.row, row.lv1_column, row.lv1, message))
            return None, None
        lv2 = self.lv2.get((lv1.pk, norm(row.lv2)))
        if lv2 is None:
            message = f"二级指标“{row.lv2}”不属于一级指标“{lv1.name}”（指标体系“{self.framework}”）"
            errors.append(SheetCellError(row.sheet, row.row, row.lv2_column, row.lv2, message))
        return lv1, lv2


def _grid(target: PerformanceTarget, item: ParsedTarget, errors: list[SheetCellError]) -> list[dict[str, Any]]:
    """Service rows; is_core, year flag and the library link carry over from the indicator matched by id
    (with `_meta`) or by (一级, 二级, 三级) names."""
    levels = _Levels(target)
    existing = list(TargetIndicator.objects.filter(target=target))
    by_id = {str(row.pk): row for row in existing}
    by_names = {(row.lv1_id, row.lv2_id, norm(row.name)): row for row in existing}
    rows: list[dict[str, Any]] = []
    for parsed in item.indicators:
        lv1, lv2 = levels.resolve(parsed, errors)
        if lv1 is None or lv2 is None:
            continue
        previous = None
        if parsed.indicator_id:
            previous = by_id.get(parsed.indicator_id)
            if previous is None:
                errors.append(
                    SheetCellError(parsed.sheet, parsed.row, "指标ID", parsed.indicator_id, "指标ID与该绩效目标不符")
                )
                continue
        else:
            previous = by_names.get((lv1.pk, lv2.pk, norm(parsed.values.get("name", ""))))
        data: dict[str, Any] = {"lv1": lv1, "lv2": lv2, **parsed.values}
        if previous is not None:
            data.setdefault("is_core", previous.is_core)
            data.setdefault("year_flag", previous.year_flag)
            data.setdefault("library_item", previous.library_item)
        rows.append(data)
    return rows


def _save_one(
    actor: Any, item: ParsedTarget, target: PerformanceTarget, rows: list[dict[str, Any]]
) -> PerformanceTarget:
    """A 部门整体 target always goes through services_dept, so its budget block (总额 = 基本支出 + 项目支出) and
    年度主要任务 (≤ 项目支出) are checked as on the page; a sheet or flat row without a tasks block keeps the
    stored tasks. Other forms replace goals and the grid only."""
    tasks: list[dict[str, Any]] | None = getattr(item, "tasks", None)
    if target.subject_type == PerformanceTarget.Subject.DEPT_OVERALL:
        if tasks is None:
            tasks = [dict(row) for row in target.tasks.order_by("seq").values("name", "content", "amount_yuan")]
        return services_dept.target_save_dept(actor=actor, target=target, goals=item.goals, tasks=tasks, rows=rows)
    updated = services.target_update(actor=actor, target=target, data=item.goals)
    return services.target_save_indicators(actor=actor, target=updated, rows=rows)


def targets_import(*, actor: Any, items: list[ParsedTarget]) -> list[PerformanceTarget]:
    """Replace goals, funds and indicators of every matched target, or nothing: any problem raises
    DeclarationImportRejectedError with the per-cell report."""
    require(actor, "target.import")
    require(actor, "target.edit")
    errors: list[SheetCellError] = []
    plan: list[tuple[ParsedTarget, PerformanceTarget, list[dict[str, Any]]]] = []
    seen: dict[int, str] = {}
    for item in items:
        target, problem = _match(actor, item)
        if target is None:
            errors.append(
                SheetCellError(item.sheet, item.row, "", item.name or item.pro_code or item.dept_code, problem)
            )
            continue
        if target.pk in seen:
            errors.append(
                SheetCellError(item.sheet, item.row, "", target.name, f"与“{seen[target.pk]}”是同一个绩效目标")
            )
            continue
        seen[target.pk] = item.sheet if item.sheet != "主表" else f"主表第{item.row}行"
        plan.append((item, target, _grid(target, item, errors)))
    if errors:
        raise DeclarationImportRejectedError(errors)
    saved: list[PerformanceTarget] = []
    current: tuple[str, int, str] = ("", 0, "")
    try:
        with transaction.atomic():
            for item, target, rows in plan:
                current = (item.sheet, item.row, target.name)
                saved.append(_save_one(actor, item, target, rows))
            audit.record(
                actor=actor,
                event_type="target.import",
                object_type="targets.performancetarget",
                changes={"targets": [t.pk for t in saved]},
            )
    except DeclarationImportRejectedError:
        raise
    except ServiceError as exc:
        raise DeclarationImportRejectedError(
            [SheetCellError(current[0], current[1], "", current[2], exc.message)]
        ) from exc
    return saved


def target_replace_grid_by_names(
    *, actor: Any, target: PerformanceTarget, rows: list[dict[str, Any]], expected_version: int | None = None
) -> PerformanceTarget:
    """The API's grid PUT: rows name their 一级/二级 indicators; errors name the row (1-based); a grid read from an
    older version of the target (`expected_version`) is refused with 409."""
    errors: list[SheetCellError] = []
    parsed = ParsedTarget(
        sheet="indicators",
        row=0,
        subject=target.subject_type,
        indicators=[
            ParsedIndicator(
                "indicators",
                k,
                str(row.get("lv1", "")),
                str(row.get("lv2", "")),
                {key: value for key, value in row.items() if key not in {"lv1", "lv2"}},
                lv1_column="lv1",
                lv2_column="lv2",
            )
            for k, row in enumerate(rows, start=1)
        ],
    )
    resolved = _grid(target, parsed, errors)
    if errors:
        raise DomainError("；".join(f"第{e.row}行 {e.column}：{e.message}" for e in errors))
    return services.target_save_indicators(actor=actor, target=target, rows=resolved, expected_version=expected_version)
