"""Demo 部门整体: the whole-department side of the demo county (seed 001: 55 个部门整体绩效目标, 55 个部门整体
绩效监控审核, 部门整体自评 53 个). About half of the county's departments (as many as seed 001 reports) file a 部门整体
支出绩效目标 that goes up the review chain to 批复 (a few stay with the 主管部门, the 业务股室 or the 绩效股, or come
back for revision), report it in a 1—8月 部门整体 monitoring round (most reviewed through to the 绩效股, a couple
waiting) and self-evaluate it in the year's round (most submitted and reviewed). 县教育局 always takes part, so
`edu_admin` finds its own target, monitoring record and self-evaluation.

Everything goes through the services the pages use (events, review opinions, audit records, signatures), acted by
the department's 主管部门 administrator, its 对口业务股室, the 绩效股 and the 预算股. A department or section without an
account gets one (`d` + 部门编码, `g` + 股室编码, as the demo names its plain accounts).

The draws come from a stream of their own (`random.Random(f"{seed}-overall")`), and the whole runs after the other
stages (before the 年度工作总结 that counts it): the rest of the demo takes the same draws and keeps its figures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db.models import Sum
from django.utils import timezone

from jixiao.accounts.capabilities import Role
from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import Membership, User
from jixiao.core.errors import DomainError
from jixiao.demo import names
from jixiao.demo.evaluation import _fill as _fill_selfevaluation
from jixiao.demo.evaluation import _fits
from jixiao.demo.monitoring import _fill as _fill_monitoring
from jixiao.demo.targets import SLOTS, Category, _library_by_slot, _sector_of
from jixiao.evaluation import services as evaluation
from jixiao.evaluation.models import SelfEvalTask, SelfEvaluation
from jixiao.evaluation.workflow import BULK_ACTIONS as SELFEVAL_BULK_ACTIONS
from jixiao.indicators.library_data import load_starter_library
from jixiao.indicators.models import FrameworkNode, IndicatorCategory
from jixiao.indicators.selectors import framework_for
from jixiao.monitoring import services as monitoring
from jixiao.monitoring.models import MonitoringRecord, MonitoringTask
from jixiao.monitoring.workflow import BULK_ACTIONS as MONITORING_BULK_ACTIONS
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection
from jixiao.projects.models import Project, ProjectStatus
from jixiao.targets import services as targets
from jixiao.targets import services_dept
from jixiao.targets.models import PerformanceTarget, TargetStatus
from jixiao.targets.workflow import BULK_ACTIONS as TARGET_BULK_ACTIONS

T = TargetStatus
PERSONA_DEPARTMENT = "县教育局"
SHARE = 0.55  # the departments that file a 部门整体 target (seed 001: 55; the demo county has about 100)
# How far each 部门整体 target has gone (weights), and the actions that take it there from 草稿.
TARGET_WEIGHTS: dict[str, int] = {
    T.APPROVED: 40,
    T.UNIT_SUBMITTED: 2,
    T.SECTION_REVIEW: 2,
    T.PERF_REVIEW: 2,
    T.RETURNED: 2,
}
TARGET_ACTIONS: dict[str, list[tuple[str, str]]] = {
    T.DRAFT: [],
    T.UNIT_SUBMITTED: [("dept", "submit")],
    T.SECTION_REVIEW: [("dept", "submit"), ("dept", "dept_pass")],
    T.PERF_REVIEW: [("dept", "submit"), ("dept", "dept_pass"), ("section", "section_pass")],
    T.RETURNED: [("dept", "submit"), ("dept", "dept_pass"), ("section", "section_return")],
    T.APPROVED: [
        ("dept", "submit"),
        ("dept", "dept_pass"),
        ("section", "section_pass"),
        ("perf", "grade_good"),
        ("budget", "approve"),
    ],
}
TARGET_OPINIONS = {
    "dept_pass": "部门整体目标与部门职能、年度工作计划相符，同意报送",
    "section_pass": "年度主要任务与预算安排匹配，初审通过",
    "grade_good": "目标完整、指标细化量化，评为良",
    "section_return": "年度主要任务的预算金额与项目支出不一致，部分产出指标未量化，请修改后重新报送",
}
# The monitoring record of a department with an approved target: how far it goes (weights) — most reviewed
# through to the 绩效股, a couple waiting with the 主管部门 or the 业务股室, a few still being filled.
MONITORING_WEIGHTS = {"approved": 40, "submitted": 2, "dept_approved": 2, "filling": 2}
MONITORING_ACTIONS: dict[str, list[tuple[str, str]]] = {
    "filling": [],
    "submitted": [("dept", "submit")],
    "dept_approved": [("dept", "submit"), ("dept", "dept_approve")],
    "approved": [
        ("dept", "submit"),
        ("dept", "dept_approve"),
        ("section", "section_approve"),
        ("perf", "perf_approve"),
    ],
}
SELFEVAL_WEIGHTS = {"fin_reviewed": 36, "section_reviewed": 4, "dept_reviewed": 2, "submitted": 2, "filling": 2}
SELFEVAL_ACTIONS: dict[str, list[tuple[str, str]]] = {
    "filling": [],
    "submitted": [("dept", "submit")],
    "dept_reviewed": [("dept", "submit"), ("dept", "dept_approve")],
    "section_reviewed": [("dept", "submit"), ("dept", "dept_approve"), ("section", "section_approve")],
    "fin_reviewed": [
        ("dept", "submit"),
        ("dept", "dept_approve"),
        ("section", "section_approve"),
        ("perf", "final_approve"),
    ],
}
# 县教育局's own: approved target; its monitoring record waits for 教科文股 (jkw's 待办); its self-evaluation is
# reviewed by the department and waits for the section too.
PERSONA_STATES = {"target": T.APPROVED, "monitoring": "dept_approved", "selfeval": "dept_reviewed"}
OPINIONS = ["同意", "审核通过", "情况属实，同意报送"]
SUBMIT_NOTE = "已对照部门整体绩效目标逐项填报完成情况，偏差原因已在指标中说明"
PERIOD_MONTH = 8
# What a department writes of its year's work (the project wording of the demo's project records does not fit).
DEPT_PROGRESS = (
    "部门年度重点工作按计划推进，主要履职目标已完成约七成。",
    "机关运转保障有序，重点项目正在组织实施，年底前可全面完成年度任务。",
    "部门各项工作稳步推进，部分任务受季节影响安排在第四季度完成。",
)
DEPT_GOAL_ACTUAL = "部门年度总体目标基本完成，履职效能和公共服务水平稳步提升。"
TASKS = ("保障机关正常运转", "履行部门主要职能", "重点项目实施")


def seed_overall(seed: int, county: Any, year: int) -> tuple[int, int]:
    """The 部门整体 targets, monitoring and self-evaluations of the demo county. Returns the number of targets and
    of the accounts opened for the departments and sections that had none."""
    rng = random.Random(f"{seed}-overall")
    chosen = [d for d in _departments(county) if d.name == PERSONA_DEPARTMENT or rng.random() < SHARE]
    staff = _Staff(rng, county, chosen)
    if not chosen or staff.perf is None or staff.budget is None:
        return 0, staff.opened
    grid = _Grid(chosen[0], year)
    plans = [(t, steps) for t, steps in (_target(rng, staff, grid, d, year) for d in chosen) if t is not None]
    _walk(
        staff,
        plans,
        one=lambda actor, item, action, comment: targets.target_transition(
            actor=actor, target=item, action=action, comment=comment
        ),
        bulk=targets.target_bulk_transition,
        offered=TARGET_BULK_ACTIONS,
        comment=lambda action: TARGET_OPINIONS.get(action, ""),
    )
    _monitoring(rng, staff, county, year)
    _selfevaluations(rng, staff, year)
    return len(plans), staff.opened


def _departments(county: Any) -> list[Department]:
    """The county's departments that have a 本级 (first-level) unit to file for them, by code."""
    with_own_unit = BudgetUnit.objects.filter(
        region=county, level=BudgetUnit.Level.FIRST, is_active=True, is_deleted=False
    ).values("department_id")
    return list(
        Department.objects.filter(region=county, is_active=True, is_deleted=False, pk__in=with_own_unit)
        .select_related("region", "finance_section")
        .order_by("dept_code", "id")
    )


