"""`manage.py seed_demo`: build the demo county (渠县) once; `--reset` rebuilds it (`make run`, `make seed`)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jixiao.accounts.demo_logins import DEMO_USERS, demo_logins
from jixiao.demo.generator import DEFAULT_SEED, DemoDataError, SeedSummary, seed_demo


class Command(BaseCommand):
    help = "生成演示县（渠县）的股室、主管部门、预算单位、项目和演示账号；相同种子生成相同数据"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
        parser.add_argument("--scale", type=float, default=1.0, help="规模系数：部门、单位和项目数量的倍数（默认 1.0）")
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再重新生成")
        parser.add_argument("--print-logins", action="store_true", help="打印演示账号和密码")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = seed_demo(seed=options["seed"], scale=options["scale"], reset=options["reset"])
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write("演示数据已存在（渠县 511725000），未做任何修改；如需重建请加 --reset。")
        else:
            elapsed = time.monotonic() - started
            heading = f"演示数据已生成（种子 {options['seed']}，规模 {options['scale']:g}）："
            self.stdout.write(self.style.SUCCESS(heading))
            for line in _summary_lines(summary):
                self.stdout.write(f"  {line}")
            self.stdout.write(f"  用时 {elapsed:.1f} 秒")
        if options["print_logins"]:
            self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("演示账号（仅限演示模式）：")
        self.stdout.write(f"  {'用户名':<12}{'密码':<14}说明")
        for username, password, label in demo_logins():
            self.stdout.write(f"  {username:<15}{password:<16}{label}")


def _summary_lines(summary: SeedSummary) -> list[str]:
    by_year = "，".join(f"{year}年度 {count} 个" for year, count in sorted(summary.projects.items(), reverse=True))
    return [
        f"财政区划 {summary.regions} 个，股室 {summary.sections} 个，主管部门 {summary.departments} 个，"
        f"预算单位 {summary.units} 个",
        f"项目 {sum(summary.projects.values())} 个（{by_year}）",
        f"事前绩效评估 {summary.preassessments} 个",
        f"绩效目标 {summary.targets} 个（另有部门整体绩效目标 {summary.overall_targets} 个）",
        f"用户 {summary.users} 个（含演示账号 {len(DEMO_USERS)} 个）",
    ]
