"""Jixiao benchmark suite (issue 8): every operation timed beside a baseline measured in the same run, and the ratio.

    python bench/run.py [--scale county|province] [--regions N] [--payments-per-region N] [--quick]
    make bench                      # county scale on SQLite (1 county), under 10 minutes
    make bench SCALE=province       # a local PostgreSQL started here (initdb/pg_ctl in a temp dir) unless
                                    # DATABASE_URL is given; 20 counties unless --regions

Operations (Jixiao ↔ baseline):
1. payment import through jixiao.execution's import service (one child process per county, the upload page's path)
   ↔ raw COPY (PostgreSQL) / executemany (SQLite) of the same, already resolved rows into the same table;
2. the full warning sweep (alerts.sweep.sweep_region for every county) ↔ one hand-written SQL statement computing
   the execution-ratio colours of every project;
3. dashboard GROUP BYs (execution.selectors on the project × month rollup, alerts light counts) ↔ hand SQL on the
   rollup, and DuckDB on the same rows when it is installed;
4. the scoped, filtered project list and the 待办 home page of a logged-in user under gunicorn (2 workers) with an
   asyncio load generator at 10/50/100 connections ↔ a bare Django view rendering 20 rows (bench/urls.py);
5. a deadline-day mix: many unit users saving and submitting monitoring records at once (plus double submissions),
   with errors and lost/duplicate submissions counted;
6. peak memory (ru_maxrss of a child process, minus an idle Django process) of the import and of a streaming export.

Results go to bench/results/<timestamp>.json and .md with the machine description; the last line printed
summarises the ratios. Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEAR = 2026
AS_OF = dt.date(YEAR, 8, 31)
PG_BIN = "/usr/lib/postgresql/15/bin"
RESULTS: dict[str, Any] = {"operations": [], "load": [], "notes": []}


def log(message: str) -> None:
    print(message, flush=True)


def median_time(fn: Callable[[], Any], repeat: int, warm: bool = True) -> float:
    if warm:
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def record(name: str, jixiao_s: float, baseline_s: float, baseline: str, **extra: Any) -> None:
    ratio = jixiao_s / baseline_s if baseline_s else float("inf")
    RESULTS["operations"].append(
        {"name": name, "jixiao_s": jixiao_s, "baseline": baseline, "baseline_s": baseline_s, "ratio": ratio, **extra}
    )
    log(f"  {name:<34} Jixiao {jixiao_s * 1000:10.1f} ms   {baseline:<22} {baseline_s * 1000:10.1f} ms   ×{ratio:6.2f}")


# ---- database -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def local_postgres(tmp: Path) -> Iterator[str]:
    """initdb + pg_ctl in a temp dir (as the postgres user when run as root); yields the DATABASE_URL."""
    data = tmp / "pgdata"
    port = free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(tmp, "postgres")
    bindir = PG_BIN if Path(PG_BIN).exists() else ""
    initdb = str(Path(bindir) / "initdb") if bindir else "initdb"
    pg_ctl = str(Path(bindir) / "pg_ctl") if bindir else "pg_ctl"
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_connections=200"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(tmp / "pg.log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qc", "CREATE DATABASE bench"], check=True
        )
        yield f"postgres://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], check=False, stdout=subprocess.DEVNULL
        )


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("JIXIAO_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def machine(url: str) -> dict[str, Any]:
    from django.db import connection

    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            db = cursor.fetchone()[0].split(",")[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]}"
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "database": db,
    }


# ---- 0. data --------------------------------------------------------------------------------------------------------


def build(args: argparse.Namespace, tmp: Path) -> dict[str, Path]:
    from django.core.management import call_command

    from jixiao.demo.province import generate_province

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"  migrate: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    payments = tmp / "payments.csv"
    summary = generate_province(
        regions=args.regions,
        seed=args.seed,
        payments_csv=payments,
        payments_per_region=args.payments_per_region,
        progress=lambda message: log(f"    {message}"),
    )
    seconds = time.perf_counter() - start
    RESULTS["data"] = {k: v for k, v in vars(summary).items() if k != "region_codes"} | {"generate_s": seconds}
    log(f"  generate_province: {seconds:.1f} s: {RESULTS['data']}")
    # One file per county: the import service imports one region's file at a time (not timed).
    files: dict[str, Any] = {}
    with payments.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row in reader:
            code = row[2]
            if code not in files:
                out = (tmp / f"{code}.csv").open("w", encoding="utf-8", newline="")
                files[code] = (out, csv.writer(out))
                files[code][1].writerow(header)
            files[code][1].writerow(row)
    for out, _writer in files.values():
        out.close()
    return {code: tmp / f"{code}.csv" for code in files}


def reuse(args: argparse.Namespace) -> None:
    """Use the province an earlier run built in the same database: migrate (a newer read model fills itself from
    the rows there) and describe the data, without generating or importing anything."""
    from django.core.management import call_command

    from jixiao.execution.models import Payment
    from jixiao.organizations.models import FiscalRegion
    from jixiao.projects.models import Project

    call_command("migrate", verbosity=0)
    regions = FiscalRegion.objects.filter(level=FiscalRegion.Level.COUNTY, mof_div_code__startswith="99").count()
    if not regions:
        raise SystemExit("--reuse: no generated province in this database; run once without --reuse")
    args.regions = regions
    RESULTS["data"] = {
        "regions": regions,
        "projects": Project.objects.count(),
        "payments": Payment.objects.count(),
        "reused": True,
    }
    log(f"  reusing the data in the database: {RESULTS['data']}")


# ---- 1. import ----------------------------------------------------------------------------------------------------


def child(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", *args], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed: {out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def resolved_rows(files: dict[str, Path], target: Path) -> int:
    """The rows as a hand loader would have them: ids resolved, ready for COPY (not timed)."""
    from jixiao.organizations.models import BudgetUnit, FiscalRegion
    from jixiao.projects.models import Project

    regions = dict(FiscalRegion.objects.values_list("mof_div_code", "pk"))
    units = {(r, c): pk for pk, r, c in BudgetUnit.objects.values_list("pk", "region_id", "agency_code")}
    projects = {
        (r, c): (pk, d)
        for pk, r, c, d in Project.objects.filter(fiscal_year=YEAR).values_list(
            "pk", "region_id", "code", "department_id"
        )
    }
    count = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for path in files.values():
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                for voucher, day, code, unit, project, amount, economic, function, fund, reverses in reader:
                    region = regions[code]
                    project_id, department_id = projects[(region, project)]
                    writer.writerow(
                        [
                            region,
                            YEAR,
                            voucher,
                            day,
                            units[(region, unit)],
                            department_id,
                            project_id,
                            amount,
                            reverses,
                            economic,
                            function,
                            fund,
                        ]
                    )
                    count += 1
    return count


RAW_COLUMNS = (
    "region_id",
    "fiscal_year",
    "voucher_no",
    "pay_date",
    "unit_id",
    "department_id",
    "project_id",
    "amount_yuan",
    "reverses_voucher_no",
    "economic_code",
    "function_code",
    "fund_source",
)


def raw_load(path: Path) -> None:
    from django.db import connection, transaction

    columns = ", ".join(RAW_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                cursor.cursor.copy(f"COPY execution_payment ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy,
                path.open("rb") as handle,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            return
        marks = ", ".join(["%s"] * len(RAW_COLUMNS))
        sql = f"INSERT INTO execution_payment ({columns}) VALUES ({marks})"  # noqa: S608 - constant names
        with path.open(encoding="utf-8", newline="") as handle:
            batch: list[list[str]] = []
            for row in csv.reader(handle):
                batch.append(row)
                if len(batch) == 10_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def bench_import(files: dict[str, Path], tmp: Path) -> None:
    from django.db import connection

    from jixiao.execution.models import Payment

    log("1. payment import")
    prepared = tmp / "resolved.csv"
    rows = resolved_rows(files, prepared)
    start = time.perf_counter()
    raw_load(prepared)
    baseline = time.perf_counter() - start
    assert Payment.objects.count() == rows
    Payment.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE execution_payment")
    idle = child(["idle"])
    seconds = 0.0
    peak = 0
    imported = 0
    for code, path in files.items():
        out = child(["import", code, str(path)])
        seconds += out["seconds"]
        peak = max(peak, out["rss_kb"])
        imported += out["rows"]
    assert imported == rows == Payment.objects.count(), (imported, rows)
    settle_database()
    label = "raw COPY" if connection.vendor == "postgresql" else "raw executemany"
    record(
        "payment import (whole run)",
        seconds,
        baseline,
        label,
        rows=rows,
        jixiao_rows_per_s=rows / seconds,
        baseline_rows_per_s=rows / baseline,
        throughput_ratio=baseline / seconds,
    )
    RESULTS["memory"] = {
        "idle_django_rss_mb": idle["rss_kb"] / 1024,
        "import_peak_rss_mb": peak / 1024,
        "import_extra_mb": (peak - idle["rss_kb"]) / 1024,
        "import_rows_per_file": rows // max(1, len(files)),
    }
    log(
        f"  throughput {rows / seconds:,.0f} rows/s vs {rows / baseline:,.0f} rows/s "
        f"(Jixiao = {baseline / seconds:.2f}× baseline); "
        f"peak RSS {peak / 1024:.0f} MB, idle {idle['rss_kb'] / 1024:.0f} MB"
    )


def load_payments(files: dict[str, Path]) -> None:
    """Load the payments through the import service without timing it (for runs that skip the import part)."""
    log("   (loading payments through the import service, not timed)")
    for code, path in files.items():
        child(["import", code, str(path)])
    settle_database()


def settle_database() -> None:
    """After loading payments the parts measure on a settled database: fresh statistics (the import service leaves
    them to autovacuum) and, on PostgreSQL, the import's dead staging rows vacuumed now rather than by autovacuum in
    the middle of the next measurement."""
    from django.db import connection

    from jixiao.demo.province import analyze_tables

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        analyze_tables()


def child_main(argv: list[str]) -> None:
    django_setup(os.environ["DATABASE_URL"])
    from django.db import connection

    kind = argv[0]
    result: dict[str, Any] = {}
    if kind == "idle":
        from jixiao.projects.models import Project

        Project.objects.count()
    elif kind == "import":
        from jixiao.execution import hooks, imports
        from jixiao.execution.models import PaymentImport
        from jixiao.organizations.models import FiscalRegion

        hooks._callbacks.clear()  # the sweep it triggers is measured on its own (operation 2)
        region = FiscalRegion.objects.get(mof_div_code=argv[1])
        path = Path(argv[2])
        start = time.perf_counter()
        batch = imports.import_payment_file(
            actor="bench",
            region=region,
            path=path,
            file_name=path.name,
            source=PaymentImport.Source.COMMAND,
            system=True,
        )
        result = {"seconds": time.perf_counter() - start, "rows": batch.rows_imported}
    elif kind == "export":
        from jixiao.core.streaming import MAX_SHEET_ROWS, write_csv, write_xlsx
        from jixiao.execution.models import Payment

        fmt, target = argv[1], argv[2]
        # One xlsx sheet holds 1,048,575 rows: a province's 10 million payments go to csv, the sheet gets its limit.
        limit = MAX_SHEET_ROWS if fmt == "xlsx" else None
        rows = (
            Payment.objects.order_by("pk")
            .values_list(
                "voucher_no",
                "pay_date",
                "project__code",
                "project__name",
                "unit__name",
                "amount_yuan",
                "economic_code",
                "fund_source",
            )[:limit]
            .iterator(chunk_size=2000)
        )
        header = ["支付凭证号", "支付日期", "项目编码", "项目名称", "预算单位", "金额（元）", "经济分类", "资金来源"]
        start = time.perf_counter()
        count = (write_xlsx if fmt == "xlsx" else write_csv)(rows, header, target)
        result = {"seconds": time.perf_counter() - start, "rows": count}
    connection.close()
    result["rss_kb"] = peak_rss_kb()
    print(json.dumps(result))


def peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM: reset by exec, unlike ru_maxrss which keeps the parent's fork)."""
    with contextlib.suppress(OSError), open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---- 2. warning sweep ------------------------------------------------------------------------------------------------


