"""Verify the HMAC-SM3 audit chain (SECURITY D03): `manage.py verify_audit_chain [--archive FILE.jsonl.gz]`.

Prints OK with the record count, or names the first broken record (seq, id, time) and exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import audit


class Command(BaseCommand):
    help = "校验审计日志的 HMAC-SM3 链，报告第一条异常记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="database alias (default: default)")
        parser.add_argument("--archive", type=Path, help="verify an archive file written by archive_audit instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["archive"]:
            try:
                header, result = audit.verify_archive(options["archive"])
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"无法读取归档文件：{exc}", returncode=1) from exc
            scope = f"归档文件（序号 {header['first_seq']}–{header['last_seq']}）"
        else:
            result = audit.verify_table(options["database"])
            scope = "审计链"
        if not result.ok:
            assert result.broken is not None
            raise CommandError(result.broken.describe(), returncode=1)
        self.stdout.write(f"OK：{scope}完整，共 {result.count} 条记录（最后序号 {result.last_seq}）")
