"""结果应用 reads: the rules in force, the facts of every project (set-based), the lists, the 四挂钩 statistics,
the contract summary for dashboards, and the next-year gate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from jixiao.alerts.models import CaseStatus, ProjectLight, WarningCase
from jixiao.appraisals.selectors import issued_department_outcomes
from jixiao.core import config_rows
from jixiao.core.audit import AuditEvent
from jixiao.core.errors import DomainError
from jixiao.core.money import format_wan
from jixiao.core.todos import TodoItem
from jixiao.evaluation.models import AuthenticityItem, ReEvaluationSample, SelfEvalStatus, SelfEvaluation
from jixiao.execution.selectors import annotate_execution
from jixiao.keyeval.models import KeyEvalStatus, KeyEvaluation
from jixiao.organizations.selectors import in_region
from jixiao.preassessment.models import Conclusion, PreAssessment, PreAssessmentStatus
from jixiao.projects.models import Project, ProjectStatus
from jixiao.rectification.selectors import closed_adjust_advice, open_rectification_project_ids
from jixiao.results.checks import COLOR_LABELS, DISPOSITION_LABELS, OUTCOME_LABELS, ProjectFacts
from jixiao.results.models import (
    COUNTY_RULE_KINDS,
    Action,
    ApplicationStatus,
    Condition,
    ResultApplication,
    ResultApplicationEvent,
    ResultApplicationRule,
    Source,
)
from jixiao.targets.models import PerformanceTarget

MONEY: Any = DecimalField(max_digits=18, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
GRADE_LABELS = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
GATED_ACTIONS = {"submit", "section_approve"}
# Projects that carry a budget into the proposal run (drafts and cancelled ones were never arranged).
ARRANGED = (ProjectStatus.IN_LIBRARY,)


# ---- rules ---------------------------------------------------------------------------------------------------------


def rules_all() -> QuerySet[ResultApplicationRule]:
    return ResultApplicationRule.objects.select_related("region").order_by("priority", "code")


def effective_rules(region: Any, fiscal_year: int) -> list[ResultApplicationRule]:
    """Per rule code the most specific row for the region and year (core.config_rows); only active ones."""
    by_code: dict[str, list[ResultApplicationRule]] = defaultdict(list)
    for rule in config_rows.applicable(rules_all(), region, fiscal_year):
        by_code[rule.code].append(rule)
    chosen = [config_rows.most_specific(rows, region, fiscal_year) for rows in by_code.values()]
    rules = [r for r in chosen if r is not None and r.is_active]
    return sorted(rules, key=lambda r: (r.priority, r.code))


def rules_visible(user: Any) -> list[ResultApplicationRule]:
    """National rows and the rows of the user's region and its ancestors, for the rules page."""
    region = user.active_membership.region
    return list(config_rows.applicable(rules_all(), region, None).order_by("priority", "code", "region__path"))


def own_rule_rows(user: Any) -> list[ResultApplicationRule]:
    """The rows of the user's own region (every code and year): what a save from the rules page may overwrite, so
    what its lock token covers."""
    region = user.active_membership.region
    return list(ResultApplicationRule.objects.filter(region=region).order_by("pk"))


def value_labels(condition: str) -> dict[str, str]:
    """Code → Chinese label of a condition's values (colours, conclusions, dispositions); grades are Chinese already,
    each its own label (a grade typed wrong, 很差 or 优秀, is refused: no source ever gives it, the rule would never
    match)."""
    if condition == Condition.GRADE_IN:
        return {grade: grade for grade in GRADE_LABELS.values()}
    if condition == Condition.WARNING_COLOR_IN:
        return dict(COLOR_LABELS)
    if condition == Condition.DISPOSITION_IN:
        return dict(DISPOSITION_LABELS)
    if condition == Condition.CONCLUSION_IN:
        return {str(k): str(v) for k, v in [*Conclusion.choices, *AuthenticityItem.Finding.choices]}
    if condition == Condition.OUTCOME_IN:
        return dict(OUTCOME_LABELS)
    return {}


