"""A synthetic province for scale work (issue 8, `manage.py generate_province`, bench/): N counties of realistic data.

Each county is built like the demo county (jixiao/demo/generator.py: the same departments, units, project names and
amounts from jixiao/demo/names.py) but without its slow, story-telling paths (no review walks, no demo logins):

- organisations: 股室, ~100 主管部门 and ~400 预算单位 per county (bulk_create, level by level);
- users: a 绩效股, 预算股 and 领导 login per county, one per business section, one per 主管部门, one per 预算单位;
- projects: ~900 of the current year and their previous-year copies;
- targets with 5 library indicators for most current specific-purpose projects (bulk_create);
- one issued monitoring round (1—8月) through monitoring.services.task_issue (set-based), part of it filled;
- the year's self-evaluation started through evaluation.services.task_start (set-based);
- payments: not stored, written as a CSV stream in the treasury file layout (execution.columns), so that the import
  service (or a raw COPY baseline) can load them; ~50,000 per county at scale 1 (10M for 200 counties).

Deterministic: county k uses `random.Random(f"{seed}:{k}")`, so county k is the same whatever N is, and nothing
depends on the clock except the monitoring round's deadline (kept after today so it can be filled). Demo/testing
only: the logins share a published password.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from jixiao.accounts.capabilities import Role
from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import Membership, User
from jixiao.demo import names
from jixiao.demo.generator import CURRENT_YEAR, DeptPlan, _Builder, _fiscal_years
from jixiao.demo.reset import DemoDataError
from jixiao.demo.targets import _indicators, _library_by_slot, _target
from jixiao.execution.columns import HEADERS
from jixiao.indicators.library_data import load_starter_library
from jixiao.indicators.selectors import framework_for
from jixiao.monitoring.models import Likelihood, MonitoringRecord, MonitoringTask, RecordStatus
from jixiao.organizations.models import FinanceSection, FiscalRegion
from jixiao.projects.models import Project, ProjectStatus
from jixiao.targets.models import PerformanceTarget, TargetIndicator, TargetStatus

PROVINCE = ("990000000", "演示省")
MAX_REGIONS = 99 * 20
COUNTIES_PER_CITY = 20
BATCH = 2000
PAYMENTS_PER_REGION = 50_000
TARGET_SHARE = 0.8
TARGET_STATUSES = {TargetStatus.APPROVED: 85, TargetStatus.DRAFT: 5, TargetStatus.UNIT_SUBMITTED: 5}
MONITORING_MONTH = 8
FILLED_SHARE = 0.4
REFUND_SHARE = 0.005
ECONOMIC_CODES = ("30201", "30205", "30211", "30216", "30226", "30227", "31002", "31003", "31007")
FUND_SOURCES = ("一般公共预算", "一般公共预算", "一般公共预算", "政府性基金预算", "上级转移支付")
CENT = Decimal("0.01")
PLACE_CHARS = "安宁平和丰泰康乐永兴清河东西南北新华长明江山云龙阳春城德福源"
Progress = Callable[[str], None]


@dataclass
class ProvinceSummary:
    regions: int = 0
    departments: int = 0
    units: int = 0
    users: int = 0
    projects: int = 0
    targets: int = 0
    indicators: int = 0
    monitoring_records: int = 0
    self_evaluations: int = 0
    payments: int = 0
    region_codes: list[str] = field(default_factory=list)


def region_code(index: int) -> str:
    """County k (0-based) → its 9-digit code under city k // 20 of the synthetic province."""
    city, county = divmod(index, COUNTIES_PER_CITY)
    return f"99{city + 1:02d}{county + 1:02d}000"


def username(index: int, local: str) -> str:
    return f"r{index + 1:03d}_{local}"


