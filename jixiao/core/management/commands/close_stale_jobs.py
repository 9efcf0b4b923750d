"""End background work whose worker stopped: `manage.py close_stale_jobs [--older-than-hours 24]` (daily timer).

A worker killed mid-job (restart past its stop timeout, out of memory, machine lost) leaves the job 进行中 forever and
the user waiting. The work itself rolled back (imports are all or nothing); this marks such jobs failed so the page
says so and the user can start again, and lets each app close its own records (payment import batches).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jixiao.core.jobs import close_stale_jobs

MIN_HOURS = 2


class Command(BaseCommand):
    help = "将超时仍显示排队或进行中的后台任务（执行进程已停止）标记为失败"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours", type=int, default=24, help="queued before this many hours ago (default 24, min 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours < MIN_HOURS:
            raise CommandError(f"--older-than-hours 不得小于 {MIN_HOURS}：仍在运行的任务会被误关闭")
        closed = close_stale_jobs(before=timezone.now() - dt.timedelta(hours=hours))
        self.stdout.write(f"已关闭 {closed} 个中断的后台任务")