def values_label(rule: ResultApplicationRule) -> str:
    """The rule's values as users read them: 红灯, 不予支持, 弄虚作假 — never RED, reject, FALSIFIED."""
    labels = value_labels(rule.condition)
    return "、".join(labels.get(v, v) for v in rule.values or [])


def rule_codes() -> list[tuple[str, str]]:
    rows = ResultApplicationRule.objects.filter(region__isnull=True).order_by("priority", "code")
    county = [(code, f"{code} {kind[0]}（无全国默认，本级新增）") for code, kind in COUNTY_RULE_KINDS.items()]
    return [(r.code, f"{r.code} {r.name}") for r in rows] + county


def rule_base(code: str) -> ResultApplicationRule | None:
    """What a county row of `code` starts from: the national default, or (unsaved, no action yet) the county rule
    kind of that code; None for an unknown code."""
    national = ResultApplicationRule.objects.filter(code=code, region__isnull=True, fiscal_year__isnull=True).first()
    if national is not None or code not in COUNTY_RULE_KINDS:
        return national
    name, source, condition, values = COUNTY_RULE_KINDS[code]
    return ResultApplicationRule(
        code=code, name=name, source=source, condition=condition, values=list(values), action="", is_active=True
    )


# ---- facts from the earlier stages -----------------------------------------------------------------------------------


def proposal_projects(region: Any, fiscal_year: int) -> QuerySet[Project]:
    return Project.objects.filter(
        is_deleted=False, region__path__startswith=region.path, fiscal_year=fiscal_year, status__in=ARRANGED
    )


def open_rectification_ids(fiscal_year: int) -> set[int]:
    """Projects with an unclosed rectification (the rectification stage's contract)."""
    return open_rectification_project_ids(fiscal_year)


def _add(facts: dict[int, ProjectFacts], pid: int | None, bucket: str, source: str, value: str) -> None:
    if pid is None or pid not in facts or not value:
        return
    values = getattr(facts[pid], bucket).setdefault(source, [])
    if value not in values:
        values.append(value)


def _evaluation_facts(facts: dict[int, ProjectFacts], ids: QuerySet[Any], fiscal_year: int) -> None:
    self_evals = SelfEvaluation.objects.filter(
        project__in=ids, is_deleted=False, status=SelfEvalStatus.FIN_REVIEWED, subject=SelfEvaluation.Subject.PROJECT
    ).values_list("project_id", "grade_computed")
    for pid, grade in self_evals:
        _add(facts, pid, "grades", Source.SELF_EVAL, grade)
    samples = (
        ReEvaluationSample.objects.filter(self_eval__project__in=ids, batch__is_deleted=False)
        .exclude(re_grade="")
        .order_by("scored_at", "id")
        .values_list("self_eval__project_id", "re_grade")
    )
    for pid, grade in samples:
        _add(facts, pid, "grades", Source.RE_EVAL, grade)
    key_evals = KeyEvaluation.objects.filter(
        projects__in=ids, is_deleted=False, status=KeyEvalStatus.ISSUED
    ).values_list("projects", "kind", "grade")
    for pid, kind, grade in key_evals:
        source = Source.DEPT_EVAL if kind == KeyEvaluation.Kind.DEPT else Source.FIN_EVAL
        _add(facts, pid, "grades", source, GRADE_LABELS.get(grade, ""))
    items = AuthenticityItem.objects.filter(self_eval__project__in=ids, check_batch__is_deleted=False).exclude(
        finding=""
    )
    for pid, finding in items.values_list("self_eval__project_id", "finding"):
        _add(facts, pid, "conclusions", Source.AUTHENTICITY, finding)


