"""Key-evaluation reads. Every user-facing query starts from `visible_to(user)`; a miss is a 404 for the caller."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.urls import reverse

from jixiao.accounts.models import User
from jixiao.core.config_rows import most_specific
from jixiao.core.scoping import ScopeLevel
from jixiao.core.todos import TodoItem
from jixiao.keyeval.checks import Node, build_tree, grade_for, leaves, mean, walk
from jixiao.keyeval.models import (
    EvalTemplate,
    KeyEvalDocument,
    KeyEvalGrade,
    KeyEvalScore,
    KeyEvalScorer,
    KeyEvalStatus,
    KeyEvaluation,
)
from jixiao.keyeval.workflow import KEYEVAL_WORKFLOW, SCORING_STATES
from jixiao.organizations.models import Department
from jixiao.projects.models import Project
from jixiao.regulations.models import Regulation, RegulationAction

STAFF_ROLES = ("performance", "budget", "business")

# ---- templates ---------------------------------------------------------------------------------------------------


def template_for(region: Any, fiscal_year: int, kind: str) -> EvalTemplate | None:
    rows = EvalTemplate.objects.select_related("region").filter(kind=kind, is_active=True)
    return most_specific(rows, region, fiscal_year)


def templates_visible(user: Any) -> list[EvalTemplate]:
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return []
    region = membership.region
    return [
        t
        for t in EvalTemplate.objects.select_related("region")
        if t.region_id is None or region.path.startswith(t.region.path) or t.region.path.startswith(region.path)  # type: ignore[union-attr]
    ]


def template_get(user: Any, pk: Any) -> EvalTemplate:
    for template in templates_visible(user):
        if str(template.pk) == str(pk):
            return template
    raise Http404


def template_lock_rows(user: Any, template: EvalTemplate) -> list[EvalTemplate]:
    """What a save from the template page depends on (I05): the template and the region's own templates of its
    kind, since saving a template of another region or year adds a copy for the region."""
    region_id = user.active_membership.region.pk
    return [
        t for t in templates_visible(user) if t.pk == template.pk or (t.region_id, t.kind) == (region_id, template.kind)
    ]


def template_choices(user: Any) -> list[EvalTemplate]:
    return [t for t in templates_visible(user) if t.is_active]


def template_tree(template: EvalTemplate) -> list[Node]:
    return build_tree(template.nodes.all())


# ---- evaluations -------------------------------------------------------------------------------------------------


def runs_department_evaluations(user: Any) -> bool:
    """A 主管部门 login that organises its own 部门评价 (keyeval.organise at department level)."""
    membership = getattr(user, "active_membership", None)
    return bool(
        membership is not None
        and membership.department_id
        and membership.scope_level == ScopeLevel.DEPARTMENT
        and membership.can("keyeval.organise")
    )


def manages(user: Any, evaluation: KeyEvaluation) -> bool:
    """Who runs the evaluation (edits it, moves it on, arranges scorers, uploads any document): the 主管部门 that
    organised its own 部门评价, or the 绩效股 (keyeval.manage) for the others. The finance bureau only reads a
    department's own evaluation (DOMAIN.md §6.10 "Run department evaluation: PS view")."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return False
    if evaluation.organiser_department_id is not None:
        return runs_department_evaluations(user) and membership.department_id == evaluation.organiser_department_id
    return bool(membership.can("keyeval.manage"))


def acting_capabilities(user: Any, evaluation: KeyEvaluation) -> set[str]:
    """The user's capabilities on this evaluation for the workflow: keyeval.manage exactly when `manages`; and no
    keyeval.respond for the organising department, which does not answer its own draft."""
    capabilities = set(user.active_membership.capabilities)
    capabilities.discard("keyeval.manage")
    if manages(user, evaluation):
        capabilities.add("keyeval.manage")
    if not is_evaluated_party(user, evaluation):
        capabilities.discard("keyeval.respond")
    return capabilities