def generate_province(
    *,
    regions: int,
    seed: int = 20260101,
    scale: float = 1.0,
    payments_csv: Path | None = None,
    payments_per_region: int = PAYMENTS_PER_REGION,
    progress: Progress | None = None,
) -> ProvinceSummary:
    """Build `regions` counties (each in its own transaction); append their payments to `payments_csv`."""
    if not (settings.DEMO_MODE or settings.TESTING):
        raise DemoDataError("模拟省级数据只能在演示或测试模式（JIXIAO_DEMO=1 或 JIXIAO_TESTING=1）下生成")
    if not 1 <= regions <= MAX_REGIONS:
        raise DemoDataError(f"区划数须在1至{MAX_REGIONS}之间")
    if not 0 < scale <= 10:
        raise DemoDataError("规模系数须大于0且不超过10")
    if FiscalRegion.objects.filter(mof_div_code=PROVINCE[0]).exists():
        raise DemoDataError("模拟省（990000000）已存在：请在新的空数据库中生成")
    report = progress or (lambda message: None)
    summary = ProvinceSummary()
    with transaction.atomic():
        _fiscal_years()
        load_starter_library(apps.get_model)
        province = _region(PROVINCE[0], PROVINCE[1], FiscalRegion.Level.PROVINCE, None)
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every generated login
    handle: IO[str] | None = payments_csv.open("w", encoding="utf-8", newline="") if payments_csv else None
    try:
        writer = csv.writer(handle) if handle else None
        if writer:
            writer.writerow(HEADERS)
        cities: dict[int, FiscalRegion] = {}
        for index in range(regions):
            city_no = index // COUNTIES_PER_CITY
            if city_no not in cities:
                code = f"99{city_no + 1:02d}00000"
                cities[city_no] = _region(code, f"第{city_no + 1}市", FiscalRegion.Level.CITY, province)
            rng = random.Random(f"{seed}:{index}")
            county = _CountyBuilder(rng, scale, index, cities[city_no], password).build_county(summary)
            if writer:
                summary.payments += write_payments(rng, county, writer, payments_per_region)
            summary.regions += 1
            summary.region_codes.append(county.mof_div_code)
            report(f"{county.name}（{county.mof_div_code}）已生成：累计项目 {summary.projects} 个")
    finally:
        if handle:
            handle.close()
    return summary


def _region(code: str, name: str, level: str, parent: FiscalRegion | None) -> FiscalRegion:
    region = FiscalRegion(mof_div_code=code, name=name, level=level, parent=parent)
    region.path = region.build_path()
    region.save()
    return region


def _county_name(rng: random.Random, index: int) -> str:
    return f"{''.join(rng.sample(PLACE_CHARS, 2))}县{index + 1:03d}"


class _CountyBuilder(_Builder):
    """The demo builder's organisation and project plan for one county with its own code and logins."""

    def __init__(self, rng: random.Random, scale: float, index: int, city: FiscalRegion, password: str) -> None:
        super().__init__(rng, scale)
        self.index = index
        self.city = city
        self.password = password

    def build_county(self, summary: ProvinceSummary) -> FiscalRegion:
        with transaction.atomic():
            county = _region(
                region_code(self.index), _county_name(self.rng, self.index), FiscalRegion.Level.COUNTY, self.city
            )
            sections = self._sections(county)
            plans = self._departments(county, sections)
            self._units(plans)
            self._projects(plans)
            perf = self._logins(county, sections, plans, summary)
            summary.departments += self.summary.departments
            summary.units += self.summary.units
            summary.projects += sum(self.summary.projects.values())
            targets, indicators = self._targets(county)
            summary.targets += targets
            summary.indicators += indicators
        summary.monitoring_records += self._monitoring(perf)
        summary.self_evaluations += self._self_evaluation(perf)
        return county

    def _logins(
        self, county: FiscalRegion, sections: dict[str, FinanceSection], plans: list[DeptPlan], summary: ProvinceSummary
    ) -> User:
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
        User.objects.bulk_create(users, batch_size=BATCH)
        Membership.objects.bulk_create(
            [
                Membership(user=user, role=role, region=county, **orgs)
                for user, (_n, role, orgs) in zip(users, rows, strict=True)
            ],
            batch_size=BATCH,
        )
        summary.users += len(users)
        return users[0]

    def _targets(self, county: FiscalRegion) -> tuple[int, int]:
        projects = list(
            Project.objects.filter(
                region=county,
                fiscal_year=CURRENT_YEAR,
                category=Project.Category.SPECIFIC,
                status=ProjectStatus.IN_LIBRARY,
            )
            .select_related("region")
            .order_by("code")
        )
        if not projects:
            return 0, 0
        framework = framework_for(county, CURRENT_YEAR)
        library = _library_by_slot(framework.pk)
        chosen = [p for p in projects if self.rng.random() < TARGET_SHARE]
        statuses = self.rng.choices(list(TARGET_STATUSES), weights=list(TARGET_STATUSES.values()), k=len(chosen))
        targets = PerformanceTarget.objects.bulk_create(
            [_target(p, framework.pk, s) for p, s in zip(chosen, statuses, strict=True)], batch_size=BATCH
        )
        rows: list[TargetIndicator] = []
        for target in targets:
            rows.extend(_indicators(self.rng, target, library))
        TargetIndicator.objects.bulk_create(rows, batch_size=BATCH)
        return len(targets), len(rows)

    def _monitoring(self, perf: User) -> int:
        """The 1—8月 round through the monitoring service (set-based issue), then part of it filled in bulk."""
        from jixiao.monitoring import services as monitoring

        perf.set_active_membership(perf.memberships.select_related("region", "section").get())
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
        count = monitoring.task_issue(actor=perf, task=task)
        records = list(MonitoringRecord.objects.filter(task=task).order_by("id"))
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
        MonitoringRecord.objects.bulk_update(
            filled,
            ["executed_to_date_yuan", "expected_annual_yuan", "likelihood", "goal_execution", "status", "filled_at"],
            batch_size=500,
        )
        return count

    def _self_evaluation(self, perf: User) -> int:
        from jixiao.evaluation import services as evaluation
        from jixiao.evaluation.models import SelfEvaluation

        task = evaluation.task_start(actor=perf, fiscal_year=CURRENT_YEAR, deadline=date(CURRENT_YEAR + 1, 3, 31))
        return SelfEvaluation.objects.filter(task=task).count()