def _earlier_stage_facts(facts: dict[int, ProjectFacts], ids: QuerySet[Any], fiscal_year: int) -> None:
    assessments = (
        PreAssessment.objects.filter(project__in=ids, is_deleted=False, status=PreAssessmentStatus.CONCLUDED)
        .order_by("project_id", "-id")
        .values_list("project_id", "conclusion")
    )
    seen: set[int] = set()
    for pid, conclusion in assessments:
        if pid not in seen:  # the latest conclusion only
            seen.add(pid)
            _add(facts, pid, "conclusions", Source.PRE_ASSESSMENT, conclusion)
    targets = PerformanceTarget.objects.filter(project__in=ids, is_deleted=False).exclude(review_grade="")
    for pid, grade in targets.values_list("project_id", "review_grade"):
        _add(facts, pid, "grades", Source.TARGET_REVIEW, GRADE_LABELS.get(grade, ""))
    for pid, color in ProjectLight.objects.filter(project__in=ids, fiscal_year=fiscal_year).values_list(
        "project_id", "color"
    ):
        if pid in facts and color and color not in facts[pid].colors:
            facts[pid].colors.append(color)
    cases = WarningCase.objects.filter(project__in=ids, fiscal_year=fiscal_year, status=CaseStatus.DECIDED)
    for pid, option in cases.exclude(decided_option="").values_list("project_id", "decided_option"):
        if pid in facts and option not in facts[pid].dispositions:
            facts[pid].dispositions.append(option)


def _appraisal_facts(facts: dict[int, ProjectFacts], projects: QuerySet[Project], fiscal_year: int) -> None:
    """The issued 部门绩效考核 outcome of each project's department, from its own region's task of the same year (a
    county's appraisal never reaches another county's projects)."""
    owners = list(projects.order_by().values_list("pk", "region_id", "department_id"))
    outcomes = issued_department_outcomes(fiscal_year, projects.order_by().values("department_id"))
    for pid, region_id, dept_id in owners:
        outcome = outcomes.get((region_id, dept_id), "")
        if pid in facts and outcome:
            facts[pid].appraisal_outcome = outcome


def project_facts(projects: QuerySet[Project], fiscal_year: int) -> dict[int, ProjectFacts]:
    """The facts of every project in one query per source (never a query per project)."""
    rows = annotate_execution(projects.order_by(), date(fiscal_year, 12, 31)).values_list(
        "pk", "total_amount_yuan", "executed_yuan"
    )
    facts = {pk: ProjectFacts(project_id=pk, budget_yuan=total, executed_yuan=executed) for pk, total, executed in rows}
    labels = value_labels(Condition.CONCLUSION_IN)  # as on the rules page: a hit reads 不予支持, never reject
    for f in facts.values():
        f.conclusion_labels.update(labels)
    ids = projects.values("pk")
    _evaluation_facts(facts, ids, fiscal_year)
    _earlier_stage_facts(facts, ids, fiscal_year)
    _appraisal_facts(facts, projects, fiscal_year)
    for pid in open_rectification_ids(fiscal_year):
        if pid in facts:
            facts[pid].open_rectification = True
    for pid, advice in closed_adjust_advice(fiscal_year, ids).items():
        if pid in facts:
            facts[pid].adjust_advice = advice
    return facts


def next_year_projects(projects: QuerySet[Project], budget_year: int) -> dict[int, int]:
    """project id (evaluated year) → the project of the same region, unit and code in the budget year."""
    current = {(p[1], p[2], p[3]): p[0] for p in projects.values_list("pk", "region_id", "unit_id", "code")}
    following = Project.objects.filter(
        is_deleted=False,
        fiscal_year=budget_year,
        code__in=[key[2] for key in current],
    ).values_list("pk", "region_id", "unit_id", "code")
    return {current[(r, u, c)]: pk for pk, r, u, c in following if (r, u, c) in current}


# ---- lists and pages -------------------------------------------------------------------------------------------------


