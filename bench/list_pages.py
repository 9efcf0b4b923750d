"""Project list pages at scale: time page renders against a same-run baseline and print ratios.

    .venv/bin/python bench/list_pages.py [--projects 100000] [--repeat 15]

Builds a throw-away SQLite database (or uses DATABASE_URL if set to a scratch PostgreSQL database), fills it
with N projects by bulk insert, then measures, with Django's test client, the median time of:

- baseline: the data work any list page must do (the scoped COUNT plus 20 rows via values_list), and
- each list page/API call a user makes.

It prints each median and its ratio to the baseline. Nothing is asserted: timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_path: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    os.environ["JIXIAO_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(n: int) -> None:
    from conftest import build_world
    from jixiao.organizations.models import BudgetUnit
    from jixiao.projects.models import Project

    world = build_world()
    units = list(BudgetUnit.objects.filter(region=world.region))
    batch: list[Project] = []
    for i in range(n):
        unit = units[i % len(units)]
        batch.append(
            Project(
                fiscal_year=2026,
                region=world.region,
                department_id=unit.department_id,
                unit=unit,
                code=f"B{i:07d}",
                name=f"基准测试项目{i}",
                fiscal_amount_yuan=Decimal(10000 + i % 9000),
                start_year=2026,
                end_year=2026,
                status=["draft", "submitted", "in_library"][i % 3],
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            batch.clear()
    Project.objects.bulk_create(batch)


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "bench.sqlite3"))
        _fill(args.projects)
        from django.test import Client

        from conftest import World  # noqa: F401
        from jixiao.accounts.models import User
        from jixiao.projects.models import Project

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username="p_perf"))

        user = User.objects.get(username="p_perf")

        def baseline() -> None:
            # The data work any list page must do: the scoped count and the first 20 rows, nothing else.
            scoped = Project.objects.visible_to(user)
            scoped.count()
            list(scoped.order_by("-fiscal_year", "code").values_list("code", "name")[:20])

        cases = {
            "项目列表 /projects/": lambda: client.get("/projects/"),
            "项目列表 第200页": lambda: client.get("/projects/?page=200"),
            "关键字筛选 ?q=项目99": lambda: client.get("/projects/?q=项目99"),
            "状态+金额筛选": lambda: client.get("/projects/?status=draft&min_amount_wan=1.5"),
            "按金额排序": lambda: client.get("/projects/?ordering=-amount"),
            "API 列表 /api/v1/projects/": lambda: client.get("/api/v1/projects/"),
            "工作台待办 /": lambda: client.get("/"),
        }
        base = _median(baseline, args.repeat)
        print(f"projects in table: {Project.objects.count()}, database: {os.environ['DATABASE_URL'].split(':')[0]}")
        print(f"{'case':<32}{'median ms':>12}{'× baseline':>12}")
        print(f"{'baseline (scoped COUNT+20 rows)':<32}{base * 1000:>12.1f}{1.0:>12.1f}")
        for name, fn in cases.items():
            value = _median(fn, args.repeat)
            print(f"{name:<32}{value * 1000:>12.1f}{value / base:>12.1f}")


if __name__ == "__main__":
    main()