# ---- payments ----------------------------------------------------------------------------------------------------


def write_payments(rng: random.Random, county: FiscalRegion, writer: Any, per_region: int) -> int:
    """Append the county's payments of the current year (Jan—Nov) in the treasury layout; returns the row count.

    Each in-library project gets a share of `per_region` proportional to the square root of its budget, and pays
    30%—100% of its budget; about 0.5% of payments are later partly refunded (a negative voucher naming them).
    """
    projects = list(
        Project.objects.filter(region=county, fiscal_year=CURRENT_YEAR, status=ProjectStatus.IN_LIBRARY)
        .order_by("code")
        .values_list("code", "unit__agency_code", "function_code", "total_amount_yuan")
    )
    if not projects:
        return 0
    weights = [math.sqrt(float(total or 1)) for *_rest, total in projects]
    scale = per_region / sum(weights)
    serial = 0
    code = county.mof_div_code
    prefix = f"P{code[2:6]}"
    for (project_code, unit_code, function_code, total), weight in zip(projects, weights, strict=True):
        count = max(1, int(weight * scale + 0.5))
        budget_cents = int((total or Decimal(0)) * 100)
        paid = int(budget_cents * rng.uniform(0.3, 1.0))
        per = max(1, paid // count)
        refunds: list[tuple[str, int, date]] = []
        for _ in range(count):
            serial += 1
            voucher = f"{prefix}{serial:08d}"
            cents = max(1, int(per * rng.uniform(0.5, 1.5)))
            day = date(CURRENT_YEAR, 1, 1) + timedelta(days=rng.randrange(334))
            economic = rng.choice(ECONOMIC_CODES)
            fund = rng.choice(FUND_SOURCES)
            writer.writerow(
                [
                    voucher,
                    day.isoformat(),
                    code,
                    unit_code,
                    project_code,
                    _yuan(cents),
                    economic,
                    function_code,
                    fund,
                    "",
                ]
            )
            if rng.random() < REFUND_SHARE and cents > 1:
                refunds.append((voucher, max(1, cents // rng.choice((2, 4, 10))), day))
        for original, cents, day in refunds:
            serial += 1
            refund_day = min(day + timedelta(days=rng.randrange(1, 20)), date(CURRENT_YEAR, 11, 30))
            writer.writerow(
                [
                    f"{prefix}{serial:08d}",
                    refund_day.isoformat(),
                    code,
                    unit_code,
                    project_code,
                    "-" + _yuan(cents),
                    "",
                    function_code,
                    "",
                    original,
                ]
            )
    return serial


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
