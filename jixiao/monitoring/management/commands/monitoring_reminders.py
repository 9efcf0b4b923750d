"""List and record reminders for monitoring records close to (or past) their deadline (run daily, e.g. from cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.monitoring.services import send_reminders


class Command(BaseCommand):
    help = "为临近填报截止日期（提前提醒天数以内）或已逾期的监控表生成站内提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按此日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不生成提醒")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        reminders = send_reminders(today, dry_run=options["dry_run"])
        for reminder in reminders:
            self.stdout.write(f"{reminder.record.unit_id}\t{reminder.message}")
        verb = "将生成" if options["dry_run"] else "已生成"
        self.stdout.write(self.style.SUCCESS(f"{verb}提醒{len(reminders)}条"))
