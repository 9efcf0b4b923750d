"""The demo county (渠县): finance bureau 股室, ~100 主管部门, ~400 预算单位, ~900 projects and the demo logins.

Deterministic: every random choice comes from one `random.Random(seed)` and nothing depends on the clock,
so one seed always gives the same rows. Fast: rows go in with bulk_create inside one transaction, level by
level so that parents have keys (and paths) before their children.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from jixiao.accounts.capabilities import Role
from jixiao.accounts.demo_logins import DEMO_PASSWORD, DEMO_USERS
from jixiao.accounts.models import Membership, User
from jixiao.demo import names
from jixiao.demo.alerts import seed_alerts
from jixiao.demo.appraisals import seed_appraisals
from jixiao.demo.bulletins import seed_bulletins
from jixiao.demo.cases import seed_cases
from jixiao.demo.disclosure import seed_disclosure
from jixiao.demo.documents import seed_documents
from jixiao.demo.evaluation import seed_selfevaluations
from jixiao.demo.execution import seed_payments
from jixiao.demo.experts import seed_experts
from jixiao.demo.inspections import seed_inspections
from jixiao.demo.joint_review import seed_joint_review
from jixiao.demo.keyeval import seed_keyeval
from jixiao.demo.monitoring import seed_monitoring
from jixiao.demo.names import DeptSpec, T
from jixiao.demo.overall import seed_overall
from jixiao.demo.preassessment import seed_preassessments
from jixiao.demo.rectification import seed_rectification
from jixiao.demo.regulations import seed_regulations
from jixiao.demo.reports import seed_reports
from jixiao.demo.reset import DemoDataError, reset_demo
from jixiao.demo.results import seed_results
from jixiao.demo.security import relax_second_factor_for_demo
from jixiao.demo.targets import seed_targets
from jixiao.demo.training import seed_training
from jixiao.organizations.models import BudgetUnit, Department, FinanceSection, FiscalRegion, FiscalYear
from jixiao.projects.models import Project, ProjectEvent, ProjectStatus

DEFAULT_SEED = 20260101
CURRENT_YEAR = 2026
PREVIOUS_YEAR = 2025
BASE_PROJECTS = 900
BASE_UNIT_USERS = 30
BASE_DEPT_ADMINS = 15
BATCH_SIZE = 1000
COPY_CODE_STEP = 1000  # department codes of the 2nd, 3rd... copy at scale > 1: 1101, 2101, ...
TOWN_OWN_UNIT_CHANCE = 0.7
ZERO = Decimal("0.00")
WAN = Decimal(10000)
# 人员类 and 运转类 projects are 常年性: in the library since the county moved onto 预算管理一体化, renewed every year
# inside that period, so the 事前评估 rule never sees them as new or as expiring continuations (DOMAIN.md §2.1).
RECURRING_SINCE = 2022

S = ProjectStatus
C = Project.Category
STATUS_WEIGHTS = {S.IN_LIBRARY: 66, S.DRAFT: 11, S.SUBMITTED: 8, S.DEPT_APPROVED: 7, S.RETURNED: 5, S.CANCELLED: 3}
CATEGORY_WEIGHTS = {C.SPECIFIC: 82, C.OPERATION: 11, C.PERSONNEL: 7}
UNIT_WEIGHTS = {1: 4.0, 2: 1.5, 3: 1.0}
ADMIN_PROFILES = frozenset({"police", "2040604"})
# What a previous-year copy of a project keeps as it is.
COPIED_FIELDS = (
    "region_id",
    "name",
    "department_id",
    "unit_id",
    "category",
    "budget_book",
    "function_code",
    "is_key",
    "is_rural_link",
    "is_agri_integrated",
)
# Fund themes (seed 003), decided by the programme's function code, not drawn from the seed's random stream (the
# rest of the demo stays as it was): specific projects under 213 农林水支出 are 涉农整合资金项目, those under
# 213 05 巩固脱贫攻坚成果衔接乡村振兴 also 衔接资金项目.
AGRI_FUNCTION, RURAL_LINK_FUNCTION = "213", "21305"
# How a returned project came back: the return action → the event's role and the status it left.
RETURNS = {
    "dept_return": {"actor_role": Role.DEPT_ADMIN, "from_status": S.SUBMITTED},
    "section_return": {"actor_role": Role.BUSINESS, "from_status": S.DEPT_APPROVED},
}

X = TypeVar("X")
DeptEntry = tuple[int, DeptSpec, str | None]  # (department code, spec, town name for a town government)


@dataclass
class SeedSummary:
    regions: int = 0
    sections: int = 0
    departments: int = 0
    units: int = 0
    projects: dict[int, int] = field(default_factory=dict)
    users: int = 0
    targets: int = 0
    preassessments: int = 0
    overall_targets: int = 0


@dataclass
class UnitPlan:
    unit: BudgetUnit
    label: str  # what this unit's project names start with
    base_code: str  # the function code its projects derive from
    templates: tuple[T, ...]  # preferred specific-purpose templates
    generic: tuple[T, ...]  # fallback specific-purpose templates
    anchors: tuple[str, ...] = ()
    count: int = 0  # projects to create


@dataclass
class DeptPlan:
    department: Department
    spec: DeptSpec
    town: str | None
    suffix: str
    units: list[UnitPlan] = field(default_factory=list)
    serials: dict[str, int] = field(default_factory=dict)

    def next_serial(self, key: str) -> int:
        self.serials[key] = self.serials.get(key, 0) + 1
        return self.serials[key]


def demo_exists() -> bool:
    return FiscalRegion.objects.filter(mof_div_code=names.COUNTY[0]).exists()


def seed_demo(*, seed: int = DEFAULT_SEED, scale: float = 1.0, reset: bool = False) -> SeedSummary | None:
    """Build the demo county; None (and no change) when it already exists and `reset` is not given."""
    if not (settings.DEMO_MODE or settings.TESTING):
        # Demo accounts have a published password and --reset deletes a real region code: never in production.
        raise DemoDataError("演示数据只能在演示模式（JIXIAO_DEMO=1）下生成")
    if not 0 < scale <= 100:
        raise DemoDataError("规模系数须大于0且不超过100")
    with transaction.atomic():
        if reset:
            reset_demo(county_code=names.COUNTY[0], parent_codes=(names.CITY[0], names.PROVINCE[0]))
        elif demo_exists():
            return None
        summary = _Builder(random.Random(seed), scale, seed).build()
        relax_second_factor_for_demo()
        return summary


# ---------------------------------------------------------------- helpers


def _scaled(count: int, scale: float) -> int:
    return max(1, int(count * scale + 0.5))


def _weighted(rng: random.Random, choices: Mapping[X, int]) -> X:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def _numeral(number: int) -> str:
    return names.NUMERALS[number - 1] if number <= len(names.NUMERALS) else str(number)


def _phase(name: str, used: set[str]) -> str:
    """A name not used yet in this unit: repeats become 二期, 三期..."""
    candidate, phase = name, 1
    while candidate in used:
        phase += 1
        candidate = f"{name}（{_numeral(phase)}期）"
    used.add(candidate)
    return candidate


def _function_code(code: str, base: str, is_admin: bool) -> str:
    if not code:
        return base
    if code == "HEALTH":
        return names.ADMIN_HEALTH_CODE if is_admin else names.INSTITUTION_HEALTH_CODE
    if code.startswith("@"):
        return base[:5] + code[1:]
    return code


def _yuan(cents: int, step: int) -> Decimal:
    """Cents → yuan, cut to a multiple of `step` cents (budgets are usually whole 百元 or 万元)."""
    cents = max(step, cents - cents % step)
    return Decimal(cents).scaleb(-2)


def _step(cents: int, category: str) -> int:
    if category == C.PERSONNEL:
        return 1
    return 1_000_000 if cents >= 100_000_000 else 10_000


def _tier(total: Decimal) -> str:
    if total >= 100 * WAN:
        return Project.Tier.A
    return Project.Tier.B if total >= 10 * WAN else Project.Tier.C


def _base_departments() -> list[DeptEntry]:
    """Every county department, then every town government."""
    county: list[DeptEntry] = [(names.COUNTY_DEPT_CODE_START + i, s, None) for i, s in enumerate(names.DEPARTMENTS)]
    towns = zip(names.TOWN_DEPARTMENTS, names.TOWNS, strict=True)
    return county + [(names.TOWN_DEPT_CODE_START + i, s, town) for i, (s, (town, _)) in enumerate(towns)]


# ---------------------------------------------------------------- builder


class _Builder:
    def __init__(self, rng: random.Random, scale: float, seed: int = DEFAULT_SEED) -> None:
        self.rng = rng
        self.seed = seed
        self.scale = scale
        self.summary = SeedSummary()
        self.current: list[Project] = []
        self.previous: list[Project] = []
        self.returns: dict[str, tuple[str, str]] = {}  # project code → (action, comment)

    def build(self) -> SeedSummary:
        _fiscal_years()
        county = self._regions()
        sections = self._sections(county)
        plans = self._departments(county, sections)
        self._units(plans)
        self._projects(plans)
        self._users(county, sections, plans)
        self.summary.users += seed_experts(county)
        # Stage 1 before the stages that read the library: a 核减后支持 cuts its project's amount first.
        self.summary.preassessments = seed_preassessments(self.rng, county, CURRENT_YEAR)
        # Where the county had too few, 县第一中学 and 县人民医院 filed new projects for it.
        self.summary.projects[CURRENT_YEAR] = Project.objects.filter(region=county, fiscal_year=CURRENT_YEAR).count()
        self.summary.targets = seed_targets(self.rng, county.path, CURRENT_YEAR)
        seed_payments(self.rng, county, CURRENT_YEAR)
        seed_monitoring(self.rng, county, CURRENT_YEAR)
        seed_alerts(county, CURRENT_YEAR)
        seed_selfevaluations(self.rng, county, CURRENT_YEAR)
        seed_keyeval(self.rng, county, CURRENT_YEAR)
        # Closing the loop (issue 7): documents and training first, then the stages that read them.
        seed_documents(self.rng, county, CURRENT_YEAR)
        seed_training(self.rng, county, CURRENT_YEAR)
        seed_regulations(self.rng, county, CURRENT_YEAR)
        seed_rectification(self.rng, county, CURRENT_YEAR)
        seed_results(self.rng, county, CURRENT_YEAR)
        seed_disclosure(self.rng, county, CURRENT_YEAR)
        seed_appraisals(self.rng, county, CURRENT_YEAR)
        seed_bulletins(self.rng, county, CURRENT_YEAR)
        # 部门整体 (targets, monitoring, self-evaluation) from a stream of its own: the figures above stay as they were.
        self.summary.overall_targets, opened = seed_overall(self.seed, county, CURRENT_YEAR)
        self.summary.users += opened
        # 季度检查 by every business section, whose logins the 部门整体 seeder opens where the county had none.
        seed_inspections(self.rng, county, CURRENT_YEAR)
        seed_cases(self.rng, county, CURRENT_YEAR)
        seed_reports(self.rng, county, CURRENT_YEAR)
        # Last, from no random stream: the other seeders' rows stay as they were.
        seed_joint_review(county, CURRENT_YEAR)
        return self.summary

    # -- organisations

    def _regions(self) -> FiscalRegion:
        levels = FiscalRegion.Level
        province = self._region(*names.PROVINCE, levels.PROVINCE, None, reuse=True)
        city = self._region(*names.CITY, levels.CITY, province, reuse=True)
        county = self._region(*names.COUNTY, levels.COUNTY, city, reuse=False)
        towns = [
            FiscalRegion(mof_div_code=f"{county.mof_div_code[:6]}{i:03d}", name=town, level=levels.TOWN, parent=county)
            for i, (town, _) in enumerate(names.TOWNS, start=1)
        ]
        for town in towns:
            town.path = town.build_path()
        FiscalRegion.objects.bulk_create(towns)
        self.summary.regions += len(towns)
        return county

    def _region(self, code: str, name: str, level: str, parent: FiscalRegion | None, *, reuse: bool) -> FiscalRegion:
        existing = FiscalRegion.objects.filter(mof_div_code=code).first() if reuse else None
        if existing is not None:
            return existing
        region = FiscalRegion(mof_div_code=code, name=name, level=level, parent=parent)
        region.path = region.build_path()
        region.save()
        self.summary.regions += 1
        return region

    def _sections(self, county: FiscalRegion) -> dict[str, FinanceSection]:
        sections = [FinanceSection(region=county, code=c, name=n, kind=k, sort=o) for c, n, k, o in names.SECTIONS]
        FinanceSection.objects.bulk_create(sections)
        self.summary.sections = len(sections)
        return {section.code: section for section in sections}

    def _departments(self, county: FiscalRegion, sections: dict[str, FinanceSection]) -> list[DeptPlan]:
        plans = []
        for code, spec, town, copy in self._department_choices():
            suffix = f"（{_numeral(copy + 1)}）" if copy else ""
            department = Department(
                region=county,
                dept_code=str(code),
                name=f"{spec.name}{suffix}",
                finance_section=sections[spec.section],
                is_key_focus=spec.key_focus,
                is_town=town is not None,
            )
            plans.append(DeptPlan(department, spec, town, suffix))
        Department.objects.bulk_create([plan.department for plan in plans], batch_size=BATCH_SIZE)
        self.summary.departments = len(plans)
        return plans

    def _department_choices(self) -> list[tuple[int, DeptSpec, str | None, int]]:
        """(code, spec, town, copy): whole copies of the department list, then a sample of it (scale < 1: only that)."""
        base = _base_departments()
        copies, rest = divmod(_scaled(len(base), self.scale), len(base))
        chosen = [
            (code + copy * COPY_CODE_STEP, spec, town, copy) for copy in range(copies) for code, spec, town in base
        ]
        if rest:
            picked = self._sample_departments(base, rest, with_required=copies == 0)
            chosen += [(code + copies * COPY_CODE_STEP, spec, town, copies) for code, spec, town in picked]
        return chosen

    def _sample_departments(self, base: list[DeptEntry], count: int, *, with_required: bool) -> list[DeptEntry]:
        required: list[DeptEntry] = []
        if with_required:
            # The demo logins' departments, and one department for every business section.
            required = [entry for entry in base if entry[1].name in names.REQUIRED_DEPARTMENTS]
            for section in names.BUSINESS_SECTIONS:
                if not any(entry[1].section == section for entry in required):
                    required.append(self.rng.choice([entry for entry in base if entry[1].section == section]))
        others = [entry for entry in base if entry not in required]
        picked = required + self.rng.sample(others, max(0, count - len(required)))
        return sorted(picked, key=lambda entry: entry[0])

    def _units(self, plans: list[DeptPlan]) -> None:
        for plan in plans:
            self._plan_units(plan)
        units = [unit for plan in plans for unit in plan.units]
        for level in (1, 2, 3):
            batch = [unit_plan.unit for unit_plan in units if unit_plan.unit.level == level]
            for unit in batch:
                unit.department_id = unit.department.pk
                unit.parent_id = unit.parent.pk if unit.parent else None
                unit.path = unit.build_path()
            BudgetUnit.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        self.summary.units = len(units)

    def _plan_units(self, plan: DeptPlan) -> None:
        spec, suffix = plan.spec, plan.suffix
        label = plan.town or plan.department.name
        templates = names.PROGRAMMES[spec.field]
        root = self._add_unit(plan, None, f"{plan.department.name}（本级）", spec.kind, label, spec.admin_code)
        root.templates, root.generic = templates, names.GENERIC_PROGRAMMES
        for sub in names.SUB_UNITS.get(spec.name, ()):
            child = self._add_sub(plan, root, f"{sub.name}{suffix}", sub.profile)
            for grandchild in sub.children:
                self._add_sub(plan, child, f"{grandchild}{suffix}", sub.profile)
        town_templates = names.TOWN_SUB_UNITS.get(spec.name, ())
        for town in self._towns() if town_templates else []:
            for template, profile in town_templates:
                self._add_sub(plan, root, f"{template.format(town=town)}{suffix}", profile)
        for template, profile in names.TOWN_OWN_SUB_UNITS if plan.town else ():
            if self.rng.random() < TOWN_OWN_UNIT_CHANCE:
                self._add_sub(plan, root, f"{template.format(town=plan.town)}{suffix}", profile)

    def _towns(self) -> list[str]:
        towns = [town for town, _ in names.TOWNS]
        if self.scale >= 1:
            return towns
        picked = set(self.rng.sample(range(len(towns)), _scaled(len(towns), self.scale)))
        return [town for i, town in enumerate(towns) if i in picked]

    def _add_sub(self, plan: DeptPlan, parent: UnitPlan, name: str, profile: str) -> UnitPlan:
        base_code, template_key = names.PROFILES.get(profile, (profile, "institution"))
        kind = BudgetUnit.Kind.ADMIN if profile in ADMIN_PROFILES else BudgetUnit.Kind.PUBLIC_INSTITUTION
        unit = self._add_unit(plan, parent, name, kind, name, base_code)
        unit.templates, unit.generic = names.UNIT_TEMPLATES[template_key], names.UNIT_TEMPLATES["institution"]
        return unit

    def _add_unit(
        self, plan: DeptPlan, parent: UnitPlan | None, name: str, kind: str, label: str, base_code: str
    ) -> UnitPlan:
        serial = plan.next_serial("unit")
        unit = BudgetUnit(
            region=plan.department.region,
            agency_code=f"{plan.department.dept_code}{serial:03d}",
            name=name,
            department=plan.department,
            parent=parent.unit if parent else None,
            level=parent.unit.level + 1 if parent else BudgetUnit.Level.FIRST,
            kind=kind,
        )
        anchors = names.ANCHOR_STATUSES.get(name, ()) if not plan.suffix else ()
        unit_plan = UnitPlan(unit, label, base_code, (), (), anchors)
        plan.units.append(unit_plan)
        return unit_plan

    # -- projects

    def _projects(self, plans: list[DeptPlan]) -> None:
        units = [unit for plan in plans for unit in plan.units]
        weights = [UNIT_WEIGHTS[unit.unit.level] for unit in units]
        for index in self.rng.choices(range(len(units)), weights=weights, k=_scaled(BASE_PROJECTS, self.scale)):
            units[index].count += 1
        for unit in units:
            unit.count = max(unit.count, len(unit.anchors))
        for plan in plans:
            for unit in plan.units:
                self._unit_projects(plan, unit)
        Project.objects.bulk_create(self.current + self.previous, batch_size=BATCH_SIZE)
        self._return_events()
        self.summary.projects = {CURRENT_YEAR: len(self.current), PREVIOUS_YEAR: len(self.previous)}

    def _unit_projects(self, plan: DeptPlan, unit: UnitPlan) -> None:
        used: set[str] = set()
        for i in range(unit.count):
            anchored = i < len(unit.anchors)
            category = C.SPECIFIC if anchored else _weighted(self.rng, CATEGORY_WEIGHTS)
            template = self._template(unit, category, used)
            name = _phase(template.name.format(unit=unit.label), used)
            status = unit.anchors[i] if anchored else _weighted(self.rng, STATUS_WEIGHTS)
            project = self._project(plan, unit, template, category, name, status)
            self.current.append(project)
            if status == S.RETURNED:
                self._note_return(project.code)
            if category != C.SPECIFIC or (not project.is_new and project.start_year <= PREVIOUS_YEAR):
                self.previous.append(self._previous_year_copy(plan, project))

    def _template(self, unit: UnitPlan, category: str, used: set[str]) -> T:
        if category == C.PERSONNEL:
            pools: tuple[tuple[T, ...], ...] = (names.PERSONNEL_TEMPLATES,)
        elif category == C.OPERATION:
            pools = (names.OPERATION_TEMPLATES,)
        elif self.rng.random() < 0.75:
            pools = (unit.templates, unit.generic)
        else:
            pools = (unit.generic, unit.templates)
        for pool in pools:
            fresh = [template for template in pool if template.name.format(unit=unit.label) not in used]
            if fresh:
                # Few templates use the fund, state-capital or social-insurance books: favour them a little.
                weights = [1 if template.book == Project.BudgetBook.GENERAL else 3 for template in fresh]
                return self.rng.choices(fresh, weights=weights)[0]
        return self.rng.choice(pools[0])

    def _project(self, plan: DeptPlan, unit: UnitPlan, template: T, category: str, name: str, status: str) -> Project:
        rng = self.rng
        wan = math.exp(rng.uniform(math.log(template.min_wan), math.log(template.max_wan)))
        cents = int(wan * 1_000_000)
        fiscal = _yuan(cents, _step(cents, category))
        carryover = self._share(cents, 0.12, 0.4) if category == C.SPECIFIC else ZERO
        other = self._share(cents, 0.10, 0.3) if category == C.SPECIFIC else ZERO
        total = fiscal + carryover + other
        is_new = category == C.SPECIFIC and rng.random() < 0.35
        start, end = self._period(category, is_new)
        return Project(
            fiscal_year=CURRENT_YEAR,
            region=unit.unit.region,
            code=f"{CURRENT_YEAR}-{plan.department.dept_code}-{plan.next_serial(str(CURRENT_YEAR)):04d}",
            name=name,
            department=plan.department,
            unit=unit.unit,
            category=category,
            is_new=is_new,
            budget_book=template.book,
            function_code=_function_code(template.code, unit.base_code, unit.unit.kind == BudgetUnit.Kind.ADMIN),
            fiscal_amount_yuan=fiscal,
            carryover_amount_yuan=carryover,
            other_amount_yuan=other,
            start_year=start,
            end_year=end,
            tier=_tier(total),
            is_key=total >= 1000 * WAN or (total >= 100 * WAN and rng.random() < 0.3),
            is_agri_integrated=category == C.SPECIFIC and template.code.startswith(AGRI_FUNCTION),
            is_rural_link=category == C.SPECIFIC and template.code.startswith(RURAL_LINK_FUNCTION),
            description=rng.choice(names.DESCRIPTIONS).format(unit=unit.label, name=name, year=CURRENT_YEAR),
            status=status,
        )

    def _share(self, cents: int, chance: float, most: float) -> Decimal:
        """Sometimes non-zero: a share (5%..most) of the fiscal amount, in whole 百元."""
        if self.rng.random() >= chance:
            return ZERO
        return _yuan(int(cents * self.rng.uniform(0.05, most)), 10_000)

    def _period(self, category: str, is_new: bool) -> tuple[int, int]:
        if category != C.SPECIFIC:
            return RECURRING_SINCE, CURRENT_YEAR
        end = CURRENT_YEAR + self.rng.choice((0, 0, 1, 2))
        start = CURRENT_YEAR if is_new else CURRENT_YEAR - self.rng.choice((1, 1, 2, 3))
        return start, end

    def _previous_year_copy(self, plan: DeptPlan, project: Project) -> Project:
        """The same (continuing or recurring) project as it stood in the previous year's library."""
        cents = int(project.fiscal_amount_yuan * 100 * Decimal(str(self.rng.uniform(0.85, 1.15))))
        fiscal = _yuan(cents, _step(cents, project.category))
        recurring = project.category != C.SPECIFIC
        start = project.start_year
        copied = {name: getattr(project, name) for name in COPIED_FIELDS}
        return Project(
            **copied,
            fiscal_year=PREVIOUS_YEAR,
            code=f"{PREVIOUS_YEAR}-{plan.department.dept_code}-{plan.next_serial(str(PREVIOUS_YEAR)):04d}",
            is_new=not recurring and start == PREVIOUS_YEAR,
            fiscal_amount_yuan=fiscal,
            start_year=start,
            end_year=PREVIOUS_YEAR if recurring else project.end_year,
            tier=_tier(fiscal),
            description=project.description.replace(f"{CURRENT_YEAR}年", f"{PREVIOUS_YEAR}年"),
            status=S.IN_LIBRARY,
        )

    def _note_return(self, code: str) -> None:
        action = self.rng.choice(("dept_return", "section_return"))
        self.returns[code] = (action, self.rng.choice(names.RETURN_COMMENTS))

    def _return_events(self) -> None:
        """A returned project shows why in its history."""
        events = []
        for project in (project for project in self.current if project.code in self.returns):
            action, comment = self.returns[project.code]
            events.append(
                ProjectEvent(project=project, action=action, comment=comment, to_status=S.RETURNED, **RETURNS[action])
            )
        ProjectEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)

    # -- users

    def _users(self, county: FiscalRegion, sections: dict[str, FinanceSection], plans: list[DeptPlan]) -> None:
        rows = self._demo_user_rows(sections, plans) + self._extra_user_rows(plans)
        taken = list(User.objects.filter(username__in=[row[0] for row in rows]).values_list("username", flat=True))
        if taken:
            raise DemoDataError(f"用户名已存在：{'、'.join(sorted(taken)[:5])}。请加 --reset 重建演示数据。")
        password = make_password(DEMO_PASSWORD)  # hashed once: every demo user shares it
        users = [User(username=username, display_name=display, password=password) for username, display, _, _ in rows]
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        memberships = [
            Membership(user=user, role=role, region=county, **orgs)
            for user, (_, _, role, orgs) in zip(users, rows, strict=True)
        ]
        Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
        self.summary.users = len(users)

    def _demo_user_rows(
        self, sections: dict[str, FinanceSection], plans: list[DeptPlan]
    ) -> list[tuple[str, str, str, dict[str, Any]]]:
        originals = [plan for plan in plans if not plan.suffix]
        orgs: dict[str, dict[str, Any]] = {
            "section": sections,
            "department": {plan.spec.name: plan.department for plan in originals},
            "unit": {unit.unit.name: unit.unit for plan in originals for unit in plan.units},
        }
        rows = []
        for username, _label in DEMO_USERS:
            if username not in names.DEMO_PERSONAS:
                raise DemoDataError(f"演示账号“{username}”没有配置角色（见 jixiao/demo/names.py DEMO_PERSONAS）")
            display, role, kind, key = names.DEMO_PERSONAS[username]
            if kind == "department" and key not in orgs[kind]:
                # A small demo may not have drawn the department: the persona works in one of its section's.
                section = next(spec.section for spec in names.DEPARTMENTS if spec.name == key)
                key = next(plan.spec.name for plan in originals if plan.spec.section == section)
            rows.append((username, display, role, {kind: orgs[kind][key]} if kind else {}))
        return rows

    def _extra_user_rows(self, plans: list[DeptPlan]) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Plain accounts: a unit user for some units and an administrator for some departments."""
        units = [unit.unit for plan in plans for unit in plan.units if not unit.anchors]
        departments = [plan.department for plan in plans if plan.spec.name not in names.REQUIRED_DEPARTMENTS]
        rows: list[tuple[str, str, str, dict[str, Any]]] = []
        for unit in self.rng.sample(units, min(len(units), _scaled(BASE_UNIT_USERS, self.scale))):
            rows.append((f"u{unit.agency_code}", self._person(), Role.UNIT_USER, {"unit": unit}))
        for department in self.rng.sample(departments, min(len(departments), _scaled(BASE_DEPT_ADMINS, self.scale))):
            rows.append((f"d{department.dept_code}", self._person(), Role.DEPT_ADMIN, {"department": department}))
        return rows

    def _person(self) -> str:
        given = "".join(self.rng.choice(names.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return f"{self.rng.choice(names.SURNAMES)}{given}"


def _fiscal_years() -> None:
    """2025 closed, 2026 current and open, 2027 open; only one year may be current."""
    FiscalYear.objects.filter(is_current=True).exclude(year=CURRENT_YEAR).update(is_current=False)
    for year, is_current, is_open in ((PREVIOUS_YEAR, False, False), (CURRENT_YEAR, True, True), (2027, False, True)):
        FiscalYear.objects.update_or_create(year=year, defaults={"is_current": is_current, "is_open": is_open})
