"""What the public may see of each source, frozen when an item is published.

Every builder reads the live source once and returns plain JSON (strings and numbers as strings, money in yuan with
2 places) plus, for reports, a file. Only fields meant for the public are copied: opinions of reviewers, claimed vs
computed flags, contact data and internal notes stay behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jixiao.core.errors import DomainError
from jixiao.core.money import format_wan
from jixiao.disclosure.models import SEARCH_TEXT_MAX, Disclosure, ItemType
from jixiao.evaluation.models import SelfEvaluation
from jixiao.evaluation.workflow import EDITABLE_STATES as SELF_EVAL_EDITABLE
from jixiao.indicators.models import FrameworkNode, IndicatorLibraryItem, ItemStatus
from jixiao.keyeval.documents import evaluation_report_docx, report_title
from jixiao.keyeval.models import KeyEvalDocument, KeyEvaluation
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.projects.models import Project, ProjectStatus
from jixiao.targets.models import AnnualTask, PerformanceTarget, TargetIndicator, TargetStatus, TargetVersion

DOCX = "docx"


@dataclass
class Snapshot:
    data: dict[str, Any]
    file_bytes: bytes | None = None
    file_name: str = ""
    source_version: int | None = None  # a target's goal_version; kept beside the data, never published


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def money_total(values: Iterable[Any]) -> str:
    """The sum of amounts as a snapshot stores them (`_money` text; blank counts as nothing)."""
    return _money(sum((Decimal(str(v)) for v in values if v not in (None, "")), Decimal(0)))


def _score(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _subject_id(item: Disclosure) -> int:
    if item.subject_id is None:
        raise DomainError("公开事项没有来源")
    return item.subject_id


def _org(item: Disclosure) -> dict[str, str]:
    return {
        "region_code": item.region.mof_div_code,
        "region_name": item.region.name,
        "department_code": item.department.dept_code if item.department_id else "",  # type: ignore[union-attr]
        "department_name": item.department.name if item.department_id else "",  # type: ignore[union-attr]
        "unit_code": item.unit.agency_code if item.unit_id else "",  # type: ignore[union-attr]
        "unit_name": item.unit.name if item.unit_id else "",  # type: ignore[union-attr]
    }


SEARCH_KEYS = ("name", "unit_name", "department_name", "project_code")


def search_text(data: dict[str, Any]) -> str:
    """The text the public 关键词 search matches: the published name, unit, 主管部门 and project code, one a line."""
    parts = [str(data.get(key) or "").strip() for key in SEARCH_KEYS]
    return "\n".join(p for p in parts if p)[:SEARCH_TEXT_MAX]


def _targets() -> Any:
    indicators = TargetIndicator.objects.select_related("lv1", "lv2").order_by("year_flag", "seq", "id")
    return PerformanceTarget.objects.select_related("project").prefetch_related(
        Prefetch("indicators", queryset=indicators),
        Prefetch("tasks", queryset=AnnualTask.objects.order_by("seq", "id")),
    )


def _check_target(target: PerformanceTarget) -> None:
    """Only an approved target's table is published: while an adjustment is under review the unit edits the target
    in place (the approved copy is a TargetVersion), so its live rows are a draft; what is already public stays."""
    if target.is_deleted or target.status not in (TargetStatus.APPROVED, TargetStatus.ADJUSTING):
        raise DomainError(f"绩效目标“{target.name}”不是已批复状态，不能公开")
    if target.status == TargetStatus.ADJUSTING:
        raise DomainError(f"绩效目标“{target.name}”正在调整审核中，请审核完成后再公开（已公开的内容保持不变）")


def target_snapshot(item: Disclosure, target: PerformanceTarget | None = None) -> Snapshot:
    """The standardised 绩效目标表 (年度任务、总体目标、绩效指标) of an approved target."""
    target = target or _targets().get(pk=_subject_id(item))
    _check_target(target)
    data = {
        **_org(item),
        "fiscal_year": target.fiscal_year,
        "name": target.name,
        "project_code": target.project.code if target.project_id else "",  # type: ignore[union-attr]
        "annual_goal": target.annual_goal,
        "midterm_goal": target.midterm_goal,
        "annual_total_yuan": _money(target.annual_total_yuan),
        "annual_fiscal_yuan": _money(target.annual_fiscal_yuan),
        "tasks": [
            {"name": t.name, "content": t.content, "amount_yuan": _money(t.amount_yuan)} for t in target.tasks.all()
        ],
        "indicators": [
            {
                "year_flag": row.get_year_flag_display(),
                "lv1": row.lv1.name,
                "lv2": row.lv2.name,
                "name": row.name,
                "operator": row.get_operator_display(),
                "target_value": row.target_text,
                "unit": row.unit,
            }
            for row in target.indicators.all()
        ],
    }
    return Snapshot(data, source_version=target.goal_version)


TARGET_FIELDS = (
    ("name", "名称"),
    ("annual_goal", "年度总体目标"),
    ("midterm_goal", "中期目标"),
    ("annual_total_yuan", "年度资金总额（万元）"),
    ("annual_fiscal_yuan", "其中：财政拨款（万元）"),
)
INDICATOR_FIELDS = (("operator", "指标性质"), ("target_value", "指标值"), ("unit", "计量单位"))


def _wan(yuan: Any) -> str:
    return "" if yuan in (None, "") else format_wan(Decimal(str(yuan)))


def _indicator_key(row: dict[str, Any]) -> str:
    return "／".join(str(row.get(k) or "") for k in ("lv1", "lv2", "name"))


def _indicator_text(row: dict[str, Any]) -> str:
    return f"{row.get('operator', '')}{row.get('target_value', '')}{row.get('unit', '')}"


def target_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """What differs between two target tables (a published snapshot and the adjusted target): the table's own fields,
    tasks, and indicators matched by their 一级/二级/三级 names (one row per changed field, added or removed row)."""
    changes: list[dict[str, str]] = []

    def add(where: str, field: str, old: Any, new: Any) -> None:
        changes.append({"where": where, "field": field, "before": str(old or ""), "after": str(new or "")})

    for name, label in TARGET_FIELDS:
        old_value, new_value = before.get(name) or "", after.get(name) or ""
        if old_value != new_value:
            if name.endswith("_yuan"):
                old_value, new_value = _wan(old_value), _wan(new_value)
            add("目标表", label, old_value, new_value)
    old_tasks = {t["name"]: t for t in before.get("tasks", [])}
    new_tasks = {t["name"]: t for t in after.get("tasks", [])}
    for name in [*old_tasks, *(n for n in new_tasks if n not in old_tasks)]:
        old_task, new_task = old_tasks.get(name), new_tasks.get(name)
        if old_task != new_task:
            field = "新增" if old_task is None else "删除" if new_task is None else "内容"
            texts = [f"{t['content']}（{_wan(t['amount_yuan'])}万元）" if t else "" for t in (old_task, new_task)]
            add(f"年度主要任务：{name}", field, *texts)
    old_rows = {_indicator_key(r): r for r in before.get("indicators", [])}
    new_rows = {_indicator_key(r): r for r in after.get("indicators", [])}
    for where in [*old_rows, *(k for k in new_rows if k not in old_rows)]:
        old_row, new_row = old_rows.get(where), new_rows.get(where)
        if old_row is None and new_row is not None:
            add(where, "新增指标", "", _indicator_text(new_row))
        elif new_row is None and old_row is not None:
            add(where, "删除指标", _indicator_text(old_row), "")
        elif old_row is not None and new_row is not None:
            for field, label in INDICATOR_FIELDS:
                if (old_row.get(field) or "") != (new_row.get(field) or ""):
                    add(where, label, old_row.get(field), new_row.get(field))
    return changes


def self_eval_snapshot(item: Disclosure) -> Snapshot:
    record = SelfEvaluation.objects.select_related("project").get(pk=_subject_id(item))
    if record.is_deleted or record.status in SELF_EVAL_EDITABLE:
        # Withdrawn or returned since the item was generated: the unit is editing it again.
        raise DomainError(f"自评“{record.name}”已撤回或被退回修改，请重新报送后再公开")
    total = record.total_computed if record.total_computed is not None else record.total_claimed
    data = {
        **_org(item),
        "fiscal_year": record.fiscal_year,
        "name": record.name,
        "subject": record.get_subject_display(),
        "project_code": record.project.code if record.project_id else "",  # type: ignore[union-attr]
        "goal_expected": record.goal_expected,
        "goal_actual": record.goal_actual,
        "score": _score(total),
        "grade": record.grade_computed or record.grade_claimed,
        "indicators": [
            {
                "name": row.name,
                "target_value": row.target_text,
                "actual_value": row.actual_text,
                "weight": _score(row.weight),
                "score": _score(row.final_score if row.final_score is not None else row.auto_score),
            }
            for row in record.indicators.order_by("seq", "id")
        ],
    }
    return Snapshot(data)


def key_eval_snapshot(item: Disclosure, *, with_file: bool = True) -> Snapshot:
    """The report's text and score, and the file: the uploaded final report if any, else the generated Word
    (`with_file=False`: the text only, for the preview of an item not yet published)."""
    ev = KeyEvaluation.objects.select_related("department", "template", "region").get(pk=_subject_id(item))
    data = {
        **_org(item),
        "fiscal_year": ev.fiscal_year,
        "name": report_title(ev),
        "object_title": ev.title,
        "object_type": ev.get_object_type_display(),
        "kind": ev.get_kind_display(),
        "mode": ev.get_mode_display(),
        "amount_yuan": _money(ev.amount_yuan),
        "score": _score(ev.total_score),
        "grade": ev.get_grade_display() if ev.grade else "",
        "sections": [
            {"title": "基本情况", "text": ev.basic_situation},
            {"title": "绩效评价工作开展情况", "text": ev.work_summary},
            {"title": "绩效评价指标分析", "text": ev.analysis},
            {"title": "主要经验及做法、存在的问题及原因分析", "text": ev.experience},
            {"title": "有关建议", "text": ev.suggestions},
        ],
    }
    if not with_file:
        return Snapshot(data)
    final = ev.documents.filter(kind=KeyEvalDocument.Kind.FINAL_REPORT).order_by("-id").first()
    if final is not None:
        with final.file.open("rb") as handle:
            content = handle.read()
        suffix = final.original_name.rsplit(".", 1)[-1].lower() if "." in final.original_name else "pdf"
        return Snapshot(data, content, f"{data['name']}.{suffix}")
    return Snapshot(data, evaluation_report_docx(ev), f"{data['name']}.{DOCX}")


def monitor_snapshot(item: Disclosure) -> Snapshot:
    task = MonitoringTask.objects.get(pk=_subject_id(item))
    records = MonitoringRecord.objects.filter(task=task, status=RecordStatus.APPROVED)
    budget = sum((r.current_budget_yuan for r in records), Decimal(0))
    executed = sum((r.executed_to_date_yuan for r in records), Decimal(0))
    rate = (executed / budget * 100).quantize(Decimal("0.01")) if budget else None
    data = {
        **_org(item),
        "fiscal_year": task.fiscal_year,
        "name": task.title,
        "period_end_month": task.period_end_month,
        "records": len(records),
        "budget_yuan": _money(budget),
        "executed_yuan": _money(executed),
        "exec_rate_pct": "" if rate is None else f"{rate:.2f}",
    }
    return Snapshot(data)


def library_snapshot(item: Disclosure) -> Snapshot:
    """The approved library items the region uses (shared, its ancestors' and its own)."""
    codes = [code for code in item.region.path.split("/") if code]
    rows = list(
        IndicatorLibraryItem.objects.filter(status=ItemStatus.APPROVED, is_deleted=False)
        .filter(Q(region__isnull=True) | Q(region__mof_div_code__in=codes))
        .order_by("code")
    )
    lookups = {n.pk: n.name for n in _nodes({i.lv1_id for i in rows} | {i.lv2_id for i in rows})}
    data = {
        **_org(item),
        "fiscal_year": item.fiscal_year,
        "name": item.title,
        "items": [
            {
                "code": i.code,
                "lv1": lookups.get(i.lv1_id, ""),
                "lv2": lookups.get(i.lv2_id, ""),
                "name": i.name,
                "unit": i.unit,
                "typical_value": i.typical_value,
                "is_common": i.is_common,
            }
            for i in rows
        ],
    }
    return Snapshot(data)


def agri_fund_projects(fiscal_year: int) -> QuerySet[Project]:
    """What a 涉农整合资金项目公告 lists: the year's 涉农整合资金项目 in the 项目库 (drafts, projects under review,
    returned or cancelled ones are not announced), less those of 涉密 departments or units."""
    return Project.objects.filter(
        is_deleted=False, fiscal_year=fiscal_year, is_agri_integrated=True, status=ProjectStatus.IN_LIBRARY
    ).exclude(Q(department__is_secret=True) | Q(unit__is_secret=True))


def _approved_goals(project_ids: list[int]) -> dict[int, str]:
    """Each project's approved 年度目标: the target's own while 已批复; while an adjustment is under review (the unit
    edits the target in place) the approved version's copy, never the unit's draft."""
    targets = PerformanceTarget.objects.filter(
        project__in=project_ids,
        is_deleted=False,
        subject_type=PerformanceTarget.Subject.PROJECT,
        status__in=(TargetStatus.APPROVED, TargetStatus.ADJUSTING),
    ).values_list("pk", "project_id", "status", "goal_version", "annual_goal")
    goals: dict[int, str] = {}
    adjusting: dict[tuple[int, int], int] = {}
    for pk, project_id, status, version, goal in targets:
        if project_id is None:
            continue
        if status == TargetStatus.ADJUSTING:
            adjusting[(pk, version)] = project_id
        goals[project_id] = goal
    if adjusting:
        versions = TargetVersion.objects.filter(target_id__in=[pk for pk, _v in adjusting]).values_list(
            "target_id", "goal_version", "snapshot"
        )
        for target_id, version, snapshot in versions:
            adjusted = adjusting.get((target_id, version))
            if adjusted is not None:
                goals[adjusted] = str((snapshot or {}).get("annual_goal") or "")
    return goals


def agri_fund_snapshot(item: Disclosure) -> Snapshot:
    """The 统筹整合财政涉农资金项目 of the item's own region and year (seed 003: 涉农整合资金公告公示): each project's
    name, 主管部门, 实施单位, 实施期限, funds, whether it is also a 衔接资金项目, its approved 年度目标 and 概述."""
    projects = list(
        agri_fund_projects(item.fiscal_year)
        .filter(region_id=item.region_id)
        .select_related("department", "unit")
        .order_by("department__dept_code", "code", "id")
    )
    goals = _approved_goals([p.pk for p in projects])
    data = {
        **_org(item),
        "fiscal_year": item.fiscal_year,
        "name": item.title,
        "count": len(projects),
        "rural_link_count": sum(1 for p in projects if p.is_rural_link),
        "total_yuan": _money(sum((p.total_amount_yuan for p in projects), Decimal(0))),
        "fiscal_yuan": _money(sum((p.fiscal_amount_yuan for p in projects), Decimal(0))),
        "projects": [
            {
                "project_code": p.code,
                "name": p.name,
                "department_name": p.department.name,
                "unit_name": p.unit.name,
                "period": p.period_text,
                "total_yuan": _money(p.total_amount_yuan),
                "fiscal_yuan": _money(p.fiscal_amount_yuan),
                "is_rural_link": p.is_rural_link,
                "annual_goal": goals.get(p.pk, ""),
                "description": p.description,
            }
            for p in projects
        ],
    }
    return Snapshot(data)


def _nodes(ids: set[int]) -> Any:
    return FrameworkNode.objects.filter(pk__in=ids).only("pk", "name")


BUILDERS: dict[str, Callable[[Disclosure], Snapshot]] = {
    ItemType.TARGET_TABLE: target_snapshot,
    ItemType.DEPT_OVERALL_TARGET: target_snapshot,
    ItemType.SELF_EVAL_REPORT: self_eval_snapshot,
    ItemType.KEY_EVAL_REPORT: key_eval_snapshot,
    ItemType.MONITOR_SUMMARY: monitor_snapshot,
    ItemType.INDICATOR_LIBRARY: library_snapshot,
    ItemType.AGRI_FUND_NOTICE: agri_fund_snapshot,
}


def build(item: Disclosure) -> Snapshot:
    return BUILDERS[ItemType(item.item_type)](item)


def preview(item: Disclosure) -> dict[str, Any]:
    """What publishing would freeze if it happened now: the data of `build`, without generating a report file."""
    if item.item_type == ItemType.KEY_EVAL_REPORT:
        return key_eval_snapshot(item, with_file=False).data
    return build(item).data


TARGET_TYPES = (ItemType.TARGET_TABLE, ItemType.DEPT_OVERALL_TARGET)


def build_many(items: list[Disclosure]) -> dict[int, Snapshot]:
    """Snapshots of many items; target tables (the bulk of a year) are read in a few set-based queries."""
    target_ids = [i.subject_id for i in items if i.item_type in TARGET_TYPES and i.subject_id is not None]
    targets = _targets().in_bulk(target_ids)
    result: dict[int, Snapshot] = {}
    for item in items:
        if item.item_type in TARGET_TYPES:
            target = targets.get(item.subject_id)  # type: ignore[arg-type]
            if target is None:
                raise PerformanceTarget.DoesNotExist
            result[item.pk] = target_snapshot(item, target)
        else:
            result[item.pk] = build(item)
    return result
