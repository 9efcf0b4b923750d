"""绩效考核 reads. User-facing queries start from `visible_to(user)`; other people's rows are 404."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from jixiao.appraisals import metrics
from jixiao.appraisals.models import (
    Appraisal,
    AppraisalEvent,
    AppraisalEvidence,
    AppraisalNode,
    AppraisalScore,
    AppraisalSettings,
    AppraisalStatus,
    AppraisalTask,
    AppraisalTemplate,
    ExamineeType,
    Outcome,
    TaskStatus,
    TemplateKind,
)
from jixiao.appraisals.ranking import NodeRow, tree_errors
from jixiao.core.config_rows import applicable, most_specific
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem
from jixiao.organizations.models import BudgetUnit, Department, FiscalRegion

# ---- configuration ----------------------------------------------------------------------------------------------


def settings_for(region: Any, fiscal_year: int) -> AppraisalSettings:
    rows = list(applicable(AppraisalSettings.objects.select_related("region"), region, fiscal_year))
    return most_specific(rows, region, fiscal_year) or AppraisalSettings()


def settings_of_region(region: Any) -> list[AppraisalSettings]:
    """The region's own rows (every year): what the settings form can change, hence its lock token."""
    return list(AppraisalSettings.objects.filter(region=region).order_by("fiscal_year", "pk"))


def settings_visible(user: Any) -> list[AppraisalSettings]:
    region = user.active_membership.region
    return list(applicable(AppraisalSettings.objects.select_related("region"), region, None))


def templates_visible(user: Any) -> QuerySet[AppraisalTemplate]:
    membership = getattr(user, "active_membership", None)
    if membership is None or membership.scope_level == ScopeLevel.NONE:
        return AppraisalTemplate.objects.none()
    region = membership.region
    ancestors = applicable(AppraisalTemplate.objects.all(), region, None)
    own = AppraisalTemplate.objects.filter(region__path__startswith=region.path)
    return (ancestors | own).distinct().select_related("region").annotate(task_count=Count("tasks"))


