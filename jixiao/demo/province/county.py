"""One county of the synthetic province: the demo county's plan (jixiao/demo/generator.py) written with fast inserts.

The random draws are the demo builder's, in the same order, so a seed gives the same rows as before; only the way
rows reach the database changed (ids taken up front, COPY/executemany instead of bulk_create, no lazy loads).
The monitoring round and the self-evaluation are built by their services' own seed builders (`rounds.py`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.accounts.capabilities import Role
from jixiao.accounts.models import Membership, User
from jixiao.demo import names
from jixiao.demo.generator import (
    BASE_PROJECTS,
    CURRENT_YEAR,
    PREVIOUS_YEAR,
    RETURNS,
    UNIT_WEIGHTS,
    DeptPlan,
    _Builder,
    _numeral,
    _scaled,
)
from jixiao.demo.preassessment import EarlierRounds
from jixiao.demo.province import rounds
from jixiao.demo.province.bulk import assign_ids, insert_objects, update_rows
from jixiao.demo.targets import SLOTS, _library_by_slot, _target
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.selectors import framework_for
from jixiao.indicators.valueparse import Kind, parse_value
from jixiao.monitoring.models import Likelihood, MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.organizations.models import Department, FinanceSection, FiscalRegion
from jixiao.projects.models import Project, ProjectEvent, ProjectStatus
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetStatus

COUNTIES_PER_CITY = 20
TARGET_SHARE = 0.8
# Targets of in-library projects only, so past the business section's 初审 (jixiao/demo/targets.py TARGET_WEIGHTS).
TARGET_STATUSES = {TargetStatus.APPROVED: 85, TargetStatus.READY_FOR_BUDGET: 5, TargetStatus.PERF_REVIEW: 5}
INDICATOR_WEIGHTS = (Decimal(30), Decimal(20), Decimal(10), Decimal(30), Decimal(10))
MONITORING_MONTH = 8
FILLED_SHARE = 0.4
FILLED_FIELDS = ["executed_to_date_yuan", "expected_annual_yuan", "likelihood", "goal_execution", "status", "filled_at"]
CENT = Decimal("0.01")
# False: the monitoring round and the self-evaluation are written by `rounds` (the services' seed builders, fast
# inserts); True: by the services themselves (the reference the tests compare the fast path with).
VIA_SERVICES = False
PLACE_CHARS = "安宁平和丰泰康乐永兴清河东西南北新华长明江山云龙阳春城德福源"


@dataclass
class CountyCounts:
    """What one county added (summed into the province summary by the caller)."""

    code: str = ""
    name: str = ""
    departments: int = 0
    units: int = 0
    users: int = 0
    projects: int = 0
    targets: int = 0
    indicators: int = 0
    monitoring_records: int = 0
    self_evaluations: int = 0
    preassessments: int = 0
    payments: int = 0


def region_code(index: int) -> str:
    """County k (0-based) → its 9-digit code under city k // 20 of the synthetic province."""
    city, county = divmod(index, COUNTIES_PER_CITY)
    return f"99{city + 1:02d}{county + 1:02d}000"


def city_code(index: int) -> str:
    return f"99{index // COUNTIES_PER_CITY + 1:02d}00000"


def username(index: int, local: str) -> str:
    return f"r{index + 1:03d}_{local}"


def new_region(code: str, name: str, level: str, parent: FiscalRegion | None) -> FiscalRegion:
    region = FiscalRegion(mof_div_code=code, name=name, level=level, parent=parent)
    region.path = region.build_path()
    region.save()
    return region


def _county_name(rng: random.Random, index: int) -> str:
    return f"{''.join(rng.sample(PLACE_CHARS, 2))}县{index + 1:03d}"


@lru_cache(maxsize=4096)
def _parsed(text: str, fiscal_year: int) -> tuple[str, str, Decimal | None, str]:
    """The target value's parse (kind, operator, number, unit): the same few hundred library texts come back."""
    parsed = parse_value(text, fiscal_year=fiscal_year)
    return (
        str(parsed.kind),
        str(parsed.op or "")[:4],
        parsed.base_value if parsed.kind in {Kind.NUM, Kind.RANGE} else None,
        (parsed.unit_canon or "")[:20],
    )


