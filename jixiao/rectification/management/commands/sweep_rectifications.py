"""Reminders and escalation of overdue rectifications: `sweep_rectifications [--today DATE]` (run daily).

Idempotent: a second run on the same day changes nothing. Documents issued by the sweep are signed by the system.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jixiao.rectification.services import rectification_sweep


class Command(BaseCommand):
    help = "问题整改到期提醒与逾期督办（提醒敦促函、约谈通知书）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按此日期判断到期和逾期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        result = rectification_sweep(today=today)
        self.stdout.write(result.message)