def template_get(user: Any, pk: Any) -> AppraisalTemplate:
    try:
        return templates_visible(user).get(pk=pk)
    except (AppraisalTemplate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def template_nodes(template: AppraisalTemplate) -> list[AppraisalNode]:
    return list(template.nodes.order_by("order", "id"))


def node_rows(nodes: list[AppraisalNode]) -> list[NodeRow]:
    return [NodeRow(n.pk, n.parent_id, n.code, n.name, n.points, n.kind) for n in nodes]


def template_errors(template: AppraisalTemplate) -> list[str]:
    return tree_errors(node_rows(template_nodes(template)), template.total_points)


def template_in_use(template: AppraisalTemplate) -> bool:
    return template.tasks.exists()


@dataclass(frozen=True)
class TreeRow:
    node: AppraisalNode
    depth: int
    is_leaf: bool

    @property
    def metric_label(self) -> str:
        return metrics.metric_label(self.node.auto_metric)


def tree(nodes: list[AppraisalNode]) -> list[TreeRow]:
    """Depth-first order with depth, for the indented table."""
    children: dict[int | None, list[AppraisalNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in children.get(parent, []):
            rows.append(TreeRow(node, depth, node.pk not in children))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return rows


# ---- tasks and appraisals ---------------------------------------------------------------------------------------


def tasks_visible(user: Any) -> QuerySet[AppraisalTask]:
    return AppraisalTask.objects.visible_to(user).select_related("template", "region")


def task_list_rows(user: Any, year: int, *, with_open: bool) -> tuple[QuerySet[AppraisalTask], QuerySet[Appraisal]]:
    """The tasks and the viewer's own appraisals of `year` (every year for 0); `with_open` adds those of tasks still
    open in other years, so that an appraisal waiting for its self score (e.g. next year's task) is never out of
    sight of the 待办 that counts it."""
    tasks, mine = tasks_visible(user), appraisals_visible(user)
    if not year:
        return tasks, mine
    if with_open:
        return (
            tasks.filter(Q(fiscal_year=year) | Q(status=TaskStatus.OPEN)),
            mine.filter(Q(task__fiscal_year=year) | Q(task__status=TaskStatus.OPEN)),
        )
    return tasks.filter(fiscal_year=year), mine.filter(task__fiscal_year=year)


def task_get(user: Any, pk: Any) -> AppraisalTask:
    return AppraisalTask.objects.get_visible_or_404(user, pk=pk)


def appraisals_visible(user: Any) -> QuerySet[Appraisal]:
    return Appraisal.objects.visible_to(user).select_related("task", "department")


def task_appraisals(user: Any, task: AppraisalTask) -> QuerySet[Appraisal]:
    return appraisals_visible(user).filter(task=task).order_by("examinee_type", "rank", "examinee_name", "id")


def issued_department_outcomes(fiscal_year: int, department_ids: QuerySet[Any]) -> dict[tuple[int, int], str]:
    """(region id, department id) → the outcome of the department's appraisal in the region's DEPT task of the year,
    once the task's outcomes are issued (已通报). For the 结果应用 rules (not user-facing: no scope). `department_ids`
    is a query (a subquery in SQL: a province's thousands of ids never become query parameters)."""
    rows = Appraisal.objects.filter(
        task__is_deleted=False,
        task__kind=TemplateKind.DEPT,
        task__status=TaskStatus.OUTCOMES_ISSUED,
        task__fiscal_year=fiscal_year,
        department_id__in=department_ids,
    ).values_list("task__region_id", "department_id", "outcome")
    return {(region_id, dept_id): outcome for region_id, dept_id, outcome in rows}


def appraisal_get(user: Any, pk: Any) -> Appraisal:
    return Appraisal.objects.select_related("task__template", "task__region", "department").get_visible_or_404(
        user, pk=pk
    )


def finance_scores_shown(user: Any, appraisal: Appraisal) -> bool:
    """Whether the user may read the finance side of an appraisal (考核得分, 评定得分, 排名, 等级, 结果运用, 存在问题,
    财政审核意见): the finance scorers always, the examinee only once the task is ranked. One rule for the
    appraisal page, the task page and their exports."""
    return user.can("appraisal.section_score") or appraisal.status in (
        AppraisalStatus.RANKED,
        AppraisalStatus.OUTCOMES_ISSUED,
    )


def appraisal_events(appraisal: Appraisal) -> QuerySet[AppraisalEvent]:
    return appraisal.events.select_related("actor").order_by("-occurred_at", "-id")


def appraisal_evidence(appraisal: Appraisal) -> QuerySet[AppraisalEvidence]:
    return appraisal.evidence.select_related("node", "uploaded_by").order_by("id")


def evidence_get(user: Any, appraisal_pk: Any, pk: Any) -> AppraisalEvidence:
    appraisal = appraisal_get(user, appraisal_pk)
    try:
        return AppraisalEvidence.objects.select_related("appraisal").get(appraisal=appraisal, pk=pk)
    except (AppraisalEvidence.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def scores_by_node(appraisal: Appraisal) -> dict[int, AppraisalScore]:
    return {s.node_id: s for s in AppraisalScore.objects.filter(appraisal=appraisal)}


def examinee_departments(region: FiscalRegion) -> QuerySet[Department]:
    """The departments a 部门考核 appraises: not the town governments (`is_town`), appraised in the 乡镇（街道）考核."""
    return Department.objects.filter(region=region, is_deleted=False, is_active=True, is_town=False).order_by(
        "dept_code"
    )


def examinee_towns(region: FiscalRegion) -> QuerySet[FiscalRegion]:
    return FiscalRegion.objects.filter(
        path__startswith=region.path, level=FiscalRegion.Level.TOWN, is_deleted=False
    ).order_by("mof_div_code")


def examinee_units(region: FiscalRegion) -> QuerySet[BudgetUnit]:
    return BudgetUnit.objects.filter(region=region, is_deleted=False, is_active=True).order_by("agency_code")


def can_section_score(user: Any, node: AppraisalNode) -> bool:
    """The performance section scores every item; a business section the items whose 主管股室 is its name."""
    membership = user.active_membership
    if membership.can("appraisal.final"):
        return True
    if not membership.can("appraisal.section_score") or membership.section_id is None:
        return False
    return bool(node.responsible_section) and node.responsible_section == membership.section.name


def eval_lock_rows(
    user: Any, appraisal: Appraisal, scores: Iterable[tuple[AppraisalNode, AppraisalScore | None]]
) -> list[Any]:
    """What a finance scorer's grid covers for optimistic locking: the score rows the user may score, and for the
    performance section the appraisal too (its problems and opinion are on the same form). Used by the page and,
    on the locked rows, by the save, so both compute the same token."""
    rows: list[Any] = [score for node, score in scores if score is not None and can_section_score(user, node)]
    if user.active_membership.can("appraisal.final"):
        rows.append(appraisal)
    return rows


@dataclass(frozen=True)
class SheetRow:
    node: AppraisalNode
    depth: int
    is_leaf: bool
    score: AppraisalScore | None
    metric: metrics.MetricResult | None
    can_eval: bool


def score_sheet(user: Any, appraisal: Appraisal, *, with_metrics: bool = True) -> list[SheetRow]:
    nodes = template_nodes(appraisal.task.template)
    scores = scores_by_node(appraisal)
    results: dict[int, metrics.MetricResult | None] = {}
    if with_metrics:
        ctx = metrics.Context(appraisal.task.region, appraisal.task.fiscal_year, appraisal.task)
        keys = {n.auto_metric for n in nodes if n.auto_metric}
        computed = metrics.compute(ctx, keys)
        examinee = _metric_key(appraisal)
        for node in nodes:
            if node.auto_metric and examinee is not False:
                results[node.pk] = metrics.result_for(node.auto_metric, node.points, computed, ctx, examinee or None)
            elif node.auto_metric:
                results[node.pk] = metrics.MetricResult(
                    node.auto_metric, "", None, "无数据（乡镇无对应业务记录）", None, ""
                )
    return [
        SheetRow(
            row.node,
            row.depth,
            row.is_leaf,
            scores.get(row.node.pk),
            results.get(row.node.pk),
            row.is_leaf and can_section_score(user, row.node),
        )
        for row in tree(nodes)
    ]


def _metric_key(appraisal: Appraisal) -> int | bool | None:
    """Department id for a department, 0 (→ whole region) for the bureau itself, False where records don't exist."""
    if appraisal.department_id is not None:
        return appraisal.department_id
    if appraisal.examinee_type == ExamineeType.SAME_LEVEL_FINANCE:
        return 0
    return False


# ---- contract: ranking ------------------------------------------------------------------------------------------


def appraisal_ranking(user: Any, fiscal_year: int) -> list[dict[str, Any]]:
    """Ranked (or issued) appraisals of the year visible to the user, for dashboards and bulletins.

    Each: {"task", "task_id", "appraisal_id", "examinee", "examinee_type", "examinee_type_label", "examinee_kind",
    "total", "self_total", "rank", "grade", "outcome", "outcome_label", "external_points", "department_id"}."""
    rows = (
        Appraisal.objects.visible_to(user)
        .filter(task__fiscal_year=fiscal_year, status__in=(AppraisalStatus.RANKED, AppraisalStatus.OUTCOMES_ISSUED))
        .select_related("task")
        .order_by("task_id", "examinee_type", "rank", "examinee_name")
    )
    outcome_labels = dict(Outcome.choices)
    type_labels = dict(ExamineeType.choices)
    return [
        {
            "task": a.task.name,
            "task_id": a.task_id,
            "appraisal_id": a.pk,
            "examinee": a.examinee_name,
            "examinee_type": a.examinee_type,
            "examinee_type_label": str(type_labels.get(a.examinee_type, "")),
            "examinee_kind": a.examinee_kind,
            "department_id": a.department_id,
            "total": a.total,
            "self_total": a.self_total,
            "rank": a.rank,
            "grade": a.grade,
            "outcome": a.outcome,
            "outcome_label": str(outcome_labels.get(a.outcome, "")),
            "external_points": a.external_points,
        }
        for a in rows
    ]


# ---- 待办 ---------------------------------------------------------------------------------------------------------


def appraisal_todos(user: Any) -> list[TodoItem]:
    membership = getattr(user, "active_membership", None)
    if membership is None or not membership.can("appraisal.view"):
        return []
    qs = Appraisal.objects.visible_to(user)
    items: list[TodoItem] = []
    url = reverse("appraisals:list")
    self_score = membership.can("appraisal.self_score")
    final = membership.can("appraisal.final")
    # The self-scoring and final counts come from one query with conditional aggregates.
    counts: dict[str, Any] = {}
    if self_score:
        self_q = Q(status__in=(AppraisalStatus.TASK_ISSUED, AppraisalStatus.SELF_SCORING))
        if not final:
            self_q &= Q(examinee_type=ExamineeType.DEPARTMENT)
        else:
            self_q &= ~Q(examinee_type=ExamineeType.DEPARTMENT)
        counts["self_scoring"] = Count("pk", filter=self_q)
    if final:
        counts["final_review"] = Count(
            "pk", filter=Q(status__in=(AppraisalStatus.SECTION_SCORING, AppraisalStatus.PERF_FINAL))
        )
    totals = qs.aggregate(**counts) if counts else {}
    if self_score:
        items.append(
            TodoItem(
                "绩效考核",
                "考核自评待填报",
                totals["self_scoring"],
                url,
                "按考核对象计；请在考核任务中逐个填报，自评截止日期前提交",
            )
        )
    if membership.can("appraisal.section_score") and not final:
        count = 0
        if membership.section_id:
            # Appraisals where an item (a leaf) of this 股室 still has no score: once the section has scored
            # them all, only the 绩效股 has the appraisal to move on.
            unscored = AppraisalScore.objects.filter(
                appraisal=OuterRef("pk"),
                node__responsible_section=membership.section.name,
                node__children__isnull=True,
                eval_score__isnull=True,
            )
            count = qs.filter(status=AppraisalStatus.SECTION_SCORING).filter(Exists(unscored)).count()
        items.append(
            TodoItem("绩效考核", "考核股室评分待完成", count, url, "按考核对象计；请对本股室负责的考核指标评分")
        )
    if final:
        hint = "按考核对象计；审定得分后排名并确定考核结果"
        items.append(TodoItem("绩效考核", "考核评分待审定", totals["final_review"], url, hint))
    return items
