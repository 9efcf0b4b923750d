"""Escalate disposition cases past their deadline: `escalate_warning_cases [--today DATE]` (run daily). Drafts the
提醒敦促函 of every escalated case still without one, including those the list pages escalated (they change the
status only; their background job may not have run)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jixiao.alerts.services import draft_reminder_letters, escalate_overdue


class Command(BaseCommand):
    help = "预警处置逾期处理（暂停拨付标记、提醒敦促函）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按此日期判断逾期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        count = escalate_overdue(today=today, draft_letters=False)
        drafted = draft_reminder_letters(today=today, region=None)
        self.stdout.write(f"逾期处理{count}件，起草提醒敦促函{drafted}份")