def evaluations_visible(user: Any) -> QuerySet[KeyEvaluation]:
    return KeyEvaluation.objects.visible_to(user).select_related("department", "template", "engagement__agency")


def evaluations_filtered(user: Any, params: dict[str, Any]) -> QuerySet[KeyEvaluation]:
    qs = evaluations_visible(user)
    for key in ("fiscal_year", "status", "object_type", "kind", "budget_book", "grade"):
        value = params.get(key)
        if value:
            qs = qs.filter(**{key: value})
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(department__name__icontains=params["q"]))
    if params.get("organiser"):
        qs = qs.filter(organiser_department__isnull=params["organiser"] == "finance")
    return qs


def evaluation_get(user: Any, pk: Any) -> KeyEvaluation:
    return KeyEvaluation.objects.select_related(
        "region", "department", "template", "organiser_section", "organiser_department", "engagement__agency"
    ).get_visible_or_404(user, pk=pk)


def evaluation_projects(evaluation: KeyEvaluation) -> QuerySet[Project]:
    return evaluation.projects.select_related("department", "unit").order_by("code")


def evaluation_documents(evaluation: KeyEvaluation) -> QuerySet[KeyEvalDocument]:
    """The evaluation's documents grouped by kind in the order of the procedure (通知, 工作方案, 报告初稿, 反馈意见,
    报告定稿, 其他), each kind's files in the order they were uploaded; the model's ordering sorts the kinds by their
    codes, which put 评价报告初稿 above 评价通知."""
    position = Case(
        *(When(kind=kind, then=Value(number)) for number, kind in enumerate(KeyEvalDocument.Kind.values)),
        default=Value(len(KeyEvalDocument.Kind.values)),
        output_field=IntegerField(),
    )
    return evaluation.documents.select_related("uploaded_by").order_by(position, "id")


