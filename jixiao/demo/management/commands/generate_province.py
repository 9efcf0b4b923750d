"""`manage.py generate_province --regions N [--workers W] [--payments-csv PATH] [--database-url URL]`: scale data.

Builds N counties of a synthetic province (jixiao/demo/province/, issue 8) in an empty database, W processes at a
time on PostgreSQL; demo/testing only.
"""

from __future__ import annotations

import os
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jixiao.demo.province import PAYMENTS_PER_REGION, generate_province
from jixiao.demo.reset import DemoDataError
from jixiao.demo.security import relax_second_factor_for_demo


class Command(BaseCommand):
    help = (
        "生成模拟省级数据（N个县：组织、用户、项目、绩效目标和指标、监控记录、单位自评，支付数据写入CSV）；"
        "相同种子生成相同数据"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--regions", type=int, default=1, help="县级区划数（默认 1；全省约 200）")
        parser.add_argument("--seed", type=int, default=20260101, help="随机种子")
        parser.add_argument("--scale", type=float, default=1.0, help="每县规模系数（默认 1.0，约900个项目）")
        parser.add_argument("--payments-csv", type=Path, default=None, help="把支付数据写入此 CSV 文件（国库导入格式）")
        parser.add_argument(
            "--payments-per-region", type=int, default=PAYMENTS_PER_REGION, help="每县支付笔数（默认 50000）"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="并行生成的进程数（默认：PostgreSQL 为 min(4, CPU 数)，SQLite 为 1）",
        )
        parser.add_argument("--database-url", default="", help="写入此数据库（默认使用 DATABASE_URL）")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["database_url"]
        if url and os.environ.get("DATABASE_URL") != url:
            # Settings are read once at start-up: run again with the other database (and no --database-url).
            argv = [sys.executable, *sys.argv]
            index = next(i for i, a in enumerate(argv) if a.startswith("--database-url"))
            del argv[index : index + (1 if "=" in argv[index] else 2)]
            os.execve(sys.executable, argv, {**os.environ, "DATABASE_URL": url})  # noqa: S606
        started = time.monotonic()
        try:
            summary = generate_province(
                regions=options["regions"],
                seed=options["seed"],
                scale=options["scale"],
                payments_csv=options["payments_csv"],
                payments_per_region=options["payments_per_region"],
                workers=options["workers"],
                progress=(lambda message: self.stdout.write(f"  {message}")) if options["verbosity"] > 1 else None,
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        # The generated logins share the published demo password, as seed_demo's do: no second factor either.
        relax_second_factor_for_demo()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"模拟省级数据已生成（种子 {options['seed']}，用时 {elapsed:.1f} 秒）："))
        self.stdout.write(
            f"  县级区划 {summary.regions} 个，主管部门 {summary.departments} 个，预算单位 {summary.units} 个，"
            f"用户 {summary.users} 个"
        )
        self.stdout.write(
            f"  项目 {summary.projects} 个，绩效目标 {summary.targets} 个（指标 {summary.indicators} 条），"
            f"监控记录 {summary.monitoring_records} 条，单位自评 {summary.self_evaluations} 条，"
            f"事前评估 {summary.preassessments} 个"
        )
        self.stdout.write("  演示登录使用公开的演示口令，无需动态口令（与 seed_demo 相同；仅限演示与测试）")
        if options["payments_csv"]:
            self.stdout.write(f"  支付数据 {summary.payments} 笔 → {options['payments_csv']}")