def bench_sweep(repeat: int) -> None:
    from django.db import connection

    from jixiao.alerts import engine, selectors
    from jixiao.alerts.models import Warning
    from jixiao.alerts.sweep import sweep_in_parallel, time_progress_mode
    from jixiao.organizations.models import FiscalRegion

    log("2. warning sweep")
    counties = list(FiscalRegion.objects.filter(level=FiscalRegion.Level.COUNTY, mof_div_code__startswith="99"))
    workers = 2 if connection.vendor == "postgresql" else 1

    def jixiao() -> None:  # the nightly `sweep_warnings`: passes of 20 counties, one process
        sweep_in_parallel(counties, YEAR, AS_OF, workers=1)

    def jixiao_parallel() -> None:  # `sweep_warnings --workers 2`
        sweep_in_parallel(counties, YEAR, AS_OF, workers=workers)

    seconds = median_time(jixiao, repeat, warm=True)
    parallel_seconds = median_time(jixiao_parallel, repeat, warm=False) if workers > 1 else seconds
    _setting, rules = selectors.rules_in_force(counties[0], YEAR)
    rule = next(r for r in rules if r.metric == "exec_ratio")
    progress = engine.time_progress(AS_OF, YEAR, time_progress_mode(counties[0], YEAR))
    ops = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
    cases = " ".join(
        f"WHEN ratio {ops[band['op']]} {float(band['value'])} THEN '{band['color']}'" for band in rule.bands
    )
    ids = ", ".join(str(c.pk) for c in counties)
    sql = f"""
        SELECT color, COUNT(*) FROM (
          SELECT CASE {cases} END AS color FROM (
            SELECT CASE WHEN p.total_amount_yuan > 0
                        THEN COALESCE(x.executed, 0) * 100.0 / p.total_amount_yuan ELSE 0 END * 100.0 / %s AS ratio
            FROM projects_project p
            LEFT JOIN (SELECT project_id, SUM(amount_yuan) AS executed FROM execution_payment
                       WHERE pay_date <= %s GROUP BY project_id) x ON x.project_id = p.id
            WHERE p.fiscal_year = %s AND p.status = 'in_library' AND NOT p.is_deleted AND p.region_id IN ({ids})
          ) r
        ) c WHERE color IS NOT NULL GROUP BY color ORDER BY color
    """  # noqa: S608 - numbers and band colours from our own rows

    def hand() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [float(progress), AS_OF, YEAR])
            return list(cursor.fetchall())

    baseline = median_time(hand, max(repeat, 3))
    got = sorted(
        (c, n) for c, n in _count(Warning.objects.filter(rule=rule, fiscal_year=YEAR).values_list("color", flat=True))
    )
    expected = sorted((c, n) for c, n in hand())
    projects = sum(n for _c, n in expected)
    record(
        "warning sweep (all counties)",
        seconds,
        baseline,
        "one SQL statement",
        projects=projects,
        colours_match=got == expected,
        jixiao_colours=got,
        sql_colours=expected,
    )
    if workers > 1:
        record(f"warning sweep ({workers} workers)", parallel_seconds, baseline, "one SQL statement")
    if got != expected:
        RESULTS["notes"].append(f"sweep colours differ from the hand SQL: {got} vs {expected}")