def document_get(user: Any, evaluation_pk: Any, pk: Any) -> KeyEvalDocument:
    evaluation = evaluation_get(user, evaluation_pk)
    try:
        return evaluation.documents.get(pk=pk)
    except (KeyEvalDocument.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def has_document(evaluation: KeyEvaluation, kind: str) -> bool:
    return evaluation.documents.filter(kind=kind).exists()


def project_choices(user: Any) -> QuerySet[Project]:
    return Project.objects.visible_to(user).select_related("department").order_by("-fiscal_year", "code")


def department_choices(user: Any) -> QuerySet[Department]:
    return Department.objects.visible_to(user).order_by("dept_code")


def staff_choices(user: Any) -> QuerySet[User]:
    """Finance staff (绩效股, 预算股, 业务股室) of the actor's own region: who may be assigned as scorers (a lower
    region's staff could not open an evaluation of this one). For a department running its own 部门评价: its own
    主管部门 logins."""
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return User.objects.none()
    if runs_department_evaluations(user):
        return (
            User.objects.filter(memberships__role="dept_admin", memberships__department_id=membership.department_id)
            .distinct()
            .order_by("username")
        )
    return (
        User.objects.filter(memberships__role__in=STAFF_ROLES, memberships__region=membership.region)
        .distinct()
        .order_by("username")
    )


# ---- scoring -----------------------------------------------------------------------------------------------------


def scorers(evaluation: KeyEvaluation) -> list[KeyEvalScorer]:
    return list(evaluation.scorers.select_related("user", "expert", "draw").prefetch_related("scores"))


def my_assignments(user: Any) -> QuerySet[KeyEvalScorer]:
    """The scorer rows of `user` on evaluations they can still see."""
    visible = KeyEvaluation.objects.visible_to(user).values("pk")
    return (
        KeyEvalScorer.objects.filter(user_id=user.pk, evaluation__in=visible)
        .select_related("evaluation", "evaluation__department")
        .order_by("-evaluation__fiscal_year", "-id")
    )


def my_pending_assignments(user: Any) -> QuerySet[KeyEvalScorer]:
    """What the 待办 “待评分的重点评价” counts and its link lists (`?todo=score`): the user's scorer rows not yet
    submitted on evaluations still open for scoring."""
    return my_assignments(user).filter(submitted_at__isnull=True, evaluation__status__in=SCORING_STATES)


def assignment_get(user: Any, evaluation_pk: Any) -> KeyEvalScorer:
    """The user's own scorer row on an evaluation; 404 when they are not assigned to it."""
    evaluation = evaluation_get(user, evaluation_pk)
    try:
        return KeyEvalScorer.objects.select_related("evaluation__template").get(evaluation=evaluation, user_id=user.pk)
    except KeyEvalScorer.DoesNotExist as exc:
        raise Http404 from exc


def scorer_scores(scorer: KeyEvalScorer) -> dict[int, KeyEvalScore]:
    return {s.node_id: s for s in scorer.scores.all()}


def can_score(user: Any, evaluation: KeyEvaluation) -> bool:
    return (
        evaluation.status in SCORING_STATES
        and KeyEvalScorer.objects.filter(evaluation=evaluation, user_id=user.pk).exists()
    )


# Before the draft report the score is not settled: the report's score table would be the running mean of what the
# scorers have submitted so far, which only the performance section sees (as in the detail page's 评分汇总).
SCORE_OPEN_STATES = frozenset({KeyEvalStatus.PLANNED, KeyEvalStatus.NOTIFIED, *SCORING_STATES})


def report_available(user: Any, evaluation: KeyEvaluation) -> bool:
    """Whether the user may download the Word report: the performance section always, the others (scorers, the
    evaluated party, read-only viewers) once the draft report has fixed the score."""
    return manages(user, evaluation) or evaluation.status not in SCORE_OPEN_STATES


def is_evaluated_party(user: Any, evaluation: KeyEvaluation) -> bool:
    """The evaluated party: the 主管部门 of the evaluated department, or a unit owning an evaluated project. A
    department running its own 部门评价 is not: its units owning the evaluated projects answer the draft."""
    membership = user.active_membership
    if (
        evaluation.organiser_department_id is not None
        and membership.department_id == evaluation.organiser_department_id
    ):
        return False
    if membership.department_id and membership.department_id == evaluation.department_id:
        return True
    if membership.unit_id:
        return evaluation.projects.filter(unit__path__startswith=membership.unit.path).exists()
    return (
        membership.department_id is not None
        and evaluation.projects.filter(department_id=membership.department_id).exists()
    )


# What an assigned scorer (the commissioned agency's team) may upload besides the performance section.
SCORER_DOCUMENT_KINDS = frozenset(
    {KeyEvalDocument.Kind.DRAFT_REPORT, KeyEvalDocument.Kind.FINAL_REPORT, KeyEvalDocument.Kind.OTHER}
)


def uploadable_document_kinds(user: Any, evaluation: KeyEvaluation) -> list[str]:
    """The document kinds the user may upload on the evaluation, in the form's order (services.document_add refuses
    the others): the performance section any kind; the evaluated party its feedback; an assigned scorer the draft
    and final reports and other material. Empty for a read-only viewer (领导, 人大/审计), who gets no upload form."""
    if manages(user, evaluation):
        return list(KeyEvalDocument.Kind.values)
    allowed: set[str] = set()
    if user.can("keyeval.respond") and is_evaluated_party(user, evaluation):
        allowed.add(KeyEvalDocument.Kind.FEEDBACK)
    if user.can("keyeval.score") and KeyEvalScorer.objects.filter(evaluation=evaluation, user_id=user.pk).exists():
        allowed.update(SCORER_DOCUMENT_KINDS)
    return [kind for kind in KeyEvalDocument.Kind.values if kind in allowed]


@dataclass
class NodeRow:
    node: Any
    depth: int
    is_leaf: bool
    mean: Decimal | None
    by_scorer: list[Decimal | None] = field(default_factory=list)


@dataclass
class ScoreSummary:
    scorers: list[KeyEvalScorer]
    submitted: list[KeyEvalScorer]
    rows: list[NodeRow]
    total: Decimal | None
    grade: str

    @property
    def grade_label(self) -> str:
        return str(KeyEvalGrade(self.grade).label) if self.grade else ""


def score_summary(evaluation: KeyEvaluation) -> ScoreSummary:
    """The evaluation score = mean of the submitted scorers' totals; per node, the mean of their node scores
    (a parent's value is the sum of its children's means)."""
    everyone = scorers(evaluation)
    submitted = [s for s in everyone if s.submitted_at is not None and s.total is not None]
    roots = template_tree(evaluation.template)
    by_scorer = [{sc.node_id: sc.score for sc in s.scores.all()} for s in submitted]
    rows: list[NodeRow] = []

    def visit(nodes: Iterable[Node], depth: int) -> None:
        for node in nodes:
            if node.is_leaf:
                values = [scores.get(node.row.pk) for scores in by_scorer]
                present = [v for v in values if v is not None]
                rows.append(NodeRow(node.row, depth, True, mean(present), values))
            else:
                ids = [leaf.row.pk for leaf in leaves([node])]
                sums = [sum((scores.get(pk, Decimal(0)) for pk in ids), Decimal(0)) for scores in by_scorer]
                rows.append(NodeRow(node.row, depth, False, mean(sums), list(sums)))
                visit(node.children, depth + 1)

    visit(roots, 0)
    total = mean([s.total for s in submitted if s.total is not None])
    return ScoreSummary(everyone, submitted, rows, total, grade_for(total, evaluation.template.grade_bands))


def level1_summary(evaluation: KeyEvaluation) -> list[NodeRow]:
    return [row for row in score_summary(evaluation).rows if row.depth == 0]


def all_leaves(evaluation: KeyEvaluation) -> list[Node]:
    return leaves(template_tree(evaluation.template))


def node_count(template: EvalTemplate) -> int:
    return sum(1 for _ in walk(template_tree(template)))


# ---- statistics and 待办 -----------------------------------------------------------------------------------------


@dataclass
class StatRow:
    key: str
    label: str
    count: int
    amount_yuan: Decimal


@dataclass
class Statistics:
    fiscal_year: int | None
    total_count: int
    total_amount_yuan: Decimal
    by_object_type: list[StatRow]
    by_budget_book: list[StatRow]
    by_grade: list[StatRow]
    by_kind: list[StatRow]
    third_party_count: int


def _group(qs: QuerySet[KeyEvaluation], field_name: str, choices: Iterable[tuple[str, Any]]) -> list[StatRow]:
    data = {
        row[field_name]: (row["n"], row["amount"] or Decimal(0))
        for row in qs.values(field_name).annotate(n=Count("id"), amount=Sum("amount_yuan")).order_by()
    }
    return [
        StatRow(value, str(label), data.get(value, (0, Decimal(0)))[0], data.get(value, (0, Decimal(0)))[1])
        for value, label in choices
    ]


def statistics(user: Any, fiscal_year: int | None) -> Statistics:
    """Key evaluations of a year by object type, budget book, kind and grade (count and amount), from records."""
    qs = KeyEvaluation.objects.visible_to(user)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    totals = qs.aggregate(n=Count("id"), amount=Sum("amount_yuan"))
    issued = qs.filter(status=KeyEvalStatus.ISSUED)
    return Statistics(
        fiscal_year=fiscal_year,
        total_count=totals["n"] or 0,
        total_amount_yuan=totals["amount"] or Decimal(0),
        by_object_type=_group(qs, "object_type", KeyEvaluation.ObjectType.choices),
        by_budget_book=_group(qs, "budget_book", KeyEvaluation.BudgetBook.choices),
        by_grade=_group(issued, "grade", KeyEvalGrade.choices),
        by_kind=_group(qs, "kind", KeyEvaluation.Kind.choices),
        third_party_count=qs.filter(mode=KeyEvaluation.Mode.THIRD_PARTY).count(),
    )


def year_choices(user: Any) -> list[int]:
    return sorted(set(KeyEvaluation.objects.visible_to(user).values_list("fiscal_year", flat=True)), reverse=True)


def keyeval_todos(user: Any) -> list[TodoItem]:
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return []
    items: list[TodoItem] = []
    url = reverse("keyeval:list")
    if membership.can("keyeval.view"):
        visible = KeyEvaluation.objects.visible_to(user)
        own = Q(organiser_department_id=membership.department_id) if membership.department_id else Q(pk__in=[])
        # What waits on the user: the evaluations they run (a department its own 部门评价; the 绩效股 the others),
        # and the drafts they answer (a department does not answer its own).
        # Each line's link lists exactly what it counts (the list's 组织方 filter; a department sees no other
        # department's own evaluations, so "finance" there is everything but its own).
        waiting: list[tuple[str, Q, str]] = []
        if runs_department_evaluations(user):
            waiting.append(("keyeval.manage", own, "&organiser=department"))
        elif membership.can("keyeval.manage"):
            waiting.append(("keyeval.manage", Q(organiser_department__isnull=True), "&organiser=finance"))
        if membership.can("keyeval.respond"):
            waiting.append(("keyeval.respond", ~own, "&organiser=finance" if membership.department_id else ""))
        for capability, rows, narrowed in waiting:
            counts = dict(visible.filter(rows).values_list("status").annotate(n=Count("id")).order_by())
            for status in KEYEVAL_WORKFLOW.states_awaiting(capability):
                label = KeyEvalStatus(status).label
                link = f"{url}?status={status}{narrowed}"
                items.append(TodoItem("重点绩效评价", f"重点评价{label}", counts.get(status, 0), link))
    if membership.can("keyeval.score"):
        pending = my_pending_assignments(user)
        url = f"{reverse('keyeval:my_scoring')}?todo=score"
        items.append(TodoItem("重点绩效评价", "待评分的重点评价", pending.count(), url, "请按指标逐项评分"))
    return items


# ---- 结果应用: the rules issued or revised on an evaluation's results (seed 002 S47) -------------------------------

# A rule the bureau forwarded from above is not one it made on its own evaluation's results.
LINKABLE_ACTIONS = (RegulationAction.ISSUED, RegulationAction.REVISED)


def linked_regulations(evaluation: KeyEvaluation, user: Any = None) -> QuerySet[Regulation]:
    """The rules linked to the evaluation (withdrawn ones left out), newest first; with `user`, those they may read
    (an expert reads the evaluation, not the bureau's register)."""
    rows = evaluation.regulations.filter(is_deleted=False)
    if user is not None:
        rows = rows.filter(pk__in=Regulation.objects.visible_to(user).values("pk"))  # type: ignore[attr-defined]
    return rows.order_by("-issued_on", "-id")


def linkable_regulations(user: Any, evaluation: KeyEvaluation) -> QuerySet[Regulation]:
    """The rules the evaluation's own bureau issued or revised from the evaluation's year on (the results come after
    the year evaluated), that the user sees."""
    return (
        Regulation.objects.visible_to(user)  # type: ignore[attr-defined]
        .filter(region=evaluation.region_id, action__in=LINKABLE_ACTIONS, year__gte=evaluation.fiscal_year)
        .order_by("-issued_on", "-id")
    )


def regulations_on_results(region: Any, fiscal_year: int) -> int:
    """Distinct rules linked to the region's key evaluations of the year (the 年度工作总结's EV-3)."""
    return (
        Regulation.objects.filter(
            is_deleted=False,
            pk__in=KeyEvaluation.regulations.through.objects.filter(  # type: ignore[attr-defined]
                keyevaluation__region__path__startswith=region.path,
                keyevaluation__fiscal_year=fiscal_year,
                keyevaluation__is_deleted=False,
            ).values("regulation"),
        )
        .distinct()
        .count()
    )
