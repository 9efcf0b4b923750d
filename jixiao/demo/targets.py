"""Demo 绩效目标: targets with library indicators for part of the demo county's projects, each as far along the
review chain as its project's own state allows, so the two tell one story and each demo role finds something in its
待办 list."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from jixiao.accounts.models import User
from jixiao.demo.names import ANCHOR_STATUSES
from jixiao.indicators.library_data import load_starter_library
from jixiao.indicators.models import FrameworkNode, IndicatorCategory, IndicatorLibraryItem
from jixiao.indicators.selectors import framework_for
from jixiao.indicators.valueparse import Kind, parse_value
from jixiao.projects.models import Project, ProjectEvent, ProjectStatus
from jixiao.targets.models import (
    PanelAssignment,
    PerformanceTarget,
    ReviewComment,
    TargetEvent,
    TargetIndicator,
    TargetStatus,
)
from jixiao.targets.services import STAGE_OF_STATE

P = ProjectStatus
T = TargetStatus
# A target travels with its project (DOMAIN.md §2.2, §6.9): the unit files both, 主管部门 reviews both, the
# business section's 初审 of the target goes with its approval of the project into the library, and only a project in
# the library reaches 绩效股复审, 集中会审 and 批复 with the budget. So a project waiting for 主管部门 has its target
# waiting there too, a returned project's target came back from the same review, and an in-library project's target
# is past 初审: with 绩效股, on a panel, passed, approved, or returned by 绩效股 for revision (weights: the demo's mix).
TARGET_WEIGHTS: dict[str, dict[str, int]] = {
    P.DRAFT: {T.DRAFT: 1},
    P.RETURNED: {T.RETURNED: 1},
    P.SUBMITTED: {T.UNIT_SUBMITTED: 1},
    P.DEPT_APPROVED: {T.SECTION_REVIEW: 1},
    P.IN_LIBRARY: {T.APPROVED: 50, T.READY_FOR_BUDGET: 6, T.PERF_REVIEW: 8, T.PANEL_REVIEW: 3, T.RETURNED: 6},
}
# The review a returned project (and so its target) came back from: projects' return action → the target's stage.
RETURNED_FROM = {"dept_return": T.UNIT_SUBMITTED, "section_return": T.SECTION_REVIEW}
# Every state shows up in 县教育局 (its unit 县第一中学 first), the department the demo personas work in.
PERSONA_DEPARTMENT = "县教育局"
PERSONA_UNIT = "县第一中学"
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
    # The persona units' projects (their anchored ones in every project state) always have a target.
    chosen = [p for p in projects if _is_persona(p) or rng.random() < SHARE_WITH_TARGETS]
    returns = dict(
        ProjectEvent.objects.filter(project__in=[p.pk for p in chosen if p.status == P.RETURNED])
        .filter(action__in=RETURNED_FROM)
        .order_by("occurred_at", "id")  # the latest return of a project wins in the dict
        .values_list("project_id", "action")
    )
    targets = PerformanceTarget.objects.bulk_create(
        _target(p, framework.pk, status, _returned_from(p, status, returns))
        for p, status in zip(chosen, _statuses(rng, chosen), strict=True)
    )
    categories: list[Category] = list(IndicatorCategory.objects.values_list("pk", "name", "parent_id"))
    rows: list[TargetIndicator] = []
    for target in targets:
        rows.extend(_indicators(rng, target, library, categories))
    TargetIndicator.objects.bulk_create(rows)
    TargetEvent.objects.bulk_create(
        TargetEvent(target=t, action="seed", to_status=t.status, comment="演示数据") for t in targets
    )
    _return_opinions([t for t in targets if t.status == TargetStatus.RETURNED])
    _panels([t for t in targets if t.status == TargetStatus.PANEL_REVIEW])
    return len(targets)


# What a reviewer writes when returning a target (DOMAIN.md §2.2: 完整性、相关性、细化程度).
RETURN_OPINIONS = (
    "产出指标未细化量化，请补充数量、质量指标的具体数值",
    "效益指标与项目内容关联不紧密，请重新设置",
    "满意度指标缺少取值依据，请补充调查方式",
    "年度目标与资金规模不匹配，请核实预算与产出",
)


def _return_opinions(targets: list[PerformanceTarget]) -> None:
    """A returned target came back with its reviewer's 修改意见, as a return through the pages leaves one (the 年度
    工作总结's TG-2 counted none in the demo while TG-3 counted the returns). No draw from the seed's random stream:
    the rest of the demo stays as it was."""
    ReviewComment.objects.bulk_create(
        ReviewComment(
            target=t,
            stage=STAGE_OF_STATE[TargetStatus(t.returned_from or TargetStatus.SECTION_REVIEW)],
            text=RETURN_OPINIONS[index % len(RETURN_OPINIONS)],
        )
        for index, t in enumerate(targets)
    )


def _panels(targets: list[PerformanceTarget]) -> None:
    """The demo expert sits on every demo panel, so `expert1` has 会审 work waiting."""
    expert = User.objects.filter(username="expert1").first()
    if expert is None:
        return
    PanelAssignment.objects.bulk_create(PanelAssignment(target=t, expert=expert) for t in targets)


def _is_persona(project: Project) -> bool:
    return project.department.name == PERSONA_DEPARTMENT or project.unit.name in ANCHOR_STATUSES


def _statuses(rng: random.Random, projects: list[Project]) -> list[str]:
    """Each project's target status, drawn from what its project's state allows. First, 县教育局's projects (those of
    县第一中学 first) take each review state once where their project allows it, so every persona has work waiting."""
    statuses: dict[int, str] = {}
    # 已批复 before the 绩效股's states: 县第一中学's project in the library gets an approved target (its 单位自评).
    wanted = [T.DRAFT, T.RETURNED, T.UNIT_SUBMITTED, T.SECTION_REVIEW, T.APPROVED, T.PERF_REVIEW]
    wanted += [T.READY_FOR_BUDGET, T.PANEL_REVIEW]
    persona = [i for i, p in enumerate(projects) if p.department.name == PERSONA_DEPARTMENT]
    for index in sorted(persona, key=lambda i: projects[i].unit.name != PERSONA_UNIT):
        allowed = TARGET_WEIGHTS[projects[index].status]
        status = next((s for s in wanted if s in allowed), None)
        if status is not None:
            statuses[index] = status
            wanted.remove(status)
    for index, project in enumerate(projects):
        if index not in statuses:
            weights = TARGET_WEIGHTS[project.status]
            statuses[index] = rng.choices(list(weights), weights=list(weights.values()))[0]
    return [statuses[index] for index in range(len(projects))]


def _returned_from(project: Project, status: str, returns: dict[int, str]) -> str:
    """The stage a returned target came back from: its project's return, or 绩效股复审 in the library."""
    if status != T.RETURNED:
        return ""
    if project.status == P.IN_LIBRARY:
        return T.PERF_REVIEW
    return RETURNED_FROM.get(returns.get(project.pk, ""), T.UNIT_SUBMITTED)


def _approved_at(fiscal_year: int) -> dt.datetime:
    """The demo's budget is approved (批复) on 20 January of its year, with its targets: the date the 信息公开
    deadline of a target table counts from (jixiao.disclosure)."""
    return timezone.make_aware(dt.datetime(fiscal_year, 1, 20, 9, 30))


def _target(project: Project, framework_id: int, status: str, returned_from: str = "") -> PerformanceTarget:
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
        midterm_goal=f"{project.period_text}持续发挥项目效益。",
        annual_total_yuan=project.total_amount_yuan,
        annual_fiscal_yuan=project.fiscal_amount_yuan,
        mid_total_yuan=project.total_amount_yuan,
        mid_fiscal_yuan=project.fiscal_amount_yuan,
        returned_from=returned_from or (TargetStatus.SECTION_REVIEW if status == TargetStatus.RETURNED else ""),
        review_grade="good" if status in {TargetStatus.APPROVED, TargetStatus.READY_FOR_BUDGET} else "",
        approved_at=_approved_at(project.fiscal_year) if status == TargetStatus.APPROVED else None,
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