class _Staff:
    """Who acts: the 绩效股 and 预算股 personas, each department's 主管部门 administrator and each business section's
    staff; the missing ones get an account (the demo password), named from the overall stream."""

    def __init__(self, rng: random.Random, county: Any, departments: list[Department]) -> None:
        self.perf = _user("jxg")
        self.budget = _user("ysg")
        admins = {
            m.department_id: m.user
            for m in Membership.objects.filter(role=Role.DEPT_ADMIN, is_active=True, department__in=departments)
            .select_related("user")
            .order_by("id")
        }
        sections = {d.finance_section_id for d in departments if d.finance_section_id}
        reviewers = {
            m.section_id: m.user
            for m in Membership.objects.filter(role=Role.BUSINESS, is_active=True, section_id__in=sections)
            .select_related("user")
            .order_by("id")
        }
        rows: list[tuple[str, str, dict[str, Any]]] = []
        for department in departments:
            if department.pk not in admins:
                rows.append((f"d{department.dept_code}", Role.DEPT_ADMIN, {"department": department}))
        for section in FinanceSection.objects.filter(pk__in=sections - set(reviewers)).order_by("code"):
            rows.append((f"g{section.code.lower()}", Role.BUSINESS, {"section": section}))
        taken = set(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", flat=True))
        rows = [r for r in rows if r[0] not in taken]
        password = make_password(DEMO_PASSWORD)
        users = User.objects.bulk_create(
            User(username=username, display_name=_person(rng), password=password) for username, _, _ in rows
        )
        Membership.objects.bulk_create(
            Membership(user=user, role=role, region=county, **orgs)
            for user, (_, role, orgs) in zip(users, rows, strict=True)
        )
        for user, (_, _, orgs) in zip(users, rows, strict=True):
            if "department" in orgs:
                admins[orgs["department"].pk] = user
            else:
                reviewers[orgs["section"].pk] = user
        self.admins = admins
        self.reviewers = reviewers
        self.opened = len(users)

    def actor(self, who: str, department: Department) -> User:
        user = {
            "perf": self.perf,
            "budget": self.budget,
            "dept": self.admins.get(department.pk),
            "section": self.reviewers.get(department.finance_section_id),
        }[who]
        assert user is not None
        return user


Steps = list[tuple[str, str]]  # (who, action) in order


def _walk(
    staff: _Staff,
    plans: list[tuple[Any, Steps]],
    *,
    one: Callable[..., Any],
    bulk: Callable[..., int],
    offered: tuple[str, ...],
    comment: Callable[[str], str],
) -> None:
    """Walk items up their review chain step by step, as the reviewers work: a 主管部门 acts on each of its own; a
    business section or the 绩效股 ticks all the rows waiting for it and uses the service's 批量审核 where it offers
    the action (for monitoring records, one warning sweep for the batch instead of one per record). An item the
    service refuses stays where it is."""
    items = {item.pk: item for item, _ in plans}
    steps_of = {item.pk: steps for item, steps in plans}
    model = type(plans[0][0]) if plans else None
    for n in range(max((len(steps) for steps in steps_of.values()), default=0)):
        batches: dict[tuple[int, str], list[int]] = defaultdict(list)
        actors: dict[int, User] = {}
        for pk, steps in steps_of.items():
            if pk not in items or n >= len(steps):
                continue
            who, action = steps[n]
            actor = staff.actor(who, items[pk].department)
            if who != "dept" and action in offered:
                batches[(actor.pk, action)].append(pk)
                actors[actor.pk] = actor
                continue
            try:
                items[pk] = one(actor=actor, item=items[pk], action=action, comment=comment(action))
            except DomainError:
                del items[pk]
        for (actor_pk, action), pks in batches.items():
            try:
                bulk(actor=actors[actor_pk], ids=pks, action=action, comment=comment(action))
            except DomainError:
                for pk in pks:
                    del items[pk]
                continue
            assert model is not None
            items.update(model.objects.select_related("department", "region", "unit").in_bulk(pks))


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _person(rng: random.Random) -> str:
    given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return f"{rng.choice(names.SURNAMES)}{given}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# ---------------------------------------------------------------- 部门整体绩效目标


def _target(
    rng: random.Random, staff: _Staff, grid: _Grid, department: Department, year: int
) -> tuple[PerformanceTarget | None, Steps]:
    """The department's target, filled in by its 主管部门, and the review steps it is to go through."""
    persona = department.name == PERSONA_DEPARTMENT
    status = PERSONA_STATES["target"] if persona else _weighted(rng, TARGET_WEIGHTS)
    dept = staff.actor("dept", department)
    try:
        target = services_dept.target_create_dept_overall(actor=dept, department=department, fiscal_year=year)
        goals, tasks = _goals(department, year)
        target = services_dept.target_save_dept(
            actor=dept, target=target, goals=goals, tasks=tasks, rows=grid.rows(rng, department)
        )
    except DomainError:
        return None, []  # a department the demo cannot file cleanly keeps what it has
    return target, TARGET_ACTIONS[status]


def _goals(department: Department, year: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The budget block from the department's projects of the year in the library, the budget the target is
    approved with (基本支出: 人员类 and 运转类; 项目支出: 特定目标类), so it matches the 全年预算 of its 部门整体
    monitoring record; its three largest specific projects are the 年度主要任务."""
    projects = Project.objects.filter(
        department=department, fiscal_year=year, is_deleted=False, status=ProjectStatus.IN_LIBRARY
    )
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for category, total, fiscal in (
        projects.values("category")
        .annotate(total=Sum("total_amount_yuan"), fiscal=Sum("fiscal_amount_yuan"))
        .values_list("category", "total", "fiscal")
    ):
        key = "project" if category == Project.Category.SPECIFIC else "basic"
        sums[key] += total or 0
        sums["fiscal"] += fiscal or 0
    total = sums["basic"] + sums["project"]
    goals = {
        "annual_goal": (
            f"全面履行{department.name}部门职责，保障机关正常运转，按期完成年度重点工作任务，"
            "预算执行率不低于90%，服务对象满意度不低于90%。"
        ),
        "midterm_goal": f"{year}—{year + 2}年持续提升履职效能和公共服务质量。",
        "annual_total_yuan": total,
        "annual_fiscal_yuan": sums["fiscal"],
        "other_yuan": total - sums["fiscal"],
        "basic_yuan": sums["basic"],
        "project_spending_yuan": sums["project"],
    }
    largest = projects.filter(category=Project.Category.SPECIFIC).order_by("-total_amount_yuan", "code")[:3]
    tasks = [
        {
            "name": project.name,
            "content": f"{TASKS[min(seq, len(TASKS) - 1)]}：按计划实施“{project.name}”",
            "amount_yuan": project.total_amount_yuan,
        }
        for seq, project in enumerate(largest, start=1)
    ]
    return goals, tasks


class _Grid:
    """The indicator grid of a 部门整体 target: one library indicator per SLOTS row, the department's own sector first
    (as the demo's project targets pick theirs); the library is read once for every department."""

    def __init__(self, department: Department, year: int) -> None:
        load_starter_library(apps.get_model)
        framework = framework_for(department.region, year)
        self.library = _library_by_slot(framework.pk)
        self.categories: list[Category] = list(IndicatorCategory.objects.values_list("pk", "name", "parent_id"))
        self.nodes = {n.pk: n for n in FrameworkNode.objects.filter(framework_id=framework.pk)}

    def rows(self, rng: random.Random, department: Department) -> list[dict[str, Any]]:
        sector = _sector_of(department.name, self.categories)
        rows: list[dict[str, Any]] = []
        for slot, weight in zip(SLOTS, (30, 20, 10, 30, 10), strict=True):
            candidates = self.library.get(slot) or []
            suited = [i for i in candidates if i.category_id in sector] or [i for i in candidates if i.is_common]
            if not (suited or candidates):
                continue
            item = rng.choice(suited or candidates)
            rows.append(
                {
                    "lv1": self.nodes[item.lv1_id],
                    "lv2": self.nodes[item.lv2_id],
                    "name": item.name,
                    "operator": item.operator,
                    "target_text": item.typical_value or "达到预期",
                    "unit": item.unit,
                    "weight": Decimal(weight),
                    "explanation": item.explanation,
                    "scoring_standard": item.scoring_standard,
                    "value_basis": item.value_basis,
                    "data_source": item.data_source,
                    "library_item": item,
                    "is_core": item.is_core,
                }
            )
        return rows


# ---------------------------------------------------------------- 部门整体绩效监控


def _monitoring(rng: random.Random, staff: _Staff, county: Any, year: int) -> None:
    """A 1—8月 部门整体 round issued by the 绩效股; the records of departments with an approved target are filled
    by their 主管部门 and walked up the review chain (the others wait to be filled)."""
    perf = staff.perf
    assert perf is not None
    deadline = max(date(year, PERIOD_MONTH + 1, 20), timezone.localdate() + timedelta(days=10))
    try:
        task = monitoring.task_create(
            actor=perf,
            data={
                "title": f"{year}年1—{PERIOD_MONTH}月部门整体支出绩效运行监控",
                "fiscal_year": year,
                "period_end_month": PERIOD_MONTH,
                "start_date": min(date(year, PERIOD_MONTH + 1, 1), deadline),
                "deadline": deadline,
                "warn_days": 5,
                "scope": MonitoringTask.Scope.DEPT_OVERALL,
                "description": "请各部门对照已批复的部门整体绩效目标，填报1—8月部门预算执行和年度主要任务完成情况。",
            },
        )
        monitoring.task_issue(actor=perf, task=task)
    except DomainError:
        return
    records = (
        MonitoringRecord.objects.filter(task=task, target__status=T.APPROVED)
        .select_related("task", "region", "department", "unit")
        .order_by("department__dept_code", "id")
    )
    plans: list[tuple[Any, Steps]] = []
    for record in records:
        persona = record.department.name == PERSONA_DEPARTMENT
        state = PERSONA_STATES["monitoring"] if persona else _weighted(rng, MONITORING_WEIGHTS)
        try:
            plans.append(
                (
                    _fill_monitoring(rng, staff.actor("dept", record.department), record, DEPT_PROGRESS),
                    MONITORING_ACTIONS[state],
                )
            )
        except DomainError:
            continue
    _walk(
        staff,
        plans,
        one=lambda actor, item, action, comment: monitoring.record_transition(
            actor=actor, record=item, action=action, comment=comment
        ),
        bulk=monitoring.record_bulk_transition,
        offered=MONITORING_BULK_ACTIONS,
        comment=lambda action: rng.choice(OPINIONS),
    )


# ---------------------------------------------------------------- 部门整体自评


def _selfevaluations(rng: random.Random, staff: _Staff, year: int) -> None:
    """The 部门整体 records of the year's self-evaluation round (补充生成 when the round was started before these
    targets were approved), filled by the 主管部门 and reviewed up the chain."""
    perf = staff.perf
    assert perf is not None
    region = perf.active_membership.region if perf.active_membership else None
    task = SelfEvalTask.objects.filter(region=region, fiscal_year=year).first()
    try:
        if task is None:
            evaluation.task_start(actor=perf, fiscal_year=year, deadline=date(year + 1, 3, 31))
        else:
            evaluation.task_supplement(actor=perf, task=task)
    except DomainError:
        return
    records = (
        SelfEvaluation.objects.filter(fiscal_year=year, subject=SelfEvaluation.Subject.DEPT_OVERALL, region=region)
        .select_related("region", "department", "unit")
        .order_by("department__dept_code", "id")
    )
    plans: list[tuple[Any, Steps]] = []
    for record in records:
        if not _fits(record):
            continue
        persona = record.department.name == PERSONA_DEPARTMENT
        state = PERSONA_STATES["selfeval"] if persona else _weighted(rng, SELFEVAL_WEIGHTS)
        try:
            plans.append(
                (
                    _fill_selfevaluation(
                        rng, staff.actor("dept", record.department), record, False, goal_actual=DEPT_GOAL_ACTUAL
                    ),
                    SELFEVAL_ACTIONS[state],
                )
            )
        except DomainError:
            continue
    _walk(
        staff,
        plans,
        one=lambda actor, item, action, comment: evaluation.selfeval_transition(
            actor=actor, record=item, action=action, comment=comment
        ),
        bulk=evaluation.selfeval_bulk_transition,
        offered=SELFEVAL_BULK_ACTIONS,
        comment=lambda action: SUBMIT_NOTE if action == "submit" else rng.choice(OPINIONS),
    )
