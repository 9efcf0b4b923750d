"""A synthetic province for scale work (issue 8, `manage.py generate_province`, bench/): N counties of realistic data.

Each county is built like the demo county (jixiao/demo/generator.py: the same departments, units, project names and
amounts from jixiao/demo/names.py) but without its slow, story-telling paths (no review walks, no demo logins):

- organisations: 股室, ~100 主管部门 and ~400 预算单位 per county;
- users: a 绩效股, 预算股 and 领导 login per county, one per business section, one per 主管部门, one per 预算单位;
- projects: ~900 of the current year and their previous-year copies;
- targets with 5 library indicators for most current specific-purpose projects;
- one issued monitoring round (1—8月) through monitoring.services.task_issue (set-based), part of it filled;
- the year's self-evaluation started through evaluation.services.task_start (set-based);
- the concluded 事前评估 of the earlier rounds for the projects the gate let into the library (the demo's);
- payments: not stored, written as a CSV stream in the treasury file layout (execution.columns), so that the import
  service (or a raw COPY baseline) can load them; ~50,000 per county at scale 1 (10M for 200 counties).

Rows go in with COPY (PostgreSQL) or one executemany (SQLite) with ids taken up front (`bulk.py`). Counties are
independent: with `workers` > 1 (PostgreSQL) they are built in that many processes; the shared rows (fiscal years,
indicator library, province and cities) are created first by the caller's process.

Deterministic: county k uses `random.Random(f"{seed}:{k}")`, so county k is the same whatever N and whatever the
worker count (ids differ, codes and values do not), and the payments CSV is written per county and joined in county
order, byte for byte the same. Nothing depends on the clock except the monitoring round's deadline (kept after today
so it can be filled). Demo/testing only: the logins share a published password.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import random
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction

from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.demo.generator import _fiscal_years
from jixiao.demo.province.county import (
    COUNTIES_PER_CITY,
    CountyBuilder,
    CountyCounts,
    city_code,
    new_region,
    region_code,
    username,
)
from jixiao.demo.province.payments import PAYMENTS_PER_REGION, write_payments
from jixiao.demo.reset import DemoDataError
from jixiao.execution.columns import HEADERS
from jixiao.indicators.library_data import load_starter_library
from jixiao.organizations.models import FiscalRegion

__all__ = [
    "COUNTIES_PER_CITY",
    "MAX_REGIONS",
    "MAX_WORKERS",
    "PAYMENTS_PER_REGION",
    "PROVINCE",
    "ProvinceSummary",
    "default_workers",
    "generate_province",
    "region_code",
    "username",
    "write_payments",
]

PROVINCE = ("990000000", "演示省")
MAX_REGIONS = 99 * COUNTIES_PER_CITY
MAX_WORKERS = 16
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
    preassessments: int = 0
    payments: int = 0
    region_codes: list[str] = field(default_factory=list)

    def add(self, counts: CountyCounts) -> None:
        self.regions += 1
        self.region_codes.append(counts.code)
        for name in (
            "departments",
            "units",
            "users",
            "projects",
            "targets",
            "indicators",
            "monitoring_records",
            "self_evaluations",
            "preassessments",
            "payments",
        ):
            setattr(self, name, getattr(self, name) + getattr(counts, name))


@dataclass(frozen=True)
class _Job:
    """One county's work, sent to a worker process (plain values only: it is pickled)."""

    index: int
    seed: int
    scale: float
    city_id: int
    password: str
    payments_part: str  # "" = no payments file
    payments_per_region: int


