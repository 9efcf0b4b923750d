"""Demo 绩效目标: targets with library indicators for part of the demo county's projects, in every review state,
so each demo role finds something in its 待办 list."""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import Decimal

from django.apps import apps

from jixiao.accounts.models import User
from jixiao.indicators.library_data import load_starter_library
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorLibraryItem
from jixiao.indicators.selectors import framework_for
from jixiao.indicators.valueparse import Kind, parse_value
from jixiao.projects.models import Project
from jixiao.targets.models import PanelAssignment, PerformanceTarget, TargetEvent, TargetIndicator, TargetStatus

# Status mix of demo targets (weights); the first units of 县教育局 get one of each review state.
STATUS_WEIGHTS = {
    TargetStatus.APPROVED: 50,
    TargetStatus.DRAFT: 12,
    TargetStatus.UNIT_SUBMITTED: 8,
    TargetStatus.SECTION_REVIEW: 8,
    TargetStatus.PERF_REVIEW: 8,
    TargetStatus.PANEL_REVIEW: 3,
    TargetStatus.READY_FOR_BUDGET: 6,
    TargetStatus.RETURNED: 6,
}
SHARE_WITH_TARGETS = 0.6
SLOTS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("效益指标", "社会效益指标"),
    ("满意度指标", "服务对象满意度指标"),
]


def seed_targets(rng: random.Random, county_path: str, fiscal_year: int) -> int:
    projects = list(
        Project.objects.filter(
            region__path__startswith=county_path, fiscal_year=fiscal_year, category=Project.Category.SPECIFIC
        )
        .exclude(status=Project.Status.CANCELLED)
        .select_related("department", "unit", "region")
        .order_by("code")
    )
    if not projects:
        return 0
    # The library normally arrives with the migrations; a flushed test database needs it put back.
    load_starter_library(apps.get_model)
    framework = framework_for(projects[0].region, fiscal_year)
    library = _library_by_slot(framework.pk)
    chosen = [p for p in projects if p.department.name == "县教育局" or rng.random() < SHARE_WITH_TARGETS]
    targets = PerformanceTarget.objects.bulk_create(
        _target(p, framework.pk, status) for p, status in zip(chosen, _statuses(rng, len(chosen)), strict=True)
    )
    categories: list[Category] = list(IndicatorCategory.objects.values_list("pk", "name", "parent_id"))
    rows: list[TargetIndicator] = []
    for target in targets:
        rows.extend(_indicators(rng, target, library, categories))
    TargetIndicator.objects.bulk_create(rows)
    TargetEvent.objects.bulk_create(
        TargetEvent(target=t, action="seed", to_status=t.status, comment="演示数据") for t in targets
    )
    _panels([t for t in targets if t.status == TargetStatus.PANEL_REVIEW])
    return len(targets)


def _panels(targets: list[PerformanceTarget]) -> None:
    """The demo expert sits on every demo panel, so `expert1` has 会审 work waiting."""
    expert = User.objects.filter(username="expert1").first()
    if expert is None:
        return
    PanelAssignment.objects.bulk_create(PanelAssignment(target=t, expert=expert) for t in targets)


def _statuses(rng: random.Random, count: int) -> Iterable[str]:
    guaranteed = list(STATUS_WEIGHTS)
    for index in range(count):
        if index < len(guaranteed):
            yield guaranteed[index]
        else:
            yield rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]


def _target(project: Project, framework_id: int, status: str) -> PerformanceTarget:
    return PerformanceTarget(
        fiscal_year=project.fiscal_year,
        region=project.region,
        project=project,
        department=project.department,
        unit=project.unit,
        framework_id=framework_id,
        name=project.name,
        status=status,
        annual_goal=f"按期完成“{project.name}”各项任务，资金使用规范，服务对象满意度不低于90%。",
        midterm_goal=f"{project.start_year}—{project.end_year}年持续发挥项目效益。",
        annual_total_yuan=project.total_amount_yuan,
        annual_fiscal_yuan=project.fiscal_amount_yuan,
        mid_total_yuan=project.total_amount_yuan,
        mid_fiscal_yuan=project.fiscal_amount_yuan,
        returned_from=TargetStatus.SECTION_REVIEW if status == TargetStatus.RETURNED else "",
        review_grade="good" if status in {TargetStatus.APPROVED, TargetStatus.READY_FOR_BUDGET} else "",
    )


def _library_by_slot(framework_id: int) -> dict[tuple[str, str], list[IndicatorLibraryItem]]:
    nodes = {n.pk: n.name for n in FrameworkNode.objects.filter(framework_id=framework_id)}
    slots: dict[tuple[str, str], list[IndicatorLibraryItem]] = {}
    items = IndicatorLibraryItem.objects.filter(framework_id=framework_id, status="approved").order_by("code")
    for item in items:
        slots.setdefault((nodes[item.lv1_id], nodes[item.lv2_id]), []).append(item)
    return slots


Category = tuple[int, str, int | None]  # (pk, name, parent id)


def _sector_of(department_name: str, categories: list[Category]) -> set[int]:
    """The 行业领域 categories (a top-level one named in the department's name, and its children) whose indicators
    suit the department's projects: 县教育局 → 教育 and 学前教育, 义务教育 …; none for a department of no sector."""
    tops = {pk for pk, name, parent in categories if parent is None and name in department_name}
    return tops | {pk for pk, _name, parent in categories if parent in tops}


def _indicators(
    rng: random.Random,
    target: PerformanceTarget,
    library: dict[tuple[str, str], list[IndicatorLibraryItem]],
    categories: list[Category],
) -> list[TargetIndicator]:
    rows = []
    weights = [Decimal(30), Decimal(20), Decimal(10), Decimal(30), Decimal(10)]
    sector = _sector_of(target.department.name, categories)
    for seq, (slot, weight) in enumerate(zip(SLOTS, weights, strict=True), start=1):
        candidates = library.get(slot) or []
        # The department's own sector first, else the indicators common to every sector, else the whole slot: a
        # school's target does not measure 孕产妇死亡率.
        suited = [i for i in candidates if i.category_id in sector] or [i for i in candidates if i.is_common]
        if not (suited or candidates):
            continue
        item = rng.choice(suited or candidates)
        text = item.typical_value or "达到预期"
        parsed = parse_value(text, fiscal_year=target.fiscal_year)
        rows.append(
            TargetIndicator(
                target=target,
                seq=seq,
                lv1_id=item.lv1_id,
                lv2_id=item.lv2_id,
                name=item.name,
                operator=item.operator,
                target_text=text,
                unit=item.unit,
                weight=weight,
                explanation=item.explanation,
                scoring_standard=item.scoring_standard,
                value_basis=item.value_basis,
                data_source=item.data_source,
                library_item=item,
                is_core=item.is_core,
                parsed_kind=str(parsed.kind),
                parsed_op=str(parsed.op or "")[:4],
                parsed_value=parsed.base_value if parsed.kind in {Kind.NUM, Kind.RANGE} else None,
                parsed_unit=(parsed.unit_canon or "")[:20],
            )
        )
    return rows