class CountyBuilder(_Builder):
    """The demo builder's organisation and project plan for one county with its own code and logins."""

    def __init__(self, rng: random.Random, scale: float, index: int, city: FiscalRegion, password: str) -> None:
        super().__init__(rng, scale)
        self.index = index
        self.city = city
        self.password = password
        self.counts = CountyCounts()

    def build_county(self) -> tuple[FiscalRegion, CountyCounts]:
        with transaction.atomic():
            county = new_region(
                region_code(self.index), _county_name(self.rng, self.index), FiscalRegion.Level.COUNTY, self.city
            )
            sections = self._sections(county)
            plans = self._departments(county, sections)
            self._units(plans)
            self._projects(plans)
            perf = self._logins(county, sections, plans)
            self._targets(county)
        # Outside the county's transaction: the services take the audit chain's row lock only for their own work.
        self._monitoring(perf)
        self._self_evaluation(perf)
        self._preassessments(county, perf)
        self.counts.code, self.counts.name = county.mof_div_code, county.name
        return county, self.counts

    # -- organisations (the demo builder's draws, fast inserts)

    def _sections(self, county: FiscalRegion) -> dict[str, FinanceSection]:
        sections = [FinanceSection(region=county, code=c, name=n, kind=k, sort=o) for c, n, k, o in names.SECTIONS]
        insert_objects(sections)
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
        insert_objects([plan.department for plan in plans])
        self.counts.departments = len(plans)
        return plans

    def _units(self, plans: list[DeptPlan]) -> None:
        for plan in plans:
            self._plan_units(plan)
        units = [unit_plan.unit for plan in plans for unit_plan in plan.units]
        ordered = [unit for level in (1, 2, 3) for unit in units if unit.level == level]  # parents first
        assign_ids(ordered)
        for unit in ordered:
            parent = unit.parent
            if parent is not None:
                unit.__dict__["parent_id"] = parent.pk  # keeps the cached parent (its path is set already)
            unit.path = f"{parent.path if parent else f'{unit.department_id}:'}{unit.agency_code}/"
        insert_objects(ordered)
        self.counts.units = len(ordered)

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
        insert_objects(self.current + self.previous)
        for project in self.current:  # the stored (generated) column, needed by the targets without a re-read
            total = project.fiscal_amount_yuan + project.carryover_amount_yuan + project.other_amount_yuan
            project.total_amount_yuan = total.quantize(CENT)
        insert_objects(
            [
                ProjectEvent(
                    project=project,
                    action=self.returns[project.code][0],
                    comment=self.returns[project.code][1],
                    to_status=ProjectStatus.RETURNED,
                    **RETURNS[self.returns[project.code][0]],
                )
                for project in self.current
                if project.code in self.returns
            ]
        )
        self.summary.projects = {CURRENT_YEAR: len(self.current), PREVIOUS_YEAR: len(self.previous)}
        self.counts.projects = len(self.current) + len(self.previous)

    # -- logins

    def _logins(self, county: FiscalRegion, sections: dict[str, FinanceSection], plans: list[DeptPlan]) -> User:
        rows: list[tuple[str, str, dict[str, Any]]] = [
            (username(self.index, "perf"), Role.PERFORMANCE, {"section": sections["JX"]}),
            (username(self.index, "budget"), Role.BUDGET, {"section": sections["YS"]}),
            (username(self.index, "leader"), Role.LEADER, {}),
        ]
        rows += [
            (username(self.index, f"s{code.lower()}"), Role.BUSINESS, {"section": sections[code]})
            for code in names.BUSINESS_SECTIONS
        ]
        rows += [
            (username(self.index, f"d{plan.department.dept_code}"), Role.DEPT_ADMIN, {"department": plan.department})
            for plan in plans
        ]
        rows += [
            (username(self.index, f"u{unit.unit.agency_code}"), Role.UNIT_USER, {"unit": unit.unit})
            for plan in plans
            for unit in plan.units
        ]
        users = [User(username=name, display_name=self._person(), password=self.password) for name, _r, _o in rows]
        insert_objects(users)
        memberships = [
            Membership(user=user, role=role, region=county, **orgs)
            for user, (_n, role, orgs) in zip(users, rows, strict=True)
        ]
        insert_objects(memberships)
        self.counts.users = len(users)
        users[0].set_active_membership(memberships[0])
        return users[0]

    # -- targets

    def _targets(self, county: FiscalRegion) -> None:
        projects = sorted(
            (
                p
                for p in self.current
                if p.category == Project.Category.SPECIFIC and p.status == ProjectStatus.IN_LIBRARY
            ),
            key=lambda p: p.code,
        )
        if not projects:
            return
        framework = framework_for(county, CURRENT_YEAR)
        library = _library(framework.pk)
        chosen = [p for p in projects if self.rng.random() < TARGET_SHARE]
        statuses = self.rng.choices(list(TARGET_STATUSES), weights=list(TARGET_STATUSES.values()), k=len(chosen))
        targets = [_target(p, framework.pk, s) for p, s in zip(chosen, statuses, strict=True)]
        insert_objects(targets)
        rows: list[TargetIndicator] = []
        for target in targets:
            rows.extend(self._indicators(target, library))
        insert_objects(rows)
        self.counts.targets, self.counts.indicators = len(targets), len(rows)

    def _indicators(
        self, target: PerformanceTarget, library: dict[tuple[str, str], list[IndicatorLibraryItem]]
    ) -> list[TargetIndicator]:
        """jixiao.demo.targets._indicators with the value parse remembered per text (same draws, same rows)."""
        rows = []
        for seq, (slot, weight) in enumerate(zip(SLOTS, INDICATOR_WEIGHTS, strict=True), start=1):
            candidates = library.get(slot)
            if not candidates:
                continue
            item = self.rng.choice(candidates)
            text = item.typical_value or "达到预期"
            kind, op, value, unit = _parsed(text, target.fiscal_year)
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
                    parsed_kind=kind,
                    parsed_op=op,
                    parsed_value=value,
                    parsed_unit=unit,
                )
            )
        return rows

    # -- monitoring and self-evaluation (services)

    def _monitoring(self, perf: User) -> None:
        """The 1—8月 round through the monitoring service (set-based issue), then part of it filled in one UPDATE."""
        from jixiao.monitoring import services as monitoring

        today = timezone.localdate()
        deadline = max(date(CURRENT_YEAR, MONITORING_MONTH + 1, 20), today + timedelta(days=10))
        task = monitoring.task_create(
            actor=perf,
            data={
                "title": f"{CURRENT_YEAR}年1—{MONITORING_MONTH}月项目支出绩效运行监控",
                "fiscal_year": CURRENT_YEAR,
                "period_end_month": MONITORING_MONTH,
                "start_date": min(date(CURRENT_YEAR, MONITORING_MONTH + 1, 1), deadline),
                "deadline": deadline,
                "warn_days": 5,
                "scope": MonitoringTask.Scope.ALL,
                "description": "请各单位填报1—8月预算执行和绩效目标完成情况。",
            },
        )
        if VIA_SERVICES:
            self.counts.monitoring_records = monitoring.task_issue(actor=perf, task=task).records
        else:
            self.counts.monitoring_records = rounds.issue_round(actor=perf, task=task)
        records = list(MonitoringRecord.objects.filter(task=task).only("id", "current_budget_yuan").order_by("id"))
        filled = [r for r in records if self.rng.random() < FILLED_SHARE]
        now = timezone.now()
        for record in filled:
            share = Decimal(self.rng.randrange(3000, 9500)) / 10000
            record.executed_to_date_yuan = (record.current_budget_yuan * share).quantize(CENT, ROUND_HALF_UP)
            record.expected_annual_yuan = record.current_budget_yuan
            record.likelihood = self.rng.choice([Likelihood.CERTAIN, Likelihood.CERTAIN, Likelihood.POSSIBLE])
            record.goal_execution = "项目按计划推进，主要产出已完成约七成。"
            record.status = RecordStatus.FILLING
            record.filled_at = now
        with transaction.atomic():
            update_rows(MonitoringRecord, FILLED_FIELDS, filled)

    def _self_evaluation(self, perf: User) -> None:
        from jixiao.evaluation import services as evaluation
        from jixiao.evaluation.models import SelfEvaluation

        deadline = date(CURRENT_YEAR + 1, 3, 31)
        if VIA_SERVICES:
            task = evaluation.task_start(actor=perf, fiscal_year=CURRENT_YEAR, deadline=deadline)
            self.counts.self_evaluations = SelfEvaluation.objects.filter(task=task).count()
        else:
            self.counts.self_evaluations = rounds.start_self_evaluation(
                actor=perf, fiscal_year=CURRENT_YEAR, deadline=deadline
            )

    # -- 事前评估 (after the rounds, so that the draws before it are the same as without it)

    def _preassessments(self, county: FiscalRegion, perf: User) -> None:
        """The concluded 事前评估 of the earlier rounds for every project the gate let into the library or on its
        way there (the demo county's, jixiao/demo/preassessment.py `EarlierRounds`), so that no such project shows
        “须评估·未申报”."""
        rounds = EarlierRounds(self.rng, county, (PREVIOUS_YEAR, CURRENT_YEAR), perf=perf)
        built = rounds.build(sorted(self.current + self.previous, key=lambda p: (p.fiscal_year, p.code)))
        if not built.assessments:
            return
        with transaction.atomic():
            insert_objects(built.assessments)
            insert_objects(built.events())
            insert_objects(built.attachments(rounds.feasibility_study()))
            built.backdate([pa.pk for pa in built.assessments])
        self.counts.preassessments = len(built.assessments)


@lru_cache(maxsize=8)
def _library(framework_id: int) -> dict[tuple[str, str], list[IndicatorLibraryItem]]:
    """The approved library by (一级, 二级) slot; the same for every county of a worker (read once)."""
    return _library_by_slot(framework_id)