def default_workers(regions: int = MAX_REGIONS) -> int:
    """min(4, CPUs, regions) on PostgreSQL; SQLite has one writer at a time, and worker processes cannot see the
    rows of an open transaction, so one process there."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(4, os.cpu_count() or 1, regions))


def generate_province(
    *,
    regions: int,
    seed: int = 20260101,
    scale: float = 1.0,
    payments_csv: Path | None = None,
    payments_per_region: int = PAYMENTS_PER_REGION,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ProvinceSummary:
    """Build `regions` counties (each in its own transactions) and write their payments to `payments_csv`."""
    workers = default_workers(regions) if workers is None else workers
    _check(regions, scale, workers)
    workers = min(workers, regions)
    report = progress or (lambda message: None)
    cities = _shared_rows(regions)
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every generated login
    parts = payments_csv.with_name(f".{payments_csv.name}.parts") if payments_csv else None
    if parts:
        parts.mkdir(parents=True, exist_ok=True)
    jobs = [
        _Job(
            index=index,
            seed=seed,
            scale=scale,
            city_id=cities[city_code(index)],
            password=password,
            payments_part=str(parts / f"{index:04d}.csv") if parts else "",
            payments_per_region=payments_per_region,
        )
        for index in range(regions)
    ]
    summary = ProvinceSummary()
    try:
        with _open_csv(payments_csv) as handle:
            for counts in _run(jobs, workers):
                summary.add(counts)
                if handle is not None:
                    part = Path(jobs[summary.regions - 1].payments_part)
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, handle)
                    part.unlink()
                report(f"{counts.name}（{counts.code}）已生成：累计项目 {summary.projects} 个")
    finally:
        if parts:
            shutil.rmtree(parts, ignore_errors=True)
    analyze_tables()
    return summary


def analyze_tables() -> None:
    """Fresh planner statistics for Jixiao's tables after a bulk load (PostgreSQL; SQLite plans without them).

    Autovacuum would get there within minutes; until it does, the planner takes a freshly filled table for an empty
    one (a nested loop over "1 row" that is really 20,000). Also run after loading payments, whose import skips it."""
    if connection.vendor != "postgresql":
        return
    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(name) for name in sorted(tables)))


def _check(regions: int, scale: float, workers: int) -> None:
    if not (settings.DEMO_MODE or settings.TESTING):
        raise DemoDataError("模拟省级数据只能在演示或测试模式（JIXIAO_DEMO=1 或 JIXIAO_TESTING=1）下生成")
    if not 1 <= regions <= MAX_REGIONS:
        raise DemoDataError(f"区划数须在1至{MAX_REGIONS}之间")
    if not 0 < scale <= 10:
        raise DemoDataError("规模系数须大于0且不超过10")
    if not 1 <= workers <= MAX_WORKERS:
        raise DemoDataError(f"进程数须在1至{MAX_WORKERS}之间")
    if workers > 1 and connection.vendor != "postgresql":
        raise DemoDataError("多进程生成只支持 PostgreSQL；SQLite 请使用 --workers 1")
    if min(workers, regions) > 1 and connection.in_atomic_block:
        raise DemoDataError("多进程生成须在事务之外运行（各进程看不到未提交的数据）")
    if FiscalRegion.objects.filter(mof_div_code=PROVINCE[0]).exists():
        raise DemoDataError("模拟省（990000000）已存在：请在新的空数据库中生成")


def _shared_rows(regions: int) -> dict[str, int]:
    """Fiscal years, the indicator library, the province and every city needed: city code → id."""
    with transaction.atomic():
        _fiscal_years()
        load_starter_library(apps.get_model)
        province = new_region(PROVINCE[0], PROVINCE[1], FiscalRegion.Level.PROVINCE, None)
        cities: dict[str, int] = {}
        for index in range(regions):
            code = city_code(index)
            if code not in cities:
                number = index // COUNTIES_PER_CITY + 1
                cities[code] = new_region(code, f"第{number}市", FiscalRegion.Level.CITY, province).pk
    return cities


@contextmanager
def _open_csv(path: Path | None) -> Iterator[BinaryIO | None]:
    if path is None:
        yield None
        return
    with path.open("wb") as handle:
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerow(HEADERS)
        handle.write(buffer.getvalue().encode("utf-8"))
        yield handle


def _run(jobs: list[_Job], workers: int) -> Iterator[CountyCounts]:
    """Counties in county order: here (one worker) or in a pool of forked processes (each its own connection)."""
    if workers == 1:
        for job in jobs:
            yield build_county(job)
        return
    connections.close_all()  # a forked child must open its own connection, never share the parent's socket
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        yield from pool.imap(_build_in_worker, jobs)


def _build_in_worker(job: _Job) -> CountyCounts:
    try:
        return build_county(job)
    finally:
        connections.close_all()


def build_county(job: _Job) -> CountyCounts:
    """County `job.index`: its rows in the database and its payments in `job.payments_part`."""
    rng = random.Random(f"{job.seed}:{job.index}")
    city = FiscalRegion.objects.get(pk=job.city_id)
    county, counts = CountyBuilder(rng, job.scale, job.index, city, job.password).build_county()
    if job.payments_part:
        with open(job.payments_part, "w", encoding="utf-8", newline="") as handle:
            counts.payments = write_payments(rng, county, csv.writer(handle), job.payments_per_region)
    return counts
