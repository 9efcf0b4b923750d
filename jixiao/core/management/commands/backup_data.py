"""Back up the database: `manage.py backup_data OUT` (docs/deploy.md, 备份与恢复).

SQLite: online backup API. PostgreSQL: `pg_dump --format=custom` with the DATABASE_URL credentials. Writes `OUT` and
`OUT.manifest.json` (row counts per table, audit chain head, SHA-256). Uploaded files (MEDIA_ROOT) are backed up
separately (see docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core import backups


class Command(BaseCommand):
    help = "备份数据库（SQLite 在线备份 / PostgreSQL pg_dump 自定义格式），并写出行数清单"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="backup file to write")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        try:
            manifest = backups.backup(options["database"], out)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"OK：已备份到 {out}（{len(manifest['counts'])} 张表，{rows} 行，"
            f"审计链至序号 {manifest['audit_head']['seq']}）；清单 {backups.manifest_path(out)}"
        )