def _count(values: Any) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return list(counts.items())


# ---- 3. dashboards ------------------------------------------------------------------------------------------------


def bench_dashboards(tmp: Path, repeat: int) -> None:
    from django.db import connection

    from jixiao.alerts import selectors as alert_selectors
    from jixiao.execution import selectors
    from jixiao.execution.models import ProjectMonthExecution
    from jixiao.organizations.models import Department, FiscalRegion
    from jixiao.projects.models import Project, ProjectStatus

    log("3. dashboard panels")
    province_user = _province_user()
    # What the 执行进度分析 page of a province-wide user reads: every in-library project of the year, all departments.
    projects = Project.objects.filter(fiscal_year=YEAR, status=ProjectStatus.IN_LIBRARY, is_deleted=False)
    departments = Department.objects.all()
    duck = _duckdb(tmp)

    def sql(text: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(text, params)
                return cursor.fetchall()

        return run

    in_library = "p.status = 'in_library' AND NOT p.is_deleted"
    panels: list[tuple[str, Callable[[], Any], Callable[[], Any], str]] = [
        (
            "execution by month",
            lambda: selectors.execution_by_month_of_regions(FiscalRegion.objects.all(), YEAR),
            sql(
                "SELECT r.month, SUM(r.amount_yuan) FROM execution_projectmonthexecution r "  # noqa: S608 - constants
                f"JOIN projects_project p ON p.id = r.project_id WHERE p.fiscal_year = %s AND {in_library} "
                "AND r.fiscal_year = %s GROUP BY r.month ORDER BY r.month",
                [YEAR, YEAR],
            ),
            "SELECT r.month, SUM(r.amount_yuan) FROM rollup r JOIN project p ON p.id = r.project_id "  # noqa: S608 - constants
            f"WHERE p.fiscal_year = {YEAR} AND {in_library} AND r.fiscal_year = {YEAR} "
            "GROUP BY r.month ORDER BY r.month",
        ),
        (
            "execution by department",
            lambda: selectors.execution_by_department_of_departments(projects, departments, YEAR, AS_OF.month),
            sql(
                "SELECT p.department_id, d.name, SUM(p.total_amount_yuan) AS budget, SUM(COALESCE(x.e, 0)) "  # noqa: S608
                "FROM projects_project p JOIN organizations_department d ON d.id = p.department_id "
                "LEFT JOIN (SELECT project_id, SUM(amount_yuan) AS e FROM execution_projectmonthexecution "
                "WHERE fiscal_year < %s OR (fiscal_year = %s AND month <= %s) GROUP BY project_id) x "
                f"ON x.project_id = p.id WHERE p.fiscal_year = %s AND {in_library} GROUP BY p.department_id, d.name "
                "ORDER BY budget DESC, d.name",
                [YEAR, YEAR, AS_OF.month, YEAR],
            ),
            "SELECT p.department_id, d.name, SUM(p.total_amount_yuan) AS budget, SUM(COALESCE(x.e, 0)) "  # noqa: S608 - constants
            "FROM project p JOIN department d ON d.id = p.department_id LEFT JOIN (SELECT project_id, "
            f"SUM(amount_yuan) AS e FROM rollup WHERE fiscal_year < {YEAR} OR (fiscal_year = {YEAR} AND "
            f"month <= {AS_OF.month}) GROUP BY project_id) x ON x.project_id = p.id WHERE p.fiscal_year = {YEAR} "
            f"AND {in_library} GROUP BY p.department_id, d.name ORDER BY budget DESC, d.name",
        ),
        (
            "light counts by colour",
            lambda: alert_selectors.dashboard(province_user, YEAR),
            sql(
                "SELECT l.color, COUNT(*), SUM(p.total_amount_yuan) FROM alerts_projectlight l "
                "JOIN projects_project p ON p.id = l.project_id WHERE l.fiscal_year = %s AND NOT p.is_deleted "
                "GROUP BY l.color ORDER BY l.color",
                [YEAR],
            ),
            "SELECT l.color, COUNT(*), SUM(p.total_amount_yuan) FROM light l JOIN project p ON p.id = l.project_id "  # noqa: S608 - constants
            f"WHERE l.fiscal_year = {YEAR} AND NOT p.is_deleted GROUP BY l.color ORDER BY l.color",
        ),
    ]
    # The department rollup's answers must be the hand SQL's (same figures, to the cent).
    by_month = {row["month"]: row["amount"] for row in panels[0][1]() if row["amount"]}
    hand_month = {month: Decimal(str(amount)).quantize(Decimal("0.01")) for month, amount in panels[0][2]()}
    by_department = {row["department_id"]: row["executed"] for row in panels[1][1]()}
    hand_department = {pk: Decimal(str(e)).quantize(Decimal("0.01")) for pk, _n, _b, e in panels[1][2]()}
    card = {c["color"]: (c["count"], c["amount"]) for c in panels[2][1]() if c["count"]}
    hand_card = {color: (n, Decimal(str(a)).quantize(Decimal("0.01"))) for color, n, a in panels[2][2]()}
    RESULTS["dashboard_figures_match"] = by_month == hand_month and by_department == hand_department
    RESULTS["light_card_matches"] = card == hand_card
    if card != hand_card:
        RESULTS["notes"].append(f"light card differs from the hand SQL: {card} vs {hand_card}")
    if not RESULTS["dashboard_figures_match"]:
        RESULTS["notes"].append("dashboard figures differ from the hand SQL on the project rollup")
    RESULTS["rollup_rows"] = ProjectMonthExecution.objects.count()
    for name, jixiao, hand, duck_sql in panels:
        seconds = median_time(jixiao, repeat)
        baseline = median_time(hand, repeat)
        extra: dict[str, Any] = {}
        if duck is not None:

            def run_duck(query: str = duck_sql) -> Any:
                return duck.execute(query).fetchall()

            extra["duckdb_s"] = median_time(run_duck, repeat)
            extra["ratio_to_duckdb"] = seconds / extra["duckdb_s"]
        record(f"dashboard: {name}", seconds, baseline, "hand SQL on rollup", **extra)
        if duck is not None:
            log(f"  {'':<34} DuckDB {extra['duckdb_s'] * 1000:10.1f} ms   Jixiao ×{extra['ratio_to_duckdb']:6.2f}")


def _province_user() -> Any:
    """A 绩效处 officer of the province (the root of the generated regions): the dashboard card's widest reader."""
    from jixiao.accounts.models import Membership, User
    from jixiao.organizations.models import FiscalRegion

    root = FiscalRegion.objects.filter(parent__isnull=True).order_by("path").first()
    user, _created = User.objects.get_or_create(username="bench_province", defaults={"display_name": "省绩效处"})
    membership, _created = Membership.objects.get_or_create(user=user, role="performance", region=root)
    user.set_active_membership(membership)
    return user


def _duckdb(tmp: Path) -> Any:
    try:
        import duckdb
    except ImportError:
        RESULTS["notes"].append("DuckDB not installed: no DuckDB comparison")
        return None
    from jixiao.alerts.models import ProjectLight
    from jixiao.execution.models import ProjectMonthExecution
    from jixiao.organizations.models import Department
    from jixiao.projects.models import Project

    tables = {
        "rollup": ProjectMonthExecution.objects.values_list("project_id", "fiscal_year", "month", "amount_yuan"),
        "project": Project.objects.values_list(
            "id", "department_id", "fiscal_year", "total_amount_yuan", "status", "is_deleted"
        ),
        "department": Department.objects.values_list("id", "name"),
        "light": ProjectLight.objects.values_list("project_id", "fiscal_year", "color"),
    }
    columns = {
        "rollup": "project_id BIGINT, fiscal_year INT, month INT, amount_yuan DECIMAL(18,2)",
        "project": "id BIGINT, department_id BIGINT, fiscal_year INT, total_amount_yuan DECIMAL(18,2), status VARCHAR, "
        "is_deleted BOOLEAN",
        "department": "id BIGINT, name VARCHAR",
        "light": "project_id BIGINT, fiscal_year INT, color VARCHAR",
    }
    con = duckdb.connect()
    for name, rows in tables.items():
        path = tmp / f"duck_{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows.iterator(chunk_size=5000))
        con.execute(f"CREATE TABLE {name} ({columns[name]})")
        if path.stat().st_size:  # DuckDB cannot sniff an empty file (no lights before the first sweep)
            con.execute(f"COPY {name} FROM '{path}' (HEADER false)")
    return con


# ---- 4. pages under load -------------------------------------------------------------------------------------------


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "config.wsgi:application",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


async def _one(port: int, request: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/") else 0
    return time.perf_counter() - start, status


async def _load(port: int, path: str, cookie: str, connections: int, seconds: float) -> dict[str, Any]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\nAccept: text/html\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            try:
                latency, status = await _one(port, request)
            except OSError:
                errors += 1
                continue
            if status != 200:
                errors += 1
            latencies.append(latency)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0.0

    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "requests": len(latencies),
        "errors": errors,
    }


def bench_pages(seconds: float, levels: list[int]) -> None:
    from django.conf import settings
    from django.test import Client

    from jixiao.accounts.models import User

    log("4. pages under load (gunicorn, 2 workers)")
    client = Client()
    user = User.objects.get(username="r001_perf")
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = {
        "bare 20-row page": "/bench/bare/",
        "project list (scoped, filtered)": "/projects/?status=in_library&q=%E9%A1%B9%E7%9B%AE",
        "待办 home page": "/",
    }
    port = free_port()
    server = start_server(port, 2)
    try:
        for path in pages.values():  # warm every worker's caches
            asyncio.run(_load(port, path, cookie, 4, 1.0))
        for connections in levels:
            base = None
            for name, path in pages.items():
                out = asyncio.run(_load(port, path, cookie, connections, seconds))
                out |= {"page": name, "connections": connections}
                if base is None:
                    base = out
                out["throughput_ratio"] = out["rps"] / base["rps"] if base["rps"] else 0
                RESULTS["load"].append(out)
                log(
                    f"  {connections:>3} conn  {name:<32} {out['rps']:7.1f} req/s  p50 {out['p50_ms']:7.1f}  "
                    f"p95 {out['p95_ms']:7.1f}  p99 {out['p99_ms']:7.1f} ms  errors {out['errors']}  "
                    f"×{out['throughput_ratio']:.2f} of bare"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)


# ---- 5. deadline day ----------------------------------------------------------------------------------------------


def bench_deadline(users_count: int, threads: int) -> None:
    import random

    from django.db import connection

    from jixiao.accounts.models import User
    from jixiao.core.errors import DomainError
    from jixiao.demo.monitoring import _fill
    from jixiao.monitoring import services
    from jixiao.monitoring.models import MonitoringEvent, MonitoringRecord, RecordStatus

    log("5. deadline-day mix")
    pending = list(
        MonitoringRecord.objects.filter(fiscal_year=YEAR, status__in=[RecordStatus.PENDING, RecordStatus.FILLING])
        .select_related("region", "unit")
        .order_by("id")
    )
    # One record per unit, the unit's own login fills and submits it.
    chosen: dict[int, MonitoringRecord] = {}
    for record_ in pending:
        chosen.setdefault(record_.unit_id, record_)
    jobs = list(chosen.values())[:users_count]
    logins = {
        u.memberships.get().unit_id: u
        for u in User.objects.filter(memberships__unit_id__in=[r.unit_id for r in jobs], memberships__role="unit_user")
    }
    errors: list[str] = []
    expected_rejections = 0
    lock = threading.Lock()
    queue = list(enumerate(jobs))
    # Every fifth record is submitted twice at once (a double click): exactly one submission may win.
    doubles = {r.pk for i, r in enumerate(jobs) if i % 5 == 0}

    def submit(user: Any, record_id: int) -> bool:
        record_ = MonitoringRecord.objects.select_related("task", "region", "unit").get(pk=record_id)
        services.record_transition(actor=user, record=record_, action="submit")
        return True

    def worker() -> None:
        nonlocal expected_rejections
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    index, record_ = queue.pop()
                user = User.objects.get(pk=logins[record_.unit_id].pk)
                user.set_active_membership(user.memberships.select_related("region", "unit").get())
                try:
                    saved = _fill(random.Random(index), user, record_)
                    submit(user, saved.pk)
                    if record_.pk in doubles:
                        try:
                            submit(user, saved.pk)
                        except DomainError:
                            with lock:
                                expected_rejections += 1
                except Exception as exc:  # counted, reported
                    with lock:
                        errors.append(f"{record_.pk}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    start = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - start
    ids = [r.pk for r in jobs]
    submitted = MonitoringRecord.objects.filter(pk__in=ids, status=RecordStatus.SUBMITTED).count()
    events: dict[int, int] = {}
    for rid in MonitoringEvent.objects.filter(record_id__in=ids, action="submit").values_list("record_id", flat=True):
        events[rid] = events.get(rid, 0) + 1
    duplicates = sum(1 for n in events.values() if n > 1)
    lost = len(ids) - submitted
    RESULTS["deadline"] = {
        "records": len(ids),
        "threads": threads,
        "seconds": seconds,
        "submissions_per_s": len(ids) / seconds,
        "errors": len(errors),
        "lost": lost,
        "duplicated": duplicates,
        "double_clicks": len(doubles),
        "double_clicks_refused": expected_rejections,
        "first_errors": errors[:5],
    }
    log(
        f"  {len(ids)} unit users × save+submit on {threads} threads in {seconds:.1f} s: errors {len(errors)}, "
        f"lost {lost}, duplicated {duplicates}; double clicks refused {expected_rejections}/{len(doubles)}"
    )
    for line in errors[:5]:
        log(f"    {line}")


# ---- 6. export memory ------------------------------------------------------------------------------------------------


def bench_export(tmp: Path) -> None:
    log("6. streaming export memory")
    idle = child(["idle"])
    for fmt in ("csv", "xlsx"):
        out = child(["export", fmt, str(tmp / f"export.{fmt}")])
        RESULTS["memory"][f"export_{fmt}_peak_rss_mb"] = out["rss_kb"] / 1024
        RESULTS["memory"][f"export_{fmt}_extra_mb"] = (out["rss_kb"] - idle["rss_kb"]) / 1024
        RESULTS["memory"][f"export_{fmt}_rows"] = out["rows"]
        RESULTS["memory"][f"export_{fmt}_s"] = out["seconds"]
        log(
            f"  {fmt}: {out['rows']} payments in {out['seconds']:.1f} s, peak RSS {out['rss_kb'] / 1024:.0f} MB "
            f"(idle Django {idle['rss_kb'] / 1024:.0f} MB)"
        )


# ---- report --------------------------------------------------------------------------------------------------------


def write_results(args: argparse.Namespace) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    RESULTS["args"] = vars(args)
    (out / f"{stamp}.json").write_text(json.dumps(RESULTS, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    lines = [f"# Jixiao bench {stamp} ({args.scale}, {args.regions} counties)", "", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in RESULTS["machine"].items()]
    lines += ["", "## Data", "", *[f"- {k}: {v}" for k, v in RESULTS.get("data", {}).items()]]
    lines += [
        "",
        "## Operations",
        "",
        "| operation | Jixiao ms | baseline | baseline ms | × baseline time | DuckDB ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for op in RESULTS["operations"]:
        duck = f"{op['duckdb_s'] * 1000:.1f}" if "duckdb_s" in op else ""
        lines.append(
            f"| {op['name']} | {op['jixiao_s'] * 1000:.1f} | {op['baseline']} | "
            f"{op['baseline_s'] * 1000:.1f} | {op['ratio']:.2f} | {duck} |"
        )
    # The table holds times (its ratio: Jixiao's time ÷ the baseline's); the import's target is about throughput.
    lines += [""] + [
        f"- {op['name']} throughput: Jixiao {op['jixiao_rows_per_s']:,.0f} rows/s, {op['baseline']} "
        f"{op['baseline_rows_per_s']:,.0f} rows/s → **{op['throughput_ratio']:.2f}×** ({op['rows']:,} rows)"
        for op in RESULTS["operations"]
        if "throughput_ratio" in op
    ]
    lines += [
        "",
        "## Pages under load",
        "",
        "| connections | page | req/s | p50 ms | p95 ms | p99 ms | errors | × bare |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in RESULTS["load"]:
        lines.append(
            f"| {row['connections']} | {row['page']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | {row['throughput_ratio']:.2f} |"
        )
    lines += ["", "## Deadline day", "", *[f"- {k}: {v}" for k, v in RESULTS.get("deadline", {}).items()]]
    lines += [
        "",
        "## Memory",
        "",
        *[f"- {k}: {v:.1f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in RESULTS.get("memory", {}).items()],
    ]
    lines += ["", "## Notes", "", *[f"- {n}" for n in RESULTS["notes"]], "", f"Summary: {RESULTS['summary']}", ""]
    (out / f"{stamp}.md").write_text("\n".join(lines), encoding="utf-8")
    return out / f"{stamp}.md"


def summary() -> str:
    parts = []
    for op in RESULTS["operations"]:
        if "throughput_ratio" in op:
            parts.append(f"import {op['throughput_ratio']:.2f}× {op['baseline']} throughput")
        elif op["name"].startswith("warning"):
            label = "sweep" if op["name"] == "warning sweep (all counties)" else op["name"].replace("warning ", "")
            parts.append(f"{label} {op['ratio']:.2f}× SQL ({op['jixiao_s']:.2f} s)")
        else:
            duck = f", {op['ratio_to_duckdb']:.1f}× DuckDB" if "ratio_to_duckdb" in op else ""
            parts.append(f"{op['name'].split(': ')[-1]} {op['jixiao_s'] * 1000:.0f} ms ({op['ratio']:.1f}× SQL{duck})")
    for row in RESULTS["load"]:
        if row["connections"] == 50 and row["page"] != "bare 20-row page":
            parts.append(f"{row['page']} @50 {row['throughput_ratio']:.2f}× bare, p95 {row['p95_ms']:.0f} ms")
    deadline = RESULTS.get("deadline")
    if deadline:
        parts.append(f"deadline errors {deadline['errors']} lost {deadline['lost']} dup {deadline['duplicated']}")
    memory = RESULTS.get("memory", {})
    if memory:
        parts.append(
            f"memory import +{memory.get('import_extra_mb', 0):.0f} MB, "
            f"xlsx export +{memory.get('export_xlsx_extra_mb', 0):.0f} MB"
        )
    return "SUMMARY: " + " | ".join(parts)


PARTS = ("import", "sweep", "dashboards", "pages", "deadline", "export")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    # A stopped run (kill, Ctrl-C) still stops the PostgreSQL it started and removes its temp dir (the `finally`s).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["county", "province"], default="county")
    parser.add_argument("--regions", type=int, default=None, help="counties (county: 1, province: 20)")
    parser.add_argument("--payments-per-region", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--load-seconds", type=float, default=None, help="seconds per page and level")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter load runs (a smoke run)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the data an earlier run left in DATABASE_URL (no generation or import; not with import)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated parts to run (import,sweep,dashboards,pages,deadline,export); default: all",
    )
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()} or set(PARTS)
    if unknown := parts - set(PARTS):
        parser.error(f"unknown --only part(s): {', '.join(sorted(unknown))}")
    if args.reuse and ("import" in parts or not os.environ.get("DATABASE_URL", "").startswith("postgres")):
        parser.error("--reuse needs a PostgreSQL DATABASE_URL and --only without import")
    args.regions = args.regions or (1 if args.scale == "county" else 20)
    repeat = 3 if args.quick else 7
    load_seconds = args.load_seconds or (2.0 if args.quick else 6.0)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)  # noqa: S103 - the postgres user must reach its data dir below
        with contextlib.ExitStack() as stack:
            url = os.environ.get("DATABASE_URL", "")
            if args.scale == "province" and not url.startswith("postgres"):
                pg_dir = tmp / "pg"
                pg_dir.mkdir()
                url = stack.enter_context(local_postgres(pg_dir))
            elif args.scale == "county" or not url:
                url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            log(f"Jixiao bench: {args.scale} scale, {args.regions} counties, database {url.split('://')[0]}")
            django_setup(url)
            RESULTS["machine"] = machine(url)
            log(f"  machine: {RESULTS['machine']}")
            failure: BaseException | None = None
            try:
                run_parts(args, parts, tmp, repeat, load_seconds)
            except Exception as exc:  # the parts measured so far are still written
                failure = exc
                RESULTS["notes"].append(f"the run stopped: {type(exc).__name__}: {str(exc)[:500]}")
            RESULTS["total_s"] = time.perf_counter() - started
            RESULTS["summary"] = summary()
            from django.db import connections

            connections.close_all()
    path = write_results(args)
    log(f"results: {path} (total {RESULTS['total_s']:.0f} s)")
    log(RESULTS["summary"])
    if failure is not None:
        raise failure


def run_parts(args: argparse.Namespace, parts: set[str], tmp: Path, repeat: int, load_seconds: float) -> None:
    if args.reuse:
        reuse(args)
    else:
        files = build(args, tmp)
        if "import" in parts:
            bench_import(files, tmp)
        else:  # the other parts need the payments loaded (not timed)
            load_payments(files)
    if "sweep" in parts:
        bench_sweep(max(1, repeat // 2))
    if "dashboards" in parts:
        bench_dashboards(tmp, repeat)
    if "pages" in parts:
        bench_pages(load_seconds, [10, 50, 100])
    if "deadline" in parts:
        bench_deadline(40 if args.scale == "county" else 200, 10 if args.scale == "county" else 20)
    if "export" in parts:
        bench_export(tmp)


if __name__ == "__main__":
    main()