def applications_visible(user: Any) -> QuerySet[ResultApplication]:
    return ResultApplication.objects.visible_to(user).select_related(
        "project", "department", "unit", "rule", "next_year_project", "decided_by"
    )


def applications_filtered(user: Any, params: dict[str, Any]) -> QuerySet[ResultApplication]:
    qs = applications_visible(user)
    if params.get("fiscal_year"):
        qs = qs.filter(fiscal_year=params["fiscal_year"])
    qs = in_region(qs, params.get("region"))
    if params.get("action"):
        action = params["action"]
        qs = qs.filter(
            Q(status=ApplicationStatus.DECIDED, decided_action=action)
            | Q(status=ApplicationStatus.PROPOSED, proposed_action=action)
        )
    if params.get("department"):
        qs = qs.filter(department=params["department"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("q"):
        qs = qs.filter(Q(project__name__icontains=params["q"]) | Q(project__code__icontains=params["q"]))
    return qs.order_by("department__dept_code", "unit__agency_code", "project__code", "id")


def application_get(user: Any, pk: int) -> ResultApplication:
    try:
        return applications_visible(user).get(pk=pk)
    except ResultApplication.DoesNotExist as exc:
        raise Http404 from exc


def application_events(application: ResultApplication) -> QuerySet[ResultApplicationEvent]:
    return application.events.select_related("actor")


def application_audit_trail(application: ResultApplication) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="results.resultapplication", object_id=str(application.pk))


def link_candidates(application: ResultApplication) -> QuerySet[Project]:
    """Projects of the budget year of the same unit that the proposal may be linked to explicitly."""
    return Project.objects.filter(
        is_deleted=False, fiscal_year=application.budget_year, unit_id=application.unit_id
    ).order_by("code")


def next_year_project_for(application: ResultApplication) -> Project | None:
    """The linked next-year project, else the budget year's project of the same region, unit and code."""
    if application.next_year_project_id:
        return application.next_year_project
    return Project.objects.filter(
        is_deleted=False,
        fiscal_year=application.budget_year,
        region_id=application.region_id,
        unit_id=application.unit_id,
        code=application.project.code,
    ).first()


def _totals(qs: QuerySet[ResultApplication]) -> dict[str, Any]:
    return qs.aggregate(
        count=Count("id"),
        base=Coalesce(Sum("base_amount_yuan"), ZERO),
        proposed=Coalesce(Sum("proposed_amount_yuan"), ZERO),
        decided=Coalesce(Sum("decided_amount_yuan"), ZERO),
    )


def list_totals(qs: QuerySet[ResultApplication]) -> dict[str, Any]:
    return _totals(qs.order_by())


def result_application_summary(user: Any, fiscal_year: int) -> dict[str, Any]:
    """Contract for dashboards and the annual report: counts per action (decided action where decided, else the
    proposal), and Σ proposed / decided cut in yuan (Decimal) for the evaluated year `fiscal_year`."""
    qs = ResultApplication.objects.visible_to(user).filter(fiscal_year=fiscal_year).order_by()
    proposed_by_action = dict(
        qs.values_list("proposed_action").annotate(n=Count("id")).values_list("proposed_action", "n")
    )
    decided_by_action = dict(
        qs.filter(status=ApplicationStatus.DECIDED)
        .values_list("decided_action")
        .annotate(n=Count("id"))
        .values_list("decided_action", "n")
    )
    effective: dict[str, int] = dict.fromkeys(Action.values, 0)
    for action, n in (
        qs.filter(status=ApplicationStatus.PROPOSED).values_list("proposed_action").annotate(n=Count("id"))
    ):
        effective[action] += n
    for action, n in decided_by_action.items():
        effective[action] += n
    cuts = qs.aggregate(
        proposed_cut=Coalesce(Sum("base_amount_yuan", filter=Q(proposed_amount_yuan__isnull=False)), ZERO),
        proposed_sum=Coalesce(Sum("proposed_amount_yuan"), ZERO),
        decided_base=Coalesce(Sum("base_amount_yuan", filter=Q(status=ApplicationStatus.DECIDED)), ZERO),
        decided_sum=Coalesce(Sum("decided_amount_yuan", filter=Q(status=ApplicationStatus.DECIDED)), ZERO),
    )
    return {
        "total": qs.count(),
        "proposed": qs.filter(status=ApplicationStatus.PROPOSED).count(),
        "decided": sum(decided_by_action.values()),
        "by_action": effective,
        "proposed_by_action": {a: proposed_by_action.get(a, 0) for a in Action.values},
        "decided_by_action": {a: decided_by_action.get(a, 0) for a in Action.values},
        "proposed_cut_yuan": max(cuts["proposed_cut"] - cuts["proposed_sum"], Decimal(0)),
        "decided_cut_yuan": max(cuts["decided_base"] - cuts["decided_sum"], Decimal(0)),
        "labels": dict(Action.choices),
    }


def latest_application_year(user: Any) -> int | None:
    """The latest evaluated year with proposals the user sees (None without any)."""
    year = ResultApplication.objects.visible_to(user).aggregate(m=Max("fiscal_year"))["m"]
    return int(year) if year else None


def four_links(user: Any, fiscal_year: int) -> list[dict[str, Any]]:
    """“四挂钩”: per department the linked projects by (effective) action and Σ proposed/decided change in yuan."""
    qs = ResultApplication.objects.visible_to(user).filter(fiscal_year=fiscal_year).order_by()
    rows = (
        qs.values(
            "department_id", "department__dept_code", "department__name", "status", "proposed_action", "decided_action"
        )
        .annotate(
            n=Count("id"),
            base=Coalesce(Sum("base_amount_yuan"), ZERO),
            proposed=Coalesce(Sum("proposed_amount_yuan"), ZERO),
            proposed_base=Coalesce(Sum("base_amount_yuan", filter=Q(proposed_amount_yuan__isnull=False)), ZERO),
            decided=Coalesce(Sum("decided_amount_yuan"), ZERO),
        )
        .order_by("department__dept_code")
    )
    table: dict[int, dict[str, Any]] = {}
    for row in rows:
        dept = table.setdefault(
            row["department_id"],
            {
                "department_id": row["department_id"],
                "code": row["department__dept_code"],
                "name": row["department__name"],
                "counts": dict.fromkeys(Action.values, 0),
                "projects": 0,
                "base_yuan": Decimal(0),
                "proposed_change_yuan": Decimal(0),
                "decided_change_yuan": Decimal(0),
                "sources": {},
            },
        )
        decided = row["status"] == ApplicationStatus.DECIDED
        action = row["decided_action"] if decided else row["proposed_action"]
        dept["counts"][action] += row["n"]
        dept["projects"] += row["n"]
        dept["base_yuan"] += row["base"]
        dept["proposed_change_yuan"] += row["proposed"] - row["proposed_base"]
        if decided:
            dept["decided_change_yuan"] += row["decided"] - row["base"]
    sources = qs.values("department_id", "source").annotate(n=Count("id"))
    for row in sources:
        if row["department_id"] in table:
            table[row["department_id"]]["sources"][row["source"]] = row["n"]
    return list(table.values())


def four_links_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The 合计 row of the “四挂钩” table: the departments' counts and amounts added up."""
    counts = dict.fromkeys(Action.values, 0)
    for row in rows:
        for action, n in row["counts"].items():
            counts[action] += n
    total: dict[str, Any] = {"counts": counts, "projects": sum(row["projects"] for row in rows)}
    for key in ("base_yuan", "proposed_change_yuan", "decided_change_yuan"):
        total[key] = sum((row[key] for row in rows), Decimal(0))
    return total


# ---- next year: display and gate -------------------------------------------------------------------------------------


def applications_for_next_year(projects: Iterable[Any]) -> dict[int, ResultApplication]:
    """next-year project id → the proposal about its predecessor (explicit link first, else same unit and code).

    One query for a whole page of projects: the explicit links and the (year, unit, code, region) keys together.
    """
    projects = list(projects)
    if not projects:
        return {}
    by_key = {(p.fiscal_year, p.unit_id, p.code, p.region_id): p.pk for p in projects}
    # Each field pre-filtered with IN (one plain query, no OR of per-project keys); the exact
    # (year, unit, code, region) match is done below in Python.
    keyed_filter = Q(
        next_year_project__isnull=True,
        budget_year__in=list({k[0] for k in by_key}),
        unit_id__in=list({k[1] for k in by_key}),
        project__code__in=list({k[2] for k in by_key}),
        region_id__in=list({k[3] for k in by_key}),
    )
    wanted = Q(next_year_project_id__in=[p.pk for p in projects]) | keyed_filter
    linked: dict[int, ResultApplication] = {}
    keyed: dict[int, ResultApplication] = {}
    matches = list(ResultApplication.objects.filter(wanted, is_deleted=False).select_related("project").order_by())
    # The tie-break (later rows win below) on the columns themselves, sorted here: a page has a handful of matches,
    # and an ORDER BY costs the ORM more to compile than the query takes to run.
    matches.sort(key=lambda a: (-a.fiscal_year, a.department_id, a.unit_id, a.project_id))
    for app in matches:
        if app.next_year_project_id is not None:
            linked[app.next_year_project_id] = app
        else:
            pid = by_key.get((app.budget_year, app.unit_id, app.project.code, app.region_id))
            if pid is not None:
                keyed[pid] = app
    return keyed | linked


def application_for_next_year(project: Any) -> ResultApplication | None:
    return applications_for_next_year([project]).get(project.pk)


def gate_reason(project: Any, app: ResultApplication) -> str | None:
    """Why a decided, enforced proposal keeps the next-year project from being submitted, or None."""
    if app.status != ApplicationStatus.DECIDED or not app.enforce:
        return None
    action = app.decided_action
    label = dict(Action.choices).get(action, action)
    if action in (Action.CANCEL, Action.SUSPEND):
        return f"根据{app.fiscal_year}年度绩效结果应用决定（{label}），该项目下年度不予安排，不能提交"
    if action == Action.REARRANGE_AFTER_RECTIFY and app.project_id in open_rectification_ids(app.fiscal_year):
        return f"根据{app.fiscal_year}年度绩效结果应用决定（整改后安排），该项目整改完成后方可提交"
    limit = app.decided_amount_yuan
    if action in (Action.REDUCE_PCT, Action.REDUCE_UNSPENT, Action.RECOVER) and limit is not None:
        asked = project.total_amount_yuan
        if asked > limit:
            return (
                f"根据{app.fiscal_year}年度绩效结果应用决定（{label}），下年度安排不超过"
                f"{format_wan(limit)}万元，本项目申报{format_wan(asked)}万元"
            )
    return None


def project_gate(project: Any, action: str) -> None:
    """Registered with projects.gates in ResultsConfig.ready(): enforce the decision on the next-year project."""
    if action not in GATED_ACTIONS:
        return
    app = application_for_next_year(project)
    if app is None:
        return
    reason = gate_reason(project, app)
    if reason:
        raise DomainError(reason)


def results_todos(user: Any) -> list[TodoItem]:
    """The budget section's 待办: proposals waiting for a decision."""
    membership = user.active_membership
    if membership is None or not membership.can("results.decide"):
        return []
    count = ResultApplication.objects.visible_to(user).filter(status=ApplicationStatus.PROPOSED).count()
    url = reverse("results:list")
    return [TodoItem("结果应用", "结果应用建议待决定", count, f"{url}?status=proposed", "采纳或调整（调整须填写理由）")]
